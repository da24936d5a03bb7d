/**
 * A local OpenAI-compatible API for tests: n8n's own "OpenAI Chat Model" sub-node (ChatOpenAI of
 * @langchain/openai over the openai SDK) points its Base URL here. It speaks what that client uses:
 * - POST /v1/chat/completions, with `stream: true` as server-sent events (and the usage chunk when
 *   `stream_options.include_usage` is set);
 * - POST /v1/responses (the node's default from version 1.3, "Use Responses API"), also streamed;
 * - GET /v1/models and /v1/models/{id} (the model picker).
 * Replies are deterministic: scripted ones first (in order), then a responder function; the default
 * responder answers `(turn N) You said: "<last user message>"`, N counting the user messages sent,
 * so a test sees whether the conversation's history reached the model. Errors use OpenAI's shape.
 * Every request is recorded (the bearer token never is).
 *
 * Retries: LangChain retries 429 and 5xx answers itself with a backoff of seconds; script 400 or
 * 401 for an error that must fail at once.
 *
 * Run alone: `npm exec -- tsx test/tools/openaiCompatibleServer.ts [--port 8790] [--api-key sk-test]`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
	/** The assistant's text. */
	text?: string;
	/** Answer with this HTTP error instead, in OpenAI's `{error: {...}}` shape. */
	error?: { status: number; message: string; type?: string; code?: string | null };
	/** Reported token usage; estimated from the text lengths (4 characters a token) when omitted. */
	usage?: { inputTokens: number; outputTokens: number };
	/** Wait this long before answering, e.g. to let two conversations interleave. */
	delayMs?: number;
}

export type Responder = (
	request: RecordedRequest,
) => string | ScriptedReply | Promise<string | ScriptedReply>;

export type ApiKind = 'chat.completions' | 'responses' | 'models' | 'unknown';

export interface RecordedMessage {
	role: string;
	content: string;
}

export interface RecordedRequest {
	method: string;
	path: string;
	api: ApiKind;
	model: string | null;
	stream: boolean;
	/** The conversation as the client sent it, text only: `instructions` and input items included. */
	messages: RecordedMessage[];
	body: unknown;
	/** Whether an `Authorization: Bearer …` header came; the token itself is not kept. */
	hasBearerToken: boolean;
}

export interface OpenAiCompatibleServerOptions {
	/** Listed by GET /v1/models. */
	models?: string[];
	/** Refuse models that are not listed, like OpenAI's 404 model_not_found. */
	rejectUnknownModels?: boolean;
	/** When set, requests need `Authorization: Bearer <apiKey>` (else 401 invalid_api_key). */
	apiKey?: string;
	responder?: Responder;
	/** Characters per streamed text delta. */
	streamChunkSize?: number;
	port?: number;
}

export interface OpenAiCompatibleServer {
	/** The Base URL to configure in the OpenAI credential or node, e.g. http://127.0.0.1:40123/v1. */
	readonly url: string;
	readonly port: number;
	/** Every request, oldest first. */
	readonly requests: RecordedRequest[];
	/** Only the chat requests (Chat Completions and Responses). */
	chatRequests(): RecordedRequest[];
	/** Replies used in order before the responder. */
	enqueue(...replies: Array<string | ScriptedReply>): void;
	setResponder(responder: Responder): void;
	/** Forgets recorded requests and queued replies; keeps the responder. */
	reset(): void;
	close(): Promise<void>;
}

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-5-mini'];

export function defaultResponder(request: RecordedRequest): string {
	const userMessages = request.messages.filter((m) => m.role === 'user');
	const last = userMessages[userMessages.length - 1]?.content ?? '';
	return `(turn ${userMessages.length}) You said: "${last}"`;
}

