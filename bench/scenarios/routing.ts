/**
 * Scenario 5, many workflows on one number (issue 17): the same burst of signed deliveries (a mix
 * of keyword and plain text messages, each from another contact) at one fixed, moderate rate into
 *
 *   - a plain n8n Webhook node workflow (the baseline: n8n's own cost of a webhook execution),
 *   - one published trigger workflow (a bot, role Fallback) on an account of its own,
 *   - five trigger workflows published together on another account (the same bot, two keyword
 *     flows, two Every Matching Event loggers), the deliveries going to the bot's URL: it records
 *     each event once and forwards it, signed, to the other chosen workflows' triggers.
 *
 * Per receiver: n8n's CPU per delivery, its executions and forwards included (until n8n is quiet
 * again), and every execution n8n started, read back through its API and attributed to the
 * deliveries by message id, against the workflows each delivery should start
 * (bench/lib/routingModel.ts): an extra or a missing run is counted and reported, never dropped.
 * Deliveries not answered 200 are delivered again after the burst, as Meta would.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import type { EmulatorInfo } from '../../emulator';
import type { KeywordMatchMode } from '../../lib/core/keywords';
import type { CreatedCredential, Execution } from '../../scripts/harness';
import type { BenchConfig } from '../lib/config';
import { CLOUD_API_TYPE, cloudApiCredentialData } from '../lib/credentials';
import { signedDelivery, textMessageBody } from '../lib/deliveries';
import { allExecutions, outputItemsOf, settleExecutions } from '../lib/executions';
import { sendAtRate, type PreparedRequest } from '../lib/load';
import { deploy, type BenchN8n } from '../lib/n8n';
import { waitUntilQuiet, watchProcess } from '../lib/processes';
import {
	checkRouting,
	expectedRecipients,
	type FlowSpec,
	type RoutingCheck,
	type RoutingRole,
	type SentDelivery,
	type StartedRun,
} from '../lib/routingModel';
import { ratio, round } from '../lib/stats';
import {
	plainWebhookNode,
	receiverWorkflow,
	TRIGGER_NODE_NAME,
	triggerNode,
} from '../lib/workflows';

const PLAIN_WEBHOOK_PATH = 'bench-routing-plain';
const PLAIN_WEBHOOK_NODE = 'Webhook';
const WARM_UP_DELIVERIES = 10;
/** Meta redelivers a webhook not answered 200; so does the benchmark, this many times at most. */
const REDELIVERY_ROUNDS = 3;

/** A trigger workflow as the scenario publishes it (its route id comes from n8n). */
export type FlowSetup = Omit<FlowSpec, 'routeId'>;

const BOT: FlowSetup = {
	name: 'Bot (fallback)',
	role: 'fallback',
	keywords: [],
	keywordMatch: 'exact',
	priority: 0,
};

/** The one-workflow case: a lone bot receives every message. */
export const ONE_WORKFLOW: readonly FlowSetup[] = [BOT];

/**
 * The five-workflow case. Deliveries go to the first (the bot). PROMO matches anywhere in the
 * text, ORDER only at its start: a message starting with ORDER and naming the promo lets the two
 * keyword flows compete (starts with is the more specific mode and wins). The audit logger
 * receives every message containing ORDER without competing; the CRM logger every message.
 */
export const FIVE_WORKFLOWS: readonly FlowSetup[] = [
	BOT,
	keywordFlow('PROMO campaign (keyword, contains PROMO)', 'PROMO', 'contains'),
	keywordFlow('Orders (keyword, starts with ORDER)', 'ORDER', 'startsWith'),
	{ ...BOT, name: 'CRM logger (every)', role: 'every' },
	{
		...BOT,
		name: 'Order audit (every, contains ORDER)',
		role: 'every',
		keywords: ['ORDER'],
		keywordMatch: 'contains',
	},
];

function keywordFlow(name: string, keyword: string, keywordMatch: KeywordMatchMode): FlowSetup {
	return { name, role: 'keyword', keywords: [keyword], keywordMatch, priority: 0 };
}

/** The burst's messages, in turn: keyword ones and plain ones. */
const MESSAGE_MIX: ReadonlyArray<(index: number) => string> = [
	() => 'PROMO',
	(index) => `order ${1000 + index}`,
	(index) => `Hello, this is customer ${index}`,
	(index) => `Where is my order ${1000 + index}?`,
	(index) => `Order ${1000 + index} with the promo code`,
];

