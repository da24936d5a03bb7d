import {
	readMemoryMessages,
	readModelName,
	readModelText,
	readTokenUsage,
} from '../../lib/core/ai';

describe('readModelText', () => {
	it('reads string content (Chat Completions, Anthropic text, Ollama)', () => {
		expect(readModelText({ content: 'Hello Anna' })).toBe('Hello Anna');
	});

	it('joins text parts and skips reasoning parts (Responses API, Anthropic thinking)', () => {
		const result = {
			content: [
				{ type: 'reasoning', reasoning: 'internal' },
				{ type: 'text', text: 'Hello ', annotations: [] },
				{ type: 'thinking', thinking: 'hmm' },
				{ type: 'output_text', text: 'Anna' },
			],
		};
		expect(readModelText(result)).toBe('Hello Anna');
	});

	it('reads a plain string (non-chat LLM) and the text field as a last resort', () => {
		expect(readModelText('  Hi  ')).toBe('Hi');
		expect(readModelText({ text: 'From text' })).toBe('From text');
		expect(readModelText(undefined)).toBe('');
	});

	it('drops a <think> block some open models print before the answer', () => {
		expect(readModelText({ content: '<think>plan the answer</think>\nHello!' })).toBe('Hello!');
	});
});

describe('readTokenUsage', () => {
	it('prefers usage_metadata', () => {
		expect(
			readTokenUsage({ usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } }),
		).toEqual({
			inputTokens: 10,
			outputTokens: 5,
			totalTokens: 15,
		});
	});

	it('reads response_metadata.tokenUsage and computes a missing total', () => {
		expect(
			readTokenUsage({
				response_metadata: { tokenUsage: { promptTokens: 7, completionTokens: 3 } },
			}),
		).toEqual({
			inputTokens: 7,
			outputTokens: 3,
			totalTokens: 10,
		});
	});

	it('reads Anthropic and OpenAI usage objects', () => {
		expect(
			readTokenUsage({ response_metadata: { usage: { input_tokens: 4, output_tokens: 2 } } }),
		).toEqual({
			inputTokens: 4,
			outputTokens: 2,
			totalTokens: 6,
		});
		expect(
			readTokenUsage({
				response_metadata: { usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } },
			}),
		).toEqual({ inputTokens: 4, outputTokens: 2, totalTokens: 6 });
	});

	it('is undefined when the provider reports nothing', () => {
		expect(readTokenUsage({ content: 'x', response_metadata: {} })).toBeUndefined();
		expect(readTokenUsage({ usage_metadata: {} })).toBeUndefined();
		expect(readTokenUsage('text')).toBeUndefined();
	});
});

describe('readModelName', () => {
	it('reads the name the provider reported', () => {
		expect(readModelName({ response_metadata: { model_name: 'gpt-4o-mini' } })).toBe('gpt-4o-mini');
		expect(readModelName({ response_metadata: { model: 'claude-sonnet' } })).toBe('claude-sonnet');
		expect(readModelName({ content: 'x' })).toBeUndefined();
	});
});

describe('readMemoryMessages', () => {
	class FakeMessage {
		constructor(
			private readonly kind: string,
			readonly content: unknown,
		) {}

		getType() {
			return this.kind;
		}
	}

	it('reads message instances under chat_history, oldest first', () => {
		const variables = {
			chat_history: [
				new FakeMessage('human', 'Hi'),
				new FakeMessage('ai', [{ type: 'text', text: 'Hello!' }]),
			],
		};
		expect(readMemoryMessages(variables)).toEqual([
			{ role: 'user', content: 'Hi' },
			{ role: 'assistant', content: 'Hello!' },
		]);
	});

	it('reads stored {type, data} records and serialized constructors', () => {
		const variables = {
			history: [
				{ type: 'human', data: { content: 'Stored question' } },
				{
					lc: 1,
					type: 'constructor',
					id: ['langchain_core', 'messages', 'AIMessage'],
					kwargs: { content: 'Serialized answer' },
				},
				{ role: 'system', content: 'Summary' },
			],
		};
		expect(readMemoryMessages(variables)).toEqual([
			{ role: 'user', content: 'Stored question' },
			{ role: 'assistant', content: 'Serialized answer' },
			{ role: 'system', content: 'Summary' },
		]);
	});

	it('skips tool messages and empty tool-call turns', () => {
		const variables = {
			chat_history: [
				new FakeMessage('tool', 'result'),
				new FakeMessage('ai', ''),
				new FakeMessage('human', 'Ok'),
			],
		};
		expect(readMemoryMessages(variables)).toEqual([{ role: 'user', content: 'Ok' }]);
	});

	it('turns a buffer string into one note, and nothing into nothing', () => {
		expect(readMemoryMessages({ history: 'Human: Hi\nAI: Hello' })).toEqual([
			{ role: 'system', content: 'Human: Hi\nAI: Hello' },
		]);
		expect(readMemoryMessages({})).toEqual([]);
		expect(readMemoryMessages(undefined)).toEqual([]);
	});
});
