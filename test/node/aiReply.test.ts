/**
 * The WhatsApp AI Reply node driven like n8n drives it, with a fake chat model that records every
 * prompt and the real state store (a SQLite file; PostgreSQL for the history test too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { Client } from 'pg';

import type { ModelMessage } from '../../lib/core/ai';
import { closeAllStores, openStore, storeConfigFromCredentials, type Store } from '../../lib/store';
import { WhatsAppAiReply } from '../../nodes/WhatsAppAiReply/WhatsAppAiReply.node';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';

const DAY = 24 * 60 * 60 * 1000;

/** A chat model as n8n's sub-nodes hand it over: `invoke(messages)` → an AIMessage-like object. */
class FakeChatModel {
	readonly prompts: ModelMessage[][] = [];

	constructor(private readonly answer: (messages: ModelMessage[]) => unknown = echoAnswer) {}

	async invoke(messages: ModelMessage[]): Promise<unknown> {
		this.prompts.push(messages.map((m) => ({ ...m })));
		return this.answer(messages);
	}

	get lastPrompt(): ModelMessage[] {
		return this.prompts[this.prompts.length - 1];
	}
}

function echoAnswer(messages: ModelMessage[]) {
	const last = messages[messages.length - 1];
	return {
		content: `Re: ${last.content}`,
		usage_metadata: { input_tokens: 12, output_tokens: 4, total_tokens: 16 },
		response_metadata: { model_name: 'fake-model' },
	};
}

/** A message as LangChain memories return them. */
class FakeMessage {
	constructor(
		private readonly kind: 'human' | 'ai',
		readonly content: string,
	) {}

	getType() {
		return this.kind;
	}
}

/** Memory sessions like a Postgres/Redis chat memory: per session key, visible as chatHistory.sessionId. */
class FakeMemoryBackend {
	readonly sessions = new Map<string, FakeMessage[]>();

	memoryFor(sessionId: string, exposeSessionId = true) {
		const messages = this.sessions.get(sessionId) ?? [];
		this.sessions.set(sessionId, messages);
		return {
			loadMemoryVariables: async () => ({ chat_history: [...messages] }),
			saveContext: async (input: { input: string }, output: { output: string }) => {
				messages.push(new FakeMessage('human', input.input), new FakeMessage('ai', output.output));
			},
			chatHistory: {
				...(exposeSessionId ? { sessionId } : {}),
				addAIMessage: async (text: string) => void messages.push(new FakeMessage('ai', text)),
			},
		};
	}
}

const tempDir = mkdtempSync(join(tmpdir(), 'ai-reply-'));
const sqliteCredentials = {
	accessToken: 'unused',
	store: 'builtin',
	sqlitePath: join(tempDir, 'store.sqlite'),
};
let store: Store;

beforeAll(async () => {
	store = await openStore(storeConfigFromCredentials(sqliteCredentials));
});

afterAll(async () => {
	await closeAllStores();
	rmSync(tempDir, { recursive: true, force: true });
});

let customerCounter = 0;
/** A customer no other test has talked to. */
const newCustomer = () => `49151${String(++customerCounter).padStart(8, '0')}`;

const inbound = (waId: string, text: string, name = 'Anna'): INodeExecutionData => ({
	json: { contact: { waId, name }, message: { text } },
});

const defaults: Record<string, ParameterValue> = {
	operation: 'generateReply',
	customerId: (_: number, item: INodeExecutionData) => (item.json.contact as IDataObject)?.waId,
	message: (_: number, item: INodeExecutionData) => (item.json.message as IDataObject)?.text,
	assistantName: 'Sales',
	instructions: 'You are Mia from Sunny Solar. Qualify the lead: ask for roof size and budget.',
	contextVariables: (_: number, item: INodeExecutionData) => ({
		variable: [{ name: 'Customer name', value: (item.json.contact as IDataObject)?.name }],
	}),
	historyLength: 20,
	options: {},
};

async function run(
	items: INodeExecutionData[],
	options: {
		model?: unknown;
		memory?: unknown;
		parameters?: Record<string, ParameterValue>;
		continueOnFail?: boolean;
		credentials?: Record<string, Record<string, unknown>>;
	} = {},
) {
	const connections: Record<string, unknown> = {};
	if (options.model !== undefined) connections.ai_languageModel = options.model;
	if (options.memory !== undefined) connections.ai_memory = options.memory;
	const result = await runNode({
		node: new WhatsAppAiReply(),
		parameters: { ...defaults, ...options.parameters },
		items,
		credentials: options.credentials ?? { whatsAppCloudApi: sqliteCredentials },
		connections,
		continueOnFail: options.continueOnFail,
		timezone: 'Europe/Berlin',
	});
	return result.output![0];
}

const systemOf = (prompt: ModelMessage[]) => prompt.find((m) => m.role === 'system')?.content ?? '';
const turnsOf = (prompt: ModelMessage[]) => prompt.filter((m) => m.role !== 'system');

