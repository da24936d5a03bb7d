import type { IExecuteFunctions } from 'n8n-workflow';

import { type ChatMessage, readMemoryMessages, recentMessages } from '../../../lib/core/ai';
import { FieldError } from '../../../lib/core/fieldError';
import type { Store } from '../../../lib/store';
import { CREDENTIAL_TYPE } from '../../../lib/transport/graphApi';
import { openCredentialStore } from '../../helpers/storeAccess';

/** One customer's conversation with one assistant, wherever it is kept. */
export interface Conversation {
	/** Earlier messages (at most `limit`, oldest first) and whether there were any at all. */
	load(
		limit: number,
	): Promise<{ messages: ChatMessage[]; conversationId: string | null; isEmpty: boolean }>;
	/** Records one exchange: the customer's message and the assistant's reply. */
	saveExchange(customerMessage: ChatMessage, reply: ChatMessage): Promise<string>;
	/** Records a message the assistant sent on its own (a follow-up). */
	saveAssistantMessage(message: ChatMessage): Promise<string>;
}

const STORED_MESSAGES_PER_CONVERSATION = 200;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The built-in history: the store of the WhatsApp credential, per (assistant, customer). */
export class StoredConversation implements Conversation {
	constructor(
		private readonly store: Store,
		private readonly assistant: string,
		private readonly customer: string,
		private readonly retentionDays: number,
		private readonly now: Date,
	) {}

	async load(limit: number) {
		const conversation = { assistant: this.assistant, customer: this.customer };
		if (this.retentionDays > 0) {
			// History Retention deletes, not just hides: older messages of this conversation go now
			// (the credential's AI history retention covers conversations no node reads again).
			await this.store.pruneAiHistory(
				this.now.getTime() - this.retentionDays * DAY_MS,
				conversation,
			);
		}
		const history = await this.store.getAiHistory({
			...conversation,
			// At least one, to know whether the conversation has begun even when none are shown.
			limit: Math.max(limit, 1),
		});
		return {
			messages: recentMessages(history.messages, limit),
			conversationId: history.conversationId,
			isEmpty: history.messages.length === 0,
		};
	}

	async saveExchange(customerMessage: ChatMessage, reply: ChatMessage): Promise<string> {
		return await this.append([customerMessage, reply]);
	}

	async saveAssistantMessage(message: ChatMessage): Promise<string> {
		return await this.append([message]);
	}

	private async append(messages: ChatMessage[]): Promise<string> {
		const { conversationId } = await this.store.appendAiMessages({
			assistant: this.assistant,
			customer: this.customer,
			messages: messages.map((m) => ({ role: m.role, content: m.content, at: m.at ?? this.now })),
			maxMessages: STORED_MESSAGES_PER_CONVERSATION,
		});
		return conversationId;
	}
}

/** The LangChain memory interface n8n's memory sub-nodes hand over, as far as this node uses it. */
interface ChatMemory {
	loadMemoryVariables(values: Record<string, unknown>): Promise<Record<string, unknown>>;
	saveContext(input: Record<string, unknown>, output: Record<string, unknown>): Promise<void>;
	chatHistory?: { sessionId?: unknown; addAIMessage?: (text: string) => Promise<void> };
}

export function isChatMemory(value: unknown): value is ChatMemory {
	const memory = value as Partial<ChatMemory> | null;
	return (
		typeof memory?.loadMemoryVariables === 'function' && typeof memory?.saveContext === 'function'
	);
}

/**
 * A Memory sub-node. Its session is chosen by the memory node's own settings; when the memory
 * shows its session id (Postgres, Redis, MongoDB…), a session that is not this customer's is refused,
 * because that would show one customer's conversation to another.
 */
export class MemoryConversation implements Conversation {
	private readonly sessionId: string;

	constructor(
		private readonly memory: ChatMemory,
		customer: string,
	) {
		const visibleSession = memory.chatHistory?.sessionId;
		if (typeof visibleSession === 'string' && !visibleSession.includes(customer)) {
			throw new FieldError(
				'Memory Session',
				visibleSession,
				`is not the session of customer "${customer}"`,
				"In the Memory sub-node, set Session ID to 'Define below' and Key to the same expression as this node's Customer Identifier, e.g. {{ $json.contact.waId }}.",
			);
		}
		this.sessionId = typeof visibleSession === 'string' ? visibleSession : customer;
	}

	async load(limit: number) {
		const all = readMemoryMessages(await this.memory.loadMemoryVariables({}));
		return {
			messages: recentMessages(all, limit),
			conversationId: all.length > 0 ? this.sessionId : null,
			isEmpty: all.length === 0,
		};
	}

	async saveExchange(customerMessage: ChatMessage, reply: ChatMessage): Promise<string> {
		await this.memory.saveContext({ input: customerMessage.content }, { output: reply.content });
		return this.sessionId;
	}

	async saveAssistantMessage(message: ChatMessage): Promise<string> {
		const addAIMessage = this.memory.chatHistory?.addAIMessage;
		if (typeof addAIMessage !== 'function') {
			throw new FieldError(
				'Add to Conversation',
				true,
				'is not supported by the connected Memory sub-node',
				'Turn off "Add to Conversation" in the options, or remove the Memory sub-node to use the built-in history.',
			);
		}
		await addAIMessage.call(this.memory.chatHistory, message.content);
		return this.sessionId;
	}
}

/** The store of the chosen WhatsApp credential; shared per process, never closed by the node. */
export async function storeFromCredential(context: IExecuteFunctions): Promise<Store> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE).catch(() => undefined);
	if (!credentials) {
		throw new FieldError(
			'Credential to connect with',
			null,
			'is not set',
			'Select a WhatsApp Cloud API credential (its State Store keeps the conversation history), or connect a Memory sub-node.',
		);
	}
	const { store } = await openCredentialStore(credentials, context.logger);
	return store;
}
