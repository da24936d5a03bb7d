import { keepEarlierResults, summaryMarkdown, type BenchResults } from '../report';
import type { CampaignResult, SendRun } from '../scenarios/campaign';
import type { ConsentResult, ConsentRun } from '../scenarios/consent';
import type { InboundResult, ReceiverResult } from '../scenarios/inbound';
import type { RoutingResult, RoutingRun } from '../scenarios/routing';
import { checkRouting } from '../lib/routingModel';
import { evaluateTargets } from '../targets';
import { readBenchConfig } from '../lib/config';

function sendRun(
	messagesPerSecond: number,
	cpuMsPerMessage: number,
	extra: Partial<SendRun> = {},
): SendRun {
	return {
		seconds: 10_000 / messagesPerSecond,
		messagesPerSecond,
		accepted: 10_000,
		refusedThroughput: 0,
		otherErrors: {},
		acceptedWindowSeconds: null,
		failedItems: 0,
		firstError: null,
		n8n: { rssBeforeMiB: 600, peakRssMiB: 1400, cpuMsPerMessage, coreShare: 0.9 },
		...extra,
	};
}

function campaign(ours: number, builtin: number, capped: SendRun): CampaignResult {
	return {
		recipients: 10_000,
		uncapped: {
			ours: { ...sendRun(ours, 5), concurrency: 50 },
			builtin: { ...sendRun(builtin, 15), n8nVersion: '2.41.1' },
			oursVsBuiltin: Math.round((ours / builtin) * 100) / 100,
		},
		capped: { capMps: 1000, ours: capped, shareOfCap: capped.messagesPerSecond / 1000 },
	};
}

/** One sustained step, and a failed faster one when the receiver saturated. */
function receiver(maxSustainedPerSecond: number | null, saturatedRamp = true): ReceiverResult {
	const step = (offeredPerSecond: number, sustained: boolean) => ({
		offeredPerSecond,
		sent: 12,
		acknowledged: 12,
		errors: {},
		achievedPerSecond: sustained ? offeredPerSecond : offeredPerSecond / 2,
		p50Ms: 20,
		p99Ms: 40,
		maxMs: 40,
		sustained,
		backlogSeconds: 0,
		n8nCpuMsPerDelivery: 50,
		n8nCoreShare: sustained ? 0.5 : 1,
	});
	const top = maxSustainedPerSecond ?? 4;
	return {
		steps: [
			...(maxSustainedPerSecond === null ? [] : [step(top, true)]),
			...(saturatedRamp ? [step(top * 1.25, false)] : []),
		],
		maxSustainedPerSecond,
		p50Ms: maxSustainedPerSecond === null ? null : 20,
		p99Ms: maxSustainedPerSecond === null ? null : 40,
		deliveriesSent: 24,
	};
}

function consentRun(items: number, growthMiB: number): ConsentRun {
	return {
		items,
		seconds: items / 25_000,
		itemsPerSecond: 25_000,
		rssBeforeMiB: 700,
		peakRssMiB: 700 + growthMiB,
		growthMiB,
		n8nCpuMsPerItem: 0.04,
		n8nCoreShare: 1,
	};
}

function consent(extraTenth: number, extraFull: number): ConsentResult {
	return {
		contacts: 100_000,
		seededShare: 'every third',
		control: { tenth: consentRun(10_000, 80), full: consentRun(100_000, 700) },
		sqlite: {
			tenth: consentRun(10_000, 80 + extraTenth),
			full: consentRun(100_000, 700 + extraFull),
			extraOverControlMiB: { tenth: extraTenth, full: extraFull },
		},
		postgres: { full: consentRun(100_000, 700), extraOverControlMiB: { full: 0 } },
	};
}

function results(scenarios: BenchResults['scenarios']): BenchResults {
	return {
		environment: {
			measuredAt: '2026-11-22T00:00:00.000Z',
			n8nVersion: '2.41.1',
			n8nNodeVersion: '24.21.0',
			benchNodeVersion: '24.21.0',
			cores: 2,
			cpuModel: 'test CPU',
			memoryGiB: 24,
			gitCommit: 'abcdef0123456789',
			gitDirty: false,
			loadAverageAtStart: 0.5,
		},
		config: readBenchConfig({}),
		scenarios,
		failures: {},
		seconds: { total: 600 },
	};
}