/**
 * The default responder, plus fixed answers to the WhatsApp AI Reply's follow-up tasks, recognised
 * by their task line (lib/core/ai/prompt.ts): Decide Follow-up always says yes (the stop condition
 * not met), Suggest Follow-up Delay 24 hours, Write Follow-up a numbered reminder (N = the
 * assistant's messages so far: the answer to the request is the first). So example 9 runs the same
 * way every time, in the e2e tests and in the sandbox without a real model.
 */
export function examplesResponder(request: RecordedRequest): string {
	const task = request.messages[request.messages.length - 1]?.content ?? '';
	if (task.includes('Task: decide from the conversation whether to start a follow-up')) {
		return JSON.stringify({
			followUp: true,
			stop: false,
			reason: 'The customer asked for a quote and has not booked yet.',
		});
	}
	if (task.includes('Task: recommend how long to wait before sending the next follow-up')) {
		return JSON.stringify({ delayHours: 24, reason: 'A day to read the quote.' });
	}
	if (task.includes('Task: write the next WhatsApp message to this customer')) {
		const sent = task.split('\n').filter((line) => /^(\[[^\]]*\] )?Assistant: /.test(line)).length;
		return followUpText(sent);
	}
	return defaultResponder(request);
}

/** examplesResponder's Write Follow-up answer, the `n`th follow-up of a conversation. */
export function followUpText(n: number): string {
	return `(follow-up ${n}) Have you had a chance to look at your quote? I can book the free roof check for you.`;
}

