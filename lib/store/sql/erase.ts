import type { EraseSummary } from '../types';
import type { ContactKeys } from '../validate';
import { isSuppressing, newestMark, type ConsentMark } from './consentOrder';
import {
	consentMarkOf,
	findContactRows,
	identityHashes,
	keysOf,
	suppressionOf,
	type ContactRow,
} from './contacts';
import { eraseForwardedByPrefix, erasePendingForwardsOf } from './forwards';
import type { Db } from './schema';

/** What to erase besides the contact's own identifiers. */
export interface EraseRequest {
	account: string;
	keys: ContactKeys;
	/** Other customer identifiers (e-mail, CRM id) the AI Reply node may keep history under. */
	aiCustomers: readonly string[];
	now: number;
}

/**
 * Deletes everything the store holds about one person of an account: every contact row carrying
 * any of the given identifiers (a wa_id and a user id may still sit on two rows, when no webhook
 * linked them yet), with its consent history, windows and waits; the outbound log and its
 * statuses; dedup keys that embed an identifier; the AI history under the identifiers and the
 * extra AI customers. An identifier whose newest consent was opted out or blocked stays as a
 * keyed hash with that status, so the person is still suppressed when they write again. The
 * outbound log and AI history are not scoped by account: they are deleted for every account of
 * this store. In a transaction.
 */
export async function eraseContact(db: Db, request: EraseRequest): Promise<EraseSummary> {
	const { account, keys, now } = request;
	const t = db.tables;
	const rows = await findContactRows(db, account, keys, true);
	const identities = unique(
		[keys, ...rows.map(keysOf)].flatMap((each) => identifiersOf(db, account, each)),
	);
	const suppressions = await suppressionsToKeep(db, account, identities, rows);
	const hashes = identities.flatMap((identity) => identity.hashes);
	await db.session.execute(
		`DELETE FROM ${t.consent_suppressions} WHERE account = $1 AND ${db.dialect.inList('identity_hash', '$2')}`,
		[account, db.dialect.listParam(hashes)],
	);
	for (const { hash, mark } of suppressions) {
		await keepSuppression(db, account, hash, mark, now);
	}
	const contactIds = db.dialect.listParam(rows.map((row) => row.id));
	const byContact = async (table: string) =>
		rows.length === 0
			? 0
			: await db.session.execute(
					`DELETE FROM ${table} WHERE ${db.dialect.inList('contact_id', '$1')}`,
					[contactIds],
				);
	// Not in the summary's counts (its shape is pinned by the contract tests): a handover row
	// holds nothing but times and the operator's note, a sequence's count nothing but a number and
	// a time, and both go with their contact; a routed event
	// still waiting for its forwards goes with its message (the redelivery then forwards nothing).
	await byContact(t.handovers);
	await byContact(t.follow_up_sequences);
	const recipients = identities.map((identity) => identity.id);
	await erasePendingForwardsOf(db, recipients);
	const outbound = await eraseOutbound(db, recipients);
	const ai = await eraseAiHistory(db, unique([...recipients, ...request.aiCustomers]));
	const deleted: EraseSummary['deleted'] = {
		consentHistory: await byContact(t.consent_history),
		windows: await byContact(t.conversation_windows),
		waits: await byContact(t.waits),
		contacts:
			rows.length === 0
				? 0
				: await db.session.execute(
						`DELETE FROM ${t.contacts} WHERE ${db.dialect.inList('id', '$1')}`,
						[contactIds],
					),
		outboundMessages: outbound.messages,
		outboundStatuses: outbound.statuses,
		aiConversations: ai.conversations,
		aiMessages: ai.messages,
		dedupKeys: await eraseDedupKeys(db, recipients),
	};
	return {
		contactFound: rows.length > 0,
		contactsFound: rows.length,
		suppressedAs: mostRestrictive(suppressions.map(({ mark }) => mark.status)),
		deleted,
	};
}

/**
 * Writes the suppression record of one identity hash (keyed when the account's key is
 * registered); an existing record keeps its status unless this event is newer.
 */
export async function keepSuppression(
	db: Db,
	account: string,
	hash: string,
	mark: ConsentMark,
	now: number,
): Promise<void> {
	const key = db.suppressionKeyOf(account);
	await db.session.execute(
		`INSERT INTO ${db.tables.consent_suppressions}
			(account, identity_hash, status, source, event_at, recorded_at, key_version, key_fingerprint)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (account, identity_hash) DO UPDATE SET
			status = excluded.status, source = excluded.source, event_at = excluded.event_at,
			recorded_at = excluded.recorded_at
		WHERE excluded.event_at > consent_suppressions.event_at`,
		[
			account,
			hash,
			mark.status,
			mark.source,
			mark.eventAt,
			now,
			key ? 1 : 0,
			key?.fingerprint ?? null,
		],
	);
}

