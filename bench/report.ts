/**
 * The results of one run: bench/results/latest.json for machines, bench/results/latest.md for
 * people, and the same summary between the markers in docs/BENCHMARKS.md (the README copies it).
 * A run with issue 18's tuned settings (BENCH_SETTINGS=tuned) writes tuned.json and tuned.md and
 * its own markers instead, so that the two runs the targets need stand side by side.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { repoRoot } from '../scripts/harness/paths';
import { n8nSettingsOf, SCENARIOS, type BenchConfig, type ScenarioName } from './lib/config';
import { runOf, stampOf, type EarlierRun, type RunEnvironment } from './lib/environment';
import type { CampaignResult, SendRun } from './scenarios/campaign';
import type { QueueCampaignResult } from './scenarios/campaignQueue';
import type { ConsentResult, ConsentRun } from './scenarios/consent';
import type { FollowUpResult } from './scenarios/followUp';
import type { InboundResult, ReceiverResult } from './scenarios/inbound';
import type { RoutingResult, RoutingRun } from './scenarios/routing';
import type { CampaignReportResult } from './scenarios/campaignReport';
import type { StoreBackendFigures, StoreResult } from './scenarios/store';
import { cpuPerResumedReply, evaluateTargets, sendPhaseOf, type TargetRow } from './targets';

export interface BenchResults {
	environment: RunEnvironment;
	config: BenchConfig;
	scenarios: {
		campaign?: CampaignResult;
		campaignQueue?: QueueCampaignResult;
		inbound?: InboundResult;
		consent?: ConsentResult;
		followUp?: FollowUpResult;
		routing?: RoutingResult;
		store?: StoreResult;
		campaignReport?: CampaignReportResult;
	};
	/** Scenarios that could not run, with the reason. */
	failures: Partial<Record<ScenarioName, string>>;
	seconds: Partial<Record<ScenarioName | 'total', number>>;
	/** Scenarios not measured in this run whose results were kept from an earlier one. */
	earlier?: Partial<Record<ScenarioName, EarlierRun>>;
}

const RESULTS_DIR = join(repoRoot, 'bench', 'results');
const DOC_FILE = join(repoRoot, 'docs', 'BENCHMARKS.md');

/** Where a run's results go: `latest` (defaults and anything else) or `tuned` (issue 18's tuned settings). */
export type ResultsName = 'latest' | 'tuned';

export const resultsNameOf = (config: Pick<BenchConfig, 'n8nEnv'>): ResultsName =>
	n8nSettingsOf(config.n8nEnv) === 'tuned' ? 'tuned' : 'latest';

/** The markers in docs/BENCHMARKS.md between which a run's summary is copied. */
const docMarkers = (name: ResultsName) => ({
	start: `<!-- bench:${name}:start -->`,
	end: `<!-- bench:${name}:end -->`,
});

const jsonFileOf = (name: ResultsName) => join(RESULTS_DIR, `${name}.json`);

/** A run's results as writeResults wrote them (its target rows are derived again). */
export async function readResults(name: ResultsName = 'latest'): Promise<BenchResults> {
	const file = jsonFileOf(name);
	if (!existsSync(file)) {
		throw new Error(`${file} is missing: run \`npm run bench\` once before --report-only`);
	}
	const written = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
	return {
		environment: written.environment,
		config: written.config,
		scenarios: written.scenarios,
		failures: written.failures,
		seconds: written.seconds,
		...(written.earlier ? { earlier: written.earlier } : {}),
	};
}

/** The results files present: what --report-only rewrites. */
export const writtenResults = (): ResultsName[] =>
	(['latest', 'tuned'] as const).filter((name) => existsSync(jsonFileOf(name)));

/**
 * A run of some scenarios (BENCH_SCENARIOS) keeps the other scenarios' results of the last run
 * with the same settings, each marked with the run that measured it, so that the reports stay
 * complete without presenting old figures as new ones.
 */
