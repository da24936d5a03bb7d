import { createHmac, createSecretKey, hash, randomUUID, type KeyObject } from 'node:crypto';

import type { SuppressionKey } from '../suppressionKey';

import type { ConsentSource, ConsentStatus, ContactRecord } from '../types';
import type { ContactKeys } from '../validate';
import { newestMark, type ConsentMark } from './consentOrder';
import type { Db } from './schema';

/**
 * Contact identity. A contact belongs to one account and is known by its wa_id, its
 * business-scoped user id, or both; every other table refers to the contact's row id, so a
 * lookup by either identifier reaches the same consent, windows and waits.
 */

export interface ContactRow {
	id: string;
	account: string;
	wa_id: string | null;
	user_id: string | null;
	profile_name: string | null;
	created_at: number;
	last_seen_at: number | null;
	consent_status: ConsentStatus | null;
	consent_source: ConsentSource | null;
	consent_event_at: number | null;
}

const CONTACT_COLUMNS =
	'id, account, wa_id, user_id, profile_name, created_at, last_seen_at, consent_status, consent_source, consent_event_at';

type ConsentColumns = Pick<ContactRow, 'consent_status' | 'consent_source' | 'consent_event_at'>;
type IdentityColumns = Pick<ContactRow, 'wa_id' | 'user_id'>;

export function consentMarkOf(row: ConsentColumns | undefined): ConsentMark | null {
	if (!row || row.consent_status === null || row.consent_event_at === null) return null;
	return { status: row.consent_status, source: row.consent_source, eventAt: row.consent_event_at };
}

export function contactRecordOf(row: ContactRow): ContactRecord {
	return {
		account: row.account,
		waId: row.wa_id,
		userId: row.user_id,
		profileName: row.profile_name,
		createdAt: new Date(row.created_at),
		lastSeenAt: row.last_seen_at === null ? null : new Date(row.last_seen_at),
	};
}

/**
 * What an erasure keeps: a hash per identifier, so a returning contact is still recognised.
 * HMAC-SHA256 with the account's suppression key over the identifier's SHA-256 (hashing the
 * SHA-256 lets migration 4 re-key records written before the key existed). Without a key (a
 * store opened without a credential: tools, tests) the plain SHA-256, re-keyed once a key comes.
 */
export function identityHashes(db: Db, account: string, keys: ContactKeys): string[] {
	const key = db.suppressionKeyOf(account);
	return plainIdentityHashes(keys).map((plain) => (key ? keyedHash(key, plain) : plain));
}

function plainIdentityHashes(keys: ContactKeys): string[] {
	const hashes: string[] = [];
	if (keys.waId) hashes.push(hash('sha256', `wa:${keys.waId}`, 'hex'));
	if (keys.userId) hashes.push(hash('sha256', `user:${keys.userId}`, 'hex'));
	return hashes;
}

export function keyedHash(key: SuppressionKey, plainHash: string): string {
	return createHmac('sha256', hmacKeyOf(key)).update(plainHash).digest('hex');
}

/** Node imports a Buffer key anew on every createHmac (about 10 µs); a KeyObject once per key. */
const hmacKeys = new WeakMap<SuppressionKey, KeyObject>();

function hmacKeyOf(key: SuppressionKey): KeyObject {
	let keyObject = hmacKeys.get(key);
	if (keyObject === undefined) {
		keyObject = createSecretKey(key.key);
		hmacKeys.set(key, keyObject);
	}
	return keyObject;
}

export function keysOf(row: ContactRow): ContactKeys {
	return { waId: row.wa_id, userId: row.user_id };
}

/**
 * The row a reference means among rows matching either identifier. A row found by wa_id that
 * carries a different user id belongs to someone else: Meta reassigns phone numbers.
 */
export function pickContact<R extends IdentityColumns>(
	rows: readonly R[],
	keys: ContactKeys,
): R | undefined {
	const byUser = keys.userId ? rows.find((row) => row.user_id === keys.userId) : undefined;
	if (byUser) return byUser;
	const byWa = keys.waId ? rows.find((row) => row.wa_id === keys.waId) : undefined;
	if (byWa && keys.userId && byWa.user_id !== null) return undefined;
	return byWa;
}

export async function findContactRows(
	db: Db,
	account: string,
	keys: ContactKeys,
	lock = false,
): Promise<ContactRow[]> {
	return await db.session.query<ContactRow>(
		`SELECT ${CONTACT_COLUMNS} FROM ${db.tables.contacts}
		WHERE account = $1 AND (wa_id = $2 OR user_id = $3) ORDER BY id${lock ? db.dialect.forUpdate : ''}`,
		[account, keys.waId, keys.userId],
	);
}