/** The text of the burst's `index`th message. */
export const messageText = (index: number): string =>
	MESSAGE_MIX[index % MESSAGE_MIX.length](index);

export interface RoutingRun {
	receiver: string;
	workflows: Array<{ name: string; role: RoutingRole | 'webhook'; keywords: string }>;
	warmUpDeliveries: number;
	/** The measured burst. */
	deliveries: number;
	offeredPerSecond: number;
	achievedPerSecond: number;
	p50Ms: number | null;
	p99Ms: number | null;
	maxMs: number | null;
	/** First answers other than 200, by status. */
	errors: Record<string, number>;
	/** Deliveries sent again because they were not answered 200. */
	redeliveries: number;
	/** Deliveries still not answered 200 after the last redelivery. */
	unacknowledged: number;
	/** How long n8n was still busy after the burst's last answer. */
	backlogSeconds: number;
	/** n8n's CPU time per delivery of the burst, its executions, forwards and redeliveries included. */
	n8nCpuMsPerDelivery: number;
	/** The same CPU time per execution the burst's deliveries started. */
	n8nCpuMsPerExecution: number | null;
	n8nCoreShare: number;
	/** Executions started against the workflows each delivery should start (warm-up included). */
	check: RoutingCheck;
}

export interface RoutingResult {
	ratePerSecond: number;
	deliveriesPerReceiver: number;
	/** The mix's messages and whom each should reach in the five-workflow case. */
	messageMix: Array<{ text: string; recipients: string[] }>;
	plainWebhook: RoutingRun;
	oneWorkflow: RoutingRun;
	fiveWorkflows: RoutingRun;
	/** n8n CPU per delivery, five workflows ÷ one. */
	fiveVsOne: number | null;
	oneVsPlain: number | null;
	fiveVsPlain: number | null;
}

interface DeployedFlow extends FlowSpec {
	workflowId: string;
	/** The node whose output names the message. */
	startNode: string;
}

interface Receiver {
	label: string;
	url: string;
	flows: DeployedFlow[];
	/** The message ids an execution of this receiver was started for. */
	messageIdsOf(execution: Execution, flow: DeployedFlow): string[];
}

export async function runRouting(
	config: BenchConfig,
	ours: BenchN8n,
	info: EmulatorInfo,
	log: (line: string) => void,
): Promise<RoutingResult> {
	const receivers = {
		plain: await deployPlainWebhook(ours),
		one: await deployTriggers(ours, info, 'one', ONE_WORKFLOW),
		five: await deployTriggers(ours, info, 'five', FIVE_WORKFLOWS),
	};
	const measureOne = async (receiver: Receiver, series: number) => {
		log(`  ${receiver.label}`);
		const run = await measure(config, ours, info, receiver, series);
		const check = run.check;
		log(
			`  ${run.n8nCpuMsPerDelivery} ms n8n CPU per delivery; executions per delivery ${check.expectedPerDelivery} expected, ${check.actualPerDelivery} started` +
				(check.matches
					? ''
					: ` — ROUTING MISMATCH: ${check.deliveries - check.exactDeliveries} deliveries differ, ${JSON.stringify(check.byWorkflow)}`),
		);
		return run;
	};
	const plainWebhook = await measureOne(receivers.plain, 1);
	const oneWorkflow = await measureOne(receivers.one, 2);
	const fiveWorkflows = await measureOne(receivers.five, 3);
	const cpu = (run: RoutingRun) => run.n8nCpuMsPerDelivery;
	return {
		ratePerSecond: config.routingRate,
		deliveriesPerReceiver: config.routingDeliveries,
		messageMix: MESSAGE_MIX.map((_, index) => {
			const text = messageText(index);
			return { text, recipients: expectedRecipients(text, receivers.five.flows) };
		}),
		plainWebhook,
		oneWorkflow,
		fiveWorkflows,
		fiveVsOne: ratio(cpu(fiveWorkflows), cpu(oneWorkflow)),
		oneVsPlain: ratio(cpu(oneWorkflow), cpu(plainWebhook)),
		fiveVsPlain: ratio(cpu(fiveWorkflows), cpu(plainWebhook)),
	};
}

