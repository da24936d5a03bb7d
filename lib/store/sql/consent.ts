import type {
	ConsentEvidence,
	ConsentHistoryEntry,
	ConsentSource,
	ConsentState,
	ConsentStatus,
	RecordConsentResult,
} from '../types';
import type { ContactKeys } from '../validate';
import {
	consentTransition,
	isInAppStop,
	type ConsentTransitionEvent,
} from '../../core/consentTransitions';
import { newestMark, stateOf, supersedes, type ConsentMark } from './consentOrder';
import { consentMarkOf, ensureContact, findContact, identityHashes, pickContact } from './contacts';
import type { Db } from './schema';

export interface ConsentChange {
	account: string;
	keys: ContactKeys;
	event: ConsentTransitionEvent;
	evidenceJson: string | null;
	eventAt: number;
	recordedAt: number;
}

/**
 * Appends the event to the history and applies the state machine's outcome unless a newer event
 * already decided the status. In a transaction: ensureContact locks the contact's row (FOR UPDATE on
 * PostgreSQL, the write lock on SQLite), so concurrent writers take turns and none loses an update.
 */
export async function recordConsent(db: Db, change: ConsentChange): Promise<RecordConsentResult> {
	const contact = await ensureContact(db, change.account, change.keys, change.recordedAt);
	const current = consentMarkOf(contact);
	const position = { status: current?.status ?? 'unknown', source: current?.source ?? null };
	const outcome = consentTransition(position, change.event);
	const target: Omit<ConsentMark, 'eventAt'> | null =
		outcome.kind === 'set'
			? { status: outcome.status, source: outcome.source }
			: outcome.kind === 'restore_before_in_app_stop' && current !== null
				? await consentBeforeInAppStop(db, contact.id, current)
				: null;
	const candidate: ConsentMark | null = target && { ...target, eventAt: change.eventAt };
	const applied = candidate !== null && supersedes(candidate, current);
	if (applied) {
		await db.session.execute(
			`UPDATE ${db.tables.contacts}
			SET consent_status = $2, consent_source = $3, consent_event_at = $4 WHERE id = $1`,
			[contact.id, candidate.status, candidate.source, candidate.eventAt],
		);
	}
	await db.session.execute(
		`INSERT INTO ${db.tables.consent_history}
			(contact_id, previous_status, previous_source, new_status, source, evidence, event_at, recorded_at, applied)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		[
			contact.id,
			position.status,
			position.source,
			candidate?.status ?? position.status,
			change.event.kind === 'set' ? change.event.source : 'in_app',
			change.evidenceJson,
			change.eventAt,
			change.recordedAt,
			applied ? 1 : 0,
		],
	);
	return { applied, current: stateOf(applied ? candidate : current), previous: stateOf(current) };
}

interface AppliedRow {
	previous_status: ConsentStatus;
	previous_source: ConsentSource | null;
	new_status: ConsentStatus;
	source: ConsentSource;
	event_at: number;
}

/**
 * What the contact had before the in-app stop that set `current`: the previous status and source
 * of that stop's history row, following repeated stops back to the first of the run. A stop the
 * history does not know (the contact was erased and came back suppressed) had nothing before it.
 */
async function consentBeforeInAppStop(
	db: Db,
	contactId: string,
	current: ConsentMark,
): Promise<Omit<ConsentMark, 'eventAt'>> {
	const nothingKnown = { status: 'unknown', source: null } as const;
	const rows = await db.session.query<AppliedRow>(
		`SELECT previous_status, previous_source, new_status, source, event_at
		FROM ${db.tables.consent_history}
		WHERE contact_id = $1 AND applied = 1 AND event_at <= $2
		ORDER BY event_at DESC, id DESC`,
		[contactId, current.eventAt],
	);
	const isStop = (row: AppliedRow) => isInAppStop({ status: row.new_status, source: row.source });
	let index = rows.findIndex((row) => row.event_at === current.eventAt && isStop(row));
	while (index >= 0) {
		const before = { status: rows[index].previous_status, source: rows[index].previous_source };
		if (!isInAppStop(before)) return before;
		// A stop on top of a stop: the row before it set that earlier stop.
		index = index + 1 < rows.length && isStop(rows[index + 1]) ? index + 1 : -1;
	}
	return nothingKnown;
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
