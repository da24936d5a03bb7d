import { randomUUID } from 'node:crypto';

import type {
	JsonValue,
	LiveWaitRecord,
	PendingWait,
	WaitOutcome,
	WaitRecord,
	WaitStatus,
} from '../types';
import type { ContactKeys } from '../validate';
import { ensureContact, findContact } from './contacts';
import type { Db } from './schema';

export interface NewWait {
	account: string;
	phoneNumberId: string;
	keys: ContactKeys;
	executionId: string;
	workflowId: string | null;
	resumeUrl: string;
	secret: string | null;
	deadline: number;
	matchRuleJson: string;
	createdAt: number;
	sequence: string | null;
	followUp: number | null;
}

interface WaitRow {
	id: string;
	phone_number_id: string;
	execution_id: string;
	workflow_id: string | null;
	resume_url: string | null;
	secret: string | null;
	deadline: number;
	match_rule: string;
	status: WaitStatus;
	created_at: number;
	resolved_at: number | null;
	sequence: string | null;
	follow_up: number | null;
}

const WAIT_COLUMNS =
	'id, phone_number_id, execution_id, workflow_id, resume_url, secret, deadline, match_rule, status, created_at, resolved_at, sequence, follow_up';

function waitOf(row: WaitRow): WaitRecord {
	return {
		id: row.id,
		phoneNumberId: row.phone_number_id,
		executionId: row.execution_id,
		workflowId: row.workflow_id,
		resumeUrl: row.resume_url,
		secret: row.secret,
		deadline: new Date(row.deadline),
		matchRule: JSON.parse(row.match_rule) as JsonValue,
		status: row.status,
		createdAt: new Date(row.created_at),
		resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at),
		sequence: row.sequence,
		followUp: row.follow_up === null ? null : Number(row.follow_up),
	};
}

/**
 * Rows of waits whose hand-off may still happen. Every statement that returns them matches only
 * rows with a resume URL: `waiting` rows always have one, and settling clears it.
 */
function liveWaitOf(row: WaitRow): LiveWaitRecord {
	const wait = waitOf(row);
	if (wait.resumeUrl === null) {
		throw new Error(`The store returned wait ${wait.id} as pending, but it has no resume URL.`);
	}
	return { ...wait, resumeUrl: wait.resumeUrl };
}

/** Must run inside a transaction (it may create the contact). */
export async function registerWait(db: Db, wait: NewWait): Promise<LiveWaitRecord> {
	const contact = await ensureContact(db, wait.account, wait.keys, wait.createdAt);
	const [row] = await db.session.query<WaitRow>(
		`INSERT INTO ${db.tables.waits}
			(id, contact_id, phone_number_id, execution_id, workflow_id, resume_url, secret, deadline, match_rule, status, created_at, sequence, follow_up)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', $10, $11, $12)
		RETURNING ${WAIT_COLUMNS}`,
		[
			randomUUID(),
			contact.id,
			wait.phoneNumberId,
			wait.executionId,
			wait.workflowId,
			wait.resumeUrl,
			wait.secret,
			wait.deadline,
			wait.matchRuleJson,
			wait.createdAt,
			wait.sequence,
			wait.followUp,
		],
	);
	return liveWaitOf(row);
}

export async function getWait(db: Db, id: string): Promise<WaitRecord | null> {
	const [row] = await db.session.query<WaitRow>(
		`SELECT ${WAIT_COLUMNS} FROM ${db.tables.waits} WHERE id = $1`,
		[id],
	);
	return row ? waitOf(row) : null;
}

export async function findWaitingWaits(
	db: Db,
	account: string,
	phoneNumberId: string,
	keys: ContactKeys,
	at: number,
	withUnsettledClaims: boolean,
): Promise<LiveWaitRecord[]> {
	const contact = await findContact(db, account, keys);
	if (!contact) return [];
	return await waitingWaitsOf(db, contact.id, phoneNumberId, at, withUnsettledClaims);
}

