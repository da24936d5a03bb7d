/**
 * Scenario 4, follow-up resume: `waits` executions paused in the Follow-up Wait, one per contact;
 * then every contact's reply is delivered to our trigger at the same moment. Measured per
 * execution: from sending the reply webhook to the Replied branch starting (its start time in the
 * execution data), and how long the trigger took to acknowledge each reply (it hands the reply
 * over to the waiting execution before it answers); and n8n's CPU per resumed reply.
 *
 * The baseline, on the same n8n right after: as many executions paused in n8n's own Wait node
 * (Resume: On Webhook Call), all resumed at once through their resume URLs: what n8n itself spends
 * to resume a waiting execution by webhook, below which no follow-up can go.
 */
import { randomUUID } from 'node:crypto';

import type { Execution, N8nInstance, WorkflowInput } from '../../scripts/harness';
import type { BenchConfig } from '../lib/config';
import { CLOUD_API_TYPE } from '../lib/credentials';
import { signedDelivery, textMessageBody } from '../lib/deliveries';
import { postTimed, type PreparedRequest } from '../lib/load';
import { deploy, type BenchN8n } from '../lib/n8n';
import { waitUntilQuiet, watchProcess } from '../lib/processes';
import { percentile, round, sleep } from '../lib/stats';
import { CLAIM_IN_DOUBT_MS } from '../../lib/waits/resume';
import type { Receivers } from './receivers';

const START_PATH = 'bench-followup-start';
const BRANCHES = ['No Reply', 'Replied', 'Cancelled'] as const;
const STARTS_IN_PARALLEL = 10;
const SETTLE_TIMEOUT_MS = 180_000;
/** Meta redelivers a webhook not answered 200; so does the benchmark, this many times at most. */
const REDELIVERY_ROUNDS = 6;

export interface FollowUpResult {
	waits: number;
	/** Executions that reached Replied. */
	resumed: number;
	/** Executions that ended anywhere else, or not within the timeout. */
	notResumed: number;
	replyToRepliedMs: { p50: number | null; p99: number | null; max: number | null };
	replyAcknowledgedMs: { p50: number | null; p99: number | null; max: number | null };
	replyErrors: Record<string, number>;
	/** Replies delivered again because the trigger did not answer 200 (as Meta would). */
	redeliveries: number;
	redeliveryErrors: Record<string, number>;
	/** Replies still not answered 200 after the last redelivery round. */
	unacknowledgedAfterRedelivery: number;
	/** n8n's CPU from the replies until every execution finished, per reply. */
	n8nCpuMsPerReply: number;
	/** The same CPU per execution that reached Replied (absent before issue 18). */
	n8nCpuMsPerResumedReply?: number | null;
	/** n8n's own Wait node resumed by webhook, same n8n, same count (absent before issue 18). */
	waitNode?: WaitNodeBaseline | { skipped: string };
}

export interface WaitNodeBaseline {
	waits: number;
	/** Executions that reached the node after the Wait node. */
	resumed: number;
	/** From POSTing the resume URL to the next node starting. */
	resumeToResumedMs: { p50: number | null; p99: number | null; max: number | null };
	resumeErrors: Record<string, number>;
	/** n8n's CPU from the resume calls until every execution finished, per resumed execution. */
	n8nCpuMsPerResume: number | null;
}

type TaskData = {
	startTime?: number;
	data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> };
};

