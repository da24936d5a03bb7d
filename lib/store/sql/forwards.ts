/**
 * The forward ledger: which routes already received an event, so Meta's redelivery of a delivery
 * that failed for some routes serves only the others. A table of its own rather than prefixed
 * seen_events keys: "which routes got this event" is then one indexed lookup on the key, where a
 * prefix search over seen_events would scan it (text ranges are not prefixes under every
 * PostgreSQL collation).
 */
import type { PendingForwardsContact } from '../types';
import type { Db } from './schema';

/** Insert-if-absent in one statement: exactly one of any concurrent callers gets true. */
export async function markForwarded(
	db: Db,
	eventKey: string,
	routeId: string,
	at: number,
): Promise<boolean> {
	const rows = await db.session.query(
		`INSERT INTO ${db.tables.forwarded_events} (event_key, route_id, forwarded_at)
		VALUES ($1, $2, $3) ON CONFLICT (event_key, route_id) DO NOTHING RETURNING route_id`,
		[eventKey, routeId, at],
	);
	return rows.length === 1;
}

export async function forwardedRoutes(db: Db, eventKey: string): Promise<Set<string>> {
	const rows = await db.session.query<{ route_id: string }>(
		`SELECT route_id FROM ${db.tables.forwarded_events} WHERE event_key = $1`,
		[eventKey],
	);
	return new Set(rows.map((row) => row.route_id));
}

/** With the dedup keys and after the same time: a redelivery older than that is a new event. */
export async function pruneForwarded(db: Db, olderThan: number): Promise<number> {
	return await db.session.execute(
		`DELETE FROM ${db.tables.forwarded_events} WHERE forwarded_at < $1`,
		[olderThan],
	);
}

/** Event keys that embed a contact id (`pref:<id>:…`), erased with the contact. */
export async function eraseForwardedByPrefix(db: Db, prefix: string): Promise<number> {
	return await db.session.execute(
		`DELETE FROM ${db.tables.forwarded_events} WHERE substr(event_key, 1, ${prefix.length}) = $1`,
		[prefix],
	);
}

/**
 * What a redelivery needs to finish an event's forwards (the routed event, as JSON), kept from
 * before the first forward until every chosen route got it. Replaces an older copy.
 */
export async function savePendingForwards(
	db: Db,
	eventKey: string,
	payload: string,
	at: number,
	contact: PendingForwardsContact | null,
): Promise<void> {
	await db.session.execute(
		`INSERT INTO ${db.tables.pending_forwards} (event_key, payload, saved_at, wa_id, user_id)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (event_key) DO UPDATE SET payload = excluded.payload, saved_at = excluded.saved_at,
			wa_id = excluded.wa_id, user_id = excluded.user_id`,
		[eventKey, payload, at, contact?.waId ?? null, contact?.userId ?? null],
	);
}

/** The copies that carry one of these contact ids (a wa_id or a user id), erased with the contact. */
export async function erasePendingForwardsOf(db: Db, ids: string[]): Promise<number> {
	if (ids.length === 0) return 0;
	const list = db.dialect.listParam(ids);
	return await db.session.execute(
		`DELETE FROM ${db.tables.pending_forwards}
		WHERE ${db.dialect.inList('wa_id', '$1')} OR ${db.dialect.inList('user_id', '$2')}`,
		[list, list],
	);
}

export async function pendingForwards(db: Db, eventKey: string): Promise<string | null> {
	const rows = await db.session.query<{ payload: string }>(
		`SELECT payload FROM ${db.tables.pending_forwards} WHERE event_key = $1`,
		[eventKey],
	);
	return rows[0]?.payload ?? null;
}

export async function deletePendingForwards(db: Db, eventKey: string): Promise<boolean> {
	return (
		(await db.session.execute(`DELETE FROM ${db.tables.pending_forwards} WHERE event_key = $1`, [
			eventKey,
		])) > 0
	);
}

/** With the forward marks: a redelivery older than that is a new event. */
export async function prunePendingForwards(db: Db, olderThan: number): Promise<number> {
	return await db.session.execute(`DELETE FROM ${db.tables.pending_forwards} WHERE saved_at < $1`, [
		olderThan,
	]);
}
