import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defaultOwner, N8nApi, toReply, type HttpReply, type OwnerAccount } from './api';
import {
	installIntoUserFolder,
	stageBuiltPackage,
	type PackageManifest,
} from './community-package';
import {
	createScratchDatabase,
	deleteRedisKeys,
	dropScratchDatabase,
	localPostgres,
	type PostgresServer,
} from './databases';
import { freePorts, spawnGroup, type GroupProcess } from './processes';
import { ensureRuntime, type N8nRuntime } from './runtime';

export interface RedisServer {
	host: string;
	port: number;
	db: number;
}

export const localRedis: RedisServer = { host: '127.0.0.1', port: 6379, db: 0 };

/** n8n's scaling mode: one main, webhook processors and workers sharing PostgreSQL and Redis. */
export interface QueueModeOptions {
	workers?: number;
	webhookProcessors?: number;
	redis?: RedisServer;
}

export interface StartN8nOptions {
	/** Keep n8n's data here across runs (the sandbox); default: a temp folder removed by stop(). */
	userFolder?: string;
	/** Port of the main process; default: a free one. */
	port?: number;
	/** Extra environment for every n8n process, e.g. where the emulator listens. */
	env?: Record<string, string>;
	/** Install this repository's built package as a community package (default true). */
	installPackage?: boolean;
	/** The owner to create or log in as (default: defaultOwner). */
	owner?: OwnerAccount;
	/** Use PostgreSQL instead of SQLite; a scratch database is created and dropped by stop(). */
	postgres?: PostgresServer | boolean;
	/** Run in queue mode (implies PostgreSQL). */
	queue?: QueueModeOptions | boolean;
	/**
	 * Each process its own n8n folder (`processFolder(name)`), as on machines of their own: a
	 * community package one of them installs is not on the others' disk. The processes share an
	 * encryption key (N8N_ENCRYPTION_KEY) instead of the folder's config file.
	 */
	separateUserFolders?: boolean;
	/**
	 * The address n8n gives out for its webhooks (N8N_WEBHOOK_URL: production URLs, resume URLs)
	 * when a proxy or load balancer sits in front of the process serving them; default: that
	 * process itself.
	 */
	publicWebhookUrl?: string;
	/** Each line an n8n process prints, e.g. to watch it while debugging. */
	onLogLine?: (processName: string, line: string) => void;
	/** How long each process may take to become ready (default 180 s: first boots run migrations). */
	readyTimeoutMs?: number;
}

export interface N8nInstance {
	/** The main process: editor, REST and public API. */
	baseUrl: string;
	/** The address n8n gives out for production and waiting webhooks (publicWebhookUrl, if given). */
	webhookBaseUrl: string;
	/** The process serving those webhooks: main, or the webhook processor in queue mode. */
	webhookServerUrl: string;
	port: number;
	userFolder: string;
	/** The n8n folder of one process (`main`, `webhook-1`, `worker-1`, …): userFolder unless separateUserFolders. */
	processFolder(processName: string): string;
	mode: 'regular' | 'queue';
	runtime: N8nRuntime;
	/** The installed package, or undefined when installPackage was false. */
	package: PackageManifest | undefined;
	/** Signed in as the owner, with an API key. */
	api: N8nApi;
	/** `<package name>.<node name>`, the type of one of this package's nodes in workflow JSON. */
	nodeType(nodeName: string): string;
	/** Calls a production webhook (`/webhook/<path>`) of a published workflow. */
	webhook(path: string, init?: WebhookCall): Promise<HttpReply>;
	/** Everything the n8n processes printed, each line prefixed with the process name. */
	logs(): string;
	/** Stops every process and starts them again on the same ports, folder and database. */
	restart(): Promise<void>;
	/** Stops every process, then removes the temp folder and scratch database it made. */
	stop(): Promise<void>;
}

export interface WebhookCall {
	method?: string;
	headers?: Record<string, string>;
	/** A string is sent as is; anything else as JSON. */
	body?: unknown;
	query?: Record<string, string>;
}

interface ProcessPlan {
	name: string;
	command: 'start' | 'webhook' | 'worker';
	/** Port answering /healthz/readiness once the process is ready. */
	healthPort: number;
	env: Record<string, string>;
}

const runningInstances = new Set<N8nInstance>();

/** Stops every instance started in this process and not yet stopped; returns how many there were. */
export async function stopAllN8n(): Promise<number> {
	const leftOver = [...runningInstances];
	for (const instance of leftOver) await instance.stop();
	return leftOver.length;
}

/**
 * Starts the pinned n8n with this package installed the way the Community Nodes screen does,
 * on free ports, and signs in as the owner. Call stop() in afterAll: it is safe to call twice.
 */
