/**
 * Scenario 1, campaign send: one execution sends a template with four variables, each mapped by
 * an expression, to every recipient. (a) Without a cap at the emulator: our node against n8n's built-in "WhatsApp
 * Business Cloud" node, same emulator, same TLS front, same run. (b) The emulator capped at
 * `cappedMps` and our node paced to it: share of the cap reached, refusals, n8n's peak memory.
 */
import { join } from 'node:path';

import type { EmulatorControl, EmulatorInfo } from '../../emulator';
import type { BenchConfig } from '../lib/config';
import { CLOUD_API_TYPE, cloudApiCredentialData } from '../lib/credentials';
import {
	sendPhaseRate,
	startGraphFront,
	type GraphFront,
	type SendCounts,
} from '../lib/graphFront';
import { deploy, runStamped, type BenchN8n } from '../lib/n8n';
import { watchProcess, waitUntilQuiet, type ProcessProfile } from '../lib/processes';
import { mib, ratio, round, sleep } from '../lib/stats';
import { stampedWorkflow, type StampedAnswer } from '../lib/workflows';
import { privateHostsFile, runBuiltinBaseline } from './builtinBaseline';
import {
	CAMPAIGN_TEMPLATE,
	CAMPAIGN_VARIABLES,
	campaignRecipients,
	ourSendNode,
	SERIES,
	seriesDigits,
} from './campaignShared';

/** Meta only listens on 443, so the front must too (the built-in node cannot be pointed elsewhere). */
const FRONT_PORT = 443;
const WARM_UP_RECIPIENTS = 200;
const UNCAPPED_MPS = 1_000_000;

export interface SendRun {
	/** Wall time of the send node, from its first input to its output (workflow stamps). */
	seconds: number;
	/** The whole node's rate: accepted messages ÷ `seconds`. */
	messagesPerSecond: number;
	/**
	 * The send phase's rate: from the first to the last accepted message as the TLS front saw
	 * them (sendPhaseRate); null when fewer than two were accepted. Absent in results written
	 * before issue 18 (then derived from acceptedWindowSeconds).
	 */
	sendPhaseMessagesPerSecond: number | null;
	accepted: number;
	refusedThroughput: number;
	otherErrors: Record<string, number>;
	/** First to last accepted message, as the TLS front saw them. */
	acceptedWindowSeconds: number | null;
	/** Items the node output with an error, and the first of those errors. */
	failedItems: number;
	firstError: string | null;
	n8n: N8nLoad;
}

/** What the run cost the n8n process. */
export interface N8nLoad {
	rssBeforeMiB: number;
	peakRssMiB: number;
	/** n8n CPU time per recipient of the batch. */
	cpuMsPerMessage: number;
	/** CPU seconds per wall second: 1 = one core busy all along (n8n runs on one event loop). */
	coreShare: number;
}

export function n8nLoad(profile: ProcessProfile, items: number): N8nLoad {
	return {
		rssBeforeMiB: mib(profile.startBytes),
		peakRssMiB: mib(profile.peakBytes),
		cpuMsPerMessage: round((profile.cpuSeconds * 1000) / Math.max(1, items), 2),
		coreShare: round(profile.coreShare, 2),
	};
}

export interface CampaignResult {
	recipients: number;
	/** The template and how many body variables each message maps (absent before issue 18: 3). */
	template?: string;
	variables?: number;
	uncapped: {
		ours: SendRun & { concurrency: number };
		builtin: (SendRun & { n8nVersion: string }) | { skipped: string };
		oursVsBuiltin: number | null;
	};
	capped: {
		capMps: number;
		ours: SendRun;
		/** Whole-node rate ÷ cap. */
		shareOfCap: number;
	};
}

export interface CampaignContext {
	config: BenchConfig;
	ours: BenchN8n;
	emulatorInfo: EmulatorInfo;
	control: EmulatorControl;
	certificate: { key: string; cert: string };
	tempDir: string;
	log: (line: string) => void;
}

