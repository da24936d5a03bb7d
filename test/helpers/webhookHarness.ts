/**
 * Drives a trigger node's webhook() and webhookMethods the way n8n 2.41 does, without an n8n
 * server: the raw body (`req.rawBody`), lower-cased headers, the query, an express-like response,
 * and n8n's rules for what the caller sees (a node that writes the response itself returns
 * `noWebhookResponse`; otherwise a run answers 200 "Workflow was started"; a throwing webhook()
 * answers 500 and n8n would start a failed execution). `startTriggerServer` serves the node on a
 * loopback port, so the emulator can verify the callback and deliver signed webhooks over HTTP.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import type {
	IBinaryData,
	IDataObject,
	IHttpRequestOptions,
	INodeExecutionData,
	INodeType,
	IWebhookResponseData,
} from 'n8n-workflow';

import { fetchWithTimeout } from './nodeHarness';

export interface TriggerFixture {
	node: INodeType;
	parameters: Record<string, unknown>;
	credentials: Record<string, Record<string, unknown>>;
	workflowId?: string;
	/** The workflow's name (`getWorkflow().name`); "Trigger test" unless given. */
	workflowName?: string;
	nodeId?: string;
	webhookId?: string;
	/** The production URL n8n would hand the node; startTriggerServer sets it to its own. */
	webhookUrl?: string;
}

export interface WebhookCallInput {
	method?: 'GET' | 'POST';
	rawBody?: Buffer | string;
	headers?: Record<string, string | string[]>;
	query?: Record<string, unknown>;
	/** `manual`: n8n's test webhook (the editor's "Listen for test event"). Default `webhook`. */
	mode?: 'webhook' | 'manual';
}

export interface LoggedRequest {
	method: string;
	url: string;
	body: unknown;
}

export interface LogLine {
	level: 'debug' | 'info' | 'warn' | 'error';
	message: string;
	meta?: unknown;
}

export interface WebhookCallResult {
	/** The HTTP status the caller (Meta) saw. */
	status: number;
	body: string;
	contentType: string | undefined;
	/** Headers the node set on its own response (lower-cased names), besides the content type. */
	headers: Record<string, string>;
	/** The items n8n starts an execution with; undefined when no run starts. */
	workflowData: INodeExecutionData[][] | undefined;
	/** webhook() threw: n8n answers 500 and starts an execution that failed. */
	threw: Error | undefined;
	requests: LoggedRequest[];
	logs: LogLine[];
	/** How often the node called getCredentials: n8n loads and decrypts the credential each time. */
	credentialReads: number;
}

const DEFAULTS = {
	workflowId: 'wf-trigger-test',
	nodeId: 'node-trigger-test',
	webhookId: 'hook-1',
};