export async function withEarlierResults(results: BenchResults): Promise<BenchResults> {
	const name = resultsNameOf(results.config);
	if (!existsSync(jsonFileOf(name))) return results;
	return keepEarlierResults(results, await readResults(name));
}

/** withEarlierResults with the last run's results given. */
export function keepEarlierResults(results: BenchResults, previous: BenchResults): BenchResults {
	const scenarios: Record<string, unknown> = { ...results.scenarios };
	const earlier: Partial<Record<ScenarioName, EarlierRun>> = {};
	for (const name of SCENARIOS) {
		const kept = previous.scenarios[name];
		if (results.config.scenarios.includes(name) || kept === undefined) continue;
		scenarios[name] = kept;
		earlier[name] = previous.earlier?.[name] ?? stampOf(previous);
	}
	if (Object.keys(earlier).length === 0) return results;
	return { ...results, scenarios: scenarios as BenchResults['scenarios'], earlier };
}

/** Writes the results; returns the files written. */
export async function writeResults(results: BenchResults): Promise<string[]> {
	await mkdir(RESULTS_DIR, { recursive: true });
	const name = resultsNameOf(results.config);
	const targets = evaluateTargets(results);
	const jsonFile = jsonFileOf(name);
	// Every row names what it was measured on, so that a row copied elsewhere still says it.
	const rows = targets.map((row) => {
		const run = runOf(results, row.key);
		return {
			...row,
			measuredAt: run.measuredAt,
			n8nVersion: run.n8nVersion,
			nodeVersion: run.n8nNodeVersion,
			cores: run.cores,
			gitCommit: run.gitCommit,
		};
	});
	await writeFile(jsonFile, JSON.stringify({ ...results, targets: rows }, null, '\t') + '\n');
	const summary = summaryMarkdown(results, targets);
	const markdownFile = join(RESULTS_DIR, `${name}.md`);
	const title =
		name === 'tuned'
			? '# Benchmark results with tuned n8n settings\n\nThe run with issue 18’s tuned engine settings (`BENCH_SETTINGS=tuned`: lazy acquire and the compile cache for every n8n process, ours and the baselines alike); latest.md has the run with n8n’s defaults.'
			: '# Benchmark results';
	await writeFile(
		markdownFile,
		`${title}\n\nWritten by \`npm run bench\`; how to read them: docs/BENCHMARKS.md.\n\n${summary}\n${detailsMarkdown(results)}`,
	);
	const written = [jsonFile, markdownFile];
	if (existsSync(DOC_FILE)) {
		const doc = await readFile(DOC_FILE, 'utf8');
		const markers = docMarkers(name);
		const start = doc.indexOf(markers.start);
		const end = doc.indexOf(markers.end);
		if (start >= 0 && end > start) {
			await writeFile(
				DOC_FILE,
				`${doc.slice(0, start + markers.start.length)}\n${summary}\n${doc.slice(end)}`,
			);
			written.push(DOC_FILE);
		}
	}
	return written;
}

const fmt = (value: number | null | undefined, decimals = 0): string =>
	value === null || value === undefined
		? '—'
		: value.toLocaleString('en-US', { maximumFractionDigits: decimals });

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], rows: string[][]): string {
	return [
		`| ${header.join(' | ')} |`,
		`| ${header.map(() => '---').join(' | ')} |`,
		...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
	].join('\n');
}

function environmentLine(results: BenchResults): string {
	const env = results.environment;
	const commit = `${env.gitCommit.slice(0, 12)}${env.gitDirty ? ' with uncommitted changes' : ''}`;
	return (
		`Measured ${env.measuredAt} · n8n ${env.n8nVersion} on Node ${env.n8nNodeVersion} · ` +
		`${env.cores} cores (${env.cpuModel}), ${env.memoryGiB} GiB · commit ${commit} · ` +
		`load average ${env.loadAverageAtStart} at the start · whole run ${fmt(results.seconds.total)} s · ` +
		`n8n settings: ${settingsText(results.config.n8nEnv)}`
	);
}

