/**
 * The Follow-up Wait in the pinned n8n, installed as a community package: the execution pauses
 * with n8n's own mechanism, the hand-off (as the trigger runs it) resumes it on Replied through
 * n8n's /webhook-waiting endpoint, Cancel Waits resumes it on Cancelled, n8n's wait tracker sends
 * it to No Reply — also across a restart of n8n. At version 1.2, the follow-up past a sequence's
 * cap leaves by the fourth output, Limit Reached, without waiting.
 */
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createStore, type Store, type StoreConfig } from '../../lib/store';
import { cancelPendingWaits } from '../../lib/waits/resume';
import {
	localPostgres,
	startN8n,
	type Execution,
	type ImportWorkflowOptions,
	type N8nInstance,
	type PackageManifest,
	type StartN8nOptions,
	type WorkflowInput,
} from '../../scripts/harness';
import { installIntoUserFolder, stageBuiltPackage } from '../../scripts/harness/community-package';
import { createScratchDatabase, dropScratchDatabase } from '../../scripts/harness/databases';
import {
	ACCOUNT,
	credentialsFor,
	customerWrites,
	inboundMessage,
	NUMBER,
	resumeHttp,
} from '../helpers/followUpWaitFixtures';

const NODE_FILE = 'dist/nodes/WhatsAppFollowUpWait/WhatsAppFollowUpWait.node.js';
const CREDENTIAL_NAME = 'WhatsApp (follow-up e2e)';
const BRANCH_NODES = ['No Reply', 'Replied', 'Cancelled'] as const;
/** Version 1.2's outputs: Limit Reached comes after the three of version 1. */
const SEQUENCE_BRANCH_NODES = [...BRANCH_NODES, 'Limit Reached'] as const;
type BranchNode = (typeof SEQUENCE_BRANCH_NODES)[number];

interface Setup {
	name: string;
	n8n: StartN8nOptions;
	/** Where the credential keeps the package's state, and how to remove it afterwards. */
	store(userFolder: string): Promise<{ config: StoreConfig; drop(): Promise<void> }>;
}

const SETUPS: Setup[] = [
	{
		name: 'one n8n process, SQLite store',
		n8n: {},
		store: async (userFolder) => ({
			config: { backend: 'sqlite', path: join(userFolder, 'whatsapp-store.sqlite') },
			drop: async () => undefined,
		}),
	},
	{
		name: 'queue mode (main, webhook processor, two workers), PostgreSQL store',
		n8n: { queue: { workers: 2, webhookProcessors: 1 } },
		store: async () => {
			const database = await createScratchDatabase(localPostgres);
			return {
				config: {
					backend: 'postgres',
					...localPostgres,
					database,
					ssl: 'disable',
					schema: 'wa_follow_up',
				},
				drop: async () => await dropScratchDatabase(localPostgres, database),
			};
		},
	},
];