export async function startN8n(options: StartN8nOptions = {}): Promise<N8nInstance> {
	const runtime = await ensureRuntime();
	const queue = options.queue === true ? {} : options.queue || undefined;
	const postgresServer =
		options.postgres === true || (queue && !options.postgres)
			? localPostgres
			: options.postgres || undefined;
	const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;

	const ownsUserFolder = !options.userFolder;
	const userFolder = options.userFolder ?? (await mkdtemp(join(tmpdir(), 'n8n-e2e-')));
	await mkdir(userFolder, { recursive: true });
	const cleanups: Array<() => Promise<void>> = [];
	if (ownsUserFolder)
		cleanups.push(async () => await rm(userFolder, { recursive: true, force: true }));

	let processes: GroupProcess[] = [];
	// Kept after stop() and across restarts, so that a failing test can still print what happened.
	const everyProcess: GroupProcess[] = [];
	const logs = () =>
		everyProcess.map((child) => prefixLines(child.name, child.output())).join('\n');
	const stopAll = async () => {
		// Workers and webhook processors first, so the main sees them go as in a real shutdown.
		for (const child of [...processes].reverse()) await child.stop();
	};
	const stop = async () => {
		await stopAll();
		processes = [];
		// Every cleanup runs even when one fails: a leftover database must not keep a folder around.
		const failures: unknown[] = [];
		for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
			await cleanup().catch((error: unknown) => failures.push(error));
		}
		if (failures.length > 0) throw failures[0];
	};

	try {
		const staged = options.installPackage !== false ? await stageBuiltPackage() : undefined;
		const manifest: PackageManifest | undefined = staged?.manifest;

		const env = baseEnvironment(runtime, userFolder, options.env ?? {});
		if (postgresServer) {
			const database = await createScratchDatabase(postgresServer);
			cleanups.push(async () => await dropScratchDatabase(postgresServer, database));
			Object.assign(env, postgresEnvironment(postgresServer, database));
		}

		const workers = queue ? (queue.workers ?? 2) : 0;
		const webhookProcessors = queue ? (queue.webhookProcessors ?? 1) : 0;
		const ports = await freePorts(2 + webhookProcessors * 2 + workers * 2);
		const mainPort = options.port ?? ports[0];
		const plans: ProcessPlan[] = [
			{
				name: 'main',
				command: 'start',
				healthPort: mainPort,
				env: { N8N_PORT: String(mainPort), N8N_RUNNERS_BROKER_PORT: String(ports[1]) },
			},
		];
		for (let i = 0; i < webhookProcessors; i++) {
			const port = ports[2 + i * 2];
			plans.push({
				name: `webhook-${i + 1}`,
				command: 'webhook',
				healthPort: port,
				env: { N8N_PORT: String(port), N8N_RUNNERS_BROKER_PORT: String(ports[3 + i * 2]) },
			});
		}
		for (let i = 0; i < workers; i++) {
			const base = 2 + webhookProcessors * 2 + i * 2;
			plans.push({
				name: `worker-${i + 1}`,
				command: 'worker',
				healthPort: ports[base],
				env: {
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(ports[base]),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					N8N_RUNNERS_BROKER_PORT: String(ports[base + 1]),
					// An event log of its own, as a worker on its own machine has. Sharing one, a worker
					// starting up reads the other's runs in progress as left unfinished by a crash and
					// marks them crashed (n8n's crash recovery from the event log).
					N8N_EVENTBUS_LOGWRITER_LOGFULLPATH: join(
						userFolder,
						'.n8n',
						`n8nEventLog-worker-${i + 1}.log`,
					),
				},
			});
		}

		const baseUrl = `http://127.0.0.1:${mainPort}`;
		const webhookServerUrl =
			webhookProcessors > 0 ? `http://127.0.0.1:${plans[1].healthPort}` : baseUrl;
		const webhookBaseUrl = options.publicWebhookUrl?.replace(/\/+$/, '') ?? webhookServerUrl;
		env.N8N_WEBHOOK_URL = `${webhookBaseUrl}/`;
		if (queue) {
			const redis = queue.redis ?? localRedis;
			const prefixes = redisPrefixes();
			Object.assign(env, queueEnvironment(redis, prefixes));
			cleanups.push(async () => await deleteRedisKeys(redis, [prefixes.queue, prefixes.keys]));
		}

		const processFolder = (processName: string) =>
			options.separateUserFolders ? join(userFolder, processName) : userFolder;
		if (options.separateUserFolders) {
			env.N8N_ENCRYPTION_KEY ??= randomBytes(24).toString('hex');
			for (const plan of plans) {
				plan.env.N8N_USER_FOLDER = processFolder(plan.name);
				// The event log lives in the process's own folder then.
				delete plan.env.N8N_EVENTBUS_LOGWRITER_LOGFULLPATH;
			}
		}

		if (staged) {
			for (const folder of new Set(plans.map((plan) => processFolder(plan.name))))
				await installIntoUserFolder(folder, staged);
		}

		const launch = async () => {
			// The main first: on a fresh database it runs the migrations the others wait for.
			for (const plan of plans) {
				await mkdir(processFolder(plan.name), { recursive: true });
				const child = spawnGroup(runtime.nodeBinary, [runtime.n8nScript, plan.command], {
					name: plan.name,
					env: { ...env, ...plan.env },
					cwd: processFolder(plan.name),
					onLine: options.onLogLine && ((line) => options.onLogLine?.(plan.name, line)),
				});
				processes.push(child);
				everyProcess.push(child);
				await waitUntilReady(child, plan.healthPort, readyTimeoutMs);
			}
		};
		await launch();

		const api = new N8nApi(baseUrl);
		const owner = options.owner ?? defaultOwner;
		await api.signIn(owner);

		const instance: N8nInstance = {
			baseUrl,
			webhookBaseUrl,
			webhookServerUrl,
			port: mainPort,
			userFolder,
			processFolder,
			mode: queue ? 'queue' : 'regular',
			runtime,
			package: manifest,
			api,
			nodeType: (nodeName) => {
				if (!manifest)
					throw new Error('nodeType(): the package was not installed (installPackage: false)');
				return `${manifest.name}.${nodeName}`;
			},
			webhook: async (path, call = {}) => await callWebhook(webhookBaseUrl, path, call),
			logs,
			restart: async () => {
				await stopAll();
				processes = [];
				await launch();
				await api.signIn(owner);
			},
			stop: async () => {
				runningInstances.delete(instance);
				await stop();
			},
		};
		runningInstances.add(instance);
		return instance;
	} catch (error) {
		const output = logs();
		await stop();
		if (output) (error as Error).message += `\n--- n8n output ---\n${output.slice(-20_000)}`;
		throw error;
	}
}