export async function startOpenAiCompatibleServer(
	options: OpenAiCompatibleServerOptions = {},
): Promise<OpenAiCompatibleServer> {
	const models = options.models ?? DEFAULT_MODELS;
	const requests: RecordedRequest[] = [];
	const queue: Array<string | ScriptedReply> = [];
	let responder: Responder = options.responder ?? defaultResponder;
	let sequence = 0;

	const server: Server = createServer((req, res) => {
		void handle(req, res).catch((error: unknown) => {
			if (!res.headersSent)
				sendError(res, 500, `Test server failure: ${String(error)}`, 'server_error');
			else res.end();
		});
	});

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
		const method = req.method ?? 'GET';
		const rawBody = await readBody(req);
		const api = apiOf(method, path);
		let body: unknown = undefined;
		if (rawBody !== '') {
			try {
				body = JSON.parse(rawBody);
			} catch {
				record({ method, path, api, body: rawBody }, req);
				sendError(
					res,
					400,
					'We could not parse the JSON body of your request.',
					'invalid_request_error',
				);
				return;
			}
		}
		const recorded = record({ method, path, api, body }, req);

		if (options.apiKey !== undefined && bearerToken(req) !== options.apiKey) {
			sendError(
				res,
				401,
				'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
				'invalid_request_error',
				'invalid_api_key',
			);
			return;
		}
		if (api === 'models') {
			const id = path.slice('/v1/models'.length + 1);
			if (id === '') {
				sendJson(res, 200, { object: 'list', data: models.map(modelObject) });
			} else if (models.includes(decodeURIComponent(id))) {
				sendJson(res, 200, modelObject(decodeURIComponent(id)));
			} else {
				sendError(
					res,
					404,
					`The model '${id}' does not exist`,
					'invalid_request_error',
					'model_not_found',
				);
			}
			return;
		}
		if (api === 'unknown') {
			sendError(res, 404, `Invalid URL (${method} ${path})`, 'invalid_request_error');
			return;
		}
		const problem = requestProblem(recorded, body);
		if (problem) {
			sendError(res, problem.status, problem.message, 'invalid_request_error', problem.code);
			return;
		}

		const scripted = queue.length > 0 ? queue.shift()! : await responder(recorded);
		const reply: ScriptedReply = typeof scripted === 'string' ? { text: scripted } : scripted;
		if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
		if (reply.error) {
			sendError(
				res,
				reply.error.status,
				reply.error.message,
				reply.error.type ?? 'api_error',
				reply.error.code ?? null,
			);
			return;
		}
		const text = reply.text ?? '';
		const usage = reply.usage ?? {
			inputTokens: estimateTokens(recorded.messages.map((m) => m.content).join('\n')),
			outputTokens: estimateTokens(text),
		};
		const id = String(++sequence).padStart(6, '0');
		const model = recorded.model ?? 'unknown';
		const chunks = splitForStream(text, options.streamChunkSize ?? 8);
		if (api === 'chat.completions') {
			const includeUsage =
				isRecord(body) &&
				isRecord(body.stream_options) &&
				body.stream_options.include_usage === true;
			if (recorded.stream)
				streamChatCompletion(res, `chatcmpl-test${id}`, model, chunks, usage, includeUsage);
			else sendJson(res, 200, chatCompletion(`chatcmpl-test${id}`, model, text, usage));
		} else if (recorded.stream) {
			streamResponse(res, `resp_test${id}`, `msg_test${id}`, model, chunks, usage, body);
		} else {
			sendJson(
				res,
				200,
				responseObject(
					`resp_test${id}`,
					model,
					'completed',
					[outputMessage(`msg_test${id}`, text)],
					usage,
					body,
				),
			);
		}
	}

	function record(
		entry: Pick<RecordedRequest, 'method' | 'path' | 'api' | 'body'>,
		req: IncomingMessage,
	): RecordedRequest {
		const body = isRecord(entry.body) ? entry.body : {};
		const recorded: RecordedRequest = {
			...entry,
			model: typeof body.model === 'string' ? body.model : null,
			stream: body.stream === true,
			messages: entry.api === 'responses' ? responsesMessages(body) : chatMessages(body.messages),
			hasBearerToken: bearerToken(req) !== undefined,
		};
		requests.push(recorded);
		return recorded;
	}

	function requestProblem(
		request: RecordedRequest,
		body: unknown,
	): { status: number; message: string; code: string | null } | undefined {
		if (!isRecord(body))
			return { status: 400, message: 'The request body must be a JSON object.', code: null };
		if (request.model === null) {
			return { status: 400, message: 'you must provide a model parameter', code: null };
		}
		if (options.rejectUnknownModels && !models.includes(request.model)) {
			return {
				status: 404,
				message: `The model \`${request.model}\` does not exist or you do not have access to it.`,
				code: 'model_not_found',
			};
		}
		if (
			request.api === 'chat.completions' &&
			(!Array.isArray(body.messages) || body.messages.length === 0)
		) {
			return {
				status: 400,
				message: "Missing required parameter: 'messages'.",
				code: 'missing_required_parameter',
			};
		}
		if (request.api === 'responses' && body.input === undefined && body.prompt === undefined) {
			return {
				status: 400,
				message: "Missing required parameter: 'input'.",
				code: 'missing_required_parameter',
			};
		}
		return undefined;
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as AddressInfo).port;

	return {
		url: `http://127.0.0.1:${port}/v1`,
		port,
		requests,
		chatRequests: () =>
			requests.filter((r) => r.api === 'chat.completions' || r.api === 'responses'),
		enqueue: (...replies) => void queue.push(...replies),
		setResponder: (next) => {
			responder = next;
		},
		reset: () => {
			requests.length = 0;
			queue.length = 0;
		},
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

function apiOf(method: string, path: string): ApiKind {
	if (method === 'POST' && path === '/v1/chat/completions') return 'chat.completions';
	if (method === 'POST' && path === '/v1/responses') return 'responses';
	if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/')))
		return 'models';
	return 'unknown';
}

/** Chat Completions messages: content is a string, null (tool calls) or text/image parts. */
function chatMessages(messages: unknown): RecordedMessage[] {
	if (!Array.isArray(messages)) return [];
	return messages
		.filter(isRecord)
		.map((m) => ({ role: String(m.role ?? ''), content: partsText(m.content) }));
}

/** Responses input: `instructions`, then a string or items; only message items carry text. */
function responsesMessages(body: Record<string, unknown>): RecordedMessage[] {
	const messages: RecordedMessage[] = [];
	if (typeof body.instructions === 'string')
		messages.push({ role: 'system', content: body.instructions });
	if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
	if (Array.isArray(body.input)) {
		for (const item of body.input.filter(isRecord)) {
			if ((item.type === undefined || item.type === 'message') && typeof item.role === 'string') {
				messages.push({ role: item.role, content: partsText(item.content) });
			}
		}
	}
	return messages;
}

function partsText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content
		.filter(isRecord)
		.map((part) => (typeof part.text === 'string' ? part.text : ''))
		.join('');
}

