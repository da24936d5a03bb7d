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

/** What sendPaced waits on before each request, and pauses after a throughput error. */
export interface SendLimiter {
	acquire(): Promise<void>;
	/** Nobody sends before `ms` from now. */
	pause(ms: number): void;
}

/** Hands out send slots spaced 1/rate apart; a pause (after a 130429) pushes every slot back. */
export class RateLimiter implements SendLimiter {
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

/**
 * A business number's send timeline that several executions and processes share (the store):
 * `reserve` takes `count` slots `intervalMs` apart and says when the first one is (epoch ms).
 */
export interface SharedTimeline {
	reserve(count: number, intervalMs: number, now: number): Promise<number>;
	pause(until: number): Promise<void>;
}

/** How much of the shared timeline one reservation takes: about this long a run of slots. */
const SHARED_SLOT_RUN_MS = 250;
const MAX_SLOTS_PER_RUN = 250;

/**
 * Paces one execution's messages from one number on the number's shared timeline, so that two
 * campaigns at once, or one split over queue-mode workers, stay within the number's rate
 * together. Slots are reserved in runs of about SHARED_SLOT_RUN_MS (one store round trip per run,
 * not per message) and never more than the messages still expected, so a finished execution
 * leaves little of the timeline unused; a pause moves the shared timeline for everyone.
 */
export class SharedRateLimiter implements SendLimiter {
	private readonly intervalMs: number;

	private nextSlotAt = 0;

	private slotsLeft = 0;

	private handedOut = 0;

	private reserving: Promise<void> | null = null;

	private pausing: Promise<void> | null = null;

	constructor(
		ratePerSecond: number,
		private readonly expected: number,
		private readonly timeline: SharedTimeline,
		private readonly sleep: Sleep,
		private readonly now: () => number = Date.now,
	) {
		if (!(ratePerSecond > 0)) throw new Error('A shared timeline needs a rate above 0');
		this.intervalMs = 1000 / ratePerSecond;
	}

	async acquire(): Promise<void> {
		for (;;) {
			if (this.pausing) await this.pausing;
			this.dropStaleSlots();
			if (this.slotsLeft > 0) {
				const slot = this.nextSlotAt;
				this.nextSlotAt += this.intervalMs;
				this.slotsLeft--;
				this.handedOut++;
				const wait = slot - this.now();
				if (wait > 0) await this.sleep(wait);
				return;
			}
			this.reserving ??= this.reserveRun().finally(() => {
				this.reserving = null;
			});
			await this.reserving;
		}
	}

	pause(ms: number): void {
		// Slots reserved before the pause would start too early: they are given up.
		this.slotsLeft = 0;
		const until = this.now() + ms;
		const previous = this.pausing ?? Promise.resolve();
		const pausing = previous
			.then(async () => await this.timeline.pause(until))
			.finally(() => {
				if (this.pausing === pausing) this.pausing = null;
			});
		this.pausing = pausing;
	}

	/**
	 * Slots more than one interval in the past (the process was busy, a retry waited) are given up
	 * rather than sent at once: sending them late would crowd the number's next second.
	 */
	private dropStaleSlots(): void {
		const oldest = this.now() - this.intervalMs;
		while (this.slotsLeft > 0 && this.nextSlotAt < oldest) {
			this.nextSlotAt += this.intervalMs;
			this.slotsLeft--;
		}
	}

	private async reserveRun(): Promise<void> {
		const perRun = Math.max(1, Math.floor(SHARED_SLOT_RUN_MS / this.intervalMs));
		// Retries ask for more than expected: one slot at a time then.
		const stillExpected = Math.max(1, this.expected - this.handedOut);
		const count = Math.min(perRun, MAX_SLOTS_PER_RUN, stillExpected);
		this.nextSlotAt = await this.timeline.reserve(count, this.intervalMs, this.now());
		this.slotsLeft = count;
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
	options: PacingOptions & {
		retry: RetryPolicy;
		/** The limiter of an item's number; one RateLimiter at ratePerSecond for all when absent. */
		limiterFor?: (item: T) => SendLimiter;
	},
): Promise<
	Array<{ ok: true; value: R; attempts: number } | { ok: false; error: unknown; attempts: number }>
> {
	const shared = new RateLimiter(options.ratePerSecond, options.sleep, options.now);
	const limiterOf = options.limiterFor ?? (() => shared);
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
		const limiter = limiterOf(items[index]);
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