describe.each(SETUPS)('WhatsApp Follow-up Wait in a real n8n: $name', (setup) => {
	let n8n: N8nInstance;
	let userFolder: string;
	let dropStore: () => Promise<void> = async () => undefined;
	let store: Store;
	let waitWorkflowId: string;
	let cancelWorkflowId: string;
	let sequenceWorkflowId: string;
	let packageName: string;
	let credentials: ImportWorkflowOptions['credentials'];

	beforeAll(async () => {
		userFolder = await mkdtemp(join(tmpdir(), 'n8n-follow-up-'));
		packageName = await installWithFollowUpWait(userFolder);
		const storage = await setup.store(userFolder);
		dropStore = storage.drop;
		store = await createStore(storage.config);
		n8n = await startN8n({ ...setup.n8n, userFolder, installPackage: false });
		const credential = await n8n.api.createCredential({
			name: CREDENTIAL_NAME,
			type: 'whatsAppCloudApi',
			data: credentialsFor(storage.config).whatsAppCloudApi,
		});
		credentials = { whatsAppCloudApi: credential };
		const waits = await n8n.api.importWorkflow(followUpWorkflow(packageName), { credentials });
		const cancels = await n8n.api.importWorkflow(cancelWorkflow(packageName), { credentials });
		const sequences = await n8n.api.importWorkflow(sequenceWorkflow(packageName), { credentials });
		sequenceWorkflowId = sequences.id;
		await n8n.api.publishWorkflow(sequenceWorkflowId);
		waitWorkflowId = waits.id;
		cancelWorkflowId = cancels.id;
		await n8n.api.publishWorkflow(waitWorkflowId);
		await n8n.api.publishWorkflow(cancelWorkflowId);
	});

	afterAll(async () => {
		await store?.close();
		await n8n?.stop();
		await dropStore();
		await rm(userFolder, { recursive: true, force: true });
	});

	/** Starts a follow-up for a fresh contact; resolves once n8n saved the execution as waiting. */
	async function startFollowUp(
		seconds: number,
		waId = freshWaId(),
	): Promise<{ waId: string; executionId: string }> {
		const before = new Set(
			(await n8n.api.listExecutions({ workflowId: waitWorkflowId })).map((e) => e.id),
		);
		const reply = await n8n.webhook('follow-up-start', { body: { waId, seconds, order: 'A-17' } });
		expect(reply.status).toBe(200);
		const execution = await eventually(async () => {
			const executions = await n8n.api.listExecutions({ workflowId: waitWorkflowId });
			return executions.find((e) => !before.has(e.id) && e.status === 'waiting');
		}, `a waiting execution for ${waId}`);
		return { waId, executionId: execution.id };
	}

	async function finished(
		executionId: string,
	): Promise<{ branch: BranchNode; json: Record<string, unknown> }> {
		let last: Execution | undefined;
		const diagnostics = () => {
			const lines = n8n
				.logs()
				.split('\n')
				.filter((line) => line.includes(`execution ${executionId}`));
			return `last status: ${last?.status ?? 'unknown'}; n8n lines naming it:\n${lines.slice(-40).join('\n')}`;
		};
		const execution = await eventually(
			async () => {
				last = await n8n.api.getExecution(executionId);
				return ['waiting', 'running', 'new'].includes(last.status) ? undefined : last;
			},
			() => `execution ${executionId} to end (${diagnostics()})`,
			150_000,
		);
		return branchOf(execution, diagnostics);
	}

	it('resumes on Replied when the contact answers, with the reply merged into the original item', async () => {
		const { waId, executionId } = await startFollowUp(3600);

		const handOff = await customerWrites(store, inboundMessage({ from: waId, text: 'Yes please' }));

		expect(handOff).toEqual({ resumed: 1, failed: 0, failures: [] });
		const { branch, json } = await finished(executionId);
		expect(branch).toBe('Replied');
		expect(json).toMatchObject({
			body: { waId, order: 'A-17' },
			message: { text: 'Yes please' },
			contact: { waId },
			windowOpen: true,
			followUp: { outcome: 'replied' },
		});
	});

	it('resumes on No Reply with the input item and the window when the time runs out (n8n’s wait tracker)', async () => {
		// The contact wrote a moment ago, so the 24-hour window is still open at the deadline.
		const waId = freshWaId();
		await customerWrites(store, inboundMessage({ from: waId, text: 'Let me check' }));
		const { executionId } = await startFollowUp(5, waId);

		const { branch, json } = await finished(executionId);

		expect(branch).toBe('No Reply');
		expect(json).toMatchObject({
			body: { waId, order: 'A-17' },
			windowOpen: true,
			followUp: { outcome: 'noReply', waitId: expect.any(String), deadline: expect.any(String) },
		});
		// The reply after the deadline is an ordinary message: nothing left to resume.
		const late = await customerWrites(store, inboundMessage({ from: waId }));
		expect(late).toEqual({ resumed: 0, failed: 0, failures: [] });
	});

	it('resumes on Cancelled when another workflow cancels the contact’s waits', async () => {
		const { waId, executionId } = await startFollowUp(3600);

		const reply = await n8n.webhook('follow-up-goal-reached', { body: { waId } });

		expect(reply.status).toBe(200);
		const { branch, json } = await finished(executionId);
		expect(branch).toBe('Cancelled');
		expect(json).toMatchObject({
			body: { waId },
			windowOpen: false,
			followUp: { outcome: 'cancelled' },
		});
		const cancelRuns = await n8n.api.listExecutions({ workflowId: cancelWorkflowId });
		expect(cancelRuns.map((run) => run.status)).toEqual(['success']);
	});

	it('pauses and resumes a manual run from the editor, reading contact and number by default', async () => {
		const waId = freshWaId();
		const workflow = await n8n.api.importWorkflow(manualWorkflow(packageName, waId), {
			credentials,
		});

		const run = await n8n.api.request('POST', `/rest/workflows/${workflow.id}/run`, {
			triggerToStartFrom: { name: 'Manual' },
		});

		expect(run.status).toBe(200);
		const { executionId } = (run.json as { data: { executionId: string } }).data;
		await eventually(async () => {
			const execution = await n8n.api.getExecution(executionId);
			return execution.status === 'waiting' ? execution : undefined;
		}, `manual execution ${executionId} to wait`);
		expect((await n8n.api.getExecution(executionId)).mode).toBe('manual');
		await customerWrites(store, inboundMessage({ from: waId, text: 'testing' }));
		const { branch, json } = await finished(executionId);
		expect(branch).toBe('Replied');
		expect(json).toMatchObject({
			recipient: { waId },
			message: { text: 'testing' },
			windowOpen: true,
		});
	});

	it('lets the third follow-up of a sequence with at most 2 leave by Limit Reached at once', async () => {
		const waId = freshWaId();
		const sequence = `e2e-${waId}`;
		const start = async (waiting: boolean) => {
			const before = new Set(
				(await n8n.api.listExecutions({ workflowId: sequenceWorkflowId })).map((e) => e.id),
			);
			const reply = await n8n.webhook('follow-up-sequence', { body: { waId, sequence } });
			expect(reply.status).toBe(200);
			return await eventually(async () => {
				const executions = await n8n.api.listExecutions({ workflowId: sequenceWorkflowId });
				return executions.find((e) => !before.has(e.id) && (!waiting || e.status === 'waiting'));
			}, `an execution of the sequence for ${waId}`);
		};

		const first = await start(true);
		const second = await start(true);
		const third = await start(false);

		const { branch, json } = await finished(third.id);
		expect(branch).toBe('Limit Reached');
		expect(json).toMatchObject({
			body: { waId, sequence },
			followUp: { outcome: 'limitReached', limitReached: true, sequence, count: 2, max: 2 },
		});
		expect(
			(await store.listWaits({ account: ACCOUNT, sequence, at: new Date(), limit: 10 })).map(
				(wait) => [wait.executionId, wait.followUp],
			),
		).toEqual(
			expect.arrayContaining([
				[first.id, 1],
				[second.id, 2],
			]),
		);
		// The two waiting ones go on by Cancelled (Cancel Waits by sequence), so nothing waits on.
		const cancelled = await cancelPendingWaits(store, { account: ACCOUNT, sequence }, resumeHttp);
		expect(cancelled).toMatchObject({ cancelled: 2, resumed: 2, failed: 0 });
		expect((await finished(first.id)).branch).toBe('Cancelled');
		expect((await finished(second.id)).json).toMatchObject({
			followUp: { outcome: 'cancelled', sequence, count: 2 },
		});
	});

	it('still resumes both ways after n8n restarted while waiting', async () => {
		const answered = await startFollowUp(3600);
		// Due after n8n is back: a timeout due while queue-mode n8n shuts down can be lost (n8n's
		// business, seen once here), which is not what this test is about.
		const unanswered = await startFollowUp(60);

		await n8n.restart();
		const handOff = await customerWrites(store, inboundMessage({ from: answered.waId }));

		expect(handOff.resumed).toBe(1);
		expect((await finished(answered.executionId)).branch).toBe('Replied');
		const noReply = await finished(unanswered.executionId);
		expect(noReply.branch).toBe('No Reply');
		// What the node prepared for No Reply was saved with the waiting execution.
		expect(noReply.json).toMatchObject({ windowOpen: false, followUp: { outcome: 'noReply' } });
	});
});