/** "defaults", "tuned (A=true, B=true)", or the variables with a note that no settings-bound target is judged. */
function settingsText(n8nEnv: Record<string, string>): string {
	const list = Object.entries(n8nEnv)
		.map(([name, value]) => `${name}=${value}`)
		.join(', ');
	switch (n8nSettingsOf(n8nEnv)) {
		case 'defaults':
			return 'defaults';
		case 'tuned':
			return `tuned (${list})`;
		default:
			return `${list} (neither n8n’s defaults nor issue 18’s tuned settings: targets bound to either are only reported)`;
	}
}

const verdict = (met: boolean | null) => (met === null ? '—' : met ? 'yes' : '**no**');

/** Which scenarios were kept from which earlier run, one line per run. */
function earlierLines(results: BenchResults): string[] {
	const byRun = new Map<string, { run: EarlierRun; names: string[] }>();
	for (const [name, run] of Object.entries(results.earlier ?? {})) {
		const key = `${run.measuredAt} ${run.gitCommit}`;
		const group = byRun.get(key) ?? { run, names: [] };
		group.names.push(name);
		byRun.set(key, group);
	}
	return [...byRun.values()].map(
		({ run, names }) =>
			`Rows marked *(earlier run)* were not measured in this run: ${names.join(', ')} from the run of ${run.measuredAt} (n8n ${run.n8nVersion}, commit ${run.gitCommit.slice(0, 12)}${run.gitDirty ? ' with uncommitted changes' : ''}, load average ${run.loadAverageAtStart} at its start, n8n settings: ${settingsText(run.n8nEnv)}).`,
	);
}

export function summaryMarkdown(results: BenchResults, targets: TargetRow[]): string {
	const parts = [
		[environmentLine(results), ...earlierLines(results)].join('\n\n'),
		table(
			['Scenario', 'Measure', 'Ours', 'Baseline, same run', 'Ratio', 'Target', 'Met'],
			targets.map((row) => [
				results.earlier?.[row.key] ? `${row.scenario} *(earlier run)*` : row.scenario,
				row.measure,
				row.value,
				row.baseline,
				row.ratio,
				row.target,
				verdict(row.met),
			]),
		),
	];
	const misses = targets.filter((row) => row.cause);
	if (misses.length > 0) {
		parts.push(
			'**Below target or not decided, and why**\n\n' +
				misses.map((row) => `- ${row.scenario}, ${row.measure}: ${row.cause}`).join('\n'),
		);
	}
	const failures = Object.entries(results.failures);
	if (failures.length > 0) {
		parts.push(
			'**Not measured**\n\n' + failures.map(([name, reason]) => `- ${name}: ${reason}`).join('\n'),
		);
	}
	return parts.join('\n\n') + '\n';
}

function detailsMarkdown(results: BenchResults): string {
	const { campaign, campaignQueue, inbound, consent, followUp, routing, store, campaignReport } =
		results.scenarios;
	const sections: string[] = ['## Details'];
	if (campaign) sections.push(campaignDetails(campaign));
	if (campaignQueue) sections.push(queueDetails(campaignQueue));
	if (inbound) sections.push(inboundDetails(inbound));
	if (consent) sections.push(consentDetails(consent));
	if (followUp) sections.push(followUpDetails(followUp));
	if (routing) sections.push(routingDetails(routing));
	if (store) sections.push(storeDetails(store));
	if (campaignReport) sections.push(campaignReportDetails(campaignReport));
	sections.push(
		`Scenario durations (s): ${Object.entries(results.seconds)
			.map(([name, seconds]) => `${name} ${seconds}`)
			.join(', ')}. Sizes: ${JSON.stringify(results.config)}.`,
	);
	return sections.join('\n\n') + '\n';
}

