/**
 * A stand-in for n8n's production webhooks on loopback HTTP, for many published trigger
 * workflows at once: `/webhook/<webhookId>/webhook` of each published fixture calls its
 * webhook() as test/helpers/webhookHarness.ts does (n8n 2.41's answers), and every run it starts
 * is recorded per workflow. An unpublished workflow's path answers 404, like n8n; `down(name)`
 * makes a published one answer 503 without running (a busy or failing webhook process).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeExecutionData } from 'n8n-workflow';

import {
	callTriggerWebhook,
	runWebhookMethod,
	type TriggerFixture,
	type WebhookCallResult,
} from './webhookHarness';

interface Published {
	name: string;
	fixture: TriggerFixture;
	mode: 'webhook' | 'manual';
	/** While set, the path answers this status without calling the node. */
	downWith: number | null;
}

export class FakeWebhookN8n {
	private readonly byPath = new Map<string, Published>();

	private readonly runsOf = new Map<string, INodeExecutionData[][]>();

	/** Every call answered, with the workflow it was for and what was sent (to replay it). */
	readonly calls: Array<{
		name: string;
		request: { headers: Record<string, string | string[]>; rawBody: Buffer };
		call: WebhookCallResult;
	}> = [];

	private constructor(
		private readonly server: Server,
		readonly baseUrl: string,
	) {}

	static async start(): Promise<FakeWebhookN8n> {
		const server = createServer();
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const { port } = server.address() as AddressInfo;
		const instance = new FakeWebhookN8n(server, `http://127.0.0.1:${port}`);
		server.on('request', (request, response) => {
			void instance.handle(request).then(({ status, headers, body }) => {
				response.writeHead(status, headers);
				response.end(body);
			});
		});
		return instance;
	}

	/** Publishes the workflow: its URL goes live, then n8n runs checkExists and, if false, create. */
	async publish(name: string, fixture: TriggerFixture): Promise<void> {
		const webhookId = fixture.webhookId ?? `hook-${name}`;
		fixture.webhookId = webhookId;
		fixture.webhookUrl = `${this.baseUrl}/webhook/${webhookId}/webhook`;
		this.byPath.set(new URL(fixture.webhookUrl).pathname, {
			name,
			fixture,
			mode: 'webhook',
			downWith: null,
		});
		if (!this.runsOf.has(name)) this.runsOf.set(name, []);
		if (!(await runWebhookMethod(fixture, 'checkExists')).result) {
			await runWebhookMethod(fixture, 'create');
		}
	}

	/**
	 * The editor's "Listen for test event": the workflow's test URL goes live and n8n runs the
	 * webhook methods in test mode. Returns the fixture as the test run sees it.
	 */
	async listenForTestEvent(name: string, fixture: TriggerFixture): Promise<TriggerFixture> {
		const webhookId = fixture.webhookId ?? `hook-${name}`;
		const test: TriggerFixture = {
			...fixture,
			webhookId,
			webhookUrl: `${this.baseUrl}/webhook-test/${webhookId}/webhook`,
		};
		this.byPath.set(new URL(test.webhookUrl!).pathname, {
			name,
			fixture: test,
			mode: 'manual',
			downWith: null,
		});
		if (!this.runsOf.has(name)) this.runsOf.set(name, []);
		if (!(await runWebhookMethod(test, 'checkExists', 'test')).result) {
			await runWebhookMethod(test, 'create', 'test');
		}
		return test;
	}

	/** The editor stopped listening (or the test event came): n8n deletes the test webhook. */
	async stopListening(test: TriggerFixture): Promise<void> {
		await runWebhookMethod(test, 'delete', 'test');
		this.byPath.delete(new URL(test.webhookUrl!).pathname);
	}

	/** n8n runs delete, then the URL answers 404. */
	async unpublish(fixture: TriggerFixture): Promise<void> {
		await runWebhookMethod(fixture, 'delete');
		this.byPath.delete(new URL(fixture.webhookUrl!).pathname);
	}

	down(name: string, status = 503): void {
		for (const published of this.byPath.values()) {
			if (published.name === name) published.downWith = status;
		}
	}

	up(name: string): void {
		for (const published of this.byPath.values()) {
			if (published.name === name) published.downWith = null;
		}
	}

	/** The items of each run the workflow started, in order. */
	runs(name: string): INodeExecutionData[][] {
		return this.runsOf.get(name) ?? [];
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private async handle(
		request: IncomingMessage,
	): Promise<{ status: number; headers: Record<string, string>; body: string }> {
		const url = new URL(request.url ?? '/', this.baseUrl);
		const rawBody = await readBody(request);
		const published = this.byPath.get(url.pathname);
		const method = (request.method ?? 'GET').toUpperCase();
		if (published === undefined || (method !== 'GET' && method !== 'POST')) {
			return { status: 404, headers: {}, body: 'The requested webhook is not registered.' };
		}
		if (published.downWith !== null) {
			return { status: published.downWith, headers: {}, body: 'Service Unavailable' };
		}
		const headers = request.headers as Record<string, string | string[]>;
		const call = await callTriggerWebhook(published.fixture, {
			method: method as 'GET' | 'POST',
			rawBody,
			headers,
			query: Object.fromEntries(url.searchParams),
			mode: published.mode,
		});
		this.calls.push({ name: published.name, request: { headers, rawBody }, call });
		if (call.workflowData !== undefined)
			this.runsOf.get(published.name)!.push(call.workflowData[0]);
		return {
			status: call.status,
			headers: { ...call.headers, 'content-type': call.contentType ?? 'text/plain' },
			body: call.body,
		};
	}
}

function readBody(request: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => resolve(Buffer.concat(chunks)));
		request.on('error', reject);
	});
}
