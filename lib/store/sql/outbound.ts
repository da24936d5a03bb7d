import type { OutboundKind, OutboundRecord, OutboundStatusEntry } from '../types';
import type { Db } from './schema';

/** One row of `outbound_messages`: the store's record without its status timeline, time in ms. */
export type OutboundMessage = Omit<OutboundRecord, 'sentAt' | 'status' | 'statuses'> & {
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
	'wamid, phone_number_id, recipient, kind, template_name, template_language, category, body_text, sent_at';

function messageValues(message: OutboundMessage): Array<string | number | null> {
	return [
		message.wamid,
		message.phoneNumberId,
		message.recipient,
		message.kind,
		message.templateName,
		message.templateLanguage,
		message.category,
		message.text,
		message.sentAt,
	];
}

export async function logOutbound(db: Db, message: OutboundMessage): Promise<boolean> {
	const [logged] = await logOutboundMany(db, [message]);
	return logged;
}

/** Rows per INSERT statement: 9 parameters each, far below either database's limit. */
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
			const first = row * 9;
			return `(${Array.from({ length: 9 }, (_, column) => `$${first + column + 1}`).join(', ')})`;
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
	phone_number_id: string;
	recipient: string;
	kind: OutboundKind;
	template_name: string | null;
	template_language: string | null;
	category: string | null;
	body_text: string | null;
	sent_at: number;
}

interface StatusRow {
	status: string;
	status_at: number;
	error_code: number | null;
	error_title: string | null;
}

export async function getOutbound(db: Db, wamid: string): Promise<OutboundRecord | null> {
	const [message] = await db.session.query<MessageRow>(
		`SELECT ${MESSAGE_COLUMNS}
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
		sentAt: new Date(message.sent_at),
		status: statuses.length > 0 ? statuses[statuses.length - 1].status : null,
		statuses,
	};
}