function sendRow(label: string, run: SendRun): string[] {
	const errors = Object.entries(run.otherErrors)
		.map(([code, count]) => `${code}: ${count}`)
		.join(', ');
	return [
		label,
		fmt(run.messagesPerSecond, 1),
		fmt(sendPhaseOf(run), 1),
		fmt(run.seconds, 2),
		fmt(run.accepted),
		fmt(run.refusedThroughput),
		errors || '0',
		fmt(run.failedItems),
		fmt(run.n8n.cpuMsPerMessage, 2),
		fmt(run.n8n.coreShare, 2),
		`${fmt(run.n8n.peakRssMiB)} (${fmt(run.n8n.rssBeforeMiB)} before)`,
	];
}

function campaignDetails(campaign: CampaignResult): string {
	const rows = [
		sendRow(
			`1a our node, no pacing, ${campaign.uncapped.ours.concurrency} parallel`,
			campaign.uncapped.ours,
		),
	];
	const builtin = campaign.uncapped.builtin;
	if (!('skipped' in builtin))
		rows.push(sendRow('1a built-in WhatsApp Business Cloud node', builtin));
	rows.push(
		sendRow(`1b our node at ${campaign.capped.capMps} mps, emulator capped`, campaign.capped.ours),
	);
	return (
		`### 1 Campaign send (${fmt(campaign.recipients)} recipients, template ${campaign.template ?? 'order_confirmation (en_US)'} with ${campaign.variables ?? 3} variables by expression)\n\n` +
		'messages/s: accepted messages ÷ the node’s time from its first input to its output; send phase: from the first to the last accepted message at the TLS front.\n\n' +
		table(
			[
				'Run',
				'messages/s',
				'send phase msg/s',
				'node s',
				'accepted',
				'130429',
				'other errors',
				'failed items',
				'n8n CPU ms/msg',
				'n8n core share',
				'n8n RSS MiB',
			],
			rows,
		) +
		firstErrors(campaign)
	);
}

/** The first failed item's error of each run that had failures: what the sender saw. */
function firstErrors(campaign: CampaignResult): string {
	const runs: Array<[string, SendRun | { skipped: string }]> = [
		['our node, no cap', campaign.uncapped.ours],
		['built-in node', campaign.uncapped.builtin],
		['our node, capped', campaign.capped.ours],
	];
	const lines = runs.flatMap(([label, run]) =>
		'firstError' in run && run.firstError !== null
			? [`- ${label}: ${run.failedItems} items failed, the first with ${run.firstError}`]
			: [],
	);
	return lines.length === 0 ? '' : `\n\n${lines.join('\n')}`;
}

function queueDetails(queue: QueueCampaignResult): string {
	return (
		`### 1c Campaign send in queue mode (${fmt(queue.recipients)} recipients in ${fmt(queue.executions)} executions on ${fmt(queue.workers)} workers, capped at ${fmt(queue.capMps)} mps)\n\n` +
		'Main, one webhook processor and the workers on PostgreSQL and Redis, the store on PostgreSQL; each worker runs one execution at a time. node s: from the first execution’s start to the last one’s end. n8n figures: all its processes together (core share in cores; RSS: the processes’ peaks added up).\n\n' +
		table(
			[
				'Run',
				'messages/s',
				'send phase msg/s',
				'node s',
				'accepted',
				'130429',
				'other errors',
				'failed items',
				'n8n CPU ms/msg',
				'n8n core share',
				'n8n RSS MiB',
			],
			[sendRow(`our node at ${queue.capMps} mps, ${queue.workers} workers`, queue.run)],
		) +
		'\n\n' +
		table(
			['n8n process', 'CPU ms/msg', 'core share', 'peak RSS MiB'],
			queue.processes.map((load) => [
				load.name,
				fmt(load.cpuMsPerMessage, 2),
				fmt(load.coreShare, 2),
				fmt(load.peakRssMiB),
			]),
		) +
		(queue.run.firstError
			? `\n\n- ${queue.run.failedItems} items failed, the first with ${queue.run.firstError}`
			: '')
	);
}