export async function runFollowUp(
	config: BenchConfig,
	ours: BenchN8n,
	receivers: Receivers,
	log: (line: string) => void,
): Promise<FollowUpResult> {
	const { n8n } = ours;
	const workflowId = await deploy(
		n8n,
		followUpWorkflow(ours.packageName ?? '', receivers.credential.name, receivers.phoneNumberId),
		{ credentials: { [CLOUD_API_TYPE]: receivers.credential } },
	);
	const contacts = Array.from(
		{ length: config.followUpWaits },
		(_, index) => `49163${String(Date.now()).slice(-4)}${String(index).padStart(4, '0')}`,
	);

	log(`  starting ${contacts.length} follow-ups`);
	for (let start = 0; start < contacts.length; start += STARTS_IN_PARALLEL) {
		await Promise.all(
			contacts.slice(start, start + STARTS_IN_PARALLEL).map(async (waId) => {
				const reply = await n8n.webhook(START_PATH, { body: { waId } });
				if (reply.status !== 200)
					throw new Error(`starting a follow-up answered ${reply.status}: ${reply.text}`);
			}),
		);
	}
	await settled(n8n, workflowId, 'waiting', contacts.length);

	await waitUntilQuiet(ours.pid);
	log(`  ${contacts.length} replies at once`);
	const watch = watchProcess(ours.pid);
	const sentAt = new Map<string, number>();
	const acknowledged: number[] = [];
	const replyErrors: Record<string, number> = {};
	const redeliveryErrors: Record<string, number> = {};
	/** Replies not answered 200: Meta delivers them again; so does the benchmark, below. */
	let unanswered: PreparedRequest[] = [];
	await Promise.all(
		contacts.map(async (waId, index) => {
			const body = textMessageBody({
				wabaId: receivers.wabaId,
				phoneNumberId: receivers.phoneNumberId,
				from: waId,
				wamid: `wamid.bench-reply-${index}-${randomUUID()}`,
				text: 'Yes, please',
				sentAt: new Date(),
			});
			const request = signedDelivery(receivers.trigger.url, body, receivers.appSecret);
			sentAt.set(waId, Date.now());
			if (!(await postTimed(request, acknowledged, replyErrors))) unanswered.push(request);
		}),
	);
	// The trigger answers 503 when it could not hand a reply over in time (n8n busy); Meta then
	// redelivers, over hours. Here once n8n is quiet again and a claim in doubt may be taken over
	// (CLAIM_IN_DOUBT_MS after the last round), at most REDELIVERY_ROUNDS times.
	let redeliveries = 0;
	let lastRoundAt = Date.now();
	for (let round = 0; round < REDELIVERY_ROUNDS && unanswered.length > 0; round++) {
		await waitUntilQuiet(ours.pid);
		await sleep(Math.max(0, lastRoundAt + CLAIM_IN_DOUBT_MS - Date.now()));
		lastRoundAt = Date.now();
		redeliveries += unanswered.length;
		const again = unanswered;
		unanswered = [];
		await Promise.all(
			again.map(async (request) => {
				if (!(await postTimed(request, [], redeliveryErrors))) unanswered.push(request);
			}),
		);
	}

	const finished = await settled(n8n, workflowId, 'success', contacts.length);
	const profile = watch.stop();
	const cpuMs = profile.cpuSeconds * 1000;
	const latencies: number[] = [];
	for (const { id } of finished) {
		const execution = await n8n.api.getExecution(id);
		const runData = (execution.data?.resultData.runData ?? {}) as Record<string, TaskData[]>;
		const waId = runData.Start?.[0]?.data?.main?.[0]?.[0]?.json.body as
			{ waId?: string } | undefined;
		const repliedAt = runData.Replied?.[0]?.startTime;
		const sent = waId?.waId === undefined ? undefined : sentAt.get(waId.waId);
		if (repliedAt !== undefined && sent !== undefined) latencies.push(repliedAt - sent);
	}
	let waitNode: FollowUpResult['waitNode'];
	try {
		log(`  baseline: ${contacts.length} executions in n8n's Wait node, resumed at once`);
		waitNode = await waitNodeBaseline(ours, contacts.length);
	} catch (error) {
		log(`  the Wait node baseline could not run: ${(error as Error).message}`);
		waitNode = { skipped: (error as Error).message.split('\n')[0] };
	}
	return {
		waits: contacts.length,
		resumed: latencies.length,
		notResumed: contacts.length - latencies.length,
		replyToRepliedMs: summary(latencies),
		replyAcknowledgedMs: summary(acknowledged),
		replyErrors,
		redeliveries,
		redeliveryErrors,
		unacknowledgedAfterRedelivery: unanswered.length,
		n8nCpuMsPerReply: round(cpuMs / contacts.length, 1),
		n8nCpuMsPerResumedReply: latencies.length === 0 ? null : round(cpuMs / latencies.length, 1),
		waitNode,
	};
}

const roundOrNull = (value: number | null) => (value === null ? null : round(value));

const summary = (samples: number[]) => ({
	p50: roundOrNull(percentile(samples, 50)),
	p99: roundOrNull(percentile(samples, 99)),
	max: samples.length === 0 ? null : round(Math.max(...samples)),
});

/**
 * `count` executions of Webhook → Respond (their resume URL) → n8n's Wait node (Resume: On
 * Webhook Call) → Resumed, all resumed at once: n8n's own cost of resuming by webhook.
 */