function freshWaId(): string {
	return `4915${String(Date.now()).slice(-7)}${Math.floor(Math.random() * 10)}`;
}

/** The built package with the Follow-up Wait registered, whether or not package.json lists it yet. */
async function installWithFollowUpWait(userFolder: string): Promise<string> {
	const staged = await stageBuiltPackage();
	const copy = await mkdtemp(join(tmpdir(), 'follow-up-package-'));
	try {
		await cp(staged.dir, copy, { recursive: true });
		const manifestPath = join(copy, 'package.json');
		const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as PackageManifest;
		if (!manifest.n8n.nodes.includes(NODE_FILE)) manifest.n8n.nodes.push(NODE_FILE);
		await writeFile(manifestPath, JSON.stringify(manifest, null, 2), 'utf8');
		await installIntoUserFolder(userFolder, { manifest, dir: copy });
		return manifest.name;
	} finally {
		await rm(copy, { recursive: true, force: true });
	}
}

function webhookNode(name: string, path: string) {
	return {
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	};
}

function noOp(name: string, y: number) {
	return { name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [500, y], parameters: {} };
}

/** Webhook → Follow-up Wait (contact and seconds from the body) → No Reply / Replied / Cancelled. */
function followUpWorkflow(packageName: string): WorkflowInput {
	return {
		name: 'Follow-up e2e',
		nodes: [
			webhookNode('Start', 'follow-up-start'),
			{
				name: 'Follow-up Wait',
				type: `${packageName}.whatsAppFollowUpWait`,
				typeVersion: 1,
				position: [250, 0],
				credentials: { whatsAppCloudApi: { name: CREDENTIAL_NAME } },
				parameters: {
					operation: 'waitForReply',
					phoneNumber: { __rl: true, mode: 'id', value: NUMBER },
					contact: '={{ $json.body.waId }}',
					limit: 'duration',
					amount: '={{ $json.body.seconds }}',
					unit: 'seconds',
					replyRule: 'anyMessage',
				},
			},
			...BRANCH_NODES.map((name, index) => noOp(name, index * 200 - 200)),
		],
		connections: {
			Start: { main: [[{ node: 'Follow-up Wait', type: 'main', index: 0 }]] },
			'Follow-up Wait': {
				main: BRANCH_NODES.map((name) => [{ node: name, type: 'main', index: 0 }]),
			},
		},
		settings: { executionOrder: 'v1' },
	};
}