function receiverTable(name: string, receiver: ReceiverResult): string {
	return (
		`${name}: max sustained ${receiver.maxSustainedPerSecond === null ? 'none' : `${fmt(receiver.maxSustainedPerSecond, 1)}/s`}, ${fmt(receiver.deliveriesSent)} deliveries sent\n\n` +
		table(
			[
				'offered/s',
				'acknowledged/s',
				'sent',
				'acknowledged',
				'errors',
				'p50 ms',
				'p99 ms',
				'max ms',
				'backlog s',
				'n8n CPU ms/delivery',
				'n8n core share',
				'sustained',
			],
			receiver.steps.map((step) => [
				fmt(step.offeredPerSecond, 1),
				fmt(step.achievedPerSecond, 1),
				fmt(step.sent),
				fmt(step.acknowledged),
				Object.entries(step.errors)
					.map(([status, count]) => `${status}: ${count}`)
					.join(', ') || '0',
				fmt(step.p50Ms),
				fmt(step.p99Ms),
				fmt(step.maxMs),
				fmt(step.backlogSeconds, 1),
				fmt(step.n8nCpuMsPerDelivery, 1),
				fmt(step.n8nCoreShare, 2),
				step.sustained ? 'yes' : 'no',
			]),
		)
	);
}

function inboundDetails(inbound: InboundResult): string {
	return [
		`### 2 Inbound burst\n\nA step is sustained when ${inbound.sustainedCriteria}.`,
		receiverTable('Our trigger', inbound.trigger),
		receiverTable('Plain n8n Webhook node', inbound.plainWebhook),
		receiverTable('n8n Webhook node with Header Auth', inbound.authenticatedWebhook),
	].join('\n\n');
}

function consentRow(label: string, run: ConsentRun | undefined): string[] {
	if (!run) return [label, '—', '—', '—', '—', '—', '—'];
	return [
		label,
		fmt(run.items),
		fmt(run.itemsPerSecond),
		fmt(run.seconds, 2),
		`+${fmt(run.growthMiB, 1)} (${fmt(run.rssBeforeMiB)} → ${fmt(run.peakRssMiB)})`,
		fmt(run.n8nCpuMsPerItem, 3),
		fmt(run.n8nCoreShare, 2),
	];
}

function consentDetails(consent: ConsentResult): string {
	return (
		`### 3 Consent Gate at scale (${consent.seededShare})\n\n` +
		table(
			['Run', 'items', 'items/s', 'node s', 'n8n RSS MiB', 'n8n CPU ms/item', 'n8n core share'],
			[
				consentRow('control: Set node, same expression', consent.control.tenth),
				consentRow('control: Set node, same expression', consent.control.full),
				consentRow('Consent Gate, SQLite', consent.sqlite.tenth),
				consentRow('Consent Gate, SQLite', consent.sqlite.full),
				consentRow('Consent Gate, PostgreSQL', consent.postgres.full),
			],
		)
	);
}

