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
export const DEFAULT_AI_HISTORY_RETENTION_DAYS = 365;
export const MAX_AI_HISTORY_RETENTION_DAYS = 3650;

/**
 * Takes this interval's run, or learns it is not due. One conditional UPDATE on one row: when
 * not due it matches nothing and writes nothing; when due, exactly one of any number of
 * concurrent callers (threads or processes) finds the row still due and moves it an interval ahead.
 */
export async function claimHousekeeping(db: Db, now: number): Promise<number | null> {
	const nextDueAt = now + HOUSEKEEPING_INTERVAL_MS;
	const rows = await db.session.query(
		`UPDATE ${db.tables.housekeeping} SET due_at = $2 WHERE task = 'store' AND due_at <= $1
		RETURNING task`,
		[now, nextDueAt],
	);
	return rows.length === 1 ? nextDueAt : null;
}
