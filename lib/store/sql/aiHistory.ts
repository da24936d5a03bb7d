import { randomUUID } from 'node:crypto';

import type { AiConversationRef, AiHistory, AiRole } from '../types';
import type { Db } from './schema';

export interface AiAppend {
	assistant: string;
	customer: string;
	messages: ReadonlyArray<{ role: AiRole; content: string; at: number }>;
	maxMessages: number;
}

/** Finds or starts the conversation, appends, and trims it to the newest maxMessages. In a transaction. */
export async function appendAiMessages(db: Db, append: AiAppend): Promise<AiConversationRef> {
	const t = db.tables;
	const startedAt = Math.min(...append.messages.map((message) => message.at));
	const created = await db.session.query<{ conversation_id: string }>(
		`INSERT INTO ${t.ai_conversations} (assistant, customer, conversation_id, started_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (assistant, customer) DO NOTHING RETURNING conversation_id`,
		[append.assistant, append.customer, randomUUID(), startedAt],
	);
	const conversationId =
		created[0]?.conversation_id ?? (await conversationIdOf(db, append.assistant, append.customer));
	if (conversationId === null)
		throw new Error('The AI conversation vanished while appending to it.');
	const values = append.messages.map(
		(_, index) => `($1, $${index * 3 + 2}, $${index * 3 + 3}, $${index * 3 + 4})`,
	);
	await db.session.execute(
		`INSERT INTO ${t.ai_messages} (conversation_id, role, content, at) VALUES ${values.join(', ')}`,
		[
			conversationId,
			...append.messages.flatMap((message) => [message.role, message.content, message.at]),
		],
	);
	await db.session.execute(
		`DELETE FROM ${t.ai_messages} WHERE conversation_id = $1 AND id NOT IN (
			SELECT id FROM ${t.ai_messages} WHERE conversation_id = $1 ORDER BY at DESC, id DESC LIMIT $2
		)`,
		[conversationId, append.maxMessages],
	);
	return { conversationId, isNew: created.length === 1 };
}

async function conversationIdOf(
	db: Db,
	assistant: string,
	customer: string,
): Promise<string | null> {
	const [row] = await db.session.query<{ conversation_id: string }>(
		`SELECT conversation_id FROM ${db.tables.ai_conversations} WHERE assistant = $1 AND customer = $2`,
		[assistant, customer],
	);
	return row?.conversation_id ?? null;
}

export async function getAiHistory(
	db: Db,
	assistant: string,
	customer: string,
	limit: number,
	notBefore: number | null,
): Promise<AiHistory> {
	const conversationId = await conversationIdOf(db, assistant, customer);
	if (conversationId === null) return { conversationId: null, messages: [] };
	const rows = await db.session.query<{ role: AiRole; content: string; at: number }>(
		`SELECT role, content, at FROM ${db.tables.ai_messages}
		WHERE conversation_id = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3`,
		[conversationId, notBefore ?? 0, limit],
	);
	return {
		conversationId,
		messages: rows
			.reverse()
			.map((row) => ({ role: row.role, content: row.content, at: new Date(row.at) })),
	};
}

/**
 * Deletes old messages and the conversations they leave empty, so the next message starts a new
 * one: of every conversation, or of one (assistant, customer). In a transaction.
 */
export async function pruneAiHistory(
	db: Db,
	olderThan: number,
	conversation: { assistant: string; customer: string } | null,
): Promise<number> {
	const t = db.tables;
	const scope =
		conversation === null
			? ''
			: ' AND conversation_id = (SELECT conversation_id FROM ' +
				`${t.ai_conversations} WHERE assistant = $2 AND customer = $3)`;
	const params =
		conversation === null
			? [olderThan]
			: [olderThan, conversation.assistant, conversation.customer];
	const deleted = await db.session.execute(
		`DELETE FROM ${t.ai_messages} WHERE at < $1${scope}`,
		params,
	);
	await db.session.execute(
		`DELETE FROM ${t.ai_conversations} WHERE started_at < $1${
			conversation === null ? '' : ' AND assistant = $2 AND customer = $3'
		} AND NOT EXISTS (
			SELECT 1 FROM ${t.ai_messages} m WHERE m.conversation_id = ai_conversations.conversation_id
		)`,
		params,
	);
	return deleted;
}
