/**
 * The OpenAI-compatible test server speaks the protocol @langchain/openai's ChatOpenAI (n8n's
 * "OpenAI Chat Model") relies on: response shapes, SSE framing, usage, errors.
 */
import {
	type OpenAiCompatibleServer,
	startOpenAiCompatibleServer,
} from '../tools/openaiCompatibleServer';

const API_KEY = 'sk-test-key-not-secret';
let server: OpenAiCompatibleServer;

beforeAll(async () => {
	server = await startOpenAiCompatibleServer({ apiKey: API_KEY, streamChunkSize: 5 });
});
afterAll(async () => await server.close());
beforeEach(() => server.reset());

async function post(path: string, body: unknown, key = API_KEY) {
	return await fetch(`${server.url}${path}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
}

/** A JSON body; tests read into it freely. */
const json = async (response: Response): Promise<any> => await response.json();

/** Server-sent events as the openai SDK reads them: optional `event:` line, one `data:` line. */
async function events(response: Response): Promise<Array<{ event: string | null; data: string }>> {
	const text = await response.text();
	expect(text.endsWith('\n\n')).toBe(true);
	return text
		.split('\n\n')
		.filter(Boolean)
		.map((block) => {
			const lines = block.split('\n');
			const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? null;
			const data = lines.find((l) => l.startsWith('data: '))!.slice(6);
			return { event, data };
		});
}

const conversation = [
	{ role: 'system', content: 'Be brief.' },
	{ role: 'user', content: 'Hi 😀' },
	{ role: 'assistant', content: 'Hello!' },
	{ role: 'user', content: [{ type: 'text', text: 'Price?' }] },
];

describe('OpenAI-compatible test server', () => {
	it('lists models for the model picker', async () => {
		const response = await fetch(`${server.url}/models`, {
			headers: { authorization: `Bearer ${API_KEY}` },
		});
		const body = await json(response);
		expect(body.object).toBe('list');
		expect(body.data[0]).toEqual({
			id: 'gpt-4o-mini',
			object: 'model',
			created: expect.any(Number),
			owned_by: expect.any(String),
		});
		expect(
			(
				await fetch(`${server.url}/models/gpt-4o-mini`, {
					headers: { authorization: `Bearer ${API_KEY}` },
				})
			).status,
		).toBe(200);
		expect(
			(
				await fetch(`${server.url}/models/nope`, {
					headers: { authorization: `Bearer ${API_KEY}` },
				})
			).status,
		).toBe(404);
	});

	it('answers a chat completion with the default responder, counting user turns, and records it', async () => {
		const response = await post('/chat/completions', {
			model: 'gpt-4o-mini',
			messages: conversation,
		});
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/json');
		const body = await json(response);
		expect(body).toMatchObject({
			object: 'chat.completion',
			model: 'gpt-4o-mini',
			choices: [
				{
					index: 0,
					message: { role: 'assistant', content: '(turn 2) You said: "Price?"' },
					finish_reason: 'stop',
				},
			],
			usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
		});
		expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
		expect(body.id).toMatch(/^chatcmpl-/);

		const [recorded] = server.chatRequests();
		expect(recorded).toMatchObject({
			api: 'chat.completions',
			model: 'gpt-4o-mini',
			stream: false,
			hasBearerToken: true,
		});
		expect(recorded.messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Hi 😀' },
			{ role: 'assistant', content: 'Hello!' },
			{ role: 'user', content: 'Price?' },
		]);
		expect(JSON.stringify(server.requests)).not.toContain(API_KEY);
	});

	it('streams a chat completion as SSE chunks with the usage chunk when asked', async () => {
		server.enqueue('Hello Anna 😀, welcome!');
		const response = await post('/chat/completions', {
			model: 'gpt-4o-mini',
			messages: conversation,
			stream: true,
			stream_options: { include_usage: true },
		});
		expect(response.headers.get('content-type')).toContain('text/event-stream');
		const received = await events(response);
		expect(received[received.length - 1].data).toBe('[DONE]');
		const chunks = received.slice(0, -1).map((e) => JSON.parse(e.data));
		expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
		expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
		const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
		expect(text).toBe('Hello Anna 😀, welcome!');
		expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
		const usageChunk = chunks[chunks.length - 1];
		expect(usageChunk.choices).toEqual([]);
		expect(usageChunk.usage.completion_tokens).toBeGreaterThan(0);

		server.enqueue('Short');
		const withoutUsage = (
			await events(
				await post('/chat/completions', { model: 'm', messages: conversation, stream: true }),
			)
		)
			.slice(0, -1)
			.map((e) => JSON.parse(e.data));
		expect(withoutUsage.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
	});

	it('answers the Responses API, with instructions and input items recorded as messages', async () => {
		server.enqueue({ text: 'Forty square metres', usage: { inputTokens: 30, outputTokens: 3 } });
		const response = await post('/responses', {
			model: 'gpt-5-mini',
			instructions: 'Be brief.',
			input: [
				{ type: 'message', role: 'user', content: 'Roof size?' },
				{
					type: 'message',
					role: 'assistant',
					content: [{ type: 'output_text', text: 'How big?', annotations: [] }],
				},
				{ role: 'user', content: [{ type: 'input_text', text: '40 m²' }] },
				{ type: 'reasoning', id: 'rs_1', summary: [] },
			],
		});
		const body = await json(response);
		expect(body).toMatchObject({
			object: 'response',
			status: 'completed',
			model: 'gpt-5-mini',
			output: [
				{
					type: 'message',
					role: 'assistant',
					status: 'completed',
					content: [{ type: 'output_text', text: 'Forty square metres', annotations: [] }],
				},
			],
			usage: { input_tokens: 30, output_tokens: 3, total_tokens: 33 },
		});
		expect(server.chatRequests()[0].messages).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Roof size?' },
			{ role: 'assistant', content: 'How big?' },
			{ role: 'user', content: '40 m²' },
		]);
	});

	it('streams the Responses API as typed events ending with response.completed', async () => {
		server.enqueue('Streaming reply text');
		const received = await events(
			await post('/responses', { model: 'gpt-5-mini', input: 'Hi', stream: true }),
		);
		const parsed = received.map((e) => ({ event: e.event, data: JSON.parse(e.data) }));
		for (const { event, data } of parsed) expect(event).toBe(data.type);
		expect(parsed.map((p) => p.data.sequence_number)).toEqual(parsed.map((_, i) => i));
		expect(parsed[0].event).toBe('response.created');
		expect(parsed[parsed.length - 1].event).toBe('response.completed');
		const deltas = parsed
			.filter((p) => p.event === 'response.output_text.delta')
			.map((p) => p.data.delta);
		expect(deltas.length).toBeGreaterThan(1);
		expect(deltas.join('')).toBe('Streaming reply text');
		const completed = parsed[parsed.length - 1].data.response;
		expect(completed.output[0].content[0].text).toBe('Streaming reply text');
		expect(completed.usage.output_tokens).toBeGreaterThan(0);
	});

	it('uses scripted replies in order, then the responder', async () => {
		server.enqueue('first', 'second');
		server.setResponder((request) => `from responder for ${request.model}`);
		const texts: string[] = [];
		for (let i = 0; i < 3; i++) {
			const body = await json(
				await post('/chat/completions', { model: 'x', messages: conversation }),
			);
			texts.push(body.choices[0].message.content);
		}
		expect(texts).toEqual(['first', 'second', 'from responder for x']);
	});

	it("answers errors in OpenAI's shape: wrong key, bad request, scripted failures", async () => {
		const unauthorized = await post(
			'/chat/completions',
			{ model: 'x', messages: conversation },
			'sk-wrong',
		);
		expect(unauthorized.status).toBe(401);
		expect((await json(unauthorized)).error).toMatchObject({
			type: 'invalid_request_error',
			code: 'invalid_api_key',
		});

		const missing = await post('/chat/completions', { model: 'x' });
		expect(missing.status).toBe(400);
		expect((await json(missing)).error.message).toBe("Missing required parameter: 'messages'.");
		expect((await post('/chat/completions', '{not json')).status).toBe(400);

		server.enqueue({
			error: {
				status: 429,
				message: 'Rate limit reached',
				type: 'requests',
				code: 'rate_limit_exceeded',
			},
		});
		const limited = await post('/chat/completions', { model: 'x', messages: conversation });
		expect(limited.status).toBe(429);
		expect(await json(limited)).toEqual({
			error: {
				message: 'Rate limit reached',
				type: 'requests',
				param: null,
				code: 'rate_limit_exceeded',
			},
		});

		expect((await post('/embeddings', { model: 'x', input: 'y' })).status).toBe(404);
	});
});