const row = (rows: ReturnType<typeof evaluateTargets>, measure: string) => {
	const found = rows.find((candidate) => candidate.measure.startsWith(measure));
	if (!found) throw new Error(`no row "${measure}" in ${rows.map((r) => r.measure).join(', ')}`);
	return found;
};

describe('evaluateTargets', () => {
	it('meets the campaign targets without a cause when ours is 3× the built-in and reaches the cap', () => {
		const rows = evaluateTargets(results({ campaign: campaign(300, 90, sendRun(950, 1)) }));

		expect(row(rows, 'messages/s')).toMatchObject({ met: true, ratio: '3.33×' });
		expect(row(rows, 'messages/s').cause).toBeUndefined();
		expect(row(rows, 'share of the cap')).toMatchObject({ met: true });
		expect(row(rows, 'sends refused')).toMatchObject({ met: true, value: '0' });
	});

	it('explains a campaign below target with the run’s own CPU figures', () => {
		const rows = evaluateTargets(results({ campaign: campaign(100, 60, sendRun(140, 6.25)) }));

		expect(row(rows, 'messages/s').met).toBe(false);
		expect(row(rows, 'messages/s').cause).toMatch(/our node used 5 ms .*built-in node 15 ms/);
		expect(row(rows, 'share of the cap').cause).toMatch(
			/Not the pacing.*100 messages\/s.*about 160 per second/,
		);
	});

	it('blames refusals, not the ceiling, when the node could have reached the cap', () => {
		const capped = sendRun(800, 1, { refusedThroughput: 12 });
		const rows = evaluateTargets(results({ campaign: campaign(2000, 500, capped) }));

		expect(row(rows, 'share of the cap').cause).toMatch(/12 refusals/);
		expect(row(rows, 'sends refused')).toMatchObject({ met: false, value: '12' });
	});

	const inbound = (
		trigger: ReceiverResult,
		plainWebhook: ReceiverResult,
		triggerVsPlain: number | null,
	): InboundResult => ({
		deliveriesPerReceiver: 5000,
		sustainedCriteria: 'test',
		plainWebhook,
		authenticatedWebhook: receiver(16),
		trigger,
		triggerVsPlain,
		triggerVsAuthenticated: 1,
	});
	const inboundRow = (result: InboundResult) =>
		row(evaluateTargets(results({ inbound: result })), 'max sustained');

	it('has no inbound verdict when the plain webhook sustained no step', () => {
		expect(inboundRow(inbound(receiver(null), receiver(null), null))).toMatchObject({
			met: null,
			ratio: '—',
		});
	});

	it('judges the inbound ratio when both receivers saturated, and explains a miss by CPU per delivery', () => {
		const miss = inboundRow(inbound(receiver(16), receiver(20), 0.8));

		expect(miss).toMatchObject({ met: false, ratio: '0.8×' });
		expect(miss.cause).toMatch(
			/50 ms of CPU with our trigger and 50 ms with the plain Webhook node/,
		);
		expect(miss.cause).toMatch(
			/Header Auth.*trigger ÷ it: 1×\)\. So most of the gap is what n8n spends/,
		);
		expect(inboundRow(inbound(receiver(19), receiver(20), 0.95)).met).toBe(true);
	});

	it('says when the trigger fell behind while n8n was waiting rather than computing', () => {
		const trigger = receiver(5);
		trigger.steps[trigger.steps.length - 1].n8nCoreShare = 0.45;

		const miss = inboundRow(inbound(trigger, receiver(15), 0.33));

		expect(miss.met).toBe(false);
		expect(miss.cause).toMatch(
			/n8n computed only 45 % of the time: it was not short of CPU but waiting/,
		);
		expect(inboundRow(inbound(receiver(5), receiver(15), 0.33)).cause).not.toMatch(/waiting/);
	});

	it('treats a receiver whose deliveries ran out as a bound, deciding only what the bound decides', () => {
		// The plain webhook may do more than shown: a low ratio stays low, a high one is unknown.
		expect(inboundRow(inbound(receiver(50), receiver(100, false), 0.5))).toMatchObject({
			met: false,
			ratio: '≤ 0.5×',
		});
		const unknown = inboundRow(inbound(receiver(95), receiver(100, false), 0.95));
		expect(unknown.met).toBeNull();
		expect(unknown.cause).toMatch(/Not decided: the plain Webhook node still kept up/);
		// Our trigger may do more than shown: a high ratio stays high, a low one is unknown.
		expect(inboundRow(inbound(receiver(95, false), receiver(100), 0.95)).met).toBe(true);
		expect(inboundRow(inbound(receiver(50, false), receiver(100), 0.5)).met).toBeNull();
	});

	it('calls the gate’s memory flat when its extra over the control grows less than 5 % of n8n’s own', () => {
		// The control grew 700 MiB at full size: 35 MiB of tolerance.
		expect(row(evaluateTargets(results({ consent: consent(10, 40) })), 'gate memory').met).toBe(
			true,
		);

		const growing = row(evaluateTargets(results({ consent: consent(5, 69) })), 'gate memory');
		expect(growing.met).toBe(false);
		expect(growing.cause).toMatch(
			/grew by 64 MiB for 90,000 more items \(about 0\.73 KiB per item\)/,
		);
	});

	it('meets the consent speed target at 25,000 items/s', () => {
		const rows = evaluateTargets(results({ consent: consent(10, 15) }));

		expect(rows.filter((r) => r.measure === 'items/s').map((r) => r.met)).toEqual([true, true]);
	});
});

