/**
 * Sending thousands of items without tripping Meta's limits: a per-number rate (messages per
 * second), bounded concurrency, one message at a time per recipient (pair rate), and retries with
 * backoff for errors that say "try again". Time is injected (`sleep`, `now`) so the core stays pure
 * and the node passes n8n's own `sleep`.
 */

export type Sleep = (ms: number) => Promise<void>;

export interface PacingOptions {
	/** Messages per second for the business number; 0 = unlimited. */
	ratePerSecond: number;
	/** Requests in flight at once. */
	concurrency: number;
	sleep: Sleep;
	now?: () => number;
}

/** Hands out send slots spaced 1/rate apart; a pause (after a 130429) pushes every slot back. */
export class RateLimiter {
	private nextSlotAt = 0;

	private readonly intervalMs: number;

	constructor(
		ratePerSecond: number,
		private readonly sleep: Sleep,
		private readonly now: () => number = Date.now,
	) {
		this.intervalMs = ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
	}

	async acquire(): Promise<void> {
		if (this.intervalMs === 0 && this.nextSlotAt <= this.now()) return;
		const current = this.now();
		const slot = Math.max(current, this.nextSlotAt);
		this.nextSlotAt = slot + this.intervalMs;
		if (slot > current) await this.sleep(slot - current);
	}

	/** Nobody sends before `ms` from now. */
	pause(ms: number): void {
		this.nextSlotAt = Math.max(this.nextSlotAt, this.now() + ms);
	}
}

export interface RetryPolicy {
	maxRetries: number;
	/** Delay before the first retry; doubles on each further retry. */
	baseDelayMs: number;
}

export interface RetryDecision {
	retryable: boolean;
	/** Pause the whole number (throughput limit) rather than only this item. */
	pauseAll?: boolean;
}

/**
 * Runs `send` for every item under the pacing rules and returns one settled result per item, in
 * input order. An item is retried only when its own request failed with a retryable error, so a
 * retry never re-sends another item.
 */
export async function sendPaced<T, R>(
	items: T[],
	keyOf: (item: T, index: number) => string,
	send: (item: T, index: number, attempt: number) => Promise<R>,
	classify: (error: unknown) => RetryDecision,
	options: PacingOptions & { retry: RetryPolicy },
): Promise<
	Array<{ ok: true; value: R; attempts: number } | { ok: false; error: unknown; attempts: number }>
> {
	const limiter = new RateLimiter(options.ratePerSecond, options.sleep, options.now);
	const results: Array<
		{ ok: true; value: R; attempts: number } | { ok: false; error: unknown; attempts: number }
	> = new Array(items.length);
	// Items for one recipient go out one after another, in input order (pair rate limit).
	const lanes = new Map<string, number[]>();
	items.forEach((item, index) => {
		const key = keyOf(item, index);
		const lane = lanes.get(key);
		if (lane) lane.push(index);
		else lanes.set(key, [index]);
	});
	const queue = [...lanes.values()];

	const sendOne = async (index: number) => {
		for (let attempt = 1; ; attempt++) {
			await limiter.acquire();
			try {
				results[index] = {
					ok: true,
					value: await send(items[index], index, attempt),
					attempts: attempt,
				};
				return;
			} catch (error) {
				const decision = classify(error);
				if (!decision.retryable || attempt > options.retry.maxRetries) {
					results[index] = { ok: false, error, attempts: attempt };
					return;
				}
				const delay = options.retry.baseDelayMs * 2 ** (attempt - 1);
				if (decision.pauseAll) limiter.pause(delay);
				await options.sleep(delay);
			}
		}
	};

	const worker = async () => {
		for (let lane = queue.shift(); lane; lane = queue.shift()) {
			for (const index of lane) await sendOne(index);
		}
	};
	const workers = Math.max(1, Math.min(options.concurrency, queue.length));
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
