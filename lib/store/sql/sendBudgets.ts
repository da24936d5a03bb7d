/**
 * One business number's send timeline, shared by every execution and process that sends from it
 * (two campaigns at once, or one split over queue-mode workers). A sender reserves a run of slots
 * in one statement: the slots start where the timeline ends, or now when it ended in the past (an
 * idle number banks no burst), and the timeline moves past them. Kept in microseconds so that a
 * rate such as 3 per second keeps its fractional spacing.
 */
import type { Db } from './schema';

export interface SlotRequest {
	account: string;
	phoneNumberId: string;
	count: number;
	intervalUs: number;
	nowUs: number;
}

/** Reserves `count` slots `intervalUs` apart; returns the first slot's time (µs). Atomic. */
export async function reserveSlots(db: Db, request: SlotRequest): Promise<number> {
	const span = request.count * request.intervalUs;
	const [row] = await db.session.query<{ next_free_us: number | string }>(
		`INSERT INTO ${db.tables.send_budgets} (account, phone_number_id, next_free_us)
		VALUES ($1, $2, $5)
		ON CONFLICT (account, phone_number_id) DO UPDATE SET next_free_us =
			CASE WHEN send_budgets.next_free_us > $3 THEN send_budgets.next_free_us ELSE $3 END
			+ CAST($4 AS BIGINT)
		RETURNING next_free_us`,
		[request.account, request.phoneNumberId, request.nowUs, span, request.nowUs + span],
	);
	return Number(row.next_free_us) - span;
}

/** Nobody sends from the number before `untilUs` (Meta said it is over its throughput). */
export async function pauseSlots(
	db: Db,
	account: string,
	phoneNumberId: string,
	untilUs: number,
): Promise<void> {
	await db.session.execute(
		`INSERT INTO ${db.tables.send_budgets} (account, phone_number_id, next_free_us)
		VALUES ($1, $2, $3)
		ON CONFLICT (account, phone_number_id) DO UPDATE SET next_free_us =
			CASE WHEN send_budgets.next_free_us > $3 THEN send_budgets.next_free_us ELSE $3 END`,
		[account, phoneNumberId, untilUs],
	);
}
