import {
	buildDelayMessages,
	buildFollowUpMessages,
	buildReplyMessages,
	buildStopCheckMessages,
	type ChatMessage,
	cleanVariables,
	type PromptContext,
	recentMessages,
} from '../../lib/core/ai';
import { FieldError } from '../../lib/core/fieldError';

const now = new Date('2026-03-01T13:05:00Z');

function context(overrides: Partial<PromptContext> = {}): PromptContext {
	return {
		instructions: 'You are Mia from Sunny Solar. Be brief.',
		variables: [
			{ name: 'Customer name', value: 'Anna' },
			{ name: 'Open order', value: '#4711' },
		],
		history: [],
		now,
		timeZone: 'Europe/Berlin',
		...overrides,
	};
}

const history: ChatMessage[] = [
	{
		role: 'user',
		content: 'Hi, what does a roof system cost?',
		at: new Date('2026-02-27T09:00:00Z'),
	},
	{
		role: 'assistant',
		content: 'Around 12,000 EUR. How big is your roof?',
		at: new Date('2026-02-27T09:00:05Z'),
	},
];

describe('buildReplyMessages', () => {
	it('puts instructions, variables and the current time in one system message, then history and the message', () => {
		const messages = buildReplyMessages(context({ history }), 'About 40 m²');
		expect(messages).toEqual([
			{
				role: 'system',
				content:
					'You are Mia from Sunny Solar. Be brief.\n\nContext:\n- Customer name: Anna\n- Open order: #4711\n\nCurrent time: Sunday, 1 March 2026, 14:05 (Europe/Berlin)',
			},
			{ role: 'user', content: 'Hi, what does a roof system cost?' },
			{ role: 'assistant', content: 'Around 12,000 EUR. How big is your roof?' },
			{ role: 'user', content: 'About 40 m²' },
		]);
	});

	it('sends plain {role, content} objects only (no timestamps leak to the provider)', () => {
		for (const message of buildReplyMessages(context({ history }), 'x')) {
			expect(Object.keys(message).sort()).toEqual(['content', 'role']);
		}
	});

	it('moves messages the business sent before the customer first wrote into the system message', () => {
		const opened: ChatMessage[] = [
			{ role: 'assistant', content: 'Thanks for your call! Any questions about the offer?' },
			{ role: 'user', content: 'Yes, the price.' },
		];
		const messages = buildReplyMessages(context({ history: opened }), 'Is it negotiable?');
		expect(messages[0].content).toContain(
			'Your earlier messages in this conversation:\n«Thanks for your call! Any questions about the offer?»',
		);
		expect(messages.slice(1).map((m) => m.role)).toEqual(['user']);
		expect(messages[1].content).toBe('Yes, the price.\n\nIs it negotiable?');
	});

	it('merges memory summaries into the system message and turns of one role in a row', () => {
		const messages = buildReplyMessages(
			context({
				history: [
					{ role: 'system', content: 'Summary: Anna wants solar panels.' },
					{ role: 'user', content: 'Hello?' },
					{ role: 'user', content: 'Anyone there?' },
				],
			}),
			'Hello again',
		);
		expect(messages[0].content).toContain(
			'Earlier in this conversation:\nSummary: Anna wants solar panels.',
		);
		expect(messages.slice(1)).toEqual([
			{ role: 'user', content: 'Hello?\n\nAnyone there?\n\nHello again' },
		]);
	});

	it('leaves out empty instructions and variables but still tells the time', () => {
		const messages = buildReplyMessages(context({ instructions: '  ', variables: [] }), 'Hi');
		expect(messages[0]).toEqual({
			role: 'system',
			content: 'Current time: Sunday, 1 March 2026, 14:05 (Europe/Berlin)',
		});
	});

	it('falls back to UTC for an unknown time zone', () => {
		const messages = buildReplyMessages(context({ timeZone: 'Mars/Olympus' }), 'Hi');
		expect(messages[0].content).toContain('Current time: Sunday, 1 March 2026, 13:05 (UTC)');
	});
});

describe('follow-up prompts', () => {
	it('Write Follow-up: transcript with times in the workflow zone, the purpose, and a text-only answer', () => {
		const messages = buildFollowUpMessages(context({ history }), 'Remind her of the offer');
		expect(messages).toHaveLength(2);
		expect(messages[0].role).toBe('system');
		expect(messages[0].content).toContain('- Customer name: Anna');
		expect(messages[1].role).toBe('user');
		expect(messages[1].content).toContain(
			'[2026-02-27 10:00] Customer: Hi, what does a roof system cost?\n[2026-02-27 10:00] Assistant: Around 12,000 EUR. How big is your roof?',
		);
		expect(messages[1].content).toContain('Purpose of this follow-up: Remind her of the offer');
		expect(messages[1].content).toContain('Answer with the message text only');
	});

	it('says so when there is no conversation yet', () => {
		const [, task] = buildFollowUpMessages(context(), 'Say hello');
		expect(task.content).toContain('Conversation so far: none yet');
	});

	it('Check Stop Condition asks for {"stop", "reason"} JSON with the condition', () => {
		const [, task] = buildStopCheckMessages(context({ history }), 'the customer booked');
		expect(task.content).toContain('Follow-ups must stop when: the customer booked');
		expect(task.content).toContain('{"stop": true or false, "reason": "one short sentence"}');
	});

	it('Suggest Follow-up Delay states the bounds and the guidance', () => {
		const [, task] = buildDelayMessages(
			context({ history }),
			{ minHours: 2, maxHours: 36.5 },
			'Never at night',
		);
		expect(task.content).toContain('between 2 and 36.5 hours');
		expect(task.content).toContain('Guidance: Never at night');
		expect(task.content).toContain('{"delayHours": number');
	});
});

describe('cleanVariables', () => {
	it('trims names, renders non-text values and skips fully empty rows', () => {
		expect(
			cleanVariables([
				{ name: ' Customer name ', value: ' Anna ' },
				{ name: '', value: '' },
				{ name: 'Orders', value: 3 },
				{ name: 'Cart', value: { items: 2 } },
				{ name: 'Note', value: null },
			]),
		).toEqual([
			{ name: 'Customer name', value: 'Anna' },
			{ name: 'Orders', value: '3' },
			{ name: 'Cart', value: '{"items":2}' },
			{ name: 'Note', value: '' },
		]);
	});

	it('refuses a value without a name, naming the row', () => {
		expect(() =>
			cleanVariables([
				{ name: 'a', value: 'x' },
				{ name: ' ', value: 'Anna' },
			]),
		).toThrow(FieldError);
		try {
			cleanVariables([{ name: ' ', value: 'Anna' }]);
		} catch (error) {
			expect((error as FieldError).field).toBe('Context Variable 1 Name');
			expect((error as FieldError).value).toBe('Anna');
		}
	});
});

describe('recentMessages', () => {
	it('keeps the newest messages in order, and none for 0', () => {
		const three: ChatMessage[] = ['a', 'b', 'c'].map((content) => ({ role: 'user', content }));
		expect(recentMessages(three, 2).map((m) => m.content)).toEqual(['b', 'c']);
		expect(recentMessages(three, 0)).toEqual([]);
		expect(recentMessages(three, 10)).toHaveLength(3);
	});
});
