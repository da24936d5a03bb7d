/**
 * Two campaigns on one business number in n8n queue mode (main, webhook processor, two workers,
 * PostgreSQL, Redis; the package's store on PostgreSQL): each is a workflow whose send node is set
 * to (nearly) the number's whole rate, both are started at once and run on different workers. They
 * draw their slots from the number's timeline in the store (send_budgets, SharedRateLimiter), so
 * together they stay within the cap the emulator enforces (130429 past it) and still use nearly
 * all of it. Without the shared timeline each sends at its own rate, the two together at nearly
 * twice the cap, and about half of their messages are refused (measured: 140 of 300).
 */
import { randomUUID } from 'node:crypto';

import type { OutboundRecord } from '../../emulator';
import type { Execution, WorkflowInput } from '../../scripts/harness';
import {
	CREDENTIAL_NAMES,
	importWorkflow,
	outputOf,
	PACKAGE_NAME,
	settledExecutions,
	startWorld,
	type World,
} from '../helpers/e2eWorld';

/** The number's throughput cap at the emulator (messages per second). */
const NUMBER_MPS = 20;
/**
 * Each campaign's Messages per Second: the number's rate, as a user sets it. The node spaces its
 * slots for 95 % of it (RATE_HEADROOM): paced at exactly the cap, a message that reaches the
 * emulator a few ms late would share its last 1000 ms with the message 20 slots after it.
 */
const CAMPAIGN_MPS = NUMBER_MPS;
/**
 * At most this share of the messages refused for throughput. Not 0: on a busy machine a worker
 * or the emulator stalls now and then for 50–250 ms, and the messages held up reach the emulator
 * together, within a second of the ones 20 slots later (0–8 of 300 in runs at a load average of
 * 4–14 on 2 cores). Without the shared timeline about half are refused.
 */
const MAX_REFUSED_SHARE = 0.05;
const RECIPIENTS_PER_CAMPAIGN = 150;
/** Recipients of each campaign's warm-up run. */
const WARM_UP = 20;
const SEND_NODE = 'WhatsApp Automation';

const CAMPAIGNS = [
	{ name: 'Campaign A', path: 'campaign-queue-a', series: 1 },
	{ name: 'Campaign B', path: 'campaign-queue-b', series: 2 },
] as const;

/** `count` German mobile numbers of one campaign (E.164), distinct across campaigns. */
function recipients(series: number, count: number): string[] {
	return Array.from({ length: count }, (_, i) => `+49176${series}${String(i).padStart(6, '0')}`);
}

/**
 * Webhook (answers at once, the run goes to the queue) → Split Out (one item per recipient) →
 * Send Template at CAMPAIGN_MPS, no retries (a refusal stays the item's error),
 * continuing on error so every item reports its own result.
 */
