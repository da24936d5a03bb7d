import type {
	ConsentEvidence,
	ConsentHistoryEntry,
	ConsentSource,
	ConsentState,
	ConsentStatus,
	RecordConsentResult,
} from '../types';
import type { ContactKeys } from '../validate';
import { newestMark, stateOf, supersedes, type ConsentMark } from './consentOrder';
import { consentMarkOf, ensureContact, findContact, identityHashes, pickContact } from './contacts';
import type { Db } from './schema';

export interface ConsentChange {
	account: string;
	keys: ContactKeys;
	status: ConsentStatus;
	source: ConsentSource;
	evidenceJson: string | null;
	eventAt: number;
	recordedAt: number;
}

/** Appends the event to the history and applies it unless a newer one already did. In a transaction. */
export async function recordConsent(db: Db, change: ConsentChange): Promise<RecordConsentResult> {
	const contact = await ensureContact(db, change.account, change.keys, change.recordedAt);
	const current = consentMarkOf(contact);
	const candidate: ConsentMark = {
		status: change.status,
		source: change.source,
		eventAt: change.eventAt,
	};
	const applied = supersedes(candidate, current);
	if (applied) {
		await db.session.execute(
			`UPDATE ${db.tables.contacts}
			SET consent_status = $2, consent_source = $3, consent_event_at = $4 WHERE id = $1`,
			[contact.id, change.status, change.source, change.eventAt],
		);
	}
	await db.session.execute(
		`INSERT INTO ${db.tables.consent_history}
			(contact_id, previous_status, new_status, source, evidence, event_at, recorded_at, applied)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		[
			contact.id,
			current?.status ?? 'unknown',
			change.status,
			change.source,
			change.evidenceJson,
			change.eventAt,
			change.recordedAt,
			applied ? 1 : 0,
		],
	);
	return { applied, current: stateOf(applied ? candidate : current) };
}

/** Above this many contacts a lookup is split into several queries of this size. */
export const CONSENT_BATCH_SIZE = 10_000;

interface ConsentLookupRow {
	kind: 'contact' | 'suppression';
	wa_id: string | null;
	user_id: string | null;
	status: ConsentStatus | null;
	source: ConsentSource | null;
	event_at: number | null;
	identity_hash: string | null;
}

/** One query per batch: the contacts by either identifier and the suppressions of erased ones. */
export async function getConsentMany(
	db: Db,
	account: string,
	keysList: readonly ContactKeys[],
): Promise<ConsentState[]> {
	const states: ConsentState[] = [];
	for (let start = 0; start < keysList.length; start += CONSENT_BATCH_SIZE) {
		states.push(
			...(await getConsentBatch(db, account, keysList.slice(start, start + CONSENT_BATCH_SIZE))),
		);
	}
	return states;
}

async function getConsentBatch(
	db: Db,
	account: string,
	keysList: readonly ContactKeys[],
): Promise<ConsentState[]> {
	const { tables: t, dialect: d } = db;
	const waIds = unique(keysList.map((keys) => keys.waId));
	const userIds = unique(keysList.map((keys) => keys.userId));
	const hashes = unique(keysList.flatMap((keys) => identityHashes(db, account, keys)));
	const contactColumns = `'contact' AS kind, wa_id, user_id, consent_status AS status,
		consent_source AS source, consent_event_at AS event_at, NULL AS identity_hash`;
	// Separate branches per identifier let each use its own unique index.
	const rows = await db.session.query<ConsentLookupRow>(
		`SELECT ${contactColumns} FROM ${t.contacts} WHERE account = $1 AND ${d.inList('wa_id', '$2')}
		UNION ALL
		SELECT ${contactColumns} FROM ${t.contacts} WHERE account = $1 AND ${d.inList('user_id', '$3')}
		UNION ALL
		SELECT 'suppression', NULL, NULL, status, source, event_at, identity_hash
		FROM ${t.consent_suppressions} WHERE account = $1 AND ${d.inList('identity_hash', '$4')}`,
		[account, d.listParam(waIds), d.listParam(userIds), d.listParam(hashes)],
	);
	const contactsByWa = new Map<string, ConsentLookupRow>();
	const contactsByUser = new Map<string, ConsentLookupRow>();
	const suppressions = new Map<string, ConsentMark | null>();
	for (const row of rows) {
		if (row.kind === 'suppression') suppressions.set(row.identity_hash as string, markOfRow(row));
		if (row.kind === 'contact' && row.wa_id) contactsByWa.set(row.wa_id, row);
		if (row.kind === 'contact' && row.user_id) contactsByUser.set(row.user_id, row);
	}
	return keysList.map((keys) => {
		const candidates = [
			keys.waId ? contactsByWa.get(keys.waId) : undefined,
			keys.userId ? contactsByUser.get(keys.userId) : undefined,
		].filter((row): row is ConsentLookupRow => row !== undefined);
		const contact = pickContact(candidates, keys);
		const suppression = () =>
			newestMark(identityHashes(db, account, keys).map((hash) => suppressions.get(hash)));
		return stateOf((contact && markOfRow(contact)) ?? suppression());
	});
}

function markOfRow(row: ConsentLookupRow): ConsentMark | null {
	if (row.status === null || row.event_at === null) return null;
	return { status: row.status, source: row.source, eventAt: row.event_at };
}

function unique(values: ReadonlyArray<string | null>): string[] {
	return [...new Set(values.filter((value): value is string => value !== null))];
}

interface HistoryRow {
	previous_status: ConsentStatus;
	new_status: ConsentStatus;
	source: ConsentSource;
	evidence: string | null;
	event_at: number;
	recorded_at: number;
	applied: number;
}

export async function getConsentHistory(
	db: Db,
	account: string,
	keys: ContactKeys,
): Promise<ConsentHistoryEntry[]> {
	const contact = await findContact(db, account, keys);
	if (!contact) return [];
	const rows = await db.session.query<HistoryRow>(
		`SELECT previous_status, new_status, source, evidence, event_at, recorded_at, applied
		FROM ${db.tables.consent_history} WHERE contact_id = $1 ORDER BY event_at, id`,
		[contact.id],
	);
	return rows.map((row) => ({
		previousStatus: row.previous_status,
		newStatus: row.new_status,
		source: row.source,
		evidence: row.evidence === null ? null : (JSON.parse(row.evidence) as ConsentEvidence),
		eventAt: new Date(row.event_at),
		recordedAt: new Date(row.recorded_at),
		applied: Number(row.applied) === 1,
	}));
}
