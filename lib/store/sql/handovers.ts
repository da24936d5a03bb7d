/**
 * Contacts handed over to a person: while a handover is active, keyword and fallback routes do
 * not receive the contact's messages (lib/core/routing.ts). One row per contact, keyed by the
 * contact row, so erasure and retention delete it with the contact.
 */
import type { HandoverRecord } from '../types';
import type { ContactKeys } from '../validate';
import { ensureContact, findContact } from './contacts';
import type { Db } from './schema';

export interface NewHandover {
	account: string;
	keys: ContactKeys;
	until: number | null;
	reason: string | null;
	by: string | null;
	at: number;
}

interface HandoverRow {
	since: number;
	until_at: number | null;
	reason: string | null;
	started_by: string | null;
}

function handoverOf(row: HandoverRow, at: number): HandoverRecord {
	const until = row.until_at === null ? null : Number(row.until_at);
	return {
		since: new Date(Number(row.since)),
		until: until === null ? null : new Date(until),
		reason: row.reason,
		by: row.started_by,
		active: until === null || until > at,
	};
}

/** In a transaction (it may create the contact). */
export async function startHandover(db: Db, handover: NewHandover): Promise<HandoverRecord> {
	const contact = await ensureContact(db, handover.account, handover.keys, handover.at);
	const [row] = await db.session.query<HandoverRow>(
		`INSERT INTO ${db.tables.handovers} (contact_id, since, until_at, reason, started_by)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (contact_id) DO UPDATE SET since = excluded.since, until_at = excluded.until_at,
			reason = excluded.reason, started_by = excluded.started_by
		RETURNING since, until_at, reason, started_by`,
		[contact.id, handover.at, handover.until, handover.reason, handover.by],
	);
	return handoverOf(row, handover.at);
}

export async function endHandover(db: Db, account: string, keys: ContactKeys): Promise<boolean> {
	const contact = await findContact(db, account, keys);
	if (!contact) return false;
	const ended = await db.session.execute(
		`DELETE FROM ${db.tables.handovers} WHERE contact_id = $1`,
		[contact.id],
	);
	return ended === 1;
}

export async function getHandover(
	db: Db,
	account: string,
	keys: ContactKeys,
	at: number,
): Promise<HandoverRecord | null> {
	const contact = await findContact(db, account, keys);
	if (!contact) return null;
	const [row] = await db.session.query<HandoverRow>(
		`SELECT since, until_at, reason, started_by FROM ${db.tables.handovers} WHERE contact_id = $1`,
		[contact.id],
	);
	return row ? handoverOf(row, at) : null;
}