/** A receiver of scenario 5 whose runs are `runs` for two deliveries that should each start `bot`. */
function routingRun(
	cpuMs: number,
	runs: Array<{ workflow: string; messageIds: string[] }>,
): RoutingRun {
	return {
		receiver: 'test receiver',
		workflows: [{ name: 'bot', role: 'fallback', keywords: '—' }],
		warmUpDeliveries: 0,
		deliveries: 2,
		offeredPerSecond: 4,
		achievedPerSecond: 4,
		p50Ms: 50,
		p99Ms: 90,
		maxMs: 90,
		errors: {},
		redeliveries: 0,
		unacknowledged: 0,
		backlogSeconds: 0,
		n8nCpuMsPerDelivery: cpuMs,
		n8nCpuMsPerExecution: cpuMs,
		n8nCoreShare: 0.5,
		check: checkRouting(
			['bot'],
			[
				{ messageId: 'm1', text: 'hi', expected: ['bot'] },
				{ messageId: 'm2', text: 'PROMO', expected: ['bot'] },
			],
			runs,
		),
	};
}

const rightRuns = [
	{ workflow: 'bot', messageIds: ['m1'] },
	{ workflow: 'bot', messageIds: ['m2'] },
];

function routing(five: RoutingRun): RoutingResult {
	return {
		ratePerSecond: 4,
		deliveriesPerReceiver: 2,
		messageMix: [],
		plainWebhook: routingRun(50, rightRuns),
		oneWorkflow: routingRun(100, rightRuns),
		fiveWorkflows: five,
		fiveVsOne: five.n8nCpuMsPerDelivery / 100,
		oneVsPlain: 2,
		fiveVsPlain: five.n8nCpuMsPerDelivery / 50,
	};
}

describe('evaluateTargets, scenario 5', () => {
	it('meets the routing target when every delivery started exactly its workflows, and reports the CPU ratios', () => {
		const rows = evaluateTargets(results({ routing: routing(routingRun(250, rightRuns)) }));

		expect(row(rows, 'executions started per delivery')).toMatchObject({
			key: 'routing',
			met: true,
			value: '5 workflows: 1 → 1 (2 of 2 deliveries exact); 1 workflow: 1 → 1',
		});
		expect(row(rows, 'executions started per delivery').cause).toBeUndefined();
		expect(row(rows, 'n8n CPU per delivery, 5 trigger workflows against 1')).toMatchObject({
			value: '250 ms (1 execution per delivery)',
			ratio: '2.5×',
			met: null,
		});
		expect(row(rows, 'n8n CPU per delivery, 1 trigger workflow against a plain').ratio).toBe('2×');
		expect(row(rows, 'n8n CPU per delivery, 5 trigger workflows against a plain').ratio).toBe('5×');
	});

	it('fails the routing target on an extra run and names the workflow and the delivery', () => {
		const extra = routingRun(250, [...rightRuns, { workflow: 'bot', messageIds: ['m2'] }]);

		const verdict = row(
			evaluateTargets(results({ routing: routing(extra) })),
			'executions started',
		);

		expect(verdict.met).toBe(false);
		expect(verdict.value).toMatch(/5 workflows: 1 → 1\.5 \(1 of 2 deliveries exact\)/);
		expect(verdict.cause).toMatch(
			/^ROUTING MISMATCH\. test receiver: 1 of 2 deliveries started other workflows than they should \(bot 1 extra\); e\.g\. "PROMO" should start bot and started bot, bot\./,
		);
	});

	it('fails it on a missing run too, and says when a delivery was never acknowledged', () => {
		const missing = { ...routingRun(250, [rightRuns[0]]), unacknowledged: 1, redeliveries: 3 };

		const verdict = row(
			evaluateTargets(results({ routing: routing(missing) })),
			'executions started',
		);

		expect(verdict.met).toBe(false);
		expect(verdict.cause).toMatch(
			/bot 1 missing.*1 deliveries were never answered 200 \(after 3 redeliveries\)/,
		);
	});
});

