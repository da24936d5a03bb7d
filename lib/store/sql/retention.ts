import type { RetentionWork } from '../types';
import type { AccountRetention } from '../retention';
import { isSuppressing } from './consentOrder';
import { consentMarkOf, identityHashes, type ContactRow } from './contacts';
import { keepSuppression } from './erase';
import type { Db } from './schema';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows per statement: each batch is short, so webhooks keep flowing between batches. */
export const RETENTION_BATCH = 1000;
/** Contacts per transaction: each also writes suppression records and deletes its history. */
export const CONTACT_BATCH = 200;

/** Runs one batch at a time (each on its own, or in its own short transaction). */
export type BatchRunner = <T>(fn: (db: Db) => Promise<T>, atomic?: boolean) => Promise<T>;

/**
 * Deletes one account's rows past its retention, batch by batch, never in one long transaction.
 * Rows not scoped by account (outbound log, AI history) are pruned with this account's settings
 * too: every account's run does it, so across accounts the shortest setting wins.
 */
export async function applyRetention(
	run: BatchRunner,
	retention: AccountRetention,
	now: number,
): Promise<RetentionWork> {
	const cutoff = (days: number | null) => (days === null ? null : now - days * DAY_MS);
	const outboundCutoff = cutoff(retention.outboundDays);
	const windowCutoff = cutoff(retention.windowDays);
	const contactCutoff = cutoff(retention.contactDays);
	const aiCutoff = cutoff(retention.aiHistoryDays);
	const work: RetentionWork = {
		deletedOutboundMessages: 0,
		deletedOutboundStatuses: 0,
		deletedWindows: 0,
		deletedContacts: 0,
		suppressedContacts: 0,
		deletedAiMessages: 0,
	};
	if (outboundCutoff !== null) {
		work.deletedOutboundMessages = await inBatches(RETENTION_BATCH, (limit) =>
			run((db) => deleteOutboundMessages(db, outboundCutoff, limit)),
		);
		// A status comes after its send, so statuses older than the cutoff belong to messages
		// sent before it; also removes statuses of messages never logged here.
		work.deletedOutboundStatuses = await inBatches(RETENTION_BATCH, (limit) =>
			run((db) => deleteOutboundStatuses(db, outboundCutoff, limit)),
		);
	}
	if (windowCutoff !== null) {
		work.deletedWindows = await inBatches(RETENTION_BATCH, (limit) =>
			run((db) => deleteWindows(db, retention.account, windowCutoff, limit)),
		);
	}
	if (contactCutoff !== null) {
		for (;;) {
			const batch = await run(
				(db) => deleteInactiveContacts(db, retention.account, contactCutoff, now, CONTACT_BATCH),
				true,
			);
			work.deletedContacts += batch.deleted;
			work.suppressedContacts += batch.suppressed;
			if (batch.deleted < CONTACT_BATCH) break;
		}
	}
	if (aiCutoff !== null) {
		work.deletedAiMessages = await inBatches(RETENTION_BATCH, (limit) =>
			run((db) => deleteAiMessages(db, aiCutoff, limit)),
		);
		await inBatches(RETENTION_BATCH, (limit) =>
			run((db) => deleteEmptyAiConversations(db, aiCutoff, limit)),
		);
	}
	return work;
}

/** Repeats a bounded delete until a batch comes back short; returns the rows deleted. */
async function inBatches(limit: number, batch: (limit: number) => Promise<number>) {
	let total = 0;
	for (;;) {
		const deleted = await batch(limit);
		total += deleted;
		if (deleted < limit) return total;
	}
}

async function deleteOutboundMessages(db: Db, cutoff: number, limit: number): Promise<number> {
	const t = db.tables.outbound_messages;
	return await db.session.execute(
		`DELETE FROM ${t} WHERE wamid IN (SELECT wamid FROM ${t} WHERE sent_at < $1 LIMIT $2)`,
		[cutoff, limit],
	);
}

async function deleteOutboundStatuses(db: Db, cutoff: number, limit: number): Promise<number> {
	const t = db.tables.outbound_statuses;
	return await db.session.execute(
		`DELETE FROM ${t} WHERE wamid IN (SELECT wamid FROM ${t} WHERE status_at < $1 LIMIT $2)`,
		[cutoff, limit],
	);
}

