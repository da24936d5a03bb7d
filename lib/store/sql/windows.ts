import { randomUUID } from 'node:crypto';

import { closedByMetaAt, WINDOW_MS } from '../../core/window';
import type { TouchWindowResult, WindowState } from '../types';
import type { ContactKeys } from '../validate';
import { ensureContact, findContact } from './contacts';
import type { Db } from './schema';

export interface WindowTouch {
	account: string;
	phoneNumberId: string;
	keys: ContactKeys;
	inboundAt: number;
}

interface WindowRow {
	first_inbound_at: number;
	last_inbound_at: number;
	previous_inbound_at: number | null;
	conversation_id: string;
	conversation_started_at: number;
}

const WINDOW_COLUMNS =
	'first_inbound_at, last_inbound_at, previous_inbound_at, conversation_id, conversation_started_at';

/**
 * Records an inbound message in one atomic upsert, with the core's window rules
 * (startsNewConversation): a message arriving when no window is open starts a new conversation
 * id; a late-delivered older message changes nothing.
 * Must run inside a transaction (it may create the contact).
 */
export async function touchWindow(db: Db, touch: WindowTouch): Promise<TouchWindowResult> {
	const contact = await ensureContact(db, touch.account, touch.keys, touch.inboundAt);
	const proposedConversationId = randomUUID();
	// In an upsert's SET every expression sees the row as it was, so previous_inbound_at
	// keeps the last inbound time before this message.
	const startsNew = 'excluded.last_inbound_at >= conversation_windows.last_inbound_at + $5';
	const [row] = await db.session.query<WindowRow>(
		`INSERT INTO ${db.tables.conversation_windows}
			(contact_id, phone_number_id, first_inbound_at, last_inbound_at, previous_inbound_at, conversation_id, conversation_started_at)
		VALUES ($1, $2, $3, $3, NULL, $4, $3)
		ON CONFLICT (contact_id, phone_number_id) DO UPDATE SET
			previous_inbound_at = conversation_windows.last_inbound_at,
			conversation_id = CASE WHEN ${startsNew}
				THEN excluded.conversation_id ELSE conversation_windows.conversation_id END,
			conversation_started_at = CASE WHEN ${startsNew}
				THEN excluded.last_inbound_at ELSE conversation_windows.conversation_started_at END,
			last_inbound_at = CASE WHEN excluded.last_inbound_at > conversation_windows.last_inbound_at
				THEN excluded.last_inbound_at ELSE conversation_windows.last_inbound_at END
		RETURNING ${WINDOW_COLUMNS}`,
		[contact.id, touch.phoneNumberId, touch.inboundAt, proposedConversationId, WINDOW_MS],
	);
	const isFirstEver = row.previous_inbound_at === null;
	const isNewConversation = row.conversation_id === proposedConversationId;
	return {
		isFirstEver,
		wasOpen: !isNewConversation,
		isNewConversation,
		conversationId: row.conversation_id,
		conversationStartedAt: new Date(row.conversation_started_at),
		previousInboundAt: isFirstEver ? null : new Date(row.previous_inbound_at as number),
		lastInboundAt: new Date(row.last_inbound_at),
		expiresAt: new Date(row.last_inbound_at + WINDOW_MS),
	};
}

export async function getWindow(
	db: Db,
	account: string,
	phoneNumberId: string,
	keys: ContactKeys,
): Promise<WindowState | null> {
	const contact = await findContact(db, account, keys);
	if (!contact) return null;
	const [row] = await db.session.query<WindowRow & { reengagement_failed_at: number | null }>(
		`SELECT ${WINDOW_COLUMNS}, reengagement_failed_at FROM ${db.tables.conversation_windows}
		WHERE contact_id = $1 AND phone_number_id = $2`,
		[contact.id, phoneNumberId],
	);
	if (!row) return null;
	const lastInboundAt = new Date(Number(row.last_inbound_at));
	const failedAt = row.reengagement_failed_at;
	return {
		conversationId: row.conversation_id,
		conversationStartedAt: new Date(row.conversation_started_at),
		firstInboundAt: new Date(row.first_inbound_at),
		lastInboundAt,
		expiresAt: new Date(row.last_inbound_at + WINDOW_MS),
		closedByMetaAt: closedByMetaAt(
			lastInboundAt,
			failedAt === null ? null : new Date(Number(failedAt)),
		),
	};
}

/**
 * Keeps the newest 131047 report of the window in one conditional UPDATE, so it never races the
 * upsert of an inbound message: whichever commits last, the comparison with last_inbound_at on
 * reading decides. A contact without any inbound message on this number has no window to close.
 */
export async function recordWindowClosed(
	db: Db,
	account: string,
	phoneNumberId: string,
	keys: ContactKeys,
	at: number,
): Promise<boolean> {
	const contact = await findContact(db, account, keys);
	if (!contact) return false;
	const rows = await db.session.query<{ last_inbound_at: number }>(
		`UPDATE ${db.tables.conversation_windows}
		SET reengagement_failed_at = CASE
			WHEN reengagement_failed_at IS NULL OR reengagement_failed_at < $3 THEN $3
			ELSE reengagement_failed_at END
		WHERE contact_id = $1 AND phone_number_id = $2
		RETURNING last_inbound_at`,
		[contact.id, phoneNumberId, at],
	);
	return rows.length > 0 && Number(rows[0].last_inbound_at) < at;
}