/**
 * Webhook → Follow-up Wait 1.2 in the body's sequence, at most 2 follow-ups → its four outputs.
 */
function sequenceWorkflow(packageName: string): WorkflowInput {
	const workflow = followUpWorkflow(packageName);
	const [, wait] = workflow.nodes;
	return {
		...workflow,
		name: 'Follow-up sequence e2e',
		nodes: [
			webhookNode('Start', 'follow-up-sequence'),
			{
				...wait,
				typeVersion: 1.2,
				parameters: {
					...(wait.parameters as Record<string, unknown>),
					amount: 3600,
					sequence: '={{ $json.body.sequence }}',
					maxFollowUps: 2,
				},
			},
			...SEQUENCE_BRANCH_NODES.map((name, index) => noOp(name, index * 200 - 200)),
		],
		connections: {
			Start: { main: [[{ node: 'Follow-up Wait', type: 'main', index: 0 }]] },
			'Follow-up Wait': {
				main: SEQUENCE_BRANCH_NODES.map((name) => [{ node: name, type: 'main', index: 0 }]),
			},
		},
	};
}

/**
 * A test run from the editor: Manual Trigger → an item shaped like the send node's output →
 * Follow-up Wait with its default Contact and Business Phone Number (read from that item).
 */
function manualWorkflow(packageName: string, waId: string): WorkflowInput {
	const workflow = followUpWorkflow(packageName);
	const [, wait, ...branches] = workflow.nodes;
	const assignment = (name: string, value: string) => ({
		id: randomUUID(),
		name,
		type: 'string',
		value,
	});
	return {
		...workflow,
		name: `Follow-up manual e2e ${waId}`,
		nodes: [
			{
				name: 'Manual',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				name: 'Template Sent',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [120, 0],
				parameters: {
					assignments: {
						assignments: [
							assignment('recipient.waId', waId),
							assignment('sender.phoneNumberId', NUMBER),
						],
					},
					options: {},
				},
			},
			{
				...wait,
				parameters: { operation: 'waitForReply', limit: 'duration', amount: 1, unit: 'hours' },
			},
			...branches,
		],
		connections: {
			Manual: { main: [[{ node: 'Template Sent', type: 'main', index: 0 }]] },
			'Template Sent': { main: [[{ node: 'Follow-up Wait', type: 'main', index: 0 }]] },
			'Follow-up Wait': workflow.connections['Follow-up Wait'],
		},
	};
}

/** Webhook → Follow-up Wait (Cancel Waits) for the contact in the body, on every number. */
function cancelWorkflow(packageName: string): WorkflowInput {
	return {
		name: 'Follow-up goal reached e2e',
		nodes: [
			webhookNode('Goal Reached', 'follow-up-goal-reached'),
			{
				name: 'Cancel Follow-ups',
				type: `${packageName}.whatsAppFollowUpWait`,
				typeVersion: 1,
				position: [250, 0],
				credentials: { whatsAppCloudApi: { name: CREDENTIAL_NAME } },
				parameters: {
					operation: 'cancelWaits',
					phoneNumber: { __rl: true, mode: 'id', value: '' },
					contact: '={{ $json.body.waId }}',
				},
			},
		],
		connections: {
			'Goal Reached': { main: [[{ node: 'Cancel Follow-ups', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

type TaskData = { data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> } };

/** Which branch node ran, and the first item the Follow-up Wait sent there. */
function branchOf(
	execution: Execution,
	diagnostics: () => string,
): { branch: BranchNode; json: Record<string, unknown> } {
	const runData = (execution.data?.resultData.runData ?? {}) as Record<string, TaskData[]>;
	const ran = SEQUENCE_BRANCH_NODES.filter((name) => runData[name]?.length);
	if (ran.length !== 1) {
		throw new Error(
			`expected exactly one branch to run, got [${ran.join(', ')}] (error ${JSON.stringify(execution.data?.resultData.error ?? null)}; ${diagnostics()})`,
		);
	}
	const [branch] = ran;
	const [task] = runData[branch];
	return { branch, json: task.data?.main?.[0]?.[0]?.json ?? {} };
}

async function eventually<T>(
	probe: () => Promise<T | undefined>,
	what: string | (() => string),
	timeoutMs = 30_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = await probe();
		if (found !== undefined) return found;
		if (Date.now() > deadline) {
			const described = typeof what === 'string' ? what : what();
			throw new Error(`gave up waiting for ${described} after ${timeoutMs / 1000} s`);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}
