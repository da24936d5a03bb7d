/**
 * A stand-in for the part of n8n that pauses and resumes executions, on loopback HTTP:
 * `/webhook-waiting/<executionId>?signature=<token>` answers like n8n 2.41's WaitingWebhooks
 * (unknown → 404, wrong token → 401, running or finished → 409, waiting → the node's webhook()),
 * and `timeOut()` plays the wait tracker. As in n8n, an execution leaves `waiting` once: the
 * webhook path re-checks the status after webhook() ran and answers 500 when the timeout won.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeExecutionData, INodeType } from 'n8n-workflow';

import { runNode, type ParameterValue } from './nodeHarness';
import { runRestartWebhook } from './restartWebhookHarness';

export interface WaitingExecutionSpec {
	node: INodeType;
	parameters: Record<string, ParameterValue>;
	items: INodeExecutionData[];
	credentials: Record<string, Record<string, unknown>>;
	/** The node's version; its first version unless given. */
	typeVersion?: number;
	/** Keeps the execution `running` after execute() until this settles, like a slow save. */
	savedAsWaiting?: Promise<void>;
}

export type ExecutionStatus = 'running' | 'waiting' | 'finished';

export interface FakeExecution {
	id: string;
	status: ExecutionStatus;
	waitTill?: Date;
	/** The node's outputs once the execution went on: by webhook, by timeout, or at once. */
	outputs?: INodeExecutionData[][];
	resumedBy?: 'webhook' | 'timeout';
	/** Resume-URL calls answered, in order. */
	answers: number[];
}

const BRANCHES = ['noReply', 'replied', 'cancelled', 'limitReached'] as const;
export type Branch = (typeof BRANCHES)[number];

/** Which output the items left through; null while nothing left. */
export function branchOf(execution: FakeExecution): Branch | null {
	const index = execution.outputs?.findIndex((output) => output.length > 0) ?? -1;
	return index < 0 ? null : BRANCHES[index];
}

interface Entry {
	execution: FakeExecution;
	token: string;
	spec: WaitingExecutionSpec;
	/**
	 * The node's input as saved on the execution stack: n8n gives the node a fresh array of the
	 * items (with their lineage), keeps it on the stack while waiting and passes it to output 0
	 * on timeout, with whatever the node put in it.
	 */
	stackItems: INodeExecutionData[];
}

export class FakeWaitingN8n {
	private readonly entries = new Map<string, Entry>();

	private nextId = 1;

	private constructor(
		private readonly server: Server,
		readonly baseUrl: string,
	) {}

	static async start(): Promise<FakeWaitingN8n> {
		const server = createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		const instance = new FakeWaitingN8n(server, `http://127.0.0.1:${port}`);
		server.on('request', (request, response) => void instance.handle(request, response));
		return instance;
	}

	/** Runs the node's execute(); the execution then waits (or finished at once). */
	async execute(spec: WaitingExecutionSpec): Promise<FakeExecution> {
		const id = String(this.nextId++);
		const token = randomBytes(16).toString('hex');
		const execution: FakeExecution = { id, status: 'running', answers: [] };
		const stackItems = spec.items.map((item, index) => ({ ...item, pairedItem: { item: index } }));
		this.entries.set(id, { execution, token, spec, stackItems });
		const run = await runNode({
			node: spec.node,
			parameters: spec.parameters,
			items: stackItems,
			credentials: spec.credentials,
			executionId: id,
			resumeUrl: `${this.baseUrl}/webhook-waiting/${id}?signature=${token}`,
			...(spec.typeVersion === undefined ? {} : { typeVersion: spec.typeVersion }),
		});
		if (run.waitTill === undefined) {
			execution.status = 'finished';
			execution.outputs = run.output ?? [];
			return execution;
		}
		execution.waitTill = run.waitTill;
		if (spec.savedAsWaiting) {
			void spec.savedAsWaiting.then(() => this.markWaiting(execution));
		} else {
			this.markWaiting(execution);
		}
		return execution;
	}

	/** The wait tracker: a waiting execution continues with the node's saved input on output 0. */
	timeOut(id: string): boolean {
		const entry = this.entries.get(id);
		if (entry?.execution.status !== 'waiting') return false;
		entry.execution.status = 'finished';
		entry.execution.resumedBy = 'timeout';
		entry.execution.outputs = [
			entry.stackItems,
			[],
			[],
			...(entry.spec.typeVersion === 1.2 ? [[]] : []),
		];
		return true;
	}

	/** Deletes an execution, as pruning or a user does: its resume URL then answers 404. */
	forget(id: string): void {
		this.entries.delete(id);
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	/** n8n is down (restarting, deploying): its port refuses connections until `comeBack()`. */
	async goDown(): Promise<void> {
		await this.close();
	}

	/** n8n is up again on the same port; executions and their resume URLs are as they were. */
	async comeBack(): Promise<void> {
		const { port } = new URL(this.baseUrl);
		await new Promise<void>((resolve) => this.server.listen(Number(port), '127.0.0.1', resolve));
	}

	private markWaiting(execution: FakeExecution): void {
		if (execution.status === 'running') execution.status = 'waiting';
	}

	private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
		const url = new URL(request.url ?? '/', this.baseUrl);
		const body = await readJson(request);
		const match = /^\/webhook-waiting\/([^/]+)$/.exec(url.pathname);
		const entry = match ? this.entries.get(match[1]) : undefined;
		const answer = (statusCode: number, json: unknown) => {
			entry?.execution.answers.push(statusCode);
			response.writeHead(statusCode, { 'content-type': 'application/json' });
			response.end(JSON.stringify(json));
		};
		if (request.method !== 'POST' || entry === undefined) {
			return answer(404, { message: 'The execution does not exist.' });
		}
		if (url.searchParams.get('signature') !== entry.token) {
			return answer(401, { error: 'Invalid token' });
		}
		const { execution, spec, stackItems } = entry;
		if (execution.status !== 'waiting') {
			return answer(409, { message: `The execution "${execution.id}" is ${execution.status}.` });
		}
		const run = await runRestartWebhook({
			node: spec.node,
			parameters: spec.parameters,
			waitingItems: stackItems,
			credentials: spec.credentials,
			executionId: execution.id,
			body,
			...(spec.typeVersion === undefined ? {} : { typeVersion: spec.typeVersion }),
		});
		if (run.response) return answer(run.response.statusCode, run.response.body);
		if (execution.status !== 'waiting') {
			return answer(500, { message: 'Execution is already being resumed by another process' });
		}
		execution.status = 'finished';
		execution.resumedBy = 'webhook';
		execution.outputs = run.result.workflowData;
		return answer(200, { message: 'Workflow was started' });
	}
}

async function readJson(request: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	try {
		return text === '' ? undefined : JSON.parse(text);
	} catch {
		return text;
	}
}