export async function runCampaign(ctx: CampaignContext): Promise<CampaignResult> {
	const { config, ours, emulatorInfo, control, log } = ctx;
	const phoneNumberId = emulatorInfo.phoneNumbers[0].id;
	const { front, builtinUnavailable } = await openFront(ctx);
	try {
		await control.settings({
			defaultMps: UNCAPPED_MPS,
			pairRate: { burst: 1_000_000, refillSeconds: 0 },
			minGraphVersion: 'v13.0',
		});
		const credential = await ours.n8n.api.createCredential({
			name: 'WhatsApp (bench campaign)',
			type: CLOUD_API_TYPE,
			data: cloudApiCredentialData(emulatorInfo, `https://localhost:${front.port}`, {
				backend: 'sqlite',
				path: join(ours.userFolder, 'campaign-store.sqlite'),
			}),
		});
		const deployed = async (
			path: string,
			pacing: { messagesPerSecond: number; concurrency: number },
		) =>
			await deploy(
				ours.n8n,
				stampedWorkflow({
					countFailures: true,
					name: `Campaign, our node (${path})`,
					webhookPath: path,
					listField: 'recipients',
					measured: ourSendNode(ours.packageName ?? '', phoneNumberId, credential.name, pacing),
				}),
				{ credentials: { [CLOUD_API_TYPE]: credential } },
			);
		await deployed('bench-campaign-uncapped', {
			messagesPerSecond: 0,
			concurrency: config.campaignConcurrency,
		});
		await deployed('bench-campaign-capped', {
			messagesPerSecond: config.cappedMps,
			concurrency: config.campaignConcurrency,
		});

		log(`1a: our node, ${config.campaignRecipients} recipients, no cap`);
		await warmUp(ours, front, 'bench-campaign-uncapped', SERIES.oursWarmUp);
		const oursUncapped = await sendRun(
			ours,
			front,
			'bench-campaign-uncapped',
			config.campaignRecipients,
			SERIES.ours,
		);
		await waitUntilQuiet(ours.pid);

		log(`1a: n8n's built-in node, ${config.campaignRecipients} recipients, no cap`);
		const builtin = builtinUnavailable
			? { skipped: builtinUnavailable }
			: await builtinRun(ctx, front, phoneNumberId);

		log(`1b: our node at ${config.cappedMps} mps, emulator capped at ${config.cappedMps} mps`);
		await control.settings({ defaultMps: config.cappedMps });
		await warmUp(ours, front, 'bench-campaign-capped', SERIES.oursCappedWarmUp);
		await waitUntilQuiet(ours.pid);
		// The emulator counts sends over the last second: start the measured run with it empty.
		await sleep(1100);
		const oursCapped = await sendRun(
			ours,
			front,
			'bench-campaign-capped',
			config.campaignRecipients,
			SERIES.oursCapped,
		);
		await control.settings({ defaultMps: UNCAPPED_MPS });

		return {
			recipients: config.campaignRecipients,
			template: `${CAMPAIGN_TEMPLATE.name} (${CAMPAIGN_TEMPLATE.language})`,
			variables: CAMPAIGN_VARIABLES.length,
			uncapped: {
				ours: { ...oursUncapped, concurrency: config.campaignConcurrency },
				builtin,
				oursVsBuiltin:
					'skipped' in builtin
						? null
						: ratio(oursUncapped.messagesPerSecond, builtin.messagesPerSecond),
			},
			capped: {
				capMps: config.cappedMps,
				ours: oursCapped,
				shareOfCap: round(oursCapped.messagesPerSecond / config.cappedMps, 3),
			},
		};
	} finally {
		await front.stop();
	}
}

/**
 * The TLS front on 443, where the built-in node looks for Meta. Without root (the port, and the
 * mount namespace of the baseline) the front takes any port: our node still runs, the built-in
 * baseline is reported as not measured, with the reason.
 */