/** findWaitingWaits for a contact already resolved in this transaction. */
export async function waitingWaitsOf(
	db: Db,
	contactId: string,
	phoneNumberId: string,
	at: number,
	withUnsettledClaims: boolean,
): Promise<LiveWaitRecord[]> {
	const statuses = withUnsettledClaims
		? `(status = 'waiting' OR (status = 'claimed' AND resume_url IS NOT NULL))`
		: `status = 'waiting'`;
	const rows = await db.session.query<WaitRow>(
		`SELECT ${WAIT_COLUMNS} FROM ${db.tables.waits}
		WHERE contact_id = $1 AND phone_number_id = $2 AND ${statuses} AND deadline > $3
		ORDER BY created_at, id`,
		[contactId, phoneNumberId, at],
	);
	return rows.map(liveWaitOf);
}

/**
 * Takes over a claim whose hand-off is in doubt (its POST got no answer: n8n may or may not have
 * taken it). Conditional on the claim being the one the caller saw (`claimedAt`), so of several
 * redeliveries exactly one takes it over; only before the deadline.
 */
export async function reclaimWait(
	db: Db,
	id: string,
	claimedAt: number,
	at: number,
): Promise<LiveWaitRecord | null> {
	const [row] = await db.session.query<WaitRow>(
		`UPDATE ${db.tables.waits} SET resolved_at = $3
		WHERE id = $1 AND status = 'claimed' AND resume_url IS NOT NULL AND resolved_at = $2
			AND deadline > $3
		RETURNING ${WAIT_COLUMNS}`,
		[id, claimedAt, at],
	);
	return row ? liveWaitOf(row) : null;
}

/**
 * One conditional UPDATE: of any number of concurrent claimers only the first finds the row
 * still waiting. A claim after the deadline fails, because n8n resumes timed-out waits itself.
 */
export async function claimWait(
	db: Db,
	id: string,
	outcome: WaitOutcome,
	at: number,
): Promise<LiveWaitRecord | null> {
	const [row] = await db.session.query<WaitRow>(
		`UPDATE ${db.tables.waits} SET status = $2, resolved_at = $3
		WHERE id = $1 AND status = 'waiting'${outcome === 'claimed' ? ' AND deadline > $3' : ''}
		RETURNING ${WAIT_COLUMNS}`,
		[id, outcome, at],
	);
	return row ? liveWaitOf(row) : null;
}

/**
 * Undoes a claim whose hand-off failed for now. Conditional like the claim: only a claim not yet
 * settled, and only before the deadline (afterwards n8n's timeout resumes the execution).
 */
export async function releaseWait(db: Db, id: string, at: number): Promise<LiveWaitRecord | null> {
	const [row] = await db.session.query<WaitRow>(
		`UPDATE ${db.tables.waits} SET status = 'waiting', resolved_at = NULL
		WHERE id = $1 AND status = 'claimed' AND resume_url IS NOT NULL AND deadline > $2
		RETURNING ${WAIT_COLUMNS}`,
		[id, at],
	);
	return row ? liveWaitOf(row) : null;
}

/** Gives up a claim whose hand-off can never succeed; a settled (delivered) claim stays as it is. */
export async function expireClaimedWait(
	db: Db,
	id: string,
	at: number,
): Promise<WaitRecord | null> {
	const [row] = await db.session.query<WaitRow>(
		`UPDATE ${db.tables.waits} SET status = 'expired', resolved_at = $2, resume_url = NULL, secret = NULL
		WHERE id = $1 AND status = 'claimed' AND resume_url IS NOT NULL
		RETURNING ${WAIT_COLUMNS}`,
		[id, at],
	);
	return row ? waitOf(row) : null;
}

