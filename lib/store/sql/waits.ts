import { randomUUID } from 'node:crypto';

import type { JsonValue, WaitOutcome, WaitRecord, WaitStatus } from '../types';
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
}

interface WaitRow {
	id: string;
	phone_number_id: string;
	execution_id: string;
	workflow_id: string | null;
	resume_url: string;
	secret: string | null;
	deadline: number;
	match_rule: string;
	status: WaitStatus;
	created_at: number;
	resolved_at: number | null;
}

const WAIT_COLUMNS =
	'id, phone_number_id, execution_id, workflow_id, resume_url, secret, deadline, match_rule, status, created_at, resolved_at';

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
	};
}

/** Must run inside a transaction (it may create the contact). */
export async function registerWait(db: Db, wait: NewWait): Promise<WaitRecord> {
	const contact = await ensureContact(db, wait.account, wait.keys, wait.createdAt);
	const [row] = await db.session.query<WaitRow>(
		`INSERT INTO ${db.tables.waits}
			(id, contact_id, phone_number_id, execution_id, workflow_id, resume_url, secret, deadline, match_rule, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', $10)
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
		],
	);
	return waitOf(row);
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
): Promise<WaitRecord[]> {
	const contact = await findContact(db, account, keys);
	if (!contact) return [];
	const rows = await db.session.query<WaitRow>(
		`SELECT ${WAIT_COLUMNS} FROM ${db.tables.waits}
		WHERE contact_id = $1 AND phone_number_id = $2 AND status = 'waiting' AND deadline > $3
		ORDER BY created_at, id`,
		[contact.id, phoneNumberId, at],
	);
	return rows.map(waitOf);
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
): Promise<WaitRecord | null> {
	const [row] = await db.session.query<WaitRow>(
		`UPDATE ${db.tables.waits} SET status = $2, resolved_at = $3
		WHERE id = $1 AND status = 'waiting'${outcome === 'claimed' ? ' AND deadline > $3' : ''}
		RETURNING ${WAIT_COLUMNS}`,
		[id, outcome, at],
	);
	return row ? waitOf(row) : null;
}

export async function cancelWaits(
	db: Db,
	account: string,
	phoneNumberId: string | null,
	keys: ContactKeys,
	at: number,
): Promise<WaitRecord[]> {
	const contact = await findContact(db, account, keys);
	if (!contact) return [];
	const rows = await db.session.query<WaitRow>(
		`UPDATE ${db.tables.waits} SET status = 'cancelled', resolved_at = $2
		WHERE contact_id = $1 AND status = 'waiting'${phoneNumberId === null ? '' : ' AND phone_number_id = $3'}
		RETURNING ${WAIT_COLUMNS}`,
		phoneNumberId === null ? [contact.id, at] : [contact.id, at, phoneNumberId],
	);
	return rows.map(waitOf).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

export async function expireWaits(db: Db, now: number): Promise<number> {
	return await db.session.execute(
		`UPDATE ${db.tables.waits} SET status = 'expired', resolved_at = $1
		WHERE status = 'waiting' AND deadline <= $1`,
		[now],
	);
}
