/**
 * Scenario 1c, the capped campaign in n8n's queue mode: a main, one webhook processor and
 * `queueWorkers` workers on PostgreSQL and Redis, our package's store on PostgreSQL. The campaign
 * (the same recipients, template and node settings as 1b) is split into one execution per worker,
 * each with its share of the recipients, all started together; they share the number's rate through
 * the store's send_budgets (nodes/helpers/sharedPacing.ts). Measured as 1b: the share of the cap
 * reached (whole campaign: first execution's start to last one's end; and its send phase, first to
 * last accepted message at the TLS front), refusals, and n8n's CPU over all its processes.
 *
 * Each worker takes one job at a time (N8N_CONCURRENCY_PRODUCTION_LIMIT=1), so that the executions
 * started together land on different workers instead of all on the first one that polls.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

import type { EmulatorControl, EmulatorInfo } from '../../emulator';
import type { PostgresStoreConfig } from '../../lib/store';
import { localPostgres } from '../../scripts/harness';
import type { BenchConfig } from '../lib/config';
import { CLOUD_API_TYPE, cloudApiCredentialData } from '../lib/credentials';
import { sendPhaseRate, startGraphFront } from '../lib/graphFront';
import { deploy, runStamped, startBenchN8n, type BenchN8n } from '../lib/n8n';
import {
	findN8nProcesses,
	waitUntilQuiet,
	watchProcess,
	type N8nProcess,
	type ProcessProfile,
} from '../lib/processes';
import { mib, round, sleep } from '../lib/stats';
import { stampedWorkflow } from '../lib/workflows';
import { summarize, type SendRun } from './campaign';
import { campaignRecipients, ourSendNode, SERIES, seriesDigits } from './campaignShared';

const WEBHOOK_PATH = 'bench-campaign-queue';
const WARM_UP_RECIPIENTS_PER_WORKER = 100;

/** One n8n process during the measured run. */
export interface QueueProcessLoad {
	/** `start` (main), `webhook` (processor) or `worker`, numbered: worker 1, worker 2. */
	name: string;
	cpuMsPerMessage: number;
	coreShare: number;
	peakRssMiB: number;
}

export interface QueueCampaignResult {
	recipients: number;
	workers: number;
	/** Executions started together, one per worker, each with its share of the recipients. */
	executions: number;
	capMps: number;
	/**
	 * The whole campaign: `seconds` from the first execution's start to the last one's end;
	 * `n8n` summed over every n8n process (core share: cores' worth of CPU, up to the cores;
	 * memory: the processes' peaks added up).
	 */
	run: SendRun;
	/** Whole-campaign rate ÷ cap. */
	shareOfCap: number;
	/** Send-phase rate ÷ cap. */
	sendPhaseShareOfCap: number | null;
	processes: QueueProcessLoad[];
}

export interface QueueCampaignContext {
	config: BenchConfig;
	emulatorInfo: EmulatorInfo;
	control: EmulatorControl;
	certificate: { key: string; cert: string };
	log: (line: string) => void;
}