/** Ends a hand-off: the resume URL and secret are of no further use, so they leave the database. */
export async function settleWait(db: Db, id: string): Promise<boolean> {
	const changed = await db.session.execute(
		`UPDATE ${db.tables.waits} SET resume_url = NULL, secret = NULL
		WHERE id = $1 AND status IN ('claimed', 'cancelled') AND resume_url IS NOT NULL`,
		[id],
	);
	return changed === 1;
}

/** Which waiting waits a cancellation takes: a contact's, a sequence's, or a contact's in a sequence. */
export interface WaitSelection {
	account: string;
	phoneNumberId: string | null;
	keys: ContactKeys | null;
	sequence: string | null;
}

/**
 * The WHERE clause of a selection, from parameter `$first` on: the account through its contacts
 * (waits carry no account), then the optional contact, number and sequence.
 */
async function selectionFilter(
	db: Db,
	selection: WaitSelection,
	first: number,
	prefix = '',
): Promise<{ sql: string; params: Array<string | number> } | null> {
	const params: Array<string | number> = [];
	const conditions: string[] = [];
	const bind = (value: string | number) => {
		params.push(value);
		return `$${first + params.length - 1}`;
	};
	if (selection.keys !== null) {
		const contact = await findContact(db, selection.account, selection.keys);
		if (!contact) return null;
		conditions.push(`${prefix}contact_id = ${bind(contact.id)}`);
	} else {
		conditions.push(
			`${prefix}contact_id IN (SELECT id FROM ${db.tables.contacts} WHERE account = ${bind(selection.account)})`,
		);
	}
	if (selection.phoneNumberId !== null) {
		conditions.push(`${prefix}phone_number_id = ${bind(selection.phoneNumberId)}`);
	}
	if (selection.sequence !== null) {
		conditions.push(`${prefix}sequence = ${bind(selection.sequence)}`);
	}
	return { sql: conditions.join(' AND '), params };
}