describe('Generate Reply with the built-in history', () => {
	it('sends instructions, variables and the message, and returns the reply with parts, ids and usage', async () => {
		const model = new FakeChatModel();
		const anna = newCustomer();
		const [item] = await run([inbound(anna, 'Hi, what does solar cost?')], { model });

		expect(systemOf(model.lastPrompt)).toContain('You are Mia from Sunny Solar');
		expect(systemOf(model.lastPrompt)).toContain('- Customer name: Anna');
		expect(systemOf(model.lastPrompt)).toMatch(/Current time: .* \(Europe\/Berlin\)/);
		expect(turnsOf(model.lastPrompt)).toEqual([
			{ role: 'user', content: 'Hi, what does solar cost?' },
		]);
		expect(item.json).toMatchObject({
			reply: 'Re: Hi, what does solar cost?',
			parts: ['Re: Hi, what does solar cost?'],
			isNewConversation: true,
			customerId: anna,
			assistant: 'Sales',
			historyMessages: 0,
			model: 'fake-model',
			usage: { inputTokens: 12, outputTokens: 4, totalTokens: 16 },
		});
		expect(item.json.conversationId).toEqual(expect.any(String));
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('grows the history per customer and keeps customers apart, also within one batch', async () => {
		const model = new FakeChatModel();
		const anna = newCustomer();
		const ben = newCustomer();
		const first = await run(
			[
				inbound(anna, 'Hello, I want panels'),
				inbound(ben, 'Hi, do you install heat pumps?', 'Ben'),
			],
			{ model },
		);
		const second = await run(
			[
				inbound(anna, 'My roof has 40 m²'),
				inbound(ben, 'For a flat of 80 m²', 'Ben'),
				inbound(anna, 'Budget 15k'),
			],
			{ model },
		);

		// Anna's second turn sees her first exchange, and nothing of Ben's.
		expect(turnsOf(model.prompts[2])).toEqual([
			{ role: 'user', content: 'Hello, I want panels' },
			{ role: 'assistant', content: 'Re: Hello, I want panels' },
			{ role: 'user', content: 'My roof has 40 m²' },
		]);
		expect(JSON.stringify(model.prompts[2])).not.toContain('heat pumps');
		expect(turnsOf(model.prompts[3])).toEqual([
			{ role: 'user', content: 'Hi, do you install heat pumps?' },
			{ role: 'assistant', content: 'Re: Hi, do you install heat pumps?' },
			{ role: 'user', content: 'For a flat of 80 m²' },
		]);
		// The third item of the batch sees the second item's exchange of the same customer.
		expect(turnsOf(model.prompts[4]).map((m) => m.content)).toEqual([
			'Hello, I want panels',
			'Re: Hello, I want panels',
			'My roof has 40 m²',
			'Re: My roof has 40 m²',
			'Budget 15k',
		]);

		expect(second[0].json.isNewConversation).toBe(false);
		expect(second[0].json.conversationId).toBe(first[0].json.conversationId);
		expect(second[1].json.conversationId).toBe(first[1].json.conversationId);
		expect(first[0].json.conversationId).not.toBe(first[1].json.conversationId);
		expect(second[2].json.historyMessages).toBe(4);
	});

	it('reads the credential once per execution, however many items', async () => {
		const [anna, ben] = [newCustomer(), newCustomer()];
		const result = await runNode({
			node: new WhatsAppAiReply(),
			parameters: defaults,
			items: [inbound(anna, 'Hello'), inbound(ben, 'Hi', 'Ben'), inbound(anna, 'Budget 15k')],
			credentials: { whatsAppCloudApi: sqliteCredentials },
			connections: { ai_languageModel: new FakeChatModel() },
		});

		expect(result.output![0].map((item) => item.json.historyMessages)).toEqual([0, 0, 2]);
		expect(result.credentialReads).toBe(1);
	});

	it('keeps separate histories for two assistants with the same customer', async () => {
		const model = new FakeChatModel();
		const anna = newCustomer();
		await run([inbound(anna, 'Sales question')], { model, parameters: { assistantName: 'Sales' } });
		await run([inbound(anna, 'Support question')], {
			model,
			parameters: { assistantName: 'Support' },
		});
		const [item] = await run([inbound(anna, 'Follow-up for sales')], {
			model,
			parameters: { assistantName: 'Sales' },
		});

		expect(turnsOf(model.lastPrompt).map((m) => m.content)).toEqual([
			'Sales question',
			'Re: Sales question',
			'Follow-up for sales',
		]);
		expect(item.json.assistant).toBe('Sales');
	});

	it("uses the node's name when no Assistant Name is set", async () => {
		const model = new FakeChatModel();
		const [item] = await run([inbound(newCustomer(), 'Hi')], {
			model,
			parameters: { assistantName: '' },
		});
		expect(item.json.assistant).toBe('WhatsApp AI Reply');
	});

	it('shows only the newest History Length messages', async () => {
		const model = new FakeChatModel();
		const anna = newCustomer();
		for (const text of ['one', 'two', 'three']) await run([inbound(anna, text)], { model });
		await run([inbound(anna, 'four')], { model, parameters: { historyLength: 3 } });
		// The newest 3 messages start with an assistant turn: it becomes a note, the rest stay turns.
		expect(systemOf(model.lastPrompt)).toContain('«Re: two»');
		expect(turnsOf(model.lastPrompt).map((m) => m.content)).toEqual(['three', 'Re: three', 'four']);

		const [none] = await run([inbound(anna, 'five')], { model, parameters: { historyLength: 0 } });
		expect(turnsOf(model.lastPrompt)).toEqual([{ role: 'user', content: 'five' }]);
		expect(none.json.isNewConversation).toBe(false);
	});

	it('keeps the order of messages written within the same millisecond', async () => {
		// Only Date is frozen; the store's timers and promises run normally.
		jest.useFakeTimers({
			now: Date.now(),
			doNotFake: [
				'nextTick',
				'setImmediate',
				'clearImmediate',
				'setTimeout',
				'clearTimeout',
				'setInterval',
				'clearInterval',
				'queueMicrotask',
				'hrtime',
				'performance',
			],
		});
		try {
			const model = new FakeChatModel();
			const anna = newCustomer();
			for (const text of ['one', 'two', 'three']) await run([inbound(anna, text)], { model });
			await run([inbound(anna, 'four')], { model, parameters: { historyLength: 3 } });
			expect(systemOf(model.lastPrompt)).toContain('«Re: two»');
			expect(turnsOf(model.lastPrompt).map((m) => m.content)).toEqual([
				'three',
				'Re: three',
				'four',
			]);
		} finally {
			jest.useRealTimers();
		}
	});

	it('deletes messages older than the retention period, and keeps them with retention 0', async () => {
		const model = new FakeChatModel();
		const [anna, ben] = [newCustomer(), newCustomer()];
		const longAgo = Date.now() - 40 * DAY;
		for (const customer of [anna, ben]) {
			await store.appendAiMessages({
				assistant: 'Sales',
				customer,
				messages: [
					{ role: 'user', content: 'Old question', at: longAgo },
					{ role: 'assistant', content: 'Old answer', at: longAgo + 1000 },
				],
			});
		}

		const [fresh] = await run([inbound(anna, 'New question')], {
			model,
			parameters: { options: { retentionDays: 30 } },
		});
		expect(turnsOf(model.lastPrompt)).toEqual([{ role: 'user', content: 'New question' }]);
		expect(fresh.json.isNewConversation).toBe(true);
		// Deleted, not hidden: a later run without a limit does not bring them back.
		await run([inbound(anna, 'Again')], { model, parameters: { options: { retentionDays: 0 } } });
		expect(turnsOf(model.lastPrompt).map((m) => m.content)).toEqual([
			'New question',
			'Re: New question',
			'Again',
		]);
		const stored = await store.getAiHistory({ assistant: 'Sales', customer: anna, limit: 100 });
		expect(stored.messages.map((m) => m.content)).not.toContain('Old question');

		await run([inbound(ben, 'Still there?')], {
			model,
			parameters: { options: { retentionDays: 0 } },
		});
		expect(turnsOf(model.lastPrompt).map((m) => m.content)).toEqual([
			'Old question',
			'Old answer',
			'Still there?',
		]);
	});

	it('splits a long reply into WhatsApp-sized parts at sentence ends', async () => {
		const sentence = 'This is one sentence of a long answer about solar panels. ';
		const long = sentence.repeat(150).trim();
		const model = new FakeChatModel(() => ({ content: long }));
		const [item] = await run([inbound(newCustomer(), 'Tell me everything')], { model });
		const parts = item.json.parts as string[];
		expect(parts.length).toBe(3);
		for (const part of parts) {
			expect([...part].length).toBeLessThanOrEqual(4096);
			expect(part.endsWith('panels.')).toBe(true);
		}
		expect(parts.join(' ')).toBe(long);
		expect(item.json).not.toHaveProperty('usage');

		const [short] = await run([inbound(newCustomer(), 'Again')], {
			model,
			parameters: { options: { maxPartLength: 1000 } },
		});
		expect((short.json.parts as string[]).every((p) => [...p].length <= 1000)).toBe(true);
	});
});

describe('Generate Reply with a Memory sub-node', () => {
	it("uses the customer's memory session and not the store", async () => {
		const model = new FakeChatModel();
		const memory = new FakeMemoryBackend();
		const anna = newCustomer();
		const ben = newCustomer();
		const items = [
			inbound(anna, 'Hi from Anna'),
			inbound(ben, 'Hi from Ben', 'Ben'),
			inbound(anna, 'Anna again'),
		];
		// n8n runs the memory's supplyData per item; its Key expression is the customer identifier.
		const memoryPerItem = (i: number) =>
			memory.memoryFor(String((items[i].json.contact as IDataObject).waId));

		const output = await run(items, { model, memory: memoryPerItem, credentials: {} });

		expect(turnsOf(model.prompts[2]).map((m) => m.content)).toEqual([
			'Hi from Anna',
			'Re: Hi from Anna',
			'Anna again',
		]);
		expect(memory.sessions.get(anna)!.map((m) => m.content)).toEqual([
			'Hi from Anna',
			'Re: Hi from Anna',
			'Anna again',
			'Re: Anna again',
		]);
		expect(memory.sessions.get(ben)!.map((m) => m.content)).toEqual([
			'Hi from Ben',
			'Re: Hi from Ben',
		]);
		expect(output.map((o) => o.json.conversationId)).toEqual([anna, ben, anna]);
		expect(output.map((o) => o.json.isNewConversation)).toEqual([true, true, false]);
		const stored = await store.getAiHistory({ assistant: 'Sales', customer: anna, limit: 10 });
		expect(stored.messages).toEqual([]);
	});

	it("refuses a memory whose session is another customer's, so conversations never mix", async () => {
		const model = new FakeChatModel();
		const memory = new FakeMemoryBackend();
		const output = await run([inbound(newCustomer(), 'Hi')], {
			model,
			memory: () => memory.memoryFor('static-session-key'),
			credentials: {},
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({
			field: 'Memory Session',
			value: 'static-session-key',
		});
		expect(String((output[0].json.error as IDataObject).fix)).toContain(
			"Key to the same expression as this node's Customer Identifier",
		);
		expect(model.prompts).toHaveLength(0);
	});

	it("explains how to set the memory's session when the memory sub-node fails", async () => {
		const failingMemory = () => {
			throw Object.assign(new Error('No session ID found'), {
				description: "Expected to find the session ID in an input field called 'sessionId'",
			});
		};
		await expect(
			run([inbound(newCustomer(), 'Hi')], {
				model: new FakeChatModel(),
				memory: failingMemory,
				credentials: {},
			}),
		).rejects.toMatchObject({
			message: 'No session ID found',
			description: expect.stringContaining("set Session ID to 'Define below'"),
		});
	});
});

describe('follow-up operations', () => {
	async function conversationWith(customer: string) {
		const model = new FakeChatModel(() => ({
			content: 'A system of 40 m² costs about 12,000 EUR. Shall I send an offer?',
		}));
		await run([inbound(customer, 'What would 40 m² cost?')], { model });
	}

	it('Write Follow-up: writes from the conversation and the purpose, and adds the message to it', async () => {
		const anna = newCustomer();
		await conversationWith(anna);
		const model = new FakeChatModel(() => ({ content: 'Hi Anna, any questions about the offer?' }));
		const [item] = await run([{ json: { contact: { waId: anna, name: 'Anna' } } }], {
			model,
			parameters: {
				operation: 'writeFollowUp',
				followUpPurpose: 'Ask whether she wants the offer',
			},
		});

		const task = turnsOf(model.lastPrompt)[0].content;
		expect(task).toContain('Customer: What would 40 m² cost?');
		expect(task).toContain(
			'Assistant: A system of 40 m² costs about 12,000 EUR. Shall I send an offer?',
		);
		expect(task).toContain('Purpose of this follow-up: Ask whether she wants the offer');
		expect(systemOf(model.lastPrompt)).toContain('You are Mia from Sunny Solar');
		expect(item.json).toMatchObject({
			followUp: 'Hi Anna, any questions about the offer?',
			parts: ['Hi Anna, any questions about the offer?'],
			historyMessages: 2,
		});

		const history = await store.getAiHistory({ assistant: 'Sales', customer: anna, limit: 10 });
		expect(history.messages.map((m) => m.content)).toEqual([
			'What would 40 m² cost?',
			'A system of 40 m² costs about 12,000 EUR. Shall I send an offer?',
			'Hi Anna, any questions about the offer?',
		]);
		expect(item.json.conversationId).toBe(history.conversationId);
	});

	it('Write Follow-up with "Add to Conversation" off leaves the history alone', async () => {
		const anna = newCustomer();
		await conversationWith(anna);
		await run([{ json: { contact: { waId: anna } } }], {
			model: new FakeChatModel(() => ({ content: 'Draft' })),
			parameters: {
				operation: 'writeFollowUp',
				followUpPurpose: 'Nudge',
				options: { addToConversation: false },
			},
		});
		const history = await store.getAiHistory({ assistant: 'Sales', customer: anna, limit: 10 });
		expect(history.messages).toHaveLength(2);
	});

	it('Check Stop Condition: returns stop and reason from a fenced JSON answer', async () => {
		const anna = newCustomer();
		await conversationWith(anna);
		const model = new FakeChatModel(() => ({
			content: '```json\n{"stop": true, "reason": "She booked."}\n```',
		}));
		const [item] = await run([{ json: { contact: { waId: anna } } }], {
			model,
			parameters: { operation: 'checkStopCondition', stopCondition: 'the customer booked' },
		});
		expect(turnsOf(model.lastPrompt)[0].content).toContain(
			'Follow-ups must stop when: the customer booked',
		);
		expect(item.json).toMatchObject({ stop: true, reason: 'She booked.', historyMessages: 2 });
	});

	it('Suggest Follow-up Delay: clamps the suggestion to the bounds and says when', async () => {
		const anna = newCustomer();
		await conversationWith(anna);
		const model = new FakeChatModel(() => ({
			content: '{"delayHours": 200, "reason": "Busy until next month"}',
		}));
		const before = Date.now();
		const [item] = await run([{ json: { contact: { waId: anna } } }], {
			model,
			parameters: {
				operation: 'suggestFollowUpDelay',
				minDelayHours: 4,
				maxDelayHours: 72,
				delayGuidance: '',
			},
		});
		expect(item.json).toMatchObject({
			delayHours: 72,
			delayMinutes: 4320,
			suggestedDelayHours: 200,
			clamped: true,
			reason: 'Busy until next month',
		});
		const followUpAt = Date.parse(String(item.json.followUpAt));
		expect(followUpAt - before).toBeGreaterThanOrEqual(72 * 3600 * 1000);
		expect(turnsOf(model.lastPrompt)[0].content).toContain('between 4 and 72 hours');
	});
});

describe('Decide Follow-up', () => {
	async function pricesAsked(customer: string) {
		const model = new FakeChatModel(() => ({ content: 'About 12,000 EUR. Shall I book a visit?' }));
		await run([inbound(customer, 'What would 40 m² cost?')], { model });
	}
	const decide = (customer: string, model: FakeChatModel, parameters = {}) =>
		run([{ json: { contact: { waId: customer } } }], {
			model,
			parameters: {
				operation: 'decideFollowUp',
				followUpWhen: 'the customer asked about prices but did not book',
				followUpStopWhen: 'the customer booked or asked us to stop writing',
				...parameters,
			},
		});

	it('asks with the conversation, the situation and the stop condition, and returns the decision', async () => {
		const anna = newCustomer();
		await pricesAsked(anna);
		const model = new FakeChatModel(() => ({
			content:
				'<think>prices, no booking</think>{"followUp": true, "stop": false, "reason": "Asked about prices, did not book."}',
			response_metadata: { model_name: 'fake-model' },
		}));
		const [item] = await decide(anna, model);
		const task = turnsOf(model.lastPrompt)[0].content;
		expect(task).toContain('Customer: What would 40 m² cost?');
		expect(task).toContain(
			'Start a follow-up when: the customer asked about prices but did not book',
		);
		expect(task).toContain(
			'Never follow up, and answer "stop": true, when: the customer booked or asked us to stop writing',
		);
		expect(item.json).toMatchObject({
			shouldFollowUp: true,
			stop: false,
			reason: 'Asked about prices, did not book.',
			historyMessages: 2,
			customerId: anna,
			model: 'fake-model',
		});
		const history = await store.getAiHistory({ assistant: 'Sales', customer: anna, limit: 10 });
		expect(item.json.conversationId).toBe(history.conversationId);
		// Deciding writes nothing to the conversation.
		expect(history.messages).toHaveLength(2);
	});

	it('a met stop condition means no follow-up; without one, "stop" is not asked for', async () => {
		const anna = newCustomer();
		await pricesAsked(anna);
		const [stopped] = await decide(
			anna,
			new FakeChatModel(() => ({
				content: '{"followUp": true, "stop": true, "reason": "Booked."}',
			})),
		);
		expect(stopped.json).toMatchObject({ shouldFollowUp: false, stop: true, reason: 'Booked.' });

		const model = new FakeChatModel(() => ({ content: 'No.' }));
		const [bare] = await decide(anna, model, { followUpStopWhen: '' });
		expect(bare.json).toMatchObject({ shouldFollowUp: false, stop: false, modelAnswer: 'No.' });
		expect(turnsOf(model.lastPrompt)[0].content).not.toContain('Never follow up');
	});

	it('an empty "When to Follow Up" and an unusable answer fail their own items', async () => {
		const anna = newCustomer();
		const model = new FakeChatModel(() => ({ content: 'Maybe later.' }));
		const output = await run(
			[
				{ json: { contact: { waId: anna }, when: '' } },
				{ json: { contact: { waId: anna }, when: 'always' } },
			],
			{
				model,
				parameters: {
					operation: 'decideFollowUp',
					followUpWhen: (_: number, item: INodeExecutionData) => item.json.when as string,
					followUpStopWhen: 'booked',
				},
				continueOnFail: true,
			},
		);
		expect(output[0].json.error).toMatchObject({ field: 'When to Follow Up', value: '' });
		expect(output[1].json.error).toMatchObject({
			message:
				'The model\'s answer to Decide Follow-up is not usable: expected JSON like {"followUp": true, "stop": false, "reason": "…"}',
			modelAnswer: 'Maybe later.',
			fix: expect.stringContaining('follows formatting instructions'),
		});
		expect(model.prompts).toHaveLength(1);
	});
});

describe('Detect Opt-Out', () => {
	const account = 'waba-ai-opt-out';
	const consentCredentials = { ...sqliteCredentials, businessAccountId: account };
	const MESSAGE_TIME = '2026-01-05T09:30:00.000Z';

	/** The trigger's item for a text message. */
	const triggerItem = (waId: string, text: string, messageId = `wamid.${waId}`) => ({
		json: {
			messageId,
			timestamp: MESSAGE_TIME,
			contact: { waId, name: 'Anna' },
			message: { text },
		},
	});

	const detect = (
		items: INodeExecutionData[],
		model: FakeChatModel,
		options: IDataObject = {},
		more: { continueOnFail?: boolean; credentials?: Record<string, Record<string, unknown>> } = {},
	) =>
		run(items, {
			model,
			parameters: {
				operation: 'detectOptOut',
				optOutMessage: (_: number, item: INodeExecutionData) =>
					(item.json.message as IDataObject | undefined)?.text,
				optOutMessageId: (_: number, item: INodeExecutionData) => item.json.messageId,
				optOutMessageTime: (_: number, item: INodeExecutionData) => item.json.timestamp,
				options,
			},
			credentials: more.credentials ?? { whatsAppCloudApi: consentCredentials },
			continueOnFail: more.continueOnFail,
		});

	const answering = (decision: string, confidence: number, language = 'de') =>
		new FakeChatModel(() => ({
			content: JSON.stringify({ decision, confidence, language, reason: 'Asks to stop messages.' }),
			response_metadata: { model_name: 'gpt-4o-mini-2024-07-18' },
		}));

	it('a confident opt-out is final, with the message, model, confidence and time as evidence', async () => {
		const anna = newCustomer();
		const model = answering('opt_out', 0.94);
		const [item] = await detect(
			[triggerItem(anna, 'Hören Sie bitte auf, mir zu schreiben.')],
			model,
		);
		const task = turnsOf(model.lastPrompt)[0].content;
		expect(task).toContain("Customer's latest message: «Hören Sie bitte auf, mir zu schreiben.»");
		expect(task).toContain('"decision": "opt_out" or "not_opt_out" or "unsure"');
		const optOut = item.json.optOut as IDataObject;
		expect(optOut).toMatchObject({
			decision: 'opt_out',
			confidence: 0.94,
			final: true,
			askToConfirm: false,
			confirmation: null,
			threshold: 0.8,
			language: 'de',
			reason: 'Asks to stop messages.',
			recorded: null,
			evidence: {
				kind: 'ai_classification',
				text: 'Hören Sie bitte auf, mir zu schreiben.',
				messageIds: [`wamid.${anna}`],
				matched: 'ai:opt_out',
				at: MESSAGE_TIME,
				decision: 'opt_out',
				confidence: 0.94,
				threshold: 0.8,
				model: 'gpt-4o-mini-2024-07-18',
			},
		});
		expect(Date.parse(String((optOut.evidence as IDataObject).decidedAt))).not.toBeNaN();
		// Record Opt-Out is off: nothing is recorded.
		expect((await store.getConsent(account, { waId: anna })).status).toBe('unknown');
	});

	it('below the threshold, or unsure, asks to confirm with the buttons the trigger records', async () => {
		const anna = newCustomer();
		const [unsure] = await detect(
			[triggerItem(anna, 'Nicht so oft bitte')],
			answering('unsure', 0.9),
		);
		expect(unsure.json.optOut).toMatchObject({
			decision: 'unsure',
			final: false,
			askToConfirm: true,
			confirmation: {
				question:
					'Nur zur Sicherheit: Möchten Sie weiterhin Neuigkeiten und Angebote von uns auf WhatsApp erhalten?',
				buttons: [
					{ id: 'consent:opt_in', title: 'Ja, weiterhin' },
					{ id: 'consent:decline', title: 'Nein, abmelden' },
				],
				language: 'de',
			},
		});

		const [lowered] = await detect(
			[triggerItem(anna, 'enough for now')],
			answering('opt_out', 0.7, 'en'),
			{ confidenceThreshold: 0.6, keepButtonLabel: 'Keep them coming' },
		);
		expect(lowered.json.optOut).toMatchObject({ final: true, askToConfirm: false, threshold: 0.6 });
		const [raised] = await detect(
			[triggerItem(anna, 'enough for now')],
			answering('opt_out', 0.7, 'en'),
			{ confidenceThreshold: 0.75, keepButtonLabel: 'Keep them coming' },
		);
		expect(raised.json.optOut).toMatchObject({
			final: false,
			askToConfirm: true,
			confirmation: {
				question: expect.stringContaining('would you like to keep receiving'),
				buttons: [
					{ id: 'consent:opt_in', title: 'Keep them coming' },
					{ id: 'consent:decline', title: 'No, stop them' },
				],
			},
		});
	});

	it('Record Opt-Out records a final opt-out in the consent store, with the evidence as proof', async () => {
		const anna = newCustomer();
		const [item] = await detect(
			[triggerItem(anna, 'Bitte schicken Sie mir nichts mehr.')],
			answering('opt_out', 0.97),
			{ recordOptOut: true },
		);
		const recorded = (item.json.optOut as IDataObject).recorded as IDataObject;
		expect(recorded).toMatchObject({
			status: 'opted_out',
			previousStatus: 'unknown',
			applied: true,
			source: 'keyword',
			matched: 'ai:opt_out',
			account,
			contact: { waId: anna, userId: null },
			eventAt: MESSAGE_TIME,
		});

		const consent = await store.getConsent(account, { waId: anna });
		expect(consent).toMatchObject({ status: 'opted_out', source: 'keyword' });
		expect(consent.since?.toISOString()).toBe(MESSAGE_TIME);
		const [entry] = await store.getConsentHistory(account, { waId: anna });
		expect(entry).toMatchObject({ newStatus: 'opted_out', source: 'keyword', applied: true });
		expect(entry.evidence).toEqual((item.json.optOut as IDataObject).evidence);
		expect(entry.evidence).toMatchObject({
			kind: 'ai_classification',
			text: 'Bitte schicken Sie mir nichts mehr.',
			confidence: 0.97,
			model: 'gpt-4o-mini-2024-07-18',
			messageIds: [`wamid.${anna}`],
		});
	});

	it('records nothing for a decision that is not final or not an opt-out, and a later START still wins', async () => {
		const anna = newCustomer();
		for (const model of [answering('opt_out', 0.5), answering('not_opt_out', 0.99)]) {
			const [item] = await detect([triggerItem(anna, 'hmm')], model, { recordOptOut: true });
			expect((item.json.optOut as IDataObject).recorded).toBeNull();
		}
		expect(await store.getConsentHistory(account, { waId: anna })).toEqual([]);

		// START at 09:31, read by the trigger; the AI reads the 09:30 message afterwards.
		await store.recordConsent({
			account,
			contact: { waId: anna },
			status: 'opted_in',
			source: 'keyword',
			eventAt: Date.parse(MESSAGE_TIME) + 60_000,
		});
		const [late] = await detect([triggerItem(anna, 'stop it')], answering('opt_out', 0.99), {
			recordOptOut: true,
		});
		expect((late.json.optOut as IDataObject).recorded).toMatchObject({
			applied: false,
			previousStatus: 'opted_in',
		});
		expect((await store.getConsent(account, { waId: anna })).status).toBe('opted_in');
	});

	it('continue on fail: each item keeps its own error, the others are classified and recorded', async () => {
		const anna = newCustomer();
		const ben = newCustomer();
		const model = new FakeChatModel((messages) =>
			turnsOf(messages)[0].content.includes('«whatever»')
				? { content: 'The customer is probably annoyed.' }
				: { content: '{"decision": "opt_out", "confidence": 0.9}' },
		);
		const output = await detect(
			[
				triggerItem(anna, 'Stop writing to me'),
				{ json: { contact: { waId: ben }, message: { text: null } } },
				triggerItem(ben, 'whatever'),
				{ json: { ...triggerItem(ben, 'x').json, timestamp: 'yesterday' } },
				{ json: { contact: { waId: 'anna@example.com' }, message: { text: 'stop' } } },
			],
			model,
			{ recordOptOut: true },
			{ continueOnFail: true },
		);
		expect((output[0].json.optOut as IDataObject).recorded).toMatchObject({ status: 'opted_out' });
		expect(output[1].json.error).toMatchObject({
			field: 'Customer Message',
			fix: expect.stringContaining('{{ $json.message?.text }}'),
		});
		expect(output[2].json.error).toMatchObject({
			message:
				'The model\'s answer to Detect Opt-Out is not usable: expected JSON like {"decision": "opt_out" | "not_opt_out" | "unsure", "confidence": 0.9, "reason": "…"}',
			modelAnswer: 'The customer is probably annoyed.',
		});
		expect(output[3].json.error).toMatchObject({ field: 'Message Time', value: 'yesterday' });
		expect(output[4].json.error).toMatchObject({
			field: 'Customer Identifier',
			value: 'anna@example.com',
		});
		expect(output.map((o) => o.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		// Bad parameters never reach the model.
		expect(model.prompts).toHaveLength(2);
		expect((await store.getConsent(account, { waId: ben })).status).toBe('unknown');
	});

	it('Record Opt-Out needs a credential with a WhatsApp Business Account, checked before the model', async () => {
		const model = answering('opt_out', 0.99);
		const [noAccount] = await detect(
			[triggerItem(newCustomer(), 'stop')],
			model,
			{ recordOptOut: true },
			{ continueOnFail: true, credentials: { whatsAppCloudApi: sqliteCredentials } },
		);
		expect(noAccount.json.error).toMatchObject({
			message: expect.stringContaining('has no WhatsApp Business Account ID'),
		});
		const [noCredential] = await detect(
			[triggerItem(newCustomer(), 'stop')],
			model,
			{ recordOptOut: true },
			{ continueOnFail: true, credentials: {} },
		);
		expect(noCredential.json.error).toMatchObject({
			field: 'Credential to connect with',
			fix: expect.stringContaining('turn off the option Record Opt-Out'),
		});
		expect(model.prompts).toHaveLength(0);
	});

	it('a threshold outside 0..1 and a too long button label name their fields', async () => {
		const model = answering('opt_out', 0.99);
		const [threshold] = await detect(
			[triggerItem(newCustomer(), 'stop')],
			model,
			{ confidenceThreshold: 80 },
			{ continueOnFail: true },
		);
		expect(threshold.json.error).toMatchObject({ field: 'Confidence Threshold', value: 80 });
		const [label] = await detect(
			[triggerItem(newCustomer(), 'stop')],
			model,
			{ stopButtonLabel: 'Please stop all of these messages' },
			{ continueOnFail: true },
		);
		expect(label.json.error).toMatchObject({ field: 'Stop Button Label' });
		expect(model.prompts).toHaveLength(0);
	});
});

describe('errors, one per item', () => {
	it('no chat model connected', async () => {
		const output = await run([inbound(newCustomer(), 'Hi'), inbound(newCustomer(), 'Hello')], {
			continueOnFail: true,
		});
		for (const item of output) {
			expect(item.json.error).toMatchObject({
				message: 'No chat model is connected',
				description: expect.stringContaining('Connect a chat model sub-node'),
			});
		}
		await expect(run([inbound(newCustomer(), 'Hi')])).rejects.toThrow('No chat model is connected');
	});

	it('an empty message fails that item only, naming the field', async () => {
		const model = new FakeChatModel();
		const good = newCustomer();
		const output = await run([inbound(newCustomer(), '  '), inbound(good, 'Real question')], {
			model,
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({ field: 'Message', value: '  ' });
		expect(String((output[0].json.error as IDataObject).description)).toContain(
			'{{ $json.message.text }}',
		);
		expect(output[1].json.reply).toBe('Re: Real question');
		expect(output.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		// Nothing was stored for the failed item.
		expect(model.prompts).toHaveLength(1);
	});

	it('checks the parameters before it touches the model or the store', async () => {
		const output = await run([inbound(newCustomer(), '')], {
			credentials: {},
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({ field: 'Message' });
		const badLength = await run([inbound(newCustomer(), 'Hi')], {
			model: new FakeChatModel(),
			parameters: { historyLength: -1 },
			continueOnFail: true,
		});
		expect(badLength[0].json.error).toMatchObject({ field: 'History Length', value: -1 });
	});

	it('something that is not a chat memory on the Memory input is named', async () => {
		const output = await run([inbound(newCustomer(), 'Hi')], {
			model: new FakeChatModel(),
			memory: { notAMemory: true },
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({
			message: 'The sub-node connected as Memory is not a chat memory',
		});
	});

	it('an empty customer identifier names the field', async () => {
		const output = await run([inbound('', 'Hi')], {
			model: new FakeChatModel(),
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({ field: 'Customer Identifier' });
	});

	it("keeps the provider's error message and HTTP status, and stores nothing", async () => {
		const anna = newCustomer();
		const failing = new FakeChatModel(() => {
			throw Object.assign(new Error('429 You exceeded your current quota'), { status: 429 });
		});
		const output = await run([inbound(anna, 'Hi')], { model: failing, continueOnFail: true });
		expect(output[0].json.error).toMatchObject({
			message: '429 You exceeded your current quota',
			httpCode: '429',
			description: expect.stringContaining(
				"check its credential, model name and the provider's quota",
			),
		});
		await expect(run([inbound(anna, 'Hi')], { model: failing })).rejects.toThrow(
			'429 You exceeded your current quota',
		);
		const history = await store.getAiHistory({ assistant: 'Sales', customer: anna, limit: 10 });
		expect(history.conversationId).toBeNull();
	});

	it('an unusable structured answer quotes what the model said', async () => {
		const model = new FakeChatModel(() => ({ content: 'Hard to say, maybe.' }));
		const output = await run([inbound(newCustomer(), 'x')], {
			model,
			parameters: { operation: 'checkStopCondition', stopCondition: 'booked' },
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({
			message:
				'The model\'s answer to Check Stop Condition is not usable: expected JSON like {"stop": true, "reason": "…"}',
			modelAnswer: 'Hard to say, maybe.',
		});
		await expect(
			run([inbound(newCustomer(), 'x')], {
				model: new FakeChatModel(() => ({ content: 'whenever' })),
				parameters: { operation: 'suggestFollowUpDelay', minDelayHours: 1, maxDelayHours: 2 },
			}),
		).rejects.toThrow("The model's answer to Suggest Follow-up Delay is not usable");
	});

	it('an empty answer from the model is an error, not an empty message to send', async () => {
		const output = await run([inbound(newCustomer(), 'Hi')], {
			model: new FakeChatModel(() => ({ content: [{ type: 'reasoning', reasoning: 'hmm' }] })),
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({
			message: 'The chat model returned an empty answer',
		});
	});

	it('delay bounds the wrong way round name the field', async () => {
		const output = await run([inbound(newCustomer(), 'x')], {
			model: new FakeChatModel(),
			parameters: { operation: 'suggestFollowUpDelay', minDelayHours: 10, maxDelayHours: 5 },
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({ field: 'Maximum Delay (Hours)', value: 5 });
	});

	it('without a Memory sub-node a WhatsApp credential is required', async () => {
		const output = await run([inbound(newCustomer(), 'Hi')], {
			model: new FakeChatModel(),
			credentials: {},
			continueOnFail: true,
		});
		expect(output[0].json.error).toMatchObject({
			field: 'Credential to connect with',
			fix: expect.stringContaining('or connect a Memory sub-node'),
		});
	});
});

describe('PostgreSQL store (queue mode)', () => {
	const schema = `ai_reply_test_${process.pid}`;
	const postgresCredentials = {
		accessToken: 'unused',
		store: 'postgres',
		postgresHost: '127.0.0.1',
		postgresPort: 5432,
		postgresDatabase: 'postgres',
		postgresUser: 'postgres',
		postgresPassword: '',
		postgresSsl: 'disable',
		postgresSchema: schema,
	};

	afterAll(async () => {
		await closeAllStores();
		const client = new Client({
			host: '127.0.0.1',
			port: 5432,
			user: 'postgres',
			database: 'postgres',
		});
		await client.connect();
		await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
		await client.end();
	});

	it('keeps two customers apart and their history across executions', async () => {
		const model = new FakeChatModel();
		const credentials = { whatsAppCloudApi: postgresCredentials };
		const anna = newCustomer();
		const ben = newCustomer();
		await run([inbound(anna, 'A1'), inbound(ben, 'B1', 'Ben')], { model, credentials });
		const [a2] = await run([inbound(anna, 'A2')], { model, credentials });
		expect(turnsOf(model.lastPrompt).map((m) => m.content)).toEqual(['A1', 'Re: A1', 'A2']);
		expect(a2.json.isNewConversation).toBe(false);
	});
});