async function deployPlainWebhook(ours: BenchN8n): Promise<Receiver> {
	const name = 'Plain n8n Webhook node';
	const workflowId = await deploy(
		ours.n8n,
		receiverWorkflow(`Routing: ${name}`, plainWebhookNode(PLAIN_WEBHOOK_PATH)),
	);
	return {
		label: name,
		url: `${ours.n8n.webhookBaseUrl}/webhook/${PLAIN_WEBHOOK_PATH}`,
		// Modelled as a route that takes every message: one run per delivery.
		flows: [
			{
				name,
				role: 'every',
				keywords: [],
				keywordMatch: 'exact',
				priority: 0,
				routeId: workflowId,
				workflowId,
				startNode: PLAIN_WEBHOOK_NODE,
			},
		],
		messageIdsOf: (execution, flow) =>
			outputItemsOf(execution, flow.startNode).flatMap((item) => metaMessageIds(item.body)),
	};
}

/** The message ids of a Meta webhook body as n8n's Webhook node received it. */
function metaMessageIds(body: unknown): string[] {
	const entries = (body as { entry?: Array<{ changes?: Array<{ value?: unknown }> }> })?.entry;
	return (entries ?? []).flatMap((entry) =>
		(entry.changes ?? []).flatMap((change) =>
			((change.value as { messages?: Array<{ id?: unknown }> })?.messages ?? []).flatMap(
				(message) => (typeof message.id === 'string' ? [message.id] : []),
			),
		),
	);
}

/**
 * Publishes the flows, first to last, with a credential (and so a store, and so a set of routes)
 * of their own; the deliveries go to the first flow's trigger.
 */
async function deployTriggers(
	ours: BenchN8n,
	info: EmulatorInfo,
	label: string,
	setups: readonly FlowSetup[],
): Promise<Receiver> {
	const credential: CreatedCredential = await ours.n8n.api.createCredential({
		name: `WhatsApp (bench routing, ${label})`,
		type: CLOUD_API_TYPE,
		data: cloudApiCredentialData(info, info.baseUrl, {
			backend: 'sqlite',
			path: join(ours.userFolder, `routing-${label}.sqlite`),
		}),
	});
	const flows: DeployedFlow[] = [];
	let firstUrl = '';
	for (const setup of setups) {
		const node = triggerNode(
			ours.packageName ?? '',
			credential.name,
			randomBytes(16).toString('hex'),
			{
				routingRole: setup.role,
				keywords: setup.keywords.join('\n'),
				keywordMatch: setup.keywordMatch,
				...(setup.role === 'keyword' ? { keywordPriority: setup.priority } : {}),
			},
		);
		const workflowId = await deploy(
			ours.n8n,
			receiverWorkflow(`Routing ${label}: ${setup.name}`, node),
			{ credentials: { [CLOUD_API_TYPE]: credential } },
		);
		const nodeId = await nodeIdOf(ours, workflowId, TRIGGER_NODE_NAME);
		flows.push({
			...setup,
			routeId: `${workflowId}/${nodeId}`,
			workflowId,
			startNode: TRIGGER_NODE_NAME,
		});
		firstUrl ||= `${ours.n8n.webhookBaseUrl}/webhook/${node.webhookId}/webhook`;
	}
	return {
		label:
			setups.length === 1
				? 'One trigger workflow'
				: `${setups.length} trigger workflows on one account`,
		url: firstUrl,
		flows,
		messageIdsOf: (execution, flow) =>
			outputItemsOf(execution, flow.startNode).flatMap((item) =>
				typeof item.messageId === 'string' ? [item.messageId] : [],
			),
	};
}

/** The id n8n gave the workflow's node (part of the trigger's route id). */
async function nodeIdOf(ours: BenchN8n, workflowId: string, nodeName: string): Promise<string> {
	const reply = await ours.n8n.api.request('GET', `/api/v1/workflows/${workflowId}`);
	const node = (
		reply.json as { nodes?: Array<{ name: string; id?: string }> } | undefined
	)?.nodes?.find((candidate) => candidate.name === nodeName);
	if (reply.status !== 200 || typeof node?.id !== 'string') {
		throw new Error(
			`workflow ${workflowId} answered ${reply.status} without an id for its node "${nodeName}"`,
		);
	}
	return node.id;
}