function campaignWorkflow(name: string, path: string, phoneNumberId: string): WorkflowInput {
	return {
		name,
		nodes: [
			{
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
			},
			{
				name: 'Split Out',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [220, 0],
				parameters: { fieldToSplitOut: 'body.recipients', include: 'noOtherFields' },
			},
			{
				name: SEND_NODE,
				type: `${PACKAGE_NAME}.whatsAppAutomation`,
				typeVersion: 1,
				position: [440, 0],
				onError: 'continueRegularOutput',
				credentials: { whatsAppCloudApi: { name: CREDENTIAL_NAMES.whatsAppCloudApi } },
				parameters: {
					operation: 'sendTemplate',
					sender: { __rl: true, mode: 'id', value: phoneNumberId },
					recipientPhone: '={{ $json.phone }}',
					template: { __rl: true, mode: 'name', value: 'appointment_reminder|en_US' },
					variables: {
						mappingMode: 'defineBelow',
						value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4', body_4: 'Main St 1' },
					},
					options: { messagesPerSecond: CAMPAIGN_MPS, concurrency: 10, maxRetries: 0 },
				},
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] },
			'Split Out': { main: [[{ node: SEND_NODE, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/** Meta's error code of each send node item that was not sent. */
function refusals(execution: Execution): Array<number | string | undefined> {
	return outputOf(execution, SEND_NODE)
		.filter((item) => item.error !== undefined)
		.map((item) => (item.error as { code?: number }).code ?? JSON.stringify(item.error));
}

/** The worker whose log says it finished the execution. */
function workerOf(world: World, executionId: string): string | undefined {
	return new RegExp(`^\\[(worker-\\d+)\\] Worker finished execution ${executionId} `, 'm').exec(
		world.n8n.logs(),
	)?.[1];
}

/**
 * The shortest time in which the emulator accepted `cap` messages in a row: the closest the
 * campaigns came to a refusal (one more within 1000 ms of the first is refused). For the log.
 */
function tightestRun(messages: OutboundRecord[], cap: number): number {
	const times = messages.map((message) => Date.parse(message.createdAt)).sort((a, b) => a - b);
	let tightest = Infinity;
	for (let i = 0; i + cap - 1 < times.length; i++) {
		tightest = Math.min(tightest, times[i + cap - 1] - times[i]);
	}
	return tightest;
}

/** Accepted messages per second, by the emulator's own times: count / (last − first). */
function acceptedRate(messages: OutboundRecord[]): number {
	const times = messages.map((message) => Date.parse(message.createdAt)).sort((a, b) => a - b);
	return messages.length / ((times[times.length - 1] - times[0]) / 1000);
}

describe('two campaigns on one number in n8n queue mode (two workers, store on PostgreSQL)', () => {
	let world: World;

	beforeAll(async () => {
		world = await startWorld({
			queue: true,
			// One execution at a time per worker: two runs started at once go to different workers.
			env: { N8N_CONCURRENCY_PRODUCTION_LIMIT: '1' },
		});
		await world.control.setPhoneNumber(world.phoneNumberId, { mps: NUMBER_MPS });
	});

	afterAll(async () => {
		await world?.stop();
	});

	/** Starts both campaigns at once (run `run` of each) and returns their finished executions. */
	async function runBoth(
		campaigns: Array<{ workflowId: string; path: string }>,
		phonesOf: (index: number) => string[],
		run: number,
	): Promise<Execution[]> {
		// The webhook processor answers at once and puts each run in the queue.
		const started = await Promise.all(
			campaigns.map(
				async ({ path }, index) =>
					await world.n8n.webhook(path, {
						body: { recipients: phonesOf(index).map((phone) => ({ phone })) },
					}),
			),
		);
		expect(started.map((reply) => reply.status)).toEqual([200, 200]);
		return await Promise.all(
			campaigns.map(
				async ({ workflowId }) =>
					(await settledExecutions(world, workflowId, run, 240_000))[run - 1],
			),
		);
	}

	it('share the number’s rate on different workers: within the cap together, and near it', async () => {
		expect(world.store.backend).toBe('postgres');
		const campaigns = await Promise.all(
			CAMPAIGNS.map(async ({ name, path, series }) => ({
				workflowId: await importWorkflow(world, campaignWorkflow(name, path, world.phoneNumberId), {
					publish: true,
				}),
				phones: recipients(series, RECIPIENTS_PER_CAMPAIGN),
				path,
			})),
		);

		// A short run of both first, so each worker has sent before (its first requests are slower,
		// and a late first message crowds the second after it); then the emulator's second empties.
		await runBoth(campaigns, (index) => recipients(CAMPAIGNS[index].series + 2, WARM_UP), 1);
		await new Promise((resolve) => setTimeout(resolve, 1100));

		const executions = await runBoth(campaigns, (index) => campaigns[index].phones, 2);
		const workers = executions.map((execution) => workerOf(world, execution.id));
		const refused = executions.map(refusals);

		// The emulator's record of what it accepted, per campaign.
		const accepted = await world.control.messages({ phoneNumberId: world.phoneNumberId });
		const perCampaign = campaigns.map(({ phones }) => {
			const ours = new Set(phones.map((phone) => phone.slice(1)));
			return accepted.filter((message) => message.to !== undefined && ours.has(message.to));
		});
		const spans = perCampaign.map((messages) => {
			const times = messages.map((message) => Date.parse(message.createdAt));
			return { first: Math.min(...times), last: Math.max(...times) };
		});
		const combinedRate = acceptedRate(perCampaign.flat());
		const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
		console.log(
			[
				`two campaigns on one number capped at ${NUMBER_MPS} mps, each set to ${CAMPAIGN_MPS}:`,
				`combined ${combinedRate.toFixed(2)} mps (${((combinedRate / NUMBER_MPS) * 100).toFixed(1)} % of the cap),`,
				`accepted ${perCampaign.map((messages) => messages.length).join(' + ')},`,
				`refused ${refused.map((codes) => codes.length).join(' + ')} (${[...new Set(refused.flat())].join(', ') || 'none'}),`,
				`${NUMBER_MPS} in a row accepted within ${tightestRun(perCampaign.flat(), NUMBER_MPS)} ms at the tightest,`,
				`workers ${workers.join(' and ')},`,
				`spans ${spans.map(({ first, last }) => seconds(last - first)).join(' and ')},`,
				`overlap ${seconds(Math.min(spans[0].last, spans[1].last) - Math.max(spans[0].first, spans[1].first))}`,
			].join(' '),
		);

		expect(executions.map((execution) => execution.status)).toEqual(['success', 'success']);
		// Each ran on a worker, and not on the same one.
		expect(workers.every((worker) => worker !== undefined)).toBe(true);
		expect(new Set(workers).size).toBe(2);

		// Every item was sent or refused for the number's throughput, and hardly any were refused.
		const total = 2 * RECIPIENTS_PER_CAMPAIGN;
		expect([...new Set(refused.flat())].filter((code) => code !== 130429)).toEqual([]);
		expect(refused.flat().length).toBeLessThanOrEqual(MAX_REFUSED_SHARE * total);
		// The emulator accepted exactly the messages the node reports as sent.
		expect(perCampaign.map((messages) => messages.length)).toEqual(
			executions.map(
				(execution) => outputOf(execution, SEND_NODE).filter((item) => item.messageId).length,
			),
		);
		expect(perCampaign.map((messages) => messages.length)).toEqual(
			refused.map((codes) => RECIPIENTS_PER_CAMPAIGN - codes.length),
		);
		// They sent at the same time: each started before the other had sent its last message.
		expect(spans[0].first).toBeLessThan(spans[1].last);
		expect(spans[1].first).toBeLessThan(spans[0].last);
		// Together at 90 % of the number's cap or more, by the emulator's own times.
		expect(combinedRate).toBeGreaterThanOrEqual(0.9 * NUMBER_MPS);
	});
});