export async function findContact(
	db: Db,
	account: string,
	keys: ContactKeys,
): Promise<ContactRow | undefined> {
	return pickContact(await findContactRows(db, account, keys), keys);
}

/** The newest suppression kept for any of these identity hashes (what survives an erasure). */
export async function suppressionOf(
	db: Db,
	account: string,
	hashes: readonly string[],
): Promise<ConsentMark | null> {
	if (hashes.length === 0) return null;
	const rows = await db.session.query<{
		status: ConsentStatus;
		source: ConsentSource | null;
		event_at: number;
	}>(
		`SELECT status, source, event_at FROM ${db.tables.consent_suppressions}
		WHERE account = $1 AND ${db.dialect.inList('identity_hash', '$2')}`,
		[account, db.dialect.listParam(hashes)],
	);
	return newestMark(
		rows.map((row) => ({ status: row.status, source: row.source, eventAt: row.event_at })),
	);
}

/**
 * Finds or creates the contact and links any identifier it did not have yet (merging two rows
 * when the reference proves they are one person). Must run inside a transaction: the rows stay
 * locked until it ends.
 */
export async function ensureContact(
	db: Db,
	account: string,
	keys: ContactKeys,
	now: number,
): Promise<ContactRow> {
	for (let attempt = 1; attempt <= 3; attempt++) {
		const rows = await findContactRows(db, account, keys, true);
		let byWa = keys.waId ? rows.find((row) => row.wa_id === keys.waId) : undefined;
		const byUser = keys.userId ? rows.find((row) => row.user_id === keys.userId) : undefined;
		if (byWa && keys.userId && byWa.user_id !== null && byWa.user_id !== keys.userId) {
			// The number now belongs to another person: the old row keeps its user id, loses the number.
			await db.session.execute(`UPDATE ${db.tables.contacts} SET wa_id = NULL WHERE id = $1`, [
				byWa.id,
			]);
			byWa = undefined;
		}
		let target = byUser ?? byWa;
		if (byWa && byUser && byWa.id !== byUser.id) {
			// Known separately until now; the user id is the stabler identity, so that row survives.
			target = await mergeContact(db, byWa, byUser);
		}
		if (target) return await linkIdentifiers(db, target, keys);
		const created = await insertContact(db, account, keys, now);
		if (created) return created;
		// Another transaction created this contact between our read and insert: read again.
	}
	throw new Error('Could not create the contact: it kept changing concurrently. Try again.');
}

async function insertContact(
	db: Db,
	account: string,
	keys: ContactKeys,
	now: number,
): Promise<ContactRow | undefined> {
	// A contact erased while opted out comes back opted out.
	const suppression = await suppressionOf(db, account, identityHashes(db, account, keys));
	const rows = await db.session.query<ContactRow>(
		`INSERT INTO ${db.tables.contacts}
			(id, account, wa_id, user_id, created_at, consent_status, consent_source, consent_event_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT DO NOTHING
		RETURNING ${CONTACT_COLUMNS}`,
		[
			randomUUID(),
			account,
			keys.waId,
			keys.userId,
			now,
			suppression?.status ?? null,
			suppression?.source ?? null,
			suppression?.eventAt ?? null,
		],
	);
	return rows[0];
}

async function linkIdentifiers(db: Db, row: ContactRow, keys: ContactKeys): Promise<ContactRow> {
	const newKeys: ContactKeys = {
		waId: keys.waId && keys.waId !== row.wa_id ? keys.waId : null,
		userId: keys.userId && keys.userId !== row.user_id ? keys.userId : null,
	};
	if (!newKeys.waId && !newKeys.userId) return row;
	const current = consentMarkOf(row);
	const mark = newestMark([
		current,
		await suppressionOf(db, row.account, identityHashes(db, row.account, newKeys)),
	]);
	const rows = await db.session.query<ContactRow>(
		`UPDATE ${db.tables.contacts}
		SET wa_id = COALESCE($2, wa_id), user_id = COALESCE($3, user_id),
			consent_status = $4, consent_source = $5, consent_event_at = $6
		WHERE id = $1
		RETURNING ${CONTACT_COLUMNS}`,
		[
			row.id,
			newKeys.waId,
			newKeys.userId,
			mark?.status ?? null,
			mark?.source ?? null,
			mark?.eventAt ?? null,
		],
	);
	return rows[0];
}

