/**
 * The end-to-end world of the example workflows: the Cloud API emulator standing in for Meta, a
 * local OpenAI-compatible model, the pinned n8n with this package installed as a community package,
 * credentials pointing at both, and the credential's state store opened by the test too, so the
 * tests can check what the nodes recorded. One world per test file; `stop()` removes everything.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Client } from 'pg';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { createStore, type Store, type StoreConfig } from '../../lib/store';
import { TABLE_NAMES } from '../../lib/store/sql/schema';
import {
	localPostgres,
	startN8n,
	type CreatedCredential,
	type Execution,
	type N8nInstance,
	type PackageManifest,
	type WorkflowInput,
} from '../../scripts/harness';
import { installIntoUserFolder, stageBuiltPackage } from '../../scripts/harness/community-package';
import { createScratchDatabase, dropScratchDatabase } from '../../scripts/harness/databases';
import { repoRoot } from '../../scripts/harness/paths';
import {
	examplesResponder,
	startOpenAiCompatibleServer,
	type OpenAiCompatibleServer,
} from '../tools/openaiCompatibleServer';
import { examplePath, type ExampleFile } from './examples';
import { WebhookGateway } from './webhookGateway';

export const PACKAGE_NAME = 'n8n-nodes-whatsapp-automation';

/** The credential names the examples refer to; the tests create credentials of these names. */
export const CREDENTIAL_NAMES = {
	whatsAppCloudApi: 'WhatsApp Cloud API',
	openAiApi: 'OpenAI account',
} as const;

/** The local model accepts any key; the OpenAI credential needs one. */
const LOCAL_MODEL_KEY = 'local-model-accepts-any-key';

export interface WorldOptions {
	/** n8n queue mode (main, one webhook processor, two workers) with the store on PostgreSQL. */
	queue?: boolean;
	/**
	 * A load balancer in front of n8n's webhooks (test/helpers/webhookGateway.ts), whose address
	 * n8n gives out, so a test can make chosen webhook calls fail.
	 */
	gateway?: boolean;
	/** More environment for every n8n process (e.g. N8N_CONCURRENCY_PRODUCTION_LIMIT for workers). */
	env?: Record<string, string>;
}

export interface World {
	n8n: N8nInstance;
	emulator: RunningEmulator;
	control: EmulatorControl;
	model: OpenAiCompatibleServer;
	/** The state store the WhatsApp credential points at, opened by the test. */
	store: Store;
	/** Where that store is, for the raw look of storeRowsContaining. */
	storeConfig: StoreConfig;
	/** The WhatsApp Business Account id: the store keeps consent per account. */
	account: string;
	/** The emulator's first business number, the one the examples send from. */
	phoneNumberId: string;
	credentials: Record<keyof typeof CREDENTIAL_NAMES, CreatedCredential>;
	/** The load balancer in front of n8n's webhooks, when the world was started with one. */
	gateway: WebhookGateway | undefined;
	stop(): Promise<void>;
}