/** Only what n8n needs: the caller's N8N_*, DB_*, QUEUE_* and test-runner variables stay out. */
function baseEnvironment(
	runtime: N8nRuntime,
	userFolder: string,
	extra: Record<string, string>,
): Record<string, string> {
	const inherited = Object.fromEntries(
		Object.entries(process.env).filter(
			(entry): entry is [string, string] =>
				entry[1] !== undefined &&
				!/^(N8N_|DB_|QUEUE_|EXECUTIONS_|JEST_|npm_|NODE_ENV$|NODE_OPTIONS$)/.test(entry[0]),
		),
	);
	return {
		...inherited,
		PATH: `${runtime.binDir}:${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: userFolder,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_SECURE_COOKIE: 'false',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		// The verified-packages list lives on n8n's servers, which tests must not call.
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		// The MCP server catalogue is fetched from n8n's servers, which tests must not call either.
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '15',
		...extra,
	};
}

function postgresEnvironment(server: PostgresServer, database: string): Record<string, string> {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: server.host,
		DB_POSTGRESDB_PORT: String(server.port),
		DB_POSTGRESDB_USER: server.user,
		DB_POSTGRESDB_PASSWORD: server.password,
		DB_POSTGRESDB_DATABASE: database,
	};
}

/** Prefixes of its own, so that concurrent runs on one Redis never share queues, pub/sub or cache. */
function redisPrefixes(): { queue: string; keys: string } {
	const runId = randomBytes(4).toString('hex');
	return { queue: `bull-e2e-${runId}`, keys: `n8n-e2e-${runId}` };
}

function queueEnvironment(
	redis: RedisServer,
	prefixes: { queue: string; keys: string },
): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		QUEUE_BULL_REDIS_DB: String(redis.db),
		QUEUE_BULL_PREFIX: prefixes.queue,
		N8N_REDIS_KEY_PREFIX: prefixes.keys,
	};
}

async function waitUntilReady(child: GroupProcess, port: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let exitedWith: string | undefined;
	void child.exited.then((how) => (exitedWith = how));
	while (Date.now() < deadline) {
		if (exitedWith) throw new Error(`n8n ${child.name} exited before it was ready (${exitedWith})`);
		try {
			const response = await fetch(`http://127.0.0.1:${port}/healthz/readiness`);
			if (response.status === 200) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	throw new Error(`n8n ${child.name} was not ready on port ${port} within ${timeoutMs / 1000} s`);
}

async function callWebhook(baseUrl: string, path: string, call: WebhookCall): Promise<HttpReply> {
	const url = new URL(`/webhook/${path.replace(/^\/+/, '')}`, baseUrl);
	for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
	const headers = { ...call.headers };
	let body: string | undefined;
	if (typeof call.body === 'string') body = call.body;
	else if (call.body !== undefined) {
		body = JSON.stringify(call.body);
		headers['content-type'] ??= 'application/json';
	}
	const response = await fetch(url, {
		method: call.method ?? (body ? 'POST' : 'GET'),
		headers,
		body,
	});
	return await toReply(response);
}

function prefixLines(name: string, text: string): string {
	return text
		.split('\n')
		.filter((line) => line.length > 0)
		.map((line) => `[${name}] ${line}`)
		.join('\n');
}