function modelObject(id: string) {
	return { id, object: 'model', created: 1_700_000_000, owned_by: 'openai-compatible-test-server' };
}

function usageOfCompletions(usage: { inputTokens: number; outputTokens: number }) {
	return {
		prompt_tokens: usage.inputTokens,
		completion_tokens: usage.outputTokens,
		total_tokens: usage.inputTokens + usage.outputTokens,
		prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
		completion_tokens_details: {
			reasoning_tokens: 0,
			audio_tokens: 0,
			accepted_prediction_tokens: 0,
			rejected_prediction_tokens: 0,
		},
	};
}

function usageOfResponses(usage: { inputTokens: number; outputTokens: number }) {
	return {
		input_tokens: usage.inputTokens,
		input_tokens_details: { cached_tokens: 0 },
		output_tokens: usage.outputTokens,
		output_tokens_details: { reasoning_tokens: 0 },
		total_tokens: usage.inputTokens + usage.outputTokens,
	};
}

function chatCompletion(
	id: string,
	model: string,
	text: string,
	usage: { inputTokens: number; outputTokens: number },
) {
	return {
		id,
		object: 'chat.completion',
		created: nowSeconds(),
		model,
		choices: [
			{
				index: 0,
				message: { role: 'assistant', content: text, refusal: null, annotations: [] },
				logprobs: null,
				finish_reason: 'stop',
			},
		],
		usage: usageOfCompletions(usage),
		service_tier: 'default',
		system_fingerprint: null,
	};
}

function streamChatCompletion(
	res: ServerResponse,
	id: string,
	model: string,
	chunks: string[],
	usage: { inputTokens: number; outputTokens: number },
	includeUsage: boolean,
): void {
	const created = nowSeconds();
	const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
		id,
		object: 'chat.completion.chunk',
		created,
		model,
		service_tier: 'default',
		system_fingerprint: null,
		choices,
		...(includeUsage ? { usage: null } : {}),
		...extra,
	});
	const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
		index: 0,
		delta,
		logprobs: null,
		finish_reason: finishReason,
	});
	startEventStream(res);
	writeData(res, chunk([choice({ role: 'assistant', content: '', refusal: null })]));
	for (const piece of chunks) writeData(res, chunk([choice({ content: piece })]));
	writeData(res, chunk([choice({}, 'stop')]));
	if (includeUsage) writeData(res, chunk([], { usage: usageOfCompletions(usage) }));
	res.write('data: [DONE]\n\n');
	res.end();
}

function outputMessage(id: string, text: string, status = 'completed') {
	return {
		id,
		type: 'message',
		status,
		role: 'assistant',
		content:
			status === 'completed' ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
	};
}

function responseObject(
	id: string,
	model: string,
	status: 'in_progress' | 'completed',
	output: unknown[],
	usage: { inputTokens: number; outputTokens: number } | null,
	body: unknown,
) {
	const request = isRecord(body) ? body : {};
	return {
		id,
		object: 'response',
		created_at: nowSeconds(),
		status,
		background: false,
		error: null,
		incomplete_details: null,
		instructions: request.instructions ?? null,
		max_output_tokens: request.max_output_tokens ?? null,
		model,
		output,
		parallel_tool_calls: true,
		previous_response_id: request.previous_response_id ?? null,
		reasoning: { effort: null, summary: null },
		service_tier: 'default',
		store: request.store ?? true,
		temperature: request.temperature ?? 1,
		text: request.text ?? { format: { type: 'text' } },
		tool_choice: 'auto',
		tools: [],
		top_p: request.top_p ?? 1,
		truncation: 'disabled',
		usage: usage === null ? null : usageOfResponses(usage),
		user: null,
		metadata: {},
	};
}