interface StoreSetup {
	config: StoreConfig;
	credentialFields: Record<string, unknown>;
	drop(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
	const cleanups: Array<() => Promise<void>> = [];
	const stop = async () => {
		const failures: unknown[] = [];
		for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
			await cleanup().catch((error: unknown) => failures.push(error));
		}
		if (failures.length > 0) throw failures[0];
	};
	try {
		const emulator = await startEmulator();
		cleanups.push(async () => await emulator.stop());
		const model = await startOpenAiCompatibleServer({ responder: examplesResponder });
		cleanups.push(async () => await model.close());

		const userFolder = await mkdtemp(join(tmpdir(), 'n8n-examples-'));
		cleanups.push(async () => await rm(userFolder, { recursive: true, force: true }));
		await installWithEveryNode(userFolder);

		const storage = await storeSetup(userFolder, options.queue === true);
		cleanups.push(storage.drop);
		const store = await createStore(storage.config);
		cleanups.push(async () => await store.close());

		let gateway: WebhookGateway | undefined;
		if (options.gateway) {
			const started = await WebhookGateway.start();
			cleanups.push(async () => await started.close());
			gateway = started;
		}

		const n8n = await startN8n({
			userFolder,
			installPackage: false,
			...(gateway ? { publicWebhookUrl: gateway.url } : {}),
			...(options.queue ? { queue: { workers: 2, webhookProcessors: 1 } } : {}),
			env: {
				// n8n 3.0's behaviour, available in 2.41: a run started from the editor (or its
				// REST endpoint, as the tests do for the schedule examples) executes on a worker.
				...(options.queue ? { OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true' } : {}),
				...options.env,
			},
		});
		cleanups.push(async () => await n8n.stop());
		gateway?.connect({ webhooks: n8n.webhookServerUrl, main: n8n.baseUrl });

		const info = emulator.info();
		const whatsAppCloudApi = await n8n.api.createCredential({
			name: CREDENTIAL_NAMES.whatsAppCloudApi,
			type: 'whatsAppCloudApi',
			data: {
				accessToken: info.accessToken,
				businessAccountId: info.wabaId,
				appId: info.appId,
				appSecret: info.appSecret,
				graphApiVersion: info.graphVersion,
				baseUrl: info.baseUrl,
				...storage.credentialFields,
			},
		});
		const openAiApi = await n8n.api.createCredential({
			name: CREDENTIAL_NAMES.openAiApi,
			type: 'openAiApi',
			data: { apiKey: LOCAL_MODEL_KEY, url: model.url, header: false },
		});

		return {
			n8n,
			emulator,
			control: new EmulatorControl(emulator.baseUrl),
			model,
			store,
			storeConfig: storage.config,
			account: info.wabaId,
			phoneNumberId: info.phoneNumbers[0].id,
			credentials: { whatsAppCloudApi, openAiApi },
			gateway,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * SQLite: a file in n8n's user folder, named in the credential. Queue mode: PostgreSQL, a scratch
 * database of its own (the built-in SQLite store is refused in queue mode, by design).
 */
async function storeSetup(userFolder: string, queue: boolean): Promise<StoreSetup> {
	if (!queue) {
		const path = join(userFolder, 'whatsapp-e2e.sqlite');
		return {
			config: { backend: 'sqlite', path },
			credentialFields: { store: 'builtin', sqlitePath: path },
			drop: async () => undefined,
		};
	}
	const database = await createScratchDatabase(localPostgres);
	const schema = 'whatsapp_e2e';
	return {
		config: { backend: 'postgres', ...localPostgres, database, ssl: 'disable', schema },
		credentialFields: {
			store: 'postgres',
			postgresHost: localPostgres.host,
			postgresPort: localPostgres.port,
			postgresDatabase: database,
			postgresUser: localPostgres.user,
			postgresPassword: localPostgres.password,
			postgresSsl: 'disable',
			postgresSchema: schema,
		},
		drop: async () => await dropScratchDatabase(localPostgres, database),
	};
}

/**
 * The built package as the Community Nodes screen installs it, with every node of dist/ registered,
 * whether or not package.json lists it yet (the lead registers new nodes there).
 */
async function installWithEveryNode(userFolder: string): Promise<void> {
	const staged = await stageBuiltPackage();
	const copy = await mkdtemp(join(tmpdir(), 'examples-package-'));
	try {
		await cp(staged.dir, copy, { recursive: true });
		const manifestPath = join(copy, 'package.json');
		const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as PackageManifest;
		for (const nodeFile of await builtNodeFiles()) {
			if (!manifest.n8n.nodes.includes(nodeFile)) manifest.n8n.nodes.push(nodeFile);
		}
		await writeFile(manifestPath, JSON.stringify(manifest, null, 2), 'utf8');
		await installIntoUserFolder(userFolder, { manifest, dir: copy });
	} finally {
		await rm(copy, { recursive: true, force: true });
	}
}

async function builtNodeFiles(): Promise<string[]> {
	const nodesDir = join(repoRoot, 'dist', 'nodes');
	const folders = await readdir(nodesDir, { withFileTypes: true });
	// nodes/helpers/ and the like hold shared code, not a node: only folders with <name>.node.js.
	return folders
		.filter((entry) => entry.isDirectory())
		.map((entry) => `dist/nodes/${entry.name}/${entry.name}.node.js`)
		.filter((file) => existsSync(join(repoRoot, file)));
}

/**
 * Every row of every store table in which `text` appears, read straight from the database (not
 * through the Store interface): what an erasure left behind, whichever column holds it.
 */
export async function storeRowsContaining(
	world: World,
	text: string,
): Promise<Array<{ table: string; row: Record<string, unknown> }>> {
	const config = world.storeConfig;
	const found: Array<{ table: string; row: Record<string, unknown> }> = [];
	const collect = (table: string, rows: Array<Record<string, unknown>>) => {
		for (const row of rows) {
			const values = Object.values(row).map((value) =>
				Buffer.isBuffer(value) || value instanceof Uint8Array ? '' : String(value),
			);
			if (values.some((value) => value.includes(text))) found.push({ table, row });
		}
	};
	if (config.backend === 'sqlite') {
		const db = new DatabaseSync(config.path, { readOnly: true });
		try {
			for (const table of TABLE_NAMES) {
				collect(
					table,
					db.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>,
				);
			}
		} finally {
			db.close();
		}
		return found;
	}
	const { host, port, database, user, password, schema } = config;
	const client = new Client({ host, port, database, user, password });
	await client.connect();
	try {
		for (const table of TABLE_NAMES) {
			collect(table, (await client.query(`SELECT * FROM "${schema}".${table}`)).rows);
		}
	} finally {
		await client.end();
	}
	return found;
}

// ---------------------------------------------------------------- workflows

/** An example as a user downloads it from examples/. */
export async function readExample(file: ExampleFile): Promise<WorkflowInput> {
	return JSON.parse(await readFile(examplePath(file), 'utf8')) as WorkflowInput;
}

/** Parameters to change on named nodes, e.g. a 4-hour wait shortened to seconds for a test. */
export type ParameterPatch = Record<string, Record<string, unknown>>;

export function patchParameters(workflow: WorkflowInput, patch: ParameterPatch): WorkflowInput {
	const unknown = Object.keys(patch).filter(
		(name) => !workflow.nodes.some((node) => node.name === name),
	);
	if (unknown.length > 0) {
		throw new Error(
			`patchParameters: workflow "${workflow.name}" has no node ${unknown.join(', ')}`,
		);
	}
	return {
		...workflow,
		nodes: workflow.nodes.map((node) =>
			patch[node.name]
				? { ...node, parameters: { ...(node.parameters as object), ...patch[node.name] } }
				: node,
		),
	};
}

/** Imports a workflow with the world's credentials in every credential slot, optionally publishes it. */
export async function importWorkflow(
	world: World,
	workflow: WorkflowInput,
	options: { publish?: boolean } = {},
): Promise<string> {
	const { id } = await world.n8n.api.importWorkflow(workflow, {
		credentials: world.credentials,
	});
	if (options.publish) await world.n8n.api.publishWorkflow(id);
	return id;
}

/**
 * Unpublishes a workflow with the trigger and waits until its registration with Meta is gone:
 * n8n 2.41 deactivates asynchronously, and the next trigger workflow can only take the account's
 * webhooks once they are free.
 */
export async function unpublishTrigger(world: World, workflowId: string): Promise<void> {
	await world.n8n.api.unpublishWorkflow(workflowId);
	await eventually(
		async () => ((await accountOverrides(world)).every((uri) => uri === null) ? true : undefined),
		`workflow ${workflowId} to release the account's webhooks`,
	);
}

/** The callback overrides of the account's subscribed apps, as Meta's Graph API lists them. */
export async function accountOverrides(world: World): Promise<Array<string | null>> {
	const info = world.emulator.info();
	const response = await fetch(
		`${info.baseUrl}/${info.graphVersion}/${info.wabaId}/subscribed_apps`,
		{
			headers: { authorization: `Bearer ${info.accessToken}` },
		},
	);
	const { data } = (await response.json()) as { data: Array<{ override_callback_uri?: string }> };
	return data.map((app) => app.override_callback_uri ?? null);
}

/** Runs a workflow from one of its triggers the way the editor's "Execute workflow" does. */
export async function runFromEditor(
	world: World,
	workflowId: string,
	triggerName: string,
): Promise<string> {
	const run = await world.n8n.api.request('POST', `/rest/workflows/${workflowId}/run`, {
		triggerToStartFrom: { name: triggerName },
	});
	if (run.status !== 200) {
		throw new Error(
			`running workflow ${workflowId} from "${triggerName}" answered ${run.status}: ${run.text}`,
		);
	}
	return (run.json as { data: { executionId: string } }).data.executionId;
}

// ---------------------------------------------------------------- executions

const UNFINISHED = new Set(['new', 'running', 'waiting', 'unknown']);

/** Polls until `probe` returns something; the message says what was awaited when it gives up. */
export async function eventually<T>(
	probe: () => Promise<T | undefined>,
	what: string | (() => string | Promise<string>),
	timeoutMs = 60_000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = await probe();
		if (found !== undefined) return found;
		if (Date.now() > deadline) {
			const described = typeof what === 'string' ? what : await what();
			throw new Error(`gave up waiting for ${described} after ${timeoutMs / 1000} s`);
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** The workflow's executions, oldest first. */
export async function executionsOf(world: World, workflowId: string): Promise<Execution[]> {
	return (await world.n8n.api.listExecutions({ workflowId })).reverse();
}

/**
 * Waits until the workflow has `count` executions and none of them is still going, then returns
 * them with their data, oldest first.
 */
export async function settledExecutions(
	world: World,
	workflowId: string,
	count: number,
	timeoutMs = 90_000,
): Promise<Execution[]> {
	let seen: Execution[] = [];
	const settled = await eventually(
		async () => {
			seen = await executionsOf(world, workflowId);
			if (seen.length < count || seen.some((e) => UNFINISHED.has(e.status))) return undefined;
			return seen;
		},
		() =>
			`${count} finished executions of workflow ${workflowId} (have ${seen
				.map((e) => `${e.id}:${e.status}`)
				.join(', ')})\n${recentLogLines(world)}`,
		timeoutMs,
	);
	return await Promise.all(settled.map(async ({ id }) => await world.n8n.api.getExecution(id)));
}

/** Waits until the execution has ended (not new, running or waiting) and returns it with its data. */
export async function finishedExecution(
	world: World,
	executionId: string,
	timeoutMs = 150_000,
): Promise<Execution> {
	let last: Execution | undefined;
	return await eventually(
		async () => {
			last = await world.n8n.api.getExecution(executionId);
			return UNFINISHED.has(last.status) ? undefined : last;
		},
		() =>
			`execution ${executionId} to end (last status ${last?.status ?? 'unknown'})\n${recentLogLines(world)}`,
		timeoutMs,
	);
}

/** Waits until the workflow has `count` executions in status waiting; returns their ids, oldest first. */
export async function waitingExecutions(
	world: World,
	workflowId: string,
	count: number,
): Promise<string[]> {
	return await eventually(
		async () => {
			const waiting = (await executionsOf(world, workflowId)).filter(
				(execution) => execution.status === 'waiting',
			);
			return waiting.length >= count ? waiting.map(({ id }) => id) : undefined;
		},
		() => `${count} waiting executions of workflow ${workflowId}\n${recentLogLines(world)}`,
	);
}

type TaskData = {
	data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> };
	error?: { message?: string };
};

/** The JSON of the items a node sent to one of its outputs in its first run; [] when it did not run. */
export function outputOf(
	execution: Execution,
	nodeName: string,
	output = 0,
): Array<Record<string, unknown>> {
	const runs = (execution.data?.resultData.runData ?? {}) as Record<string, TaskData[]>;
	return (runs[nodeName]?.[0]?.data?.main?.[output] ?? []).map((item) => item.json);
}

/**
 * The JSON of the items a node sent to one of its outputs, one list per run, oldest first: a node
 * in a loop runs once per pass ([] for a pass that used another output).
 */
export function outputsOfEveryRun(
	execution: Execution,
	nodeName: string,
	output = 0,
): Array<Array<Record<string, unknown>>> {
	const runs = (execution.data?.resultData.runData ?? {}) as Record<string, TaskData[]>;
	return (runs[nodeName] ?? []).map((run) =>
		(run.data?.main?.[output] ?? []).map((item) => item.json),
	);
}

/** Names of the nodes that ran in the execution. */
export function nodesThatRan(execution: Execution): string[] {
	return Object.keys(execution.data?.resultData.runData ?? {}).sort();
}

/** The execution's error, if any, for assertion messages. */
export function executionError(execution: Execution): string {
	return JSON.stringify(execution.data?.resultData.error ?? null);
}

function recentLogLines(world: World): string {
	const lines = world.n8n.logs().split('\n');
	return `last n8n lines:\n${lines.slice(-30).join('\n')}`;
}

// ---------------------------------------------------------------- the customer side

/** A number of this run's customers: E.164 and wa_id. */
export interface Customer {
	name: string;
	phone: string;
	waId: string;
}

export function customer(name: string, phone: string): Customer {
	return { name, phone, waId: phone.replace(/^\+/, '') };
}

/** The customer writes; returns once n8n answered the webhook (the trigger has recorded it). */
export async function customerWrites(world: World, who: Customer, text: string): Promise<string> {
	const reply = await world.control.inbound({
		from: who.phone,
		name: who.name,
		text,
		waitForDelivery: true,
	});
	expectDelivered(reply.delivery, `"${text}" from ${who.name}`);
	return reply.messageId;
}

/**
 * The customer's text message as Meta stamps it at `sentAt` (through the emulator, signed like any
 * delivery). The trigger keeps 24-hour windows by Meta's timestamps, so a time in the past is how a
 * test ages a window without waiting a day.
 */
export async function customerWroteAt(
	world: World,
	who: Customer,
	text: string,
	sentAt: Date,
): Promise<string> {
	const reply = await world.control.inbound({
		from: who.phone,
		name: who.name,
		message: {
			type: 'text',
			text: { body: text },
			timestamp: String(Math.floor(sentAt.getTime() / 1000)),
		},
		waitForDelivery: true,
	});
	expectDelivered(reply.delivery, `"${text}" from ${who.name}, sent at ${sentAt.toISOString()}`);
	return reply.messageId;
}

/** The customer taps a reply button of a message they received. */
export async function customerTaps(
	world: World,
	who: Customer,
	button: { id: string; title: string },
	onMessageId: string,
): Promise<string> {
	const reply = await world.control.inbound({
		from: who.phone,
		name: who.name,
		buttonReply: button,
		context: onMessageId,
		waitForDelivery: true,
	});
	expectDelivered(reply.delivery, `a tap on "${button.title}" by ${who.name}`);
	return reply.messageId;
}

/** The customer taps a quick-reply button of a template they received. */
export async function customerTapsQuickReply(
	world: World,
	who: Customer,
	text: string,
	onMessageId: string,
): Promise<string> {
	const reply = await world.control.inbound({
		from: who.phone,
		name: who.name,
		button: { text, payload: text },
		context: onMessageId,
		waitForDelivery: true,
	});
	expectDelivered(reply.delivery, `a tap on "${text}" by ${who.name}`);
	return reply.messageId;
}

function expectDelivered(
	delivery:
		{ delivered: boolean; httpStatus?: number; reason?: string; error?: string } | undefined,
	what: string,
): void {
	if (delivery?.delivered && delivery.httpStatus === 200) return;
	throw new Error(
		`the emulator could not deliver ${what} to n8n: ${JSON.stringify(delivery ?? null)}; is a workflow with the trigger published?`,
	);
}

/** What the business sent to this customer, oldest first. */
export async function messagesTo(world: World, who: Customer) {
	return await world.control.messages({ to: who.waId });
}

/** Waits until the business has sent this customer `count` messages, and returns them. */
export async function eventuallyMessagesTo(world: World, who: Customer, count: number) {
	let seen: Awaited<ReturnType<typeof messagesTo>> = [];
	return await eventually(
		async () => {
			seen = await messagesTo(world, who);
			return seen.length >= count ? seen : undefined;
		},
		() =>
			`${count} messages to ${who.name} (have ${seen.length}: ${JSON.stringify(seen.map((m) => m.renderedText))})\n${recentLogLines(world)}`,
	);
}
