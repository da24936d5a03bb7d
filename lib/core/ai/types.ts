/** The roles a chat model understands; tool and function messages never reach this package. */
export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
	role: ChatRole;
	content: string;
	/** When the message was written, if known (the store keeps it; Memory sub-nodes do not). */
	at?: Date;
}

/** What is sent to the model: exactly the shape LangChain's chat models accept as plain objects. */
export interface ModelMessage {
	role: ChatRole;
	content: string;
}

/** A key/value pair the user makes available to the prompt, e.g. the customer's name. */
export interface ContextVariable {
	name: string;
	value: string;
}

export interface TokenUsage {
	inputTokens: number | null;
	outputTokens: number | null;
	totalTokens: number | null;
}