export async function cancelWaits(
	db: Db,
	selection: WaitSelection,
	at: number,
): Promise<LiveWaitRecord[]> {
	const filter = await selectionFilter(db, selection, 2);
	if (filter === null) return [];
	const rows = await db.session.query<WaitRow>(
		`UPDATE ${db.tables.waits} SET status = 'cancelled', resolved_at = $1
		WHERE status = 'waiting' AND ${filter.sql}
		RETURNING ${WAIT_COLUMNS}`,
		[at, ...filter.params],
	);
	return rows.map(liveWaitOf).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

export interface WaitListing extends WaitSelection {
	at: number;
	limit: number;
}

/**
 * Pending waits (waiting, deadline after `at`) with their contact's identifiers, soonest deadline
 * first: one query, the contact joined in.
 */
export async function listWaits(db: Db, listing: WaitListing): Promise<PendingWait[]> {
	const filter = await selectionFilter(db, listing, 3, 'w.');
	if (filter === null) return [];
	const rows = await db.session.query<WaitRow & { wa_id: string | null; user_id: string | null }>(
		`SELECT w.${WAIT_COLUMNS.split(', ').join(', w.')}, c.wa_id, c.user_id
		FROM ${db.tables.waits} w JOIN ${db.tables.contacts} c ON c.id = w.contact_id
		WHERE w.status = 'waiting' AND w.deadline > $1 AND ${filter.sql}
		ORDER BY w.deadline, w.id
		LIMIT $2`,
		[listing.at, listing.limit, ...filter.params],
	);
	// Built field by field: a listing must never carry the resume URL or the secret.
	return rows.map((row) => {
		const wait = waitOf(row);
		return {
			id: wait.id,
			phoneNumberId: wait.phoneNumberId,
			executionId: wait.executionId,
			workflowId: wait.workflowId,
			deadline: wait.deadline,
			matchRule: wait.matchRule,
			status: wait.status,
			createdAt: wait.createdAt,
			resolvedAt: wait.resolvedAt,
			sequence: wait.sequence,
			followUp: wait.followUp,
			contact: { waId: row.wa_id, userId: row.user_id },
		};
	});
}

export interface FollowUpCount {
	account: string;
	keys: ContactKeys;
	sequence: string;
	max: number;
	resetOnReply: boolean;
	at: number;
}

/**
 * Counts one follow-up of the contact in the sequence, unless `max` were counted already: one
 * conditional upsert, so concurrent executions never pass the cap together. With `resetOnReply`
 * the count starts again when the contact wrote (any inbound message the store recorded, on any
 * number) after the last counted follow-up. Must run inside a transaction (it may create the contact).
 */
export async function countFollowUp(
	db: Db,
	count: FollowUpCount,
): Promise<{ counted: boolean; followUps: number }> {
	const contact = await ensureContact(db, count.account, count.keys, count.at);
	const t = db.tables;
	// Meta stamps messages in whole seconds: a reply in the second the follow-up started counts.
	const replied = `($5 = 1 AND (SELECT MAX(last_inbound_at) FROM ${t.conversation_windows}
		WHERE contact_id = $1) >= follow_up_sequences.last_follow_up_at - follow_up_sequences.last_follow_up_at % 1000)`;
	const [row] = await db.session.query<{ follow_ups: number }>(
		`INSERT INTO ${t.follow_up_sequences} (contact_id, sequence, follow_ups, last_follow_up_at)
		VALUES ($1, $2, 1, $3)
		ON CONFLICT (contact_id, sequence) DO UPDATE SET
			follow_ups = CASE WHEN ${replied} THEN 1 ELSE follow_up_sequences.follow_ups + 1 END,
			last_follow_up_at = excluded.last_follow_up_at
		WHERE follow_up_sequences.follow_ups < $4 OR ${replied}
		RETURNING follow_ups`,
		[contact.id, count.sequence, count.at, count.max, count.resetOnReply ? 1 : 0],
	);
	if (row) return { counted: true, followUps: Number(row.follow_ups) };
	const [current] = await db.session.query<{ follow_ups: number }>(
		`SELECT follow_ups FROM ${t.follow_up_sequences} WHERE contact_id = $1 AND sequence = $2`,
		[contact.id, count.sequence],
	);
	return { counted: false, followUps: Number(current?.follow_ups ?? 0) };
}

/** n8n resumes these by time without any code of this package: nobody needs their URL or secret. */
export async function expireWaits(db: Db, now: number): Promise<number> {
	return await db.session.execute(
		`UPDATE ${db.tables.waits} SET status = 'expired', resolved_at = $1, resume_url = NULL, secret = NULL
		WHERE status = 'waiting' AND deadline <= $1`,
		[now],
	);
}

/**
 * Hand-offs whose resumer vanished (n8n stopped mid hand-off) still hold their resume URL long
 * after any hand-off could have finished. A claim before its deadline goes back to waiting, so
 * the contact's next message retries; the rest are settled.
 */
export async function recoverAbandonedHandOffs(
	db: Db,
	resolvedBefore: number,
	now: number,
): Promise<{ released: number; settled: number }> {
	const t = db.tables;
	const released = await db.session.execute(
		`UPDATE ${t.waits} SET status = 'waiting', resolved_at = NULL
		WHERE status = 'claimed' AND resume_url IS NOT NULL AND resolved_at < $1 AND deadline > $2`,
		[resolvedBefore, now],
	);
	const settled = await db.session.execute(
		`UPDATE ${t.waits} SET resume_url = NULL, secret = NULL
		WHERE status IN ('claimed', 'cancelled') AND resume_url IS NOT NULL AND resolved_at < $1`,
		[resolvedBefore],
	);
	return { released, settled };
}

export async function deleteResolvedWaits(db: Db, resolvedBefore: number): Promise<number> {
	return await db.session.execute(
		`DELETE FROM ${db.tables.waits} WHERE status <> 'waiting' AND resolved_at < $1`,
		[resolvedBefore],
	);
}
