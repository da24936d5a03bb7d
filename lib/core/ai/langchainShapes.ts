/**
 * Reading what n8n's AI sub-nodes hand over, without a LangChain dependency: a chat model's answer
 * (content as a string or as parts, token usage in the places different providers put it) and a
 * Memory sub-node's messages (message instances, stored `{type, data}` records, or serialized
 * constructors).
 */
import { stripReasoning } from './answers';
import type { ChatMessage, ChatRole, TokenUsage } from './types';

type Loose = Record<string, unknown>;

/** The reply text of `model.invoke()`: an AIMessage, a plain string (non-chat LLMs) or similar. */
export function readModelText(result: unknown): string {
	if (typeof result === 'string') return stripReasoning(result);
	if (!isObject(result)) return '';
	const fromContent = contentText(result.content);
	if (fromContent !== undefined) return stripReasoning(fromContent);
	return typeof result.text === 'string' ? stripReasoning(result.text) : '';
}

/** Token usage when the provider reports it; undefined when it does not. */
export function readTokenUsage(result: unknown): TokenUsage | undefined {
	if (!isObject(result)) return undefined;
	const metadata = isObject(result.response_metadata) ? result.response_metadata : {};
	const sources: Array<[unknown, string, string, string]> = [
		[result.usage_metadata, 'input_tokens', 'output_tokens', 'total_tokens'],
		[metadata.tokenUsage, 'promptTokens', 'completionTokens', 'totalTokens'],
		[metadata.usage, 'input_tokens', 'output_tokens', 'total_tokens'],
		[metadata.usage, 'prompt_tokens', 'completion_tokens', 'total_tokens'],
		[metadata.estimatedTokenUsage, 'promptTokens', 'completionTokens', 'totalTokens'],
	];
	for (const [source, input, output, total] of sources) {
		if (!isObject(source)) continue;
		const usage = {
			inputTokens: count(source[input]),
			outputTokens: count(source[output]),
			totalTokens: count(source[total]),
		};
		// Both usage shapes share `total_tokens`: a source counts only when it has its own fields.
		if (usage.inputTokens === null && usage.outputTokens === null) continue;
		if (usage.totalTokens === null && usage.inputTokens !== null && usage.outputTokens !== null) {
			usage.totalTokens = usage.inputTokens + usage.outputTokens;
		}
		return usage;
	}
	return undefined;
}

/** The model's name as the provider reported it, e.g. "gpt-4o-mini-2024-07-18". */
export function readModelName(result: unknown): string | undefined {
	if (!isObject(result) || !isObject(result.response_metadata)) return undefined;
	const metadata = result.response_metadata;
	for (const key of ['model_name', 'model', 'modelName']) {
		if (typeof metadata[key] === 'string' && metadata[key] !== '') return metadata[key] as string;
	}
	return undefined;
}

/**
 * The conversation in `memory.loadMemoryVariables({})`: messages under `chat_history` (n8n's
 * memory nodes) or another key, or one text when the memory returns a buffer string.
 */
export function readMemoryMessages(variables: unknown): ChatMessage[] {
	if (!isObject(variables)) return [];
	const value =
		variables.chat_history ??
		Object.values(variables).find((v) => Array.isArray(v)) ??
		Object.values(variables).find((v) => typeof v === 'string');
	if (typeof value === 'string') {
		return value.trim() ? [{ role: 'system', content: value.trim() }] : [];
	}
	if (!Array.isArray(value)) return [];
	return value.map(readMessage).filter((m): m is ChatMessage => m !== undefined);
}

function readMessage(message: unknown): ChatMessage | undefined {
	if (!isObject(message)) return undefined;
	const serialized = message.lc === 1 && message.type === 'constructor';
	const body = serialized && isObject(message.kwargs) ? message.kwargs : message;
	const role = roleOf(serialized ? lastOf(message.id) : typeName(message));
	const content =
		contentText(body.content) ??
		(isObject(message.data) ? contentText(message.data.content) : undefined);
	if (!role || !content?.trim()) return undefined;
	return { role, content: content.trim() };
}

function typeName(message: Loose): unknown {
	for (const method of ['getType', '_getType']) {
		const fn = message[method];
		if (typeof fn === 'function') {
			try {
				return (fn as () => unknown).call(message);
			} catch {
				// A message class without a type: fall through to its fields.
			}
		}
	}
	return message.type ?? message.role ?? lastOf(message.lc_id);
}

const ROLE_BY_TYPE: Record<string, ChatRole> = {
	human: 'user',
	user: 'user',
	humanmessage: 'user',
	humanmessagechunk: 'user',
	ai: 'assistant',
	assistant: 'assistant',
	aimessage: 'assistant',
	aimessagechunk: 'assistant',
	system: 'system',
	developer: 'system',
	systemmessage: 'system',
	systemmessagechunk: 'system',
};

function roleOf(type: unknown): ChatRole | undefined {
	return typeof type === 'string' ? ROLE_BY_TYPE[type.toLowerCase()] : undefined;
}

/** Text of a message content: a string, or parts where only text parts count (not reasoning). */
function contentText(content: unknown): string | undefined {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return undefined;
	return content
		.map((part) => {
			if (typeof part === 'string') return part;
			if (isObject(part) && (part.type === 'text' || part.type === 'output_text')) {
				return typeof part.text === 'string' ? part.text : '';
			}
			return '';
		})
		.join('');
}

function count(value: unknown): number | null {
	return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function lastOf(value: unknown): unknown {
	return Array.isArray(value) ? value[value.length - 1] : undefined;
}

function isObject(value: unknown): value is Loose {
	return typeof value === 'object' && value !== null;
}