function followUpDetails(followUp: FollowUpResult): string {
	const errors = Object.entries(followUp.replyErrors)
		.map(([status, count]) => `${status}: ${count}`)
		.join(', ');
	const latencies = (values: { p50: number | null; p99: number | null; max: number | null }) => [
		fmt(values.p50),
		fmt(values.p99),
		fmt(values.max),
	];
	const waitNode = followUp.waitNode;
	const baseline =
		waitNode === undefined
			? ''
			: 'skipped' in waitNode
				? `\n\nBaseline, n8n’s Wait node resumed by webhook: not measured (${waitNode.skipped}).`
				: `\n\nBaseline on the same n8n right after: ${waitNode.waits} executions waiting in n8n’s own Wait node (Resume: On Webhook Call), all resumed at once through their resume URLs: ${waitNode.resumed} resumed, resume errors: ${
						Object.entries(waitNode.resumeErrors)
							.map(([status, count]) => `${status}: ${count}`)
							.join(', ') || '0'
					}; n8n CPU ${fmt(waitNode.n8nCpuMsPerResume, 1)} ms per resume.`;
	return (
		`### 4 Follow-up resume (${followUp.waits} waiting executions)\n\n` +
		table(
			['Measure', 'p50 ms', 'p99 ms', 'max ms'],
			[
				['reply webhook sent → Replied branch starts', ...latencies(followUp.replyToRepliedMs)],
				['reply webhook acknowledged by the trigger', ...latencies(followUp.replyAcknowledgedMs)],
				...(waitNode && !('skipped' in waitNode)
					? [
							[
								'baseline: resume URL called → the node after n8n’s Wait node starts',
								...latencies(waitNode.resumeToResumedMs),
							],
						]
					: []),
			],
		) +
		`\n\nResumed ${followUp.resumed}, not resumed ${followUp.notResumed}, reply errors: ${errors || '0'}; redelivered as Meta would: ${followUp.redeliveries ?? 0}, still not answered 200 after that: ${followUp.unacknowledgedAfterRedelivery ?? 0}; n8n CPU ${fmt(followUp.n8nCpuMsPerReply, 1)} ms per reply, ${fmt(cpuPerResumedReply(followUp), 1)} ms per resumed reply (hand-off, redeliveries and resumed execution).` +
		baseline
	);
}

function routingRunRow(run: RoutingRun): string[] {
	const check = run.check;
	const errors = Object.entries(run.errors)
		.map(([status, count]) => `${status}: ${count}`)
		.join(', ');
	return [
		run.receiver,
		fmt(run.workflows.length),
		fmt(run.deliveries),
		`${fmt(run.achievedPerSecond, 1)}/s`,
		errors || '0',
		`${fmt(run.redeliveries)} / ${fmt(run.unacknowledged)}`,
		`${fmt(run.p50Ms)} / ${fmt(run.p99Ms)}`,
		`${fmt(check.expectedPerDelivery, 2)} → ${fmt(check.actualPerDelivery, 2)}`,
		`${fmt(check.exactDeliveries)} of ${fmt(check.deliveries)}`,
		fmt(run.n8nCpuMsPerDelivery, 1),
		fmt(run.n8nCpuMsPerExecution, 1),
		fmt(run.n8nCoreShare, 2),
	];
}

/** Per workflow, executions expected and started, extra and missing ones. */
function routingWorkflowTable(run: RoutingRun): string {
	return table(
		['Workflow', 'role', 'keywords', 'expected', 'started', 'extra', 'missing'],
		run.workflows.map((workflow) => {
			const tally = run.check.byWorkflow[workflow.name] ?? {
				expected: 0,
				actual: 0,
				extra: 0,
				missing: 0,
			};
			return [
				workflow.name,
				workflow.role,
				workflow.keywords,
				fmt(tally.expected),
				fmt(tally.actual),
				tally.extra === 0 ? '0' : `**${fmt(tally.extra)}**`,
				tally.missing === 0 ? '0' : `**${fmt(tally.missing)}**`,
			];
		}),
	);
}

/** A mismatch between started and expected runs, stated where nobody can miss it. */
function routingMismatch(run: RoutingRun): string | null {
	const check = run.check;
	if (check.matches) return null;
	const examples = check.mismatches
		.map(
			(example) =>
				`  - "${example.text}": expected ${example.expected.join(', ') || 'none'}; started ${example.actual.join(', ') || 'none'}`,
		)
		.join('\n');
	return (
		`**ROUTING MISMATCH, ${run.receiver}: ${fmt(check.deliveries - check.exactDeliveries)} of ${fmt(check.deliveries)} deliveries did not start exactly their workflows` +
		(check.unattributedRuns > 0
			? `, and ${fmt(check.unattributedRuns)} runs name no delivery the benchmark sent`
			: '') +
		(run.unacknowledged > 0
			? ` (${fmt(run.unacknowledged)} deliveries were still not answered 200 after ${fmt(run.redeliveries)} redeliveries)`
			: '') +
		'.** First differences:\n' +
		examples
	);
}