export async function runQueueCampaign(ctx: QueueCampaignContext): Promise<QueueCampaignResult> {
	const { config, emulatorInfo, control, log } = ctx;
	const workers = config.queueWorkers;
	const storeDatabase = `wa_bench_${randomBytes(6).toString('hex')}`;
	await withAdmin((client) => client.query(`CREATE DATABASE "${storeDatabase}"`));
	const front = await startGraphFront({
		emulatorBaseUrl: emulatorInfo.baseUrl,
		certificate: ctx.certificate,
		port: 0,
	});
	const settingsBefore = await control.settings();
	let n8n: BenchN8n | undefined;
	try {
		log(`1c: starting n8n in queue mode (main, webhook processor, ${workers} workers)`);
		n8n = await startBenchN8n({
			withPackage: true,
			queue: { workers },
			env: {
				...config.n8nEnv,
				NODE_EXTRA_CA_CERTS: ctx.certificate.cert,
				N8N_CONCURRENCY_PRODUCTION_LIMIT: '1',
			},
		});
		const processes = namedProcesses(findN8nProcesses(n8n.n8n.runtime.n8nScript, n8n.userFolder));
		const workerCount = processes.filter((member) => member.command === 'worker').length;
		if (workerCount !== workers) {
			throw new Error(
				`expected ${workers} n8n workers on ${n8n.userFolder}, found ${workerCount} (${JSON.stringify(processes)})`,
			);
		}
		const store: PostgresStoreConfig = {
			backend: 'postgres',
			...localPostgres,
			database: storeDatabase,
			ssl: 'disable',
			schema: 'whatsapp_automation',
		};
		const credential = await n8n.n8n.api.createCredential({
			name: 'WhatsApp (bench queue campaign)',
			type: CLOUD_API_TYPE,
			data: cloudApiCredentialData(emulatorInfo, `https://localhost:${front.port}`, store),
		});
		await deploy(
			n8n.n8n,
			stampedWorkflow({
				countFailures: true,
				name: 'Campaign in queue mode, our node',
				webhookPath: WEBHOOK_PATH,
				listField: 'recipients',
				measured: ourSendNode(
					n8n.packageName ?? '',
					emulatorInfo.phoneNumbers[0].id,
					credential.name,
					{ messagesPerSecond: config.cappedMps, concurrency: config.campaignConcurrency },
				),
			}),
			{ credentials: { [CLOUD_API_TYPE]: credential } },
		);
		await control.settings({
			defaultMps: config.cappedMps,
			pairRate: { burst: 1_000_000, refillSeconds: 0 },
		});

		const instance = n8n;
		/** Runs the campaign split into one execution per worker, all started together. */
		const splitRun = async (recipients: number, series: number) => {
			const shares = split(campaignRecipients(recipients, series), workers);
			return await Promise.all(
				shares.map(
					async (share) => await runStamped(instance.n8n, WEBHOOK_PATH, { recipients: share }),
				),
			);
		};
		await splitRun(WARM_UP_RECIPIENTS_PER_WORKER * workers, SERIES.queueWarmUp);
		const warmedUp = front.counts(seriesDigits(SERIES.queueWarmUp));
		if (warmedUp.accepted === 0) {
			throw new Error(
				`the warm-up in queue mode sent nothing the emulator accepted (${JSON.stringify(warmedUp)}); check the n8n log`,
			);
		}
		for (const member of processes) await waitUntilQuiet(member.pid);
		// The emulator counts sends over the last second: start the measured run with it empty.
		await sleep(1100);

		log(
			`1c: ${config.campaignRecipients} recipients in ${workers} executions at ${config.cappedMps} mps, emulator capped`,
		);
		const watches = processes.map((member) => watchProcess(member.pid));
		const spans = await splitRun(config.campaignRecipients, SERIES.queue);
		const profiles = watches.map((watch) => watch.stop());
		const counts = front.counts(seriesDigits(SERIES.queue));
		const startedAt = Math.min(...spans.map((span) => span.startedAt));
		const endedAt = Math.max(...spans.map((span) => span.endedAt));
		const failed = spans.reduce((sum, span) => sum + (span.failed ?? 0), 0);
		const run = summarize(
			counts,
			{
				startedAt,
				endedAt,
				seconds: (endedAt - startedAt) / 1000,
				failed,
				firstError: spans.find((span) => span.failed)?.firstError,
			},
			combined(profiles),
			config.campaignRecipients,
		);
		const phase = sendPhaseRate(counts);
		return {
			recipients: config.campaignRecipients,
			workers,
			executions: spans.length,
			capMps: config.cappedMps,
			run,
			shareOfCap: round(run.messagesPerSecond / config.cappedMps, 3),
			sendPhaseShareOfCap: phase === null ? null : round(phase / config.cappedMps, 3),
			processes: processes.map((member, index) => ({
				name: member.name,
				cpuMsPerMessage: round(
					(profiles[index].cpuSeconds * 1000) / Math.max(1, config.campaignRecipients),
					2,
				),
				coreShare: round(profiles[index].coreShare, 2),
				peakRssMiB: mib(profiles[index].peakBytes),
			})),
		};
	} finally {
		await control.settings({
			defaultMps: settingsBefore.defaultMps,
			pairRate: settingsBefore.pairRate,
		});
		await n8n?.stop();
		await front.stop();
		await withAdmin((client) =>
			client.query(`DROP DATABASE IF EXISTS "${storeDatabase}" WITH (FORCE)`),
		);
	}
}

/** `items` in `parts` consecutive shares, as equal as they come (the first ones one longer). */
export function split<T>(items: readonly T[], parts: number): T[][] {
	const size = Math.floor(items.length / parts);
	const longer = items.length % parts;
	const shares: T[][] = [];
	let start = 0;
	for (let part = 0; part < parts; part++) {
		const end = start + size + (part < longer ? 1 : 0);
		shares.push(items.slice(start, end));
		start = end;
	}
	return shares;
}

/** Processes named for the report: main, webhook, worker 1, worker 2, … */
function namedProcesses(found: N8nProcess[]): Array<N8nProcess & { name: string }> {
	const seen = new Map<string, number>();
	return found.map((member) => {
		const count = (seen.get(member.command) ?? 0) + 1;
		seen.set(member.command, count);
		const name =
			member.command === 'start'
				? 'main'
				: member.command === 'worker'
					? `worker ${count}`
					: member.command;
		return { ...member, name };
	});
}

/** Several processes' profiles as one: CPU and memory added up, over the longest watch. */
export function combined(profiles: readonly ProcessProfile[]): ProcessProfile {
	const cpuSeconds = profiles.reduce((sum, profile) => sum + profile.cpuSeconds, 0);
	const wallSeconds = Math.max(0, ...profiles.map((profile) => profile.wallSeconds));
	return {
		startBytes: profiles.reduce((sum, profile) => sum + profile.startBytes, 0),
		peakBytes: profiles.reduce((sum, profile) => sum + profile.peakBytes, 0),
		cpuSeconds,
		wallSeconds,
		coreShare: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
	};
}

async function withAdmin(fn: (client: Client) => Promise<unknown>): Promise<void> {
	const client = new Client({ ...localPostgres, database: 'postgres' });
	await client.connect();
	try {
		await fn(client);
	} finally {
		await client.end();
	}
}
