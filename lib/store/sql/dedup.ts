import type { Db } from './schema';

/** Longer than Meta's 36 hours of webhook redelivery, with room for a long outage. */
export const DEFAULT_DEDUP_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Insert-if-absent in one statement: exactly one of any concurrent callers gets true. */
export async function markSeen(db: Db, key: string, at: number): Promise<boolean> {
	const rows = await db.session.query(
		`INSERT INTO ${db.tables.seen_events} (event_key, seen_at) VALUES ($1, $2)
		ON CONFLICT (event_key) DO NOTHING RETURNING event_key`,
		[key, at],
	);
	return rows.length === 1;
}

export async function pruneSeen(db: Db, olderThan: number): Promise<number> {
	return await db.session.execute(`DELETE FROM ${db.tables.seen_events} WHERE seen_at < $1`, [
		olderThan,
	]);
}