/** `X-Hub-Signature-256` exactly as Meta computes it. */
export function metaSignature(rawBody: Buffer | string, appSecret: string): string {
	return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** A JSON body with Meta's headers, signed with the app secret unless `appSecret` is null. */
export function metaPost(body: unknown, appSecret: string | null): WebhookCallInput {
	const rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
	return {
		method: 'POST',
		rawBody,
		headers: {
			'content-type': 'application/json',
			...(appSecret === null ? {} : { 'x-hub-signature-256': metaSignature(rawBody, appSecret) }),
		},
	};
}

export async function callTriggerWebhook(
	fixture: TriggerFixture,
	input: WebhookCallInput,
): Promise<WebhookCallResult> {
	const method = input.method ?? 'POST';
	const headers = lowerCase(input.headers ?? {});
	const rawBody =
		input.rawBody === undefined
			? undefined
			: Buffer.isBuffer(input.rawBody)
				? input.rawBody
				: Buffer.from(input.rawBody);
	const requests: LoggedRequest[] = [];
	const logs: LogLine[] = [];
	const result: WebhookCallResult = {
		status: 0,
		body: '',
		contentType: undefined,
		headers: {},
		workflowData: undefined,
		threw: undefined,
		requests,
		logs,
		credentialReads: 0,
	};

	// n8n parses JSON bodies before the node runs and refuses malformed ones with 422.
	let parsedBody: unknown = {};
	if (method === 'POST' && rawBody !== undefined && rawBody.length > 0) {
		if (String(headers['content-type'] ?? '').startsWith('application/json')) {
			try {
				parsedBody = JSON.parse(rawBody.toString('utf8'));
			} catch {
				return {
					...result,
					status: 422,
					body: JSON.stringify({ message: 'Failed to parse request body' }),
				};
			}
		} else {
			parsedBody = rawBody.toString('utf8');
		}
	}

	const response = new FakeResponse();
	const request = { method, headers, query: input.query ?? {}, body: parsedBody, rawBody };
	const context = {
		...baseContext(fixture, requests, logs, () => result.credentialReads++),
		getWebhookName: () => (method === 'GET' ? 'setup' : 'default'),
		getRequestObject: () => request,
		getResponseObject: () => response,
		getHeaderData: () => headers,
		getQueryData: () => input.query ?? {},
		getBodyData: () => parsedBody,
		getMode: () => input.mode ?? 'webhook',
	};

	let returned: IWebhookResponseData;
	try {
		returned = await fixture.node.webhook!.call(context as never);
	} catch (error) {
		return {
			...result,
			status: 500,
			body: JSON.stringify({ message: 'Error in workflow' }),
			threw: error as Error,
		};
	}
	result.workflowData = returned.workflowData;
	if (returned.noWebhookResponse === true) {
		if (!response.headersSent) {
			throw new Error('webhook() returned noWebhookResponse without answering: n8n would hang');
		}
		return {
			...result,
			status: response.statusCode,
			body: response.body,
			contentType: response.contentType,
			headers: response.headers,
		};
	}
	const body =
		returned.workflowData !== undefined
			? { message: 'Workflow was started' }
			: (returned.webhookResponse ?? { message: 'Webhook call received' });
	return {
		...result,
		status: 200,
		body: typeof body === 'string' ? body : JSON.stringify(body),
		contentType: 'application/json',
	};
}

/**
 * Runs checkExists / create / delete as n8n does on activation and deactivation: a test webhook
 * is created in `manual` mode, and n8n deletes production and test webhooks alike in `internal`
 * mode (only the URL tells them apart).
 */
export async function runWebhookMethod(
	fixture: TriggerFixture,
	method: 'checkExists' | 'create' | 'delete',
	mode: 'production' | 'test' = 'production',
): Promise<{
	result: boolean;
	requests: LoggedRequest[];
	logs: LogLine[];
	credentialReads: number;
}> {
	const requests: LoggedRequest[] = [];
	const logs: LogLine[] = [];
	let credentialReads = 0;
	const context = {
		...baseContext(fixture, requests, logs, () => credentialReads++),
		getWebhookName: () => 'default',
		getMode: () => (method === 'delete' ? 'internal' : mode === 'test' ? 'manual' : 'trigger'),
		getActivationMode: () => 'activate',
		getWebhookDescription: (name: string) =>
			fixture.node.description.webhooks?.find((webhook) => webhook.name === name),
	};
	const methods = fixture.node.webhookMethods?.default;
	if (!methods) throw new Error(`${fixture.node.description.name} has no webhookMethods.default`);
	const result = await methods[method]!.call(context as never);
	return { result, requests, logs, credentialReads };
}

export interface TriggerServer {
	/** What Meta (the emulator) must call. */
	webhookUrl: string;
	/** Every call, in order. */
	calls: WebhookCallResult[];
	/** The items of every run the trigger started. */
	runs(): INodeExecutionData[][];
	stop(): Promise<void>;
}

/** Serves the node at `<loopback>/webhook/<webhookId>/webhook` and sets fixture.webhookUrl. */
export async function startTriggerServer(fixture: TriggerFixture): Promise<TriggerServer> {
	const webhookId = fixture.webhookId ?? DEFAULTS.webhookId;
	const path = `/webhook/${webhookId}/webhook`;
	const calls: WebhookCallResult[] = [];
	const server: Server = createServer((req, res) => {
		void (async () => {
			const url = new URL(req.url ?? '/', 'http://trigger.invalid');
			const method = (req.method ?? 'GET').toUpperCase();
			if (url.pathname !== path || (method !== 'GET' && method !== 'POST')) {
				res.writeHead(404).end();
				return;
			}
			const call = await callTriggerWebhook(fixture, {
				method: method as 'GET' | 'POST',
				rawBody: await readBody(req),
				headers: req.headers as Record<string, string | string[]>,
				query: Object.fromEntries(url.searchParams),
			}).catch((error: Error) => ({ status: 500, body: error.message }) as WebhookCallResult);
			calls.push(call);
			res.writeHead(call.status, {
				...call.headers,
				'content-type': call.contentType ?? 'text/plain',
			});
			res.end(call.body);
		})();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	fixture.webhookUrl = `http://127.0.0.1:${port}${path}`;
	return {
		webhookUrl: fixture.webhookUrl,
		calls,
		runs: () => calls.flatMap((call) => (call.workflowData ? [call.workflowData[0]] : [])),
		stop: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

function baseContext(
	fixture: TriggerFixture,
	requests: LoggedRequest[],
	logs: LogLine[],
	countCredentialRead: () => void,
) {
	const description = fixture.node.description;
	const node = {
		id: fixture.nodeId ?? DEFAULTS.nodeId,
		name: description.defaults.name ?? description.displayName,
		type: `n8n-nodes-whatsapp-automation.${description.name}`,
		typeVersion: Array.isArray(description.version) ? description.version[0] : description.version,
		position: [0, 0],
		parameters: fixture.parameters,
		webhookId: fixture.webhookId ?? DEFAULTS.webhookId,
	};
	const credentialsOf = (type: string) => {
		const credentials = fixture.credentials[type];
		if (!credentials) throw new Error(`No credentials of type ${type} in this test`);
		return credentials;
	};
	const log =
		(level: LogLine['level']) =>
		(message: string, meta?: unknown): void => {
			logs.push({ level, message, ...(meta === undefined ? {} : { meta }) });
		};
	const context = {
		getNode: () => node,
		getWorkflow: () => ({
			id: fixture.workflowId ?? DEFAULTS.workflowId,
			name: fixture.workflowName ?? 'Trigger test',
			active: true,
		}),
		getCredentials: async (type: string) => {
			countCredentialRead();
			return credentialsOf(type);
		},
		getNodeParameter: (name: string, fallback?: unknown) => {
			const value = name
				.split('.')
				.reduce<unknown>(
					(current, key) => (current as Record<string, unknown> | undefined)?.[key],
					fixture.parameters,
				);
			return value === undefined ? fallback : value;
		},
		getNodeWebhookUrl: (name: string) =>
			name === 'default' || name === 'setup'
				? (fixture.webhookUrl ?? `http://127.0.0.1:5678/webhook/${node.webhookId}/webhook`)
				: undefined,
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => await fetchRequest(options, requests),
			// n8n's default binary mode: a stream is read into memory; its failure fails the call.
			prepareBinaryData: async (
				data: Buffer | Readable,
				fileName?: string,
				mimeType?: string,
			): Promise<IBinaryData> => {
				const buffer = Buffer.isBuffer(data) ? data : await readStream(data);
				return {
					data: buffer.toString('base64'),
					...(fileName === undefined ? {} : { fileName }),
					mimeType: mimeType ?? 'application/octet-stream',
					fileSize: String(buffer.length),
				};
			},
			returnJsonArray: (data: IDataObject | IDataObject[]) =>
				(Array.isArray(data) ? data : [data]).map((json) => ({ json })),
		},
	};
	return context;
}

/**
 * n8n's httpRequest over fetch: qs, headers (the caller's Authorization as given), JSON or form
 * bodies, `encoding: 'arraybuffer'` or `'stream'`, `returnFullResponse`, `ignoreHttpStatusErrors`.
 */
async function fetchRequest(options: IHttpRequestOptions, log: LoggedRequest[]): Promise<unknown> {
	const url = new URL(options.url, options.baseURL);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value !== undefined) url.searchParams.set(key, String(value));
	}
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(options.headers ?? {})) headers[key] = String(value);
	let body: FormData | string | undefined;
	if (options.body instanceof FormData) body = options.body;
	else if (options.body !== undefined) {
		body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
		headers['Content-Type'] = 'application/json';
	}
	log.push({ method: options.method ?? 'GET', url: url.toString(), body: options.body });
	const response = await fetchWithTimeout(
		url,
		{ method: options.method ?? 'GET', headers, body },
		options.timeout,
	);
	if (options.encoding === 'stream') {
		const stream = response.body
			? Readable.fromWeb(response.body as NodeReadableStream)
			: Readable.from([]);
		return options.returnFullResponse
			? { statusCode: response.status, body: stream, headers: Object.fromEntries(response.headers) }
			: stream;
	}
	const bytes = Buffer.from(await response.arrayBuffer());
	let parsed: unknown;
	if (options.encoding === 'arraybuffer') parsed = bytes;
	else {
		const text = bytes.toString('utf8');
		try {
			parsed = text === '' ? undefined : JSON.parse(text);
		} catch {
			parsed = text;
		}
	}
	if (!options.ignoreHttpStatusErrors && response.status >= 400) {
		throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
			httpCode: String(response.status),
		});
	}
	return options.returnFullResponse
		? { statusCode: response.status, body: parsed, headers: Object.fromEntries(response.headers) }
		: parsed;
}

/** The parts of express's Response a trigger uses. */
class FakeResponse {
	statusCode = 200;

	body = '';

	contentType: string | undefined;

	headers: Record<string, string> = {};

	headersSent = false;

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	type(contentType: string): this {
		this.contentType = contentType === 'text/plain' ? 'text/plain; charset=utf-8' : contentType;
		return this;
	}

	setHeader(name: string, value: string): this {
		if (name.toLowerCase() === 'content-type') this.contentType = value;
		else this.headers[name.toLowerCase()] = value;
		return this;
	}

	send(body?: unknown): this {
		this.body = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
		this.headersSent = true;
		return this;
	}

	json(body: unknown): this {
		this.contentType ??= 'application/json';
		return this.send(JSON.stringify(body));
	}

	end(body?: string): this {
		if (body !== undefined) this.body = body;
		this.headersSent = true;
		return this;
	}
}

function lowerCase(headers: Record<string, string | string[]>): Record<string, string | string[]> {
	return Object.fromEntries(
		Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]),
	);
}

async function readStream(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => resolve(Buffer.concat(chunks)));
		request.on('error', reject);
	});
}
