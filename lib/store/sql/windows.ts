import { randomUUID } from 'node:crypto';

import { closedByMetaAt, WINDOW_MS } from '../../core/window';
import type { TouchWindowResult, WindowState } from '../types';
import type { ContactKeys } from '../validate';
import { ensureContact, findContact, pickContact } from './contacts';
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
	return await touchContactWindow(db, contact.id, touch.phoneNumberId, touch.inboundAt);
}

/** touchWindow for a contact already resolved (and locked) in this transaction. */
export async function touchContactWindow(
	db: Db,
	contactId: string,
	phoneNumberId: string,
	inboundAt: number,
): Promise<TouchWindowResult> {
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
		[contactId, phoneNumberId, inboundAt, proposedConversationId, WINDOW_MS],
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
	const [row] = await db.session.query<WindowStateRow>(
		`SELECT ${WINDOW_COLUMNS}, reengagement_failed_at FROM ${db.tables.conversation_windows}
		WHERE contact_id = $1 AND phone_number_id = $2`,
		[contact.id, phoneNumberId],
	);
	return row ? windowStateOf(row) : null;
}

type WindowStateRow = WindowRow & { reengagement_failed_at: number | null };

function windowStateOf(row: WindowStateRow): WindowState {
	const lastInboundAt = new Date(Number(row.last_inbound_at));
	const failedAt = row.reengagement_failed_at;
	return {
		conversationId: row.conversation_id,
		conversationStartedAt: new Date(Number(row.conversation_started_at)),
		firstInboundAt: new Date(Number(row.first_inbound_at)),
		lastInboundAt,
		expiresAt: new Date(Number(row.last_inbound_at) + WINDOW_MS),
		closedByMetaAt: closedByMetaAt(
			lastInboundAt,
			failedAt === null ? null : new Date(Number(failedAt)),
		),
	};
}

export interface WindowLookup {
	phoneNumberId: string;
	keys: ContactKeys;
}

/** Above this many lookups a batch is split into several queries of this size. */
const WINDOW_BATCH_SIZE = 10_000;

/** getWindow for many (number, contact) pairs: one query per WINDOW_BATCH_SIZE of them. */
export async function getWindowMany(
	db: Db,
	account: string,
	lookups: readonly WindowLookup[],
): Promise<Array<WindowState | null>> {
	const states: Array<WindowState | null> = [];
	for (let start = 0; start < lookups.length; start += WINDOW_BATCH_SIZE) {
		states.push(
			...(await getWindowBatch(db, account, lookups.slice(start, start + WINDOW_BATCH_SIZE))),
		);
	}
	return states;
}

type WindowLookupRow = Partial<WindowStateRow> & {
	contact_id: string;
	wa_id: string | null;
	user_id: string | null;
	phone_number_id: string | null;
};

async function getWindowBatch(
	db: Db,
	account: string,
	lookups: readonly WindowLookup[],
): Promise<Array<WindowState | null>> {
	const { tables: t, dialect: d } = db;
	const unique = (values: Array<string | null>) =>
		d.listParam([...new Set(values.filter((value): value is string => value !== null))]);
	// Every contact row carrying a wanted identifier, with its window on a wanted number if it has
	// one: pickContact needs the rows without a window too, to tell whose contact a reference is.
	// One branch per identifier, so each uses its own unique index.
	const branch = (column: 'wa_id' | 'user_id', param: string) =>
		`SELECT c.id AS contact_id, c.wa_id, c.user_id, w.phone_number_id,
			w.first_inbound_at, w.last_inbound_at, w.previous_inbound_at, w.conversation_id,
			w.conversation_started_at, w.reengagement_failed_at
		FROM ${t.contacts} c
		LEFT JOIN ${t.conversation_windows} w
			ON w.contact_id = c.id AND ${d.inList('w.phone_number_id', '$4')}
		WHERE c.account = $1 AND ${d.inList(`c.${column}`, param)}`;
	const rows = await db.session.query<WindowLookupRow>(
		`${branch('wa_id', '$2')} UNION ALL ${branch('user_id', '$3')}`,
		[
			account,
			unique(lookups.map((lookup) => lookup.keys.waId)),
			unique(lookups.map((lookup) => lookup.keys.userId)),
			unique(lookups.map((lookup) => lookup.phoneNumberId)),
		],
	);
	const contactsByWa = new Map<string, WindowLookupRow>();
	const contactsByUser = new Map<string, WindowLookupRow>();
	const windowsByContact = new Map<string, WindowStateRow>();
	for (const row of rows) {
		const contactId = String(row.contact_id);
		if (row.wa_id) contactsByWa.set(row.wa_id, row);
		if (row.user_id) contactsByUser.set(row.user_id, row);
		if (row.phone_number_id !== null) {
			windowsByContact.set(`${contactId}|${row.phone_number_id}`, row as WindowStateRow);
		}
	}
	return lookups.map(({ phoneNumberId, keys }) => {
		const candidates = [
			keys.waId ? contactsByWa.get(keys.waId) : undefined,
			keys.userId ? contactsByUser.get(keys.userId) : undefined,
		].filter((row): row is WindowLookupRow => row !== undefined);
		const contact = pickContact(candidates, keys);
		const row = contact && windowsByContact.get(`${String(contact.contact_id)}|${phoneNumberId}`);
		return row ? windowStateOf(row) : null;
	});
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