/** Moves everything of `from` onto `into`, keeping the newer consent and the later window. */
async function mergeContact(db: Db, from: ContactRow, into: ContactRow): Promise<ContactRow> {
	const t = db.tables;
	const move = (sql: string) => db.session.execute(sql, [from.id, into.id]);
	const remove = (sql: string) => db.session.execute(sql, [from.id]);
	await move(`UPDATE ${t.consent_history} SET contact_id = $2 WHERE contact_id = $1`);
	await move(`UPDATE ${t.waits} SET contact_id = $2 WHERE contact_id = $1`);
	const laterWins = (column: string) =>
		`${column} = CASE WHEN excluded.last_inbound_at > conversation_windows.last_inbound_at THEN excluded.${column} ELSE conversation_windows.${column} END`;
	await move(
		`INSERT INTO ${t.conversation_windows}
			(contact_id, phone_number_id, first_inbound_at, last_inbound_at, previous_inbound_at, conversation_id, conversation_started_at, reengagement_failed_at)
		SELECT CAST($2 AS TEXT), phone_number_id, first_inbound_at, last_inbound_at, previous_inbound_at, conversation_id, conversation_started_at, reengagement_failed_at
		FROM ${t.conversation_windows} WHERE contact_id = $1
		ON CONFLICT (contact_id, phone_number_id) DO UPDATE SET
			first_inbound_at = CASE WHEN excluded.first_inbound_at < conversation_windows.first_inbound_at
				THEN excluded.first_inbound_at ELSE conversation_windows.first_inbound_at END,
			${laterWins('previous_inbound_at')},
			${laterWins('conversation_id')},
			${laterWins('conversation_started_at')},
			${laterWins('last_inbound_at')},
			reengagement_failed_at = CASE WHEN conversation_windows.reengagement_failed_at IS NULL
				OR excluded.reengagement_failed_at > conversation_windows.reengagement_failed_at
				THEN COALESCE(excluded.reengagement_failed_at, conversation_windows.reengagement_failed_at)
				ELSE conversation_windows.reengagement_failed_at END`,
	);
	await remove(`DELETE FROM ${t.conversation_windows} WHERE contact_id = $1`);
	// The same person's follow-ups in a sequence: the higher count stays, so a cap still holds.
	await move(
		`INSERT INTO ${t.follow_up_sequences} (contact_id, sequence, follow_ups, last_follow_up_at)
		SELECT CAST($2 AS TEXT), sequence, follow_ups, last_follow_up_at
		FROM ${t.follow_up_sequences} WHERE contact_id = $1
		ON CONFLICT (contact_id, sequence) DO UPDATE SET
			follow_ups = CASE WHEN excluded.follow_ups > follow_up_sequences.follow_ups
				THEN excluded.follow_ups ELSE follow_up_sequences.follow_ups END,
			last_follow_up_at = CASE WHEN excluded.last_follow_up_at > follow_up_sequences.last_follow_up_at
				THEN excluded.last_follow_up_at ELSE follow_up_sequences.last_follow_up_at END`,
	);
	await remove(`DELETE FROM ${t.follow_up_sequences} WHERE contact_id = $1`);
	await remove(`DELETE FROM ${t.contacts} WHERE id = $1`);
	const mark = newestMark([consentMarkOf(into), consentMarkOf(from)]);
	const rows = await db.session.query<ContactRow>(
		`UPDATE ${t.contacts}
		SET profile_name = COALESCE(profile_name, $2),
			created_at = CASE WHEN created_at < $3 THEN created_at ELSE $3 END,
			last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < $4 THEN $4 ELSE last_seen_at END,
			consent_status = $5, consent_source = $6, consent_event_at = $7
		WHERE id = $1
		RETURNING ${CONTACT_COLUMNS}`,
		[
			into.id,
			from.profile_name,
			from.created_at,
			from.last_seen_at,
			mark?.status ?? null,
			mark?.source ?? null,
			mark?.eventAt ?? null,
		],
	);
	return rows[0];
}

export async function updateProfile(
	db: Db,
	row: ContactRow,
	profileName: string | null,
	seenAt: number,
): Promise<ContactRow> {
	const rows = await db.session.query<ContactRow>(
		`UPDATE ${db.tables.contacts}
		SET profile_name = COALESCE($2, profile_name),
			last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < $3 THEN $3 ELSE last_seen_at END
		WHERE id = $1
		RETURNING ${CONTACT_COLUMNS}`,
		[row.id, profileName, seenAt],
	);
	return rows[0];
}
