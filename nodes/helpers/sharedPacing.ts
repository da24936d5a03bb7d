/**
 * Pacing per business number across executions and processes: every sender of a number draws
 * its slots from the number's timeline in the state store (lib/core/pacing.ts,
 * SharedRateLimiter), so two campaigns at once, or one split over queue-mode workers, stay within
 * the rate together. One limiter per sender number and execution.
 */
import { sleep } from 'n8n-workflow';

import { SharedRateLimiter, type SendLimiter } from '../../lib/core/pacing';
import type { AccountStore } from './storeAccess';

/**
 * The limiter of each item's number. `senderOf` names an item's number; `ratePerSecond` is the
 * number's rate (0: unpaced, nothing is reserved).
 */
export function sharedLimiters<T>(
	{ store, account }: AccountStore,
	items: readonly T[],
	senderOf: (item: T) => string,
	ratePerSecond: number,
): ((item: T) => SendLimiter) | undefined {
	if (!(ratePerSecond > 0)) return undefined;
	const expected = new Map<string, number>();
	for (const item of items) {
		const sender = senderOf(item);
		expected.set(sender, (expected.get(sender) ?? 0) + 1);
	}
	const limiters = new Map<string, SendLimiter>();
	for (const [phoneNumberId, count] of expected) {
		const timeline = {
			reserve: async (slots: number, intervalMs: number, now: number) =>
				await store.reserveSendSlots({ account, phoneNumberId, count: slots, intervalMs, now }),
			pause: async (until: number) => await store.pauseSending(account, phoneNumberId, until),
		};
		limiters.set(phoneNumberId, new SharedRateLimiter(ratePerSecond, count, timeline, sleep));
	}
	return (item) => limiters.get(senderOf(item))!;
}