/** Whole rows by age only, so columns other versions add to the table never matter here. */
async function deleteWindows(
	db: Db,
	account: string,
	cutoff: number,
	limit: number,
): Promise<number> {
	const t = db.tables;
	return await db.session.execute(
		`DELETE FROM ${t.conversation_windows} WHERE (contact_id, phone_number_id) IN (
			SELECT w.contact_id, w.phone_number_id FROM ${t.conversation_windows} w
			JOIN ${t.contacts} c ON c.id = w.contact_id
			WHERE c.account = $1 AND w.last_inbound_at < $2 LIMIT $3
		)`,
		[account, cutoff, limit],
	);
}

type DeletedContact = Pick<
	ContactRow,
	'id' | 'wa_id' | 'user_id' | 'consent_status' | 'consent_source' | 'consent_event_at'
>;

/**
 * Deletes up to `limit` contacts of the account with no activity since the cutoff: created,
 * seen (inbound), consent changed or recorded (an Import of old proof is recorded now, and is
 * kept for the whole retention), window touched and messaged (outbound log) all before it,
 * and no wait whose hand-off can still happen. Their consent history, windows and resolved
 * waits, handovers and follow-up counts go with them. An opted-out or blocked contact leaves a suppression record (the keyed
 * hash erasure keeps), so the opt-out is honoured when they write again. In a transaction.
 */
async function deleteInactiveContacts(
	db: Db,
	account: string,
	cutoff: number,
	now: number,
	limit: number,
): Promise<{ deleted: number; suppressed: number }> {
	const t = db.tables;
	const rows = await db.session.query<DeletedContact>(
		`DELETE FROM ${t.contacts} WHERE id IN (
			SELECT c.id FROM ${t.contacts} c
			WHERE c.account = $1 AND c.created_at < $2
				AND (c.last_seen_at IS NULL OR c.last_seen_at < $2)
				AND (c.consent_event_at IS NULL OR c.consent_event_at < $2)
				AND NOT EXISTS (SELECT 1 FROM ${t.consent_history} h WHERE h.contact_id = c.id
					AND h.recorded_at >= $2)
				AND NOT EXISTS (SELECT 1 FROM ${t.waits} w WHERE w.contact_id = c.id
					AND (w.status = 'waiting' OR w.resume_url IS NOT NULL))
				AND NOT EXISTS (SELECT 1 FROM ${t.conversation_windows} cw WHERE cw.contact_id = c.id
					AND cw.last_inbound_at >= $2)
				AND NOT EXISTS (SELECT 1 FROM ${t.outbound_messages} o
					WHERE o.recipient IN (c.wa_id, c.user_id) AND o.sent_at >= $2)
			LIMIT $3
		)
		RETURNING id, wa_id, user_id, consent_status, consent_source, consent_event_at`,
		[account, cutoff, limit],
	);
	if (rows.length === 0) return { deleted: 0, suppressed: 0 };
	const ids = db.dialect.listParam(rows.map((row) => row.id));
	for (const table of [
		t.consent_history,
		t.conversation_windows,
		t.waits,
		t.handovers,
		t.follow_up_sequences,
	]) {
		await db.session.execute(
			`DELETE FROM ${table} WHERE ${db.dialect.inList('contact_id', '$1')}`,
			[ids],
		);
	}
	let suppressed = 0;
	for (const row of rows) {
		const mark = consentMarkOf(row);
		if (!mark || !isSuppressing(mark.status)) continue;
		for (const hash of identityHashes(db, account, { waId: row.wa_id, userId: row.user_id })) {
			await keepSuppression(db, account, hash, mark, now);
		}
		suppressed++;
	}
	return { deleted: rows.length, suppressed };
}

async function deleteAiMessages(db: Db, cutoff: number, limit: number): Promise<number> {
	const t = db.tables.ai_messages;
	return await db.session.execute(
		`DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE at < $1 LIMIT $2)`,
		[cutoff, limit],
	);
}

/** A customer writing after their history expired starts a new conversation. */
async function deleteEmptyAiConversations(db: Db, cutoff: number, limit: number): Promise<number> {
	const t = db.tables;
	return await db.session.execute(
		`DELETE FROM ${t.ai_conversations} WHERE conversation_id IN (
			SELECT c.conversation_id FROM ${t.ai_conversations} c WHERE c.started_at < $1
				AND NOT EXISTS (SELECT 1 FROM ${t.ai_messages} m WHERE m.conversation_id = c.conversation_id)
			LIMIT $2
		)`,
		[cutoff, limit],
	);
}
