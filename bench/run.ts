/**
 * `npm run bench`: the package inside the pinned n8n against Meta's limits and n8n's own nodes,
 * all measured in this one run on this machine. Writes bench/results/latest.json and latest.md
 * (tuned.json and tuned.md with BENCH_SETTINGS=tuned) and the table in docs/BENCHMARKS.md.
 * Measures and explains; never fails on a number.
 *
 * Sizes and the choice of scenarios come from BENCH_* variables (bench/lib/config.ts); a run of
 * some scenarios keeps the others' results from latest.json, marked with the run that measured
 * them. `npm run bench -- --report-only` rewrites the reports from latest.json without measuring.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EmulatorControl, startEmulator } from '../emulator';
import { ensureRuntime } from '../scripts/harness';
import { readBenchConfig, type ScenarioName } from './lib/config';
import { describeEnvironment } from './lib/environment';
import { makeCertificate } from './lib/graphFront';
import { startBenchN8n } from './lib/n8n';
import { buildPackage } from './lib/package';
import { waitUntilQuiet } from './lib/processes';
import {
	readResults,
	withEarlierResults,
	writeResults,
	writtenResults,
	type BenchResults,
} from './report';
import { runCampaign } from './scenarios/campaign';
import { runQueueCampaign } from './scenarios/campaignQueue';
import { runConsent } from './scenarios/consent';
import { runFollowUp } from './scenarios/followUp';
import { runInbound } from './scenarios/inbound';
import { deployReceivers, type Receivers } from './scenarios/receivers';
import { runRouting } from './scenarios/routing';
import { runStoreBenchmark } from './scenarios/store';
import { runCampaignReportBenchmark } from './scenarios/campaignReport';

const log = (line: string) =>
	console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
	const started = Date.now();
	const config = readBenchConfig();
	if (!config.skipBuild) buildPackage();
	const runtime = await ensureRuntime();
	const environment = describeEnvironment(runtime);
	const tempDir = await mkdtemp(join(tmpdir(), 'wa-bench-'));
	const certificate = await makeCertificate(tempDir);
	const emulator = await startEmulator();
	const control = new EmulatorControl(emulator.baseUrl);
	const emulatorInfo = emulator.info();
	log(
		`n8n ${runtime.n8nVersion}, ${environment.cores} cores, load ${environment.loadAverageAtStart}`,
	);
	const ours = await startBenchN8n({
		withPackage: true,
		env: { ...config.n8nEnv, NODE_EXTRA_CA_CERTS: certificate.cert },
	});

	const results: BenchResults = { environment, config, scenarios: {}, failures: {}, seconds: {} };
	let receivers: Receivers | undefined;
	const inboundReceivers = async () => (receivers ??= await deployReceivers(ours, emulatorInfo));
	const scenarios: Record<ScenarioName, () => Promise<void>> = {
		campaign: async () => {
			results.scenarios.campaign = await runCampaign({
				config,
				ours,
				emulatorInfo,
				control,
				certificate,
				tempDir,
				log,
			});
		},
		campaignQueue: async () => {
			results.scenarios.campaignQueue = await runQueueCampaign({
				config,
				emulatorInfo,
				control,
				certificate,
				log,
			});
		},
		inbound: async () => {
			results.scenarios.inbound = await runInbound(config, ours, await inboundReceivers(), log);
		},
		consent: async () => {
			results.scenarios.consent = await runConsent(config, ours, emulatorInfo, log);
		},
		followUp: async () => {
			results.scenarios.followUp = await runFollowUp(config, ours, await inboundReceivers(), log);
		},
		routing: async () => {
			results.scenarios.routing = await runRouting(config, ours, emulatorInfo, log);
		},
		store: async () => {
			results.scenarios.store = await runStoreBenchmark();
		},
		campaignReport: async () => {
			results.scenarios.campaignReport = await runCampaignReportBenchmark();
		},
	};

	try {
		for (const name of config.scenarios) {
			const scenarioStarted = Date.now();
			log(`scenario ${name}`);
			try {
				await waitUntilQuiet(ours.pid);
				await scenarios[name]();
			} catch (error) {
				// A scenario that cannot run is reported as such; the others still run.
				results.failures[name] = (error as Error).message;
				log(`scenario ${name} failed: ${(error as Error).stack ?? String(error)}`);
			}
			results.seconds[name] = Math.round((Date.now() - scenarioStarted) / 1000);
		}
	} finally {
		await ours.stop();
		await emulator.stop();
		await rm(tempDir, { recursive: true, force: true });
	}
	results.seconds.total = Math.round((Date.now() - started) / 1000);
	// Scenarios not chosen this time keep their last results, marked as such.
	const written = await writeResults(await withEarlierResults(results));
	log(`done in ${results.seconds.total} s; written: ${written.join(', ')}`);
}

/**
 * `--report-only`: rewrites latest.md (and tuned.md) and docs/BENCHMARKS.md from latest.json (and
 * tuned.json), measuring nothing.
 */
async function rewriteReport(): Promise<void> {
	const names = writtenResults();
	if (names.length === 0) await readResults(); // throws, naming the missing file
	for (const name of names) {
		const written = await writeResults(await readResults(name));
		log(`rewritten from the last ${name} run: ${written.join(', ')}`);
	}
}

(process.argv.includes('--report-only') ? rewriteReport() : main()).catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