interface Identity {
	/** As stored in contacts, the outbound log and AI history: wa_id digits or the user id. */
	id: string;
	hashes: string[];
	keys: ContactKeys;
}

function identifiersOf(db: Db, account: string, keys: ContactKeys): Identity[] {
	const identities: Identity[] = [];
	if (keys.waId) {
		const only = { waId: keys.waId, userId: null };
		identities.push({ id: keys.waId, hashes: identityHashes(db, account, only), keys: only });
	}
	if (keys.userId) {
		const only = { waId: null, userId: keys.userId };
		identities.push({ id: keys.userId, hashes: identityHashes(db, account, only), keys: only });
	}
	return identities;
}

/**
 * Per identifier, the newest consent known for it: the marks of the rows carrying it, or, when no
 * row carries it, its existing suppression. Kept only when it suppresses. A row's mark already
 * includes any suppression of its identifiers (contacts.ts merges them when a row gains one).
 */
async function suppressionsToKeep(
	db: Db,
	account: string,
	identities: readonly Identity[],
	rows: readonly ContactRow[],
): Promise<Array<{ hash: string; mark: ConsentMark }>> {
	const kept: Array<{ hash: string; mark: ConsentMark }> = [];
	for (const identity of identities) {
		const carriers = rows.filter(
			(row) =>
				(identity.keys.waId !== null && row.wa_id === identity.keys.waId) ||
				(identity.keys.userId !== null && row.user_id === identity.keys.userId),
		);
		const mark =
			carriers.length > 0
				? newestMark(carriers.map(consentMarkOf))
				: await suppressionOf(db, account, identity.hashes);
		if (mark && isSuppressing(mark.status)) {
			for (const hash of identity.hashes) kept.push({ hash, mark });
		}
	}
	return kept;
}

function mostRestrictive(
	statuses: ReadonlyArray<ConsentMark['status']>,
): EraseSummary['suppressedAs'] {
	if (statuses.includes('blocked')) return 'blocked';
	return statuses.length > 0 ? 'opted_out' : null;
}

function unique<T>(values: readonly T[]): T[] {
	const seen = new Set<string>();
	return values.filter((value) => {
		const key = JSON.stringify(value);
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

async function eraseOutbound(
	db: Db,
	recipients: string[],
): Promise<{ messages: number; statuses: number }> {
	const t = db.tables;
	const list = db.dialect.listParam(recipients);
	const statuses = await db.session.execute(
		`DELETE FROM ${t.outbound_statuses} WHERE wamid IN (
			SELECT wamid FROM ${t.outbound_messages} WHERE ${db.dialect.inList('recipient', '$1')}
		)`,
		[list],
	);
	const messages = await db.session.execute(
		`DELETE FROM ${t.outbound_messages} WHERE ${db.dialect.inList('recipient', '$1')}`,
		[list],
	);
	return { messages, statuses };
}

async function eraseAiHistory(
	db: Db,
	customers: string[],
): Promise<{ messages: number; conversations: number }> {
	const t = db.tables;
	const list = db.dialect.listParam(customers);
	const messages = await db.session.execute(
		`DELETE FROM ${t.ai_messages} WHERE conversation_id IN (
			SELECT conversation_id FROM ${t.ai_conversations} WHERE ${db.dialect.inList('customer', '$1')}
		)`,
		[list],
	);
	const conversations = await db.session.execute(
		`DELETE FROM ${t.ai_conversations} WHERE ${db.dialect.inList('customer', '$1')}`,
		[list],
	);
	return { messages, conversations };
}

/**
 * Dedup keys that embed a contact id: `pref:<wa_id or user id>:…` (see eventDedupKey). Message
 * and status keys hold only wamids. Compared by prefix, not LIKE: an id may not be a pattern.
 */
async function eraseDedupKeys(db: Db, ids: string[]): Promise<number> {
	let deleted = 0;
	for (const id of ids) {
		const prefix = `pref:${id}:`;
		deleted += await db.session.execute(
			`DELETE FROM ${db.tables.seen_events} WHERE substr(event_key, 1, ${prefix.length}) = $1`,
			[prefix],
		);
		deleted += await eraseForwardedByPrefix(db, prefix);
	}
	return deleted;
}
