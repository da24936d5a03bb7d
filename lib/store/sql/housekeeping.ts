import type { Db } from './schema';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Housekeeping runs at most once per interval, across every process sharing the store. */
export const HOUSEKEEPING_INTERVAL_MS = HOUR_MS;
/** Claimed, cancelled and expired waits are kept this long after they resolved, then deleted. */
export const RESOLVED_WAIT_RETENTION_MS = 7 * DAY_MS;
/**
 * A hand-off ends within minutes (five POSTs of at most 30 s each, 3.75 s of pauses); one still
 * unsettled after this long lost its resumer.
 */
export const ABANDONED_HAND_OFF_MS = HOUR_MS;

/** The schedule row of one account's retention run (the store-wide one is `store`). */
function retentionTask(account: string): string {
	return `retention:${account}`;
}

/** Adds the account's schedule row, due at once, unless it exists. */
export async function ensureRetentionTask(db: Db, account: string): Promise<void> {
	await db.session.execute(
		`INSERT INTO ${db.tables.housekeeping} (task, due_at) VALUES ($1, 0) ON CONFLICT (task) DO NOTHING`,
		[retentionTask(account)],
	);
}

export interface ClaimedRuns {
	/** When the store-wide run is due next, or null when it was not due. */
	store: number | null;
	/** The same for the account's retention run (null too when no account was given). */
	retention: number | null;
}

/**
 * Takes this interval's runs, or learns they are not due. One conditional UPDATE over the
 * store-wide row and, given an account, its retention row: when neither is due it matches
 * nothing and writes nothing; for a row that is due, exactly one of any number of concurrent
 * callers (threads or processes) finds it still due and moves it an interval ahead.
 */
export async function claimHousekeeping(
	db: Db,
	now: number,
	account: string | null,
): Promise<ClaimedRuns> {
	const nextDueAt = now + HOUSEKEEPING_INTERVAL_MS;
	const tasks = account === null ? ['store'] : ['store', retentionTask(account)];
	const rows = await db.session.query<{ task: string }>(
		`UPDATE ${db.tables.housekeeping} SET due_at = $2
		WHERE task IN (${tasks.map((_, index) => `$${index + 3}`).join(', ')}) AND due_at <= $1
		RETURNING task`,
		[now, nextDueAt, ...tasks],
	);
	const claimed = new Set(rows.map((row) => row.task));
	return {
		store: claimed.has('store') ? nextDueAt : null,
		retention: account !== null && claimed.has(retentionTask(account)) ? nextDueAt : null,
	};
}