async function measure(
	config: BenchConfig,
	ours: BenchN8n,
	info: EmulatorInfo,
	receiver: Receiver,
	series: number,
): Promise<RoutingRun> {
	const sent: SentDelivery[] = [];
	const deliveries = (count: number): PreparedRequest[] =>
		Array.from({ length: count }, () => {
			const index = sent.length;
			const text = messageText(index);
			const messageId = `wamid.bench-routing-${series}-${index}-${Date.now()}`;
			sent.push({ messageId, text, expected: expectedRecipients(text, receiver.flows) });
			const body = textMessageBody({
				wabaId: info.wabaId,
				phoneNumberId: info.phoneNumbers[0].id,
				// Every delivery from another contact.
				from: `49158${series}${String(index).padStart(6, '0')}`,
				wamid: messageId,
				text,
				sentAt: new Date(),
			});
			return signedDelivery(receiver.url, body, info.appSecret);
		});
	const sendAll = async (requests: PreparedRequest[]) => {
		const failed: PreparedRequest[] = [];
		const result = await sendAtRate(requests, config.routingRate, (index) =>
			failed.push(requests[index]),
		);
		return { result, failed };
	};
	// Sent again after n8n went quiet, as Meta would; returns how many were sent and still failed.
	const redeliver = async (pending: PreparedRequest[]) => {
		let redeliveries = 0;
		for (let round = 0; round < REDELIVERY_ROUNDS && pending.length > 0; round++) {
			redeliveries += pending.length;
			pending = (await sendAll(pending)).failed;
			await waitUntilQuiet(ours.pid);
		}
		return { redeliveries, unacknowledged: pending.length };
	};

	const warmUp = await sendAll(deliveries(WARM_UP_DELIVERIES));
	if (warmUp.result.acknowledged === 0) {
		throw new Error(
			`${receiver.label} acknowledged none of the warm-up deliveries: ${JSON.stringify(warmUp.result.errors)}`,
		);
	}
	await waitUntilQuiet(ours.pid);
	const warmUpRedelivery = await redeliver(warmUp.failed);

	const burstStart = sent.length;
	const watch = watchProcess(ours.pid);
	const burst = await sendAll(deliveries(config.routingDeliveries));
	const backlogSeconds = await waitUntilQuiet(ours.pid);
	const burstRedelivery = await redeliver(burst.failed);
	const profile = watch.stop();

	// Counted after the measurement: reading executions back costs n8n CPU too.
	const expectedTotal = sent.reduce((sum, delivery) => sum + delivery.expected.length, 0);
	await settleExecutions(
		ours.n8n,
		receiver.flows.map((flow) => flow.workflowId),
		expectedTotal,
	);
	const runs: StartedRun[] = [];
	for (const flow of receiver.flows) {
		for (const execution of await allExecutions(ours.n8n, flow.workflowId, true)) {
			runs.push({ workflow: flow.name, messageIds: receiver.messageIdsOf(execution, flow) });
		}
	}
	const burstIds = new Set(sent.slice(burstStart).map((delivery) => delivery.messageId));
	const burstExecutions = runs.filter((run) => run.messageIds.some((id) => burstIds.has(id)));
	const cpuMs = profile.cpuSeconds * 1000;
	const { result } = burst;
	return {
		receiver: receiver.label,
		workflows: receiver.flows.map((flow) => ({
			name: flow.name,
			role: flow.startNode === PLAIN_WEBHOOK_NODE ? 'webhook' : flow.role,
			keywords:
				flow.keywords.length === 0 ? '—' : `${flow.keywords.join(', ')} (${flow.keywordMatch})`,
		})),
		warmUpDeliveries: WARM_UP_DELIVERIES,
		deliveries: result.sent,
		offeredPerSecond: result.offeredPerSecond,
		achievedPerSecond: result.achievedPerSecond,
		p50Ms: result.p50Ms,
		p99Ms: result.p99Ms,
		maxMs: result.maxMs,
		errors: result.errors,
		redeliveries: warmUpRedelivery.redeliveries + burstRedelivery.redeliveries,
		unacknowledged: warmUpRedelivery.unacknowledged + burstRedelivery.unacknowledged,
		backlogSeconds: round(backlogSeconds, 1),
		n8nCpuMsPerDelivery: round(cpuMs / result.sent, 1),
		n8nCpuMsPerExecution:
			burstExecutions.length === 0 ? null : round(cpuMs / burstExecutions.length, 1),
		n8nCoreShare: round(profile.coreShare, 2),
		check: checkRouting(
			receiver.flows.map((flow) => flow.name),
			sent,
			runs,
		),
	};
}
