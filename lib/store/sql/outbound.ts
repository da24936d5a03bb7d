import type { ContactKeys } from '../validate';
import type { OutboundKind, OutboundPurpose, OutboundRecord, OutboundStatusEntry } from '../types';
import { findContactRows, keysOf } from './contacts';
import type { Db } from './schema';

/** One row of `outbound_messages` as written: the store's record without what comes later. */
export type OutboundMessage = Omit<
	OutboundRecord,
	'sentAt' | 'status' | 'statuses' | 'repliedAt' | 'account'
> & {
	account: string;
	sentAt: number;
};

export interface OutboundStatus {
	wamid: string;
	status: string;
	at: number;
	errorCode: number | null;
	errorTitle: string | null;
}

const MESSAGE_COLUMNS =
	'wamid, account, phone_number_id, recipient, kind, template_name, template_language, category, body_text, callback_data, recipient_name, purpose, sent_at';
const COLUMN_COUNT = 13;

function messageValues(message: OutboundMessage): Array<string | number | null> {
	return [
		message.wamid,
		message.account,
		message.phoneNumberId,
		message.recipient,
		message.kind,
		message.templateName,
		message.templateLanguage,
		message.category,
		message.text,
		message.callbackData,
		message.recipientName,
		message.purpose,
		message.sentAt,
	];
}

export async function logOutbound(db: Db, message: OutboundMessage): Promise<boolean> {
	const [logged] = await logOutboundMany(db, [message]);
	return logged;
}

/** Rows per INSERT statement: 13 parameters each, far below either database's limit. */
const ROWS_PER_STATEMENT = 100;

/**
 * Inserts the messages with one multi-row statement per ROWS_PER_STATEMENT; the caller runs it in
 * one transaction so the batch costs one commit. True per message when this call logged it.
 */
export async function logOutboundMany(
	db: Db,
	messages: readonly OutboundMessage[],
): Promise<boolean[]> {
	const inserted = new Set<string>();
	for (let start = 0; start < messages.length; start += ROWS_PER_STATEMENT) {
		const rows = messages.slice(start, start + ROWS_PER_STATEMENT);
		const placeholders = rows.map((_, row) => {
			const first = row * COLUMN_COUNT;
			return `(${Array.from({ length: COLUMN_COUNT }, (_, column) => `$${first + column + 1}`).join(', ')})`;
		});
		const returned = await db.session.query<{ wamid: string }>(
			`INSERT INTO ${db.tables.outbound_messages} (${MESSAGE_COLUMNS})
			VALUES ${placeholders.join(', ')}
			ON CONFLICT (wamid) DO NOTHING RETURNING wamid`,
			rows.flatMap(messageValues),
		);
		for (const row of returned) inserted.add(row.wamid);
	}
	// A wamid given twice was inserted once: only its first occurrence counts as logged.
	return messages.map((message) => inserted.delete(message.wamid));
}

export async function recordOutboundStatus(db: Db, status: OutboundStatus): Promise<boolean> {
	const rows = await db.session.query(
		`INSERT INTO ${db.tables.outbound_statuses} (wamid, status, status_at, error_code, error_title)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (wamid, status, status_at) DO NOTHING RETURNING wamid`,
		[status.wamid, status.status, status.at, status.errorCode, status.errorTitle],
	);
	return rows.length === 1;
}

/** Meta's delivery progression; at equal timestamps the later stage is the current status. */
const STAGE: Record<string, number> = { sent: 1, delivered: 2, read: 3, played: 4, failed: 5 };

interface MessageRow {
	wamid: string;
	account: string | null;
	phone_number_id: string;
	recipient: string;
	kind: OutboundKind;
	template_name: string | null;
	template_language: string | null;
	category: string | null;
	body_text: string | null;
	callback_data: string | null;
	recipient_name: string | null;
	purpose: OutboundPurpose | null;
	sent_at: number;
	replied_at: number | null;
}

interface StatusRow {
	status: string;
	status_at: number;
	error_code: number | null;
	error_title: string | null;
}

export async function getOutbound(db: Db, wamid: string): Promise<OutboundRecord | null> {
	const [message] = await db.session.query<MessageRow>(
		`SELECT ${MESSAGE_COLUMNS}, replied_at
		FROM ${db.tables.outbound_messages} WHERE wamid = $1`,
		[wamid],
	);
	if (!message) return null;
	const rows = await db.session.query<StatusRow>(
		`SELECT status, status_at, error_code, error_title FROM ${db.tables.outbound_statuses}
		WHERE wamid = $1`,
		[wamid],
	);
	const statuses: OutboundStatusEntry[] = rows
		.sort((a, b) => a.status_at - b.status_at || (STAGE[a.status] ?? 0) - (STAGE[b.status] ?? 0))
		.map((row) => ({
			status: row.status,
			at: new Date(row.status_at),
			errorCode: row.error_code,
			errorTitle: row.error_title,
		}));
	return {
		wamid: message.wamid,
		phoneNumberId: message.phone_number_id,
		recipient: message.recipient,
		kind: message.kind,
		templateName: message.template_name,
		templateLanguage: message.template_language,
		category: message.category,
		text: message.body_text,
		account: message.account,
		callbackData: message.callback_data,
		recipientName: message.recipient_name,
		purpose: message.purpose,
		sentAt: new Date(message.sent_at),
		repliedAt: message.replied_at === null ? null : new Date(Number(message.replied_at)),
		status: statuses.length > 0 ? statuses[statuses.length - 1].status : null,
		statuses,
	};
}

/** The longest reply window a report can ask for; older messages are not marked by a new reply. */
export const MAX_REPLY_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Marks the account's messages to the contact (by any of its linked ids) from this number, sent
 * before `at` (within its second) and not yet replied to, as replied at `at`: the first reply
 * after each send.
 */
export async function recordReply(
	db: Db,
	account: string,
	phoneNumberId: string,
	keys: ContactKeys,
	at: number,
): Promise<number> {
	// The trigger upserted the contact first: its row links a wa_id and a user id seen apart.
	const rows = await findContactRows(db, account, keys);
	return await recordReplyTo(db, account, phoneNumberId, [keys, ...rows.map(keysOf)], at);
}

/** recordReply for the contact known by any of these identifiers (its rows already read). */
export async function recordReplyTo(
	db: Db,
	account: string,
	phoneNumberId: string,
	identities: readonly ContactKeys[],
	at: number,
): Promise<number> {
	const ids = new Set<string>();
	for (const { waId, userId } of identities) {
		if (waId) ids.add(waId);
		if (userId) ids.add(userId);
	}
	// Meta stamps messages in whole seconds: a reply stamped 10:00:08 may answer a message sent at
	// 10:00:08.457, so every message sent before the end of the reply's second counts.
	return await db.session.execute(
		`UPDATE ${db.tables.outbound_messages} SET replied_at = $1
		WHERE ${db.dialect.inList('recipient', '$2')} AND sent_at < $6 AND sent_at >= $3
		AND account = $4 AND phone_number_id = $5 AND replied_at IS NULL`,
		[
			at,
			db.dialect.listParam([...ids]),
			at - MAX_REPLY_WINDOW_MS,
			account,
			phoneNumberId,
			Math.floor(at / 1000) * 1000 + 1000,
		],
	);
}
