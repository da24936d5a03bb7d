import { createHmac, timingSafeEqual } from 'node:crypto';
import {
	createServer,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';

// Webhooks travel over real loopback HTTP; on a loaded CI machine that can take a while. Tests assert
// what arrives, never how fast, so waits are generous.
jest.setTimeout(30_000);
const defaultWaitMs = 15_000;

/** A webhook POST as a receiver saw it. */
export interface ReceivedWebhook {
	rawBody: Buffer;
	headers: IncomingHttpHeaders;
	body: WebhookBody;
}

export interface WebhookBody {
	object: string;
	entry: Array<{ id: string; changes: Array<{ field: string; value: Record<string, any> }> }>;
}

/**
 * A loopback HTTP server standing in for a webhook receiver (the trigger): answers Meta's hub.challenge
 * GET when the verify token matches and records every POST. Answers POSTs with `nextStatuses` first,
 * then 200.
 */
export class WebhookReceiver {
	readonly received: ReceivedWebhook[] = [];

	/** HTTP statuses for the next POSTs, consumed in order (e.g. [500, 500] to force two retries). */
	nextStatuses: number[] = [];

	/** How many of the next POSTs get no answer at all (to make the sender time out). */
	hangNext = 0;

	private waiters: Array<() => void> = [];

	private server!: Server;

	url = '';

	private constructor(readonly verifyToken: string) {}

	static async start(
		verifyToken = 'receiver-verify-token',
		path = '/webhook',
	): Promise<WebhookReceiver> {
		const receiver = new WebhookReceiver(verifyToken);
		receiver.server = createServer((request, response) => receiver.answer(request, response));
		await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', () => resolve()));
		receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}${path}`;
		return receiver;
	}

	private answer(request: IncomingMessage, response: ServerResponse): void {
		const url = new URL(request.url ?? '/', 'http://receiver.invalid');
		if (request.method === 'GET') {
			const matches = url.searchParams.get('hub.verify_token') === this.verifyToken;
			response.writeHead(matches ? 200 : 403, { 'content-type': 'text/plain' });
			response.end(matches ? (url.searchParams.get('hub.challenge') ?? '') : 'wrong verify token');
			return;
		}
		if (this.hangNext > 0) {
			this.hangNext--;
			return;
		}
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const status = this.nextStatuses.shift() ?? 200;
			if (status >= 200 && status < 300) {
				const rawBody = Buffer.concat(chunks);
				this.record({
					rawBody,
					headers: request.headers,
					body: JSON.parse(rawBody.toString('utf8')) as WebhookBody,
				});
			}
			response.writeHead(status);
			response.end();
		});
	}

	/** Every change value of every accepted POST, in arrival order. */
	changes(field?: string): Array<Record<string, any>> {
		return this.received.flatMap((webhook) =>
			webhook.body.entry.flatMap((entry) =>
				entry.changes
					.filter((change) => field === undefined || change.field === field)
					.map((change) => change.value),
			),
		);
	}

	statuses(messageId?: string): Array<Record<string, any>> {
		return this.changes('messages')
			.flatMap((value) => (value.statuses as Array<Record<string, any>> | undefined) ?? [])
			.filter((status) => messageId === undefined || status.id === messageId);
	}

	inboundMessages(): Array<Record<string, any>> {
		return this.changes('messages').flatMap(
			(value) => (value.messages as Array<Record<string, any>> | undefined) ?? [],
		);
	}

	/** Resolves once `condition` holds; fails after timeoutMs so a broken emulator fails the test instead of hanging it. */
	async waitFor<T>(condition: () => T | undefined | false, timeoutMs = defaultWaitMs): Promise<T> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const result = condition();
			if (result) return result;
			const remaining = deadline - Date.now();
			if (remaining <= 0)
				throw new Error(`webhook receiver: condition not met within ${timeoutMs} ms`);
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, remaining);
				this.waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	clear(): void {
		this.received.length = 0;
		this.nextStatuses = [];
		this.hangNext = 0;
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private record(webhook: ReceivedWebhook): void {
		this.received.push(webhook);
		const waiters = this.waiters;
		this.waiters = [];
		waiters.forEach((wake) => wake());
	}
}

export function signatureIsValid(webhook: ReceivedWebhook, appSecret: string): boolean {
	const header = String(webhook.headers['x-hub-signature-256'] ?? '');
	const expected = `sha256=${createHmac('sha256', appSecret).update(webhook.rawBody).digest('hex')}`;
	return (
		header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected))
	);
}

export interface GraphAnswer {
	status: number;
	body: Record<string, any>;
}

/** An emulator, its control client, a subscribed receiver and a Graph caller, for one test file. */
export interface Harness {
	emulator: RunningEmulator;
	control: EmulatorControl;
	receiver: WebhookReceiver;
	version: string;
	phoneNumberId: string;
	secondPhoneNumberId: string;
	wabaId: string;
	appId: string;
	accessToken: string;
	appSecret: string;
	graph(method: string, path: string, body?: unknown, token?: string | null): Promise<GraphAnswer>;
	send(body: Record<string, unknown>, phoneNumberId?: string): Promise<GraphAnswer>;
	/** Back to the seed and re-subscribe the receiver. */
	reset(): Promise<void>;
	stop(): Promise<void>;
}

export const customer = '+4915112345678';
export const customerWaId = '4915112345678';

export async function startHarness(seed: Record<string, unknown> = {}): Promise<Harness> {
	const emulator = await startEmulator({ seed });
	const info = emulator.info();
	const control = new EmulatorControl(emulator.baseUrl);
	const receiver = await WebhookReceiver.start();
	const graph = async (
		method: string,
		path: string,
		body?: unknown,
		token: string | null = info.accessToken,
	) => {
		const response = await fetch(`${emulator.baseUrl}/${info.graphVersion}${path}`, {
			method,
			headers: {
				...(token === null ? {} : { authorization: `Bearer ${token}` }),
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
			},
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
		return { status: response.status, body: (await response.json()) as Record<string, any> };
	};
	const subscribe = async () => {
		const answer = await graph(
			'POST',
			`/${info.appId}/subscriptions`,
			{
				object: 'whatsapp_business_account',
				callback_url: receiver.url,
				verify_token: receiver.verifyToken,
				fields:
					'messages,user_preferences,message_template_status_update,group_lifecycle_update,group_participants_update,group_settings_update',
			},
			`${info.appId}|${info.appSecret}`,
		);
		if (answer.status !== 200)
			throw new Error(`subscribing the receiver failed: ${JSON.stringify(answer.body)}`);
	};
	await subscribe();
	return {
		emulator,
		control,
		receiver,
		version: info.graphVersion,
		phoneNumberId: info.phoneNumbers[0].id,
		secondPhoneNumberId: info.phoneNumbers[1].id,
		wabaId: info.wabaId,
		appId: info.appId,
		accessToken: info.accessToken,
		appSecret: info.appSecret,
		graph,
		send: (body, phoneNumberId = info.phoneNumbers[0].id) =>
			graph('POST', `/${phoneNumberId}/messages`, { messaging_product: 'whatsapp', ...body }),
		reset: async () => {
			await control.reset();
			receiver.clear();
			await subscribe();
		},
		stop: async () => {
			await emulator.stop();
			await receiver.stop();
		},
	};
}

/** Polls `probe` until it returns something truthy; fails after timeoutMs instead of hanging. */
export async function eventually<T>(
	probe: () => Promise<T | undefined | false>,
	timeoutMs = 5000,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const result = await probe();
		if (result) return result;
		if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