function routingDetails(routing: RoutingResult): string {
	const runs = [routing.plainWebhook, routing.oneWorkflow, routing.fiveWorkflows];
	const mismatches = runs.map(routingMismatch).filter((text) => text !== null);
	return [
		`### 5 Many workflows on one number (${fmt(routing.deliveriesPerReceiver)} deliveries per receiver at ${fmt(routing.ratePerSecond, 1)}/s, after ${fmt(routing.fiveWorkflows.warmUpDeliveries)} warm-up deliveries)`,
		...mismatches,
		'Every delivery is a text message from another contact; the messages take turns (whom each should start with five workflows):\n\n' +
			routing.messageMix
				.map((message) => `- "${message.text}" → ${message.recipients.join(', ')}`)
				.join('\n'),
		table(
			[
				'Receiver',
				'workflows',
				'deliveries',
				'acknowledged/s',
				'first answers ≠ 200',
				'redelivered / never 200',
				'ack p50 / p99 ms',
				'executions per delivery, expected → started',
				'deliveries exactly right',
				'n8n CPU ms/delivery',
				'n8n CPU ms/execution',
				'n8n core share',
			],
			runs.map(routingRunRow),
		),
		`n8n CPU per delivery, same run: five workflows ÷ one ${fmt(routing.fiveVsOne, 2)}×, one workflow ÷ plain Webhook node ${fmt(routing.oneVsPlain, 2)}×, five workflows ÷ plain Webhook node ${fmt(routing.fiveVsPlain, 2)}×. The machine is shared with other work, so compare these ratios within one run rather than the milliseconds across runs. Executions are counted through n8n's API for the warm-up and the burst together; CPU is the burst's (its redeliveries included).`,
		routingWorkflowTable(routing.fiveWorkflows),
	].join('\n\n');
}

function campaignReportDetails(report: CampaignReportResult): string {
	const row = (
		label: string,
		pick: (figures: CampaignReportResult['results']['sqlite']) => number,
	) => [label, fmt(pick(report.results.sqlite)), fmt(pick(report.results.postgres))];
	return (
		`### Campaign Report (bench/campaignReport.ts, ${fmt(report.messages)} messages, measured ${report.measuredAt})\n\n` +
		table(
			['Measure (median of 3)', 'SQLite', 'PostgreSQL'],
			[
				row('campaign summary (ms)', (f) => f.campaignSummary_ms),
				row('time-range summary of the sender (ms)', (f) => f.timeRangeSummary_ms),
				row(
					'"delivered but not read" list, every recipient (ms)',
					(f) => f.deliveredNotReadList_ms,
				),
				row('recipients listed', (f) => f.listedRecipients),
			],
		)
	);
}

function storeDetails(store: StoreResult): string {
	const row = (label: string, pick: (figures: StoreBackendFigures) => string) => [
		label,
		pick(store.results.sqlite),
		pick(store.results.postgres),
	];
	const pair = (value: { sequential: number; concurrent16: number }) =>
		`${fmt(value.sequential)} / ${fmt(value.concurrent16)}`;
	return (
		`### State store (bench/store.ts, measured ${store.measuredAt})\n\n` +
		table(
			['Measure', 'SQLite', 'PostgreSQL'],
			[
				row('consent of 10,000 contacts, one batched query (ms)', (f) => fmt(f.consentBatch10k_ms)),
				row('consent of 10,000 contacts, one query each (ms)', (f) =>
					fmt(f.consentOnePerItem10k_ms),
				),
				row('dedup inserts/s (1 / 16 at once)', (f) => pair(f.dedupInserts_per_s)),
				row('window upserts/s (1 / 16 at once)', (f) => pair(f.windowUpserts_per_s)),
				row('wait claims/s (1 / 16 at once)', (f) => pair(f.claims_per_s)),
			],
		)
	);
}
