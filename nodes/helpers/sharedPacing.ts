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
 * The limiter of each business number (by phone number ID), made on first use. `expected`: at most
 * how many messages this execution sends from one number (its item count will do): a run of slots
 * is never longer than what is still expected. Undefined when the send is unpaced (rate 0).
 */
export function sharedLimiters(
	{ store, account }: AccountStore,
	ratePerSecond: number,
	expected: number,
): ((phoneNumberId: string) => SendLimiter) | undefined {
	if (!(ratePerSecond > 0)) return undefined;
	const limiters = new Map<string, SendLimiter>();
	return (phoneNumberId) => {
		let limiter = limiters.get(phoneNumberId);
		if (!limiter) {
			const timeline = {
				reserve: async (count: number, intervalMs: number, now: number) =>
					await store.reserveSendSlots({ account, phoneNumberId, count, intervalMs, now }),
				pause: async (until: number) => await store.pauseSending(account, phoneNumberId, until),
			};
			limiter = new SharedRateLimiter(ratePerSecond, expected, timeline, sleep);
			limiters.set(phoneNumberId, limiter);
		}
		return limiter;
	};
}