async function openFront(
	ctx: CampaignContext,
): Promise<{ front: GraphFront; builtinUnavailable: string | null }> {
	const options = { emulatorBaseUrl: ctx.emulatorInfo.baseUrl, certificate: ctx.certificate };
	let reason =
		'the built-in node’s baseline needs root: a private /etc/hosts (unshare --mount) and port 443';
	if (process.getuid?.() === 0) {
		try {
			const front = await startGraphFront({ ...options, port: FRONT_PORT });
			return { front, builtinUnavailable: null };
		} catch (error) {
			reason = (error as Error).message;
		}
	}
	ctx.log(`${reason}; measuring our node only`);
	return { front: await startGraphFront({ ...options, port: 0 }), builtinUnavailable: reason };
}

async function warmUp(
	ours: BenchN8n,
	front: GraphFront,
	path: string,
	series: number,
): Promise<void> {
	await runStamped(ours.n8n, path, { recipients: campaignRecipients(WARM_UP_RECIPIENTS, series) });
	const counts = front.counts(seriesDigits(series));
	if (counts.accepted === 0) {
		throw new Error(
			`the warm-up of /webhook/${path} sent nothing the emulator accepted (${JSON.stringify(counts)}); ` +
				'check the credential and the workflow in the n8n log',
		);
	}
}

async function sendRun(
	ours: BenchN8n,
	front: GraphFront,
	path: string,
	recipients: number,
	series: number,
): Promise<SendRun> {
	const body = { recipients: campaignRecipients(recipients, series) };
	const watch = watchProcess(ours.pid);
	const span = await runStamped(ours.n8n, path, body);
	const profile = watch.stop();
	return summarize(front.counts(seriesDigits(series)), span, profile, recipients);
}

async function builtinRun(
	ctx: CampaignContext,
	front: GraphFront,
	phoneNumberId: string,
): Promise<CampaignResult['uncapped']['builtin']> {
	try {
		const output = await runBuiltinBaseline(
			{
				accessToken: ctx.emulatorInfo.accessToken,
				wabaId: ctx.emulatorInfo.wabaId,
				phoneNumberId,
				recipients: ctx.config.campaignRecipients,
				warmUpRecipients: WARM_UP_RECIPIENTS,
				certificateFile: front.certificateFile,
				resultFile: join(ctx.tempDir, 'builtin-result.json'),
				n8nEnv: ctx.config.n8nEnv,
			},
			await privateHostsFile(ctx.tempDir),
		);
		return {
			...summarize(
				front.counts(seriesDigits(SERIES.builtin)),
				output,
				output.profile,
				ctx.config.campaignRecipients,
			),
			n8nVersion: output.n8nVersion,
		};
	} catch (error) {
		ctx.log(`the built-in baseline could not run: ${(error as Error).message}`);
		return { skipped: (error as Error).message.split('\n')[0] };
	}
}

export function summarize(
	counts: SendCounts,
	span: StampedAnswer & { seconds: number },
	profile: ProcessProfile,
	items: number,
): SendRun {
	const seconds = span.seconds;
	return {
		seconds: round(seconds, 2),
		messagesPerSecond: round(counts.accepted / seconds, 1),
		sendPhaseMessagesPerSecond: sendPhaseRate(counts),
		accepted: counts.accepted,
		refusedThroughput: counts.refusedThroughput,
		otherErrors: counts.otherErrors,
		acceptedWindowSeconds:
			counts.firstAcceptedAt === null || counts.lastAcceptedAt === null
				? null
				: round((counts.lastAcceptedAt - counts.firstAcceptedAt) / 1000, 2),
		failedItems: span.failed ?? 0,
		firstError: span.firstError && span.firstError !== 'null' ? span.firstError : null,
		n8n: n8nLoad(profile, items),
	};
}
