/** The pinned n8n as the benchmarks use it: started through scripts/harness, watched through /proc. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
	startN8n,
	type HttpReply,
	type N8nInstance,
	type WorkflowInput,
} from '../../scripts/harness';
import { installBenchPackage } from './package';
import { findN8nMainPid } from './processes';
import { sleep } from './stats';
import type { StampedAnswer } from './workflows';

const NOT_READY_RETRIES = 15;

const isNotReady = (reply: HttpReply) =>
	reply.status === 503 && reply.text.includes('Database is not ready');

export interface BenchN8n {
	n8n: N8nInstance;
	/** The `n8n start` process (memory, CPU); a new one after restart(). */
	pid: number;
	userFolder: string;
	/** Set when this package is installed: node types are `<packageName>.<node>`. */
	packageName: string | undefined;
	/** A fresh n8n process on the same folder, database and ports (nothing left in its memory). */
	restart(): Promise<void>;
	stop(): Promise<void>;
}

export async function startBenchN8n(options: {
	withPackage: boolean;
	env?: Record<string, string>;
	/**
	 * n8n's queue mode: this main, one webhook processor and `workers` workers on one PostgreSQL
	 * database and Redis (scripts/harness); `pid` is then the main's.
	 */
	queue?: { workers: number };
}): Promise<BenchN8n> {
	const userFolder = await mkdtemp(join(tmpdir(), 'n8n-bench-'));
	const packageName = options.withPackage ? await installBenchPackage(userFolder) : undefined;
	const n8n = await startN8n({
		userFolder,
		installPackage: false,
		env: options.env ?? {},
		...(options.queue ? { queue: { workers: options.queue.workers, webhookProcessors: 1 } } : {}),
	});
	const instance: BenchN8n = {
		n8n,
		pid: findN8nMainPid(n8n.runtime.n8nScript, n8n.port),
		userFolder,
		packageName,
		restart: async () => {
			await n8n.restart();
			instance.pid = findN8nMainPid(n8n.runtime.n8nScript, n8n.port);
		},
		stop: async () => {
			await n8n.stop();
			await rm(userFolder, { recursive: true, force: true });
		},
	};
	return instance;
}

/** Imports and publishes a workflow; returns its id. */
export async function deploy(
	n8n: N8nInstance,
	workflow: WorkflowInput,
	credentials: Parameters<N8nInstance['api']['importWorkflow']>[1] = {},
): Promise<string> {
	const { id } = await n8n.api.importWorkflow(workflow, credentials);
	await n8n.api.publishWorkflow(id);
	return id;
}

/** Runs a stamped workflow (see workflows.ts) once through its webhook; returns the node's time span. */
export async function runStamped(
	n8n: N8nInstance,
	path: string,
	body: unknown,
): Promise<StampedAnswer & { seconds: number }> {
	let reply = await n8n.webhook(path, { body });
	// n8n refuses webhooks while its database health check lags behind (a busy SQLite after a big
	// execution); the workflow has not started then, so asking again is safe.
	for (let attempt = 1; attempt <= NOT_READY_RETRIES && isNotReady(reply); attempt++) {
		await sleep(2000);
		reply = await n8n.webhook(path, { body });
	}
	const answer = reply.json as Partial<StampedAnswer> | undefined;
	if (
		reply.status !== 200 ||
		typeof answer?.startedAt !== 'number' ||
		typeof answer.endedAt !== 'number'
	) {
		throw new Error(
			`the workflow behind /webhook/${path} answered ${reply.status} without its time stamps: ${reply.text.slice(0, 2000)}`,
		);
	}
	return {
		...answer,
		startedAt: answer.startedAt,
		endedAt: answer.endedAt,
		seconds: (answer.endedAt - answer.startedAt) / 1000,
	};
}
