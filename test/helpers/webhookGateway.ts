/**
 * A load balancer in front of n8n's webhooks, where production setups put one (before the webhook
 * processors in queue mode). n8n gives out its address (N8N_WEBHOOK_URL), so Meta's callbacks,
 * the trigger's forwards to the other workflows of the account and the Follow-up Wait's resume
 * URLs all pass through it. A test can make it answer 503 to chosen requests, as a load balancer
 * does when the upstream serving them fails; while n8n is down it answers 502 Bad Gateway.
 */
import {
	createServer,
	request as upstreamRequest,
	type IncomingHttpHeaders,
	type IncomingMessage,
	type Server,
	type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a refusal rule sees of a request. */
export interface GatewayRequest {
	method: string;
	/** Path and query, as n8n receives them. */
	path: string;
	headers: IncomingHttpHeaders;
}

export interface Refusal {
	/** How many requests were answered 503 so far. */
	readonly count: number;
	/** Lets matching requests through again. */
	stop(): void;
}

interface Upstreams {
	/** The process serving production and waiting webhooks. */
	webhooks: URL;
	/** The main process: the editor's test webhooks (`/webhook-test/`) are served there. */
	main: URL;
}

export class WebhookGateway {
	private upstreams: Upstreams | null = null;

	private readonly refusals = new Set<{
		matches: (request: GatewayRequest) => boolean;
		count: number;
	}>();

	private readonly server: Server = createServer((request, response) =>
		this.handle(request, response),
	);

	private address = '';

	private constructor() {}

	static async start(): Promise<WebhookGateway> {
		const gateway = new WebhookGateway();
		await new Promise<void>((resolve, reject) => {
			gateway.server.once('error', reject);
			gateway.server.listen(0, '127.0.0.1', () => resolve());
		});
		const { port } = gateway.server.address() as AddressInfo;
		gateway.address = `http://127.0.0.1:${port}`;
		return gateway;
	}

	/** Where n8n's webhooks are reached from outside: what n8n gives out as its webhook URL. */
	get url(): string {
		return this.address;
	}

	/** Where requests go from now on (n8n's ports are known only once it started). */
	connect(upstreams: { webhooks: string; main: string }): void {
		this.upstreams = { webhooks: new URL(upstreams.webhooks), main: new URL(upstreams.main) };
	}

	/** Answers 503 to every request `matches` accepts, until the refusal is stopped. */
	refuse(matches: (request: GatewayRequest) => boolean): Refusal {
		const rule = { matches, count: 0 };
		this.refusals.add(rule);
		return {
			get count() {
				return rule.count;
			},
			stop: () => this.refusals.delete(rule),
		};
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private handle(request: IncomingMessage, response: ServerResponse): void {
		const seen: GatewayRequest = {
			method: request.method ?? 'GET',
			path: request.url ?? '/',
			headers: request.headers,
		};
		const refusal = [...this.refusals].find((rule) => rule.matches(seen));
		if (refusal !== undefined) {
			refusal.count++;
			request.resume();
			request.on('end', () => answer(response, 503, 'Service Unavailable'));
			return;
		}
		if (this.upstreams === null) {
			request.resume();
			answer(response, 502, 'Bad Gateway');
			return;
		}
		const target = seen.path.startsWith('/webhook-test/')
			? this.upstreams.main
			: this.upstreams.webhooks;
		const forwarded = upstreamRequest(
			{
				host: target.hostname,
				port: target.port,
				method: seen.method,
				path: seen.path,
				headers: { ...request.headers, host: target.host },
				// A fresh connection each time: a pooled one may lead to a process that restarted.
				agent: false,
			},
			(upstream) => {
				response.writeHead(upstream.statusCode ?? 502, upstream.headers);
				upstream.pipe(response);
			},
		);
		// n8n down, restarting or gone mid-answer: what a load balancer says then.
		forwarded.on('error', () => {
			if (response.headersSent) response.destroy();
			else answer(response, 502, 'Bad Gateway');
		});
		request.pipe(forwarded);
	}
}

function answer(response: ServerResponse, status: number, text: string): void {
	if (response.headersSent) return;
	response.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}
