/**
 * Published trigger routes and the holder of each Meta callback. The holder row of a scope is
 * changed only by conditional statements on the locked row, so of concurrent claimers exactly one
 * takes a vacant callback, and a route publishing while the holder leaves either becomes its
 * successor or finds the callback vacant and claims it.
 */
import type { Route, RouteFilters } from '../../core/routing';
import type {
	CallbackClaimResult,
	CallbackHolder,
	CallbackReleaseResult,
	RouteRecord,
} from '../types';
import type { Db } from './schema';

export interface NewRoute {
	account: string;
	routeId: string;
	webhookUrl: string;
	role: Route['role'];
	priority: number;
	filtersJson: string;
	receiveConsumedReplies: boolean;
	registrationMode: string;
	scopes: string[];
	at: number;
}

interface RouteRow {
	account: string;
	route_id: string;
	webhook_url: string;
	role: Route['role'];
	priority: number;
	filters: string;
	receive_consumed_replies: number;
	registration_mode: string;
	scopes: string;
	published_at: number;
	refreshed_at: number;
}

const ROUTE_COLUMNS =
	'account, route_id, webhook_url, role, priority, filters, receive_consumed_replies, registration_mode, scopes, published_at, refreshed_at';

function routeOf(row: RouteRow): RouteRecord {
	return {
		account: row.account,
		id: row.route_id,
		webhookUrl: row.webhook_url,
		role: row.role,
		priority: Number(row.priority),
		filters: JSON.parse(row.filters) as RouteFilters,
		receiveConsumedReplies: Number(row.receive_consumed_replies) === 1,
		registrationMode: row.registration_mode,
		scopes: JSON.parse(row.scopes) as string[],
		publishedAt: new Date(Number(row.published_at)),
		refreshedAt: new Date(Number(row.refreshed_at)),
	};
}

export async function upsertRoute(db: Db, route: NewRoute): Promise<RouteRecord> {
	const [row] = await db.session.query<RouteRow>(
		`INSERT INTO ${db.tables.routes} (${ROUTE_COLUMNS})
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (account, route_id) DO UPDATE SET
			webhook_url = excluded.webhook_url, role = excluded.role, priority = excluded.priority,
			filters = excluded.filters, receive_consumed_replies = excluded.receive_consumed_replies,
			registration_mode = excluded.registration_mode, scopes = excluded.scopes,
			refreshed_at = excluded.refreshed_at
		RETURNING ${ROUTE_COLUMNS}`,
		[
			route.account,
			route.routeId,
			route.webhookUrl,
			route.role,
			route.priority,
			route.filtersJson,
			route.receiveConsumedReplies ? 1 : 0,
			route.registrationMode,
			JSON.stringify(route.scopes),
			route.at,
		],
	);
	return routeOf(row);
}

export async function removeRoute(db: Db, account: string, routeId: string): Promise<boolean> {
	const removed = await db.session.execute(
		`DELETE FROM ${db.tables.routes} WHERE account = $1 AND route_id = $2`,
		[account, routeId],
	);
	return removed === 1;
}

export async function listRoutes(db: Db, account: string): Promise<RouteRecord[]> {
	const rows = await db.session.query<RouteRow>(
		`SELECT ${ROUTE_COLUMNS} FROM ${db.tables.routes} WHERE account = $1
		ORDER BY published_at, route_id`,
		[account],
	);
	return rows.map(routeOf);
}

interface HolderRow {
	account: string;
	scope: string;
	route_id: string | null;
	held_since: number;
}

function holderOf(row: HolderRow | undefined): CallbackHolder | null {
	if (row === undefined || row.route_id === null) return null;
	return {
		account: row.account,
		scope: row.scope,
		routeId: row.route_id,
		since: new Date(Number(row.held_since)),
	};
}

export async function getCallbackHolder(
	db: Db,
	account: string,
	scope: string,
): Promise<CallbackHolder | null> {
	const [row] = await db.session.query<HolderRow>(
		`SELECT account, scope, route_id, held_since FROM ${db.tables.callback_holders}
		WHERE account = $1 AND scope = $2`,
		[account, scope],
	);
	return holderOf(row);
}

/**
 * One statement: insert the holder row, or take it over while it is vacant (a NULL route_id
 * matches no route) or its route is no longer published. PostgreSQL locks the conflicting row (also when the WHERE says no), so a
 * concurrent release finishes first or waits for this claim; SQLite runs one writer at a time.
 */
export async function claimCallbackHolder(
	db: Db,
	account: string,
	scope: string,
	routeId: string,
	at: number,
): Promise<CallbackClaimResult> {
	const t = db.tables;
	await db.session.query(
		`INSERT INTO ${t.callback_holders} (account, scope, route_id, held_since)
		SELECT $1, $2, $3, $4 WHERE EXISTS (
			SELECT 1 FROM ${t.routes} WHERE account = $1 AND route_id = $3
		)
		ON CONFLICT (account, scope) DO UPDATE SET
			route_id = excluded.route_id, held_since = excluded.held_since
		WHERE NOT EXISTS (
			SELECT 1 FROM ${t.routes} r
			WHERE r.account = callback_holders.account AND r.route_id = callback_holders.route_id
		)
		RETURNING route_id`,
		[account, scope, routeId, at],
	);
	const holder = await getCallbackHolder(db, account, scope);
	return { holds: holder?.routeId === routeId, holder };
}

/** In a transaction: the holder row is locked first, so no claim slips between read and write. */
export async function releaseCallbackHolder(
	db: Db,
	account: string,
	scope: string,
	routeId: string,
	successor: string | null,
	at: number,
): Promise<CallbackReleaseResult> {
	const t = db.tables;
	const [locked] = await db.session.query<HolderRow>(
		`SELECT account, scope, route_id, held_since FROM ${t.callback_holders}
		WHERE account = $1 AND scope = $2${db.dialect.forUpdate}`,
		[account, scope],
	);
	if (locked?.route_id !== routeId) return { released: false, holder: holderOf(locked) };
	const candidates = (await listRoutes(db, account)).filter(
		(route) => route.id !== routeId && route.scopes.includes(scope),
	);
	const next = candidates.find((route) => route.id === successor) ?? candidates[0] ?? null;
	const [row] = await db.session.query<HolderRow>(
		`UPDATE ${t.callback_holders} SET route_id = $4, held_since = $5
		WHERE account = $1 AND scope = $2 AND route_id = $3
		RETURNING account, scope, route_id, held_since`,
		[account, scope, routeId, next?.id ?? null, at],
	);
	return { released: row !== undefined, holder: holderOf(row) };
}