describe('keepEarlierResults', () => {
	const earlierRun = results({
		campaign: campaign(100, 60, sendRun(140, 6.25)),
		consent: consent(10, 15),
	});
	const thisRun = (): BenchResults => ({
		...results({ routing: routing(routingRun(250, rightRuns)) }),
		environment: {
			...earlierRun.environment,
			measuredAt: '2026-12-01T00:00:00.000Z',
			gitCommit: '0123456789ab',
			loadAverageAtStart: 3,
		},
		config: { ...readBenchConfig({ BENCH_SCENARIOS: 'routing,consent' }) },
	});

	it('keeps the scenarios not chosen this time, stamped with the run that measured them', () => {
		const merged = keepEarlierResults(thisRun(), earlierRun);

		expect(Object.keys(merged.scenarios).sort()).toEqual(['campaign', 'routing']);
		expect(merged.earlier).toEqual({
			campaign: expect.objectContaining({
				measuredAt: '2026-11-22T00:00:00.000Z',
				gitCommit: 'abcdef0123456789',
				loadAverageAtStart: 0.5,
			}),
		});
		// Chosen but not measured (it failed): its old figures are not passed off as this run's.
		expect(merged.scenarios.consent).toBeUndefined();
	});

	it('keeps an earlier stamp through later runs and marks the kept rows in the summary', () => {
		const once = keepEarlierResults(thisRun(), earlierRun);
		const later = {
			...thisRun(),
			environment: { ...thisRun().environment, measuredAt: '2026-12-02T00:00:00.000Z' },
		};

		const twice = keepEarlierResults(later, once);
		const markdown = summaryMarkdown(twice, evaluateTargets(twice));

		expect(twice.earlier?.campaign?.measuredAt).toBe('2026-11-22T00:00:00.000Z');
		expect(markdown).toMatch(/Measured 2026-12-02T00:00:00\.000Z .*commit 0123456789ab/);
		expect(markdown).toMatch(
			/Rows marked \*\(earlier run\)\* were not measured in this run: campaign from the run of 2026-11-22T00:00:00\.000Z \(n8n 2\.41\.1, commit abcdef012345, load average 0\.5 at its start\)/,
		);
		expect(markdown).toMatch(
			/\| 1a Campaign send, 10,000 recipients, no cap \*\(earlier run\)\* \| messages\/s/,
		);
		expect(markdown).toMatch(
			/\| 5 Many workflows on one number, [^|]* \| executions started per delivery/,
		);
	});

	it('changes nothing when every scenario was chosen', () => {
		const full = { ...thisRun(), config: readBenchConfig({}) };

		expect(keepEarlierResults(full, earlierRun)).toBe(full);
	});
});

describe('summaryMarkdown', () => {
	it('names the environment, lists every row and explains every miss', () => {
		const run = results({ campaign: campaign(100, 60, sendRun(140, 6.25)) });
		const markdown = summaryMarkdown(run, evaluateTargets(run));

		expect(markdown).toMatch(/n8n 2\.41\.1 on Node 24\.21\.0 · 2 cores .*commit abcdef012345/);
		expect(markdown).toMatch(
			/\| 1a Campaign send, 10,000 recipients, no cap \| messages\/s \| 100 \|/,
		);
		expect(markdown).toMatch(/\*\*Below target or not decided, and why\*\*\n\n- 1a Campaign send/);
	});
});