function streamResponse(
	res: ServerResponse,
	id: string,
	messageId: string,
	model: string,
	chunks: string[],
	usage: { inputTokens: number; outputTokens: number },
	body: unknown,
): void {
	const text = chunks.join('');
	let sequenceNumber = 0;
	const event = (type: string, fields: Record<string, unknown>) => {
		res.write(
			`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequenceNumber++, ...fields })}\n\n`,
		);
	};
	const location = { item_id: messageId, output_index: 0, content_index: 0 };
	startEventStream(res);
	event('response.created', { response: responseObject(id, model, 'in_progress', [], null, body) });
	event('response.in_progress', {
		response: responseObject(id, model, 'in_progress', [], null, body),
	});
	event('response.output_item.added', {
		output_index: 0,
		item: outputMessage(messageId, '', 'in_progress'),
	});
	event('response.content_part.added', {
		...location,
		part: { type: 'output_text', text: '', annotations: [] },
	});
	for (const delta of chunks)
		event('response.output_text.delta', { ...location, delta, logprobs: [] });
	event('response.output_text.done', { ...location, text, logprobs: [] });
	event('response.content_part.done', {
		...location,
		part: { type: 'output_text', text, annotations: [] },
	});
	event('response.output_item.done', { output_index: 0, item: outputMessage(messageId, text) });
	event('response.completed', {
		response: responseObject(id, model, 'completed', [outputMessage(messageId, text)], usage, body),
	});
	res.end();
}

function startEventStream(res: ServerResponse): void {
	res.writeHead(200, {
		'content-type': 'text/event-stream; charset=utf-8',
		'cache-control': 'no-cache',
		connection: 'keep-alive',
		'x-request-id': `req_${randomUUID().replace(/-/g, '')}`,
	});
}

function writeData(res: ServerResponse, data: unknown): void {
	res.write(`data: ${JSON.stringify(data)}\n\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
	const json = JSON.stringify(body);
	res.writeHead(status, {
		'content-type': 'application/json',
		'content-length': Buffer.byteLength(json),
		'x-request-id': `req_${randomUUID().replace(/-/g, '')}`,
	});
	res.end(json);
}

function sendError(
	res: ServerResponse,
	status: number,
	message: string,
	type: string,
	code: string | null = null,
): void {
	sendJson(res, status, { error: { message, type, param: null, code } });
}

/** Streamed pieces of at most `size` characters, never splitting a surrogate pair. */
function splitForStream(text: string, size: number): string[] {
	const characters = [...text];
	const pieces: string[] = [];
	for (let i = 0; i < characters.length; i += size)
		pieces.push(characters.slice(i, i + size).join(''));
	return pieces;
}

function estimateTokens(text: string): number {
	return Math.max(1, Math.ceil(text.length / 4));
}

function bearerToken(req: IncomingMessage): string | undefined {
	const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
	return match?.[1];
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function nowSeconds(): number {
	return Math.floor(Date.now() / 1000);
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

if (require.main === module) {
	const argument = (name: string) => {
		const index = process.argv.indexOf(name);
		return index === -1 ? undefined : process.argv[index + 1];
	};
	void startOpenAiCompatibleServer({
		port: Number(argument('--port') ?? 0),
		apiKey: argument('--api-key'),
	}).then((server) => {
		console.log(`OpenAI-compatible test server: ${server.url}`);
		const stop = () => void server.close().then(() => process.exit(0));
		process.once('SIGINT', stop);
		process.once('SIGTERM', stop);
	});
}