async function waitNodeBaseline(ours: BenchN8n, count: number): Promise<WaitNodeBaseline> {
	const { n8n } = ours;
	const workflowId = await deploy(n8n, waitNodeWorkflow());
	const resumeUrls: string[] = [];
	for (let start = 0; start < count; start += STARTS_IN_PARALLEL) {
		const batch = Math.min(STARTS_IN_PARALLEL, count - start);
		await Promise.all(
			Array.from({ length: batch }, async () => {
				const reply = await n8n.webhook(WAIT_START_PATH, { body: {} });
				const url = reply.text.trim();
				if (reply.status !== 200 || !/\/webhook-waiting\/\d+/.test(url))
					throw new Error(`starting a Wait node execution answered ${reply.status}: ${url}`);
				resumeUrls.push(url);
			}),
		);
	}
	await settled(n8n, workflowId, 'waiting', count);

	await waitUntilQuiet(ours.pid);
	const watch = watchProcess(ours.pid);
	const sentAt = new Map<string, number>();
	const answered: number[] = [];
	const resumeErrors: Record<string, number> = {};
	await Promise.all(
		resumeUrls.map(async (url) => {
			sentAt.set(executionIdOf(url), Date.now());
			await postTimed(
				{ url, headers: { 'content-type': 'application/json' }, body: '{}' },
				answered,
				resumeErrors,
			);
		}),
	);
	const finished = await settled(n8n, workflowId, 'success', count);
	const profile = watch.stop();
	const latencies: number[] = [];
	for (const { id } of finished) {
		const execution = await n8n.api.getExecution(id);
		const runData = (execution.data?.resultData.runData ?? {}) as Record<string, TaskData[]>;
		const resumedAt = runData[WAIT_RESUMED_NODE]?.[0]?.startTime;
		const sent = sentAt.get(String(id));
		if (resumedAt !== undefined && sent !== undefined) latencies.push(resumedAt - sent);
	}
	return {
		waits: count,
		resumed: latencies.length,
		resumeToResumedMs: summary(latencies),
		resumeErrors,
		n8nCpuMsPerResume:
			latencies.length === 0 ? null : round((profile.cpuSeconds * 1000) / latencies.length, 1),
	};
}

/** The execution id in a resume URL: `…/webhook-waiting/<id>?<its token>`. */
const executionIdOf = (url: string) => /\/webhook-waiting\/(\d+)/.exec(url)?.[1] ?? url;

const WAIT_START_PATH = 'bench-wait-node-start';
const WAIT_RESUMED_NODE = 'Resumed';

function waitNodeWorkflow(): WorkflowInput {
	return {
		name: 'Wait node resume (baseline)',
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path: WAIT_START_PATH,
					responseMode: 'responseNode',
					options: {},
				},
			},
			{
				name: 'Respond',
				type: 'n8n-nodes-base.respondToWebhook',
				typeVersion: 1.1,
				position: [250, 0],
				parameters: {
					respondWith: 'text',
					responseBody: '={{ $execution.resumeUrl }}',
					options: {},
				},
			},
			{
				name: 'Wait',
				type: 'n8n-nodes-base.wait',
				typeVersion: 1.1,
				position: [500, 0],
				webhookId: randomUUID(),
				parameters: { resume: 'webhook', httpMethod: 'POST', options: {} },
			},
			{
				name: WAIT_RESUMED_NODE,
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [750, 0],
				parameters: {},
			},
		],
		connections: {
			Start: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
			Respond: { main: [[{ node: 'Wait', type: 'main', index: 0 }]] },
			Wait: { main: [[{ node: WAIT_RESUMED_NODE, type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Waits until `count` executions of the workflow have `status`, or SETTLE_TIMEOUT_MS passed;
 * returns those that have it (the rest count as not resumed).
 */
async function settled(
	n8n: N8nInstance,
	workflowId: string,
	status: 'waiting' | 'success',
	count: number,
): Promise<Execution[]> {
	const deadline = Date.now() + SETTLE_TIMEOUT_MS;
	for (;;) {
		const executions = await n8n.api.listExecutions({ workflowId, status });
		if (executions.length >= count || Date.now() > deadline) return executions;
		await sleep(500);
	}
}

/** Webhook (contact in the body) → Follow-up Wait, one hour, any message → No Reply / Replied / Cancelled. */
function followUpWorkflow(
	packageName: string,
	credentialName: string,
	phoneNumberId: string,
): WorkflowInput {
	return {
		name: 'Follow-up resume',
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path: START_PATH,
					responseMode: 'onReceived',
					options: {},
				},
			},
			{
				name: 'Follow-up Wait',
				type: `${packageName}.whatsAppFollowUpWait`,
				typeVersion: 1.2,
				position: [250, 0],
				credentials: { [CLOUD_API_TYPE]: { name: credentialName } },
				parameters: {
					operation: 'waitForReply',
					phoneNumber: { __rl: true, mode: 'id', value: phoneNumberId },
					contact: '={{ $json.body.waId }}',
					limit: 'duration',
					amount: 3600,
					unit: 'seconds',
					replyRule: 'anyMessage',
				},
			},
			...BRANCHES.map((name, index) => ({
				name,
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [500, index * 200 - 200],
				parameters: {},
			})),
		],
		connections: {
			Start: { main: [[{ node: 'Follow-up Wait', type: 'main', index: 0 }]] },
			'Follow-up Wait': { main: BRANCHES.map((name) => [{ node: name, type: 'main', index: 0 }]) },
		},
		settings: { executionOrder: 'v1' },
	};
}
