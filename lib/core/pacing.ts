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

export type PacedResult<R> =
	{ ok: true; value: R; attempts: number } | { ok: false; error: unknown; attempts: number };

interface QueuedSend<T, R> {
	item: T;
	index: number;
	settle: (result: PacedResult<R>) => void;
}

/** One recipient's messages, sent one after another in the order they were handed over. */
interface Lane<T, R> {
	key: string;
	waiting: Array<QueuedSend<T, R>>;
}

/**
 * A sender that takes items while it sends: the caller hands over items as they become ready
 * (`send`), and every item shares one rate limiter, one concurrency bound and the pair rate with
 * the items handed over before it. An item is retried only when its own request failed with a
 * retryable error, so a retry never re-sends another item.
 */
export class PacedSender<T, R> {
	private readonly limiter: RateLimiter;

	/** Lanes waiting for a worker, oldest first. */
	private readonly queue: Array<Lane<T, R>> = [];

	/** Lanes with an item queued or in flight, by key: a later item for the recipient joins it. */
	private readonly lanes = new Map<string, Lane<T, R>>();

	private workers = 0;

	private handedOver = 0;

	private unsettled = 0;

	private readonly drainWaiters: Array<{ atMost: number; resolve: () => void }> = [];

	constructor(
		private readonly keyOf: (item: T, index: number) => string,
		private readonly attempt: (item: T, index: number, attempt: number) => Promise<R>,
		private readonly classify: (error: unknown) => RetryDecision,
		private readonly options: PacingOptions & { retry: RetryPolicy },
	) {
		this.limiter = new RateLimiter(options.ratePerSecond, options.sleep, options.now);
	}

	/** Items handed over and not yet settled (queued, waiting for a retry, or in flight). */
	get pending(): number {
		return this.unsettled;
	}

	/**
	 * Queues the item behind the earlier items for the same recipient and settles with its result
	 * (never rejects). Items for different recipients go out in the order they were handed over,
	 * as far as the concurrency and the rate allow.
	 */
	send(item: T): Promise<PacedResult<R>> {
		const index = this.handedOver++;
		this.unsettled++;
		return new Promise((settle) => {
			const key = this.keyOf(item, index);
			const queued = { item, index, settle };
			const lane = this.lanes.get(key);
			if (lane) {
				lane.waiting.push(queued);
				return;
			}
			const fresh = { key, waiting: [queued] };
			this.lanes.set(key, fresh);
			this.queue.push(fresh);
			if (this.workers < Math.max(1, this.options.concurrency)) {
				this.workers++;
				void this.work();
			}
		});
	}

	/** Resolves once at most `count` items are unsettled (0: everything handed over is done). */
	async settledDownTo(count: number): Promise<void> {
		if (this.unsettled <= count) return;
		await new Promise<void>((resolve) => this.drainWaiters.push({ atMost: count, resolve }));
	}

	private async work(): Promise<void> {
		for (let lane = this.queue.shift(); lane; lane = this.queue.shift()) {
			for (let next = lane.waiting.shift(); next; next = lane.waiting.shift()) {
				next.settle(await this.sendOne(next));
				this.unsettled--;
				this.wakeDrainWaiters();
			}
			this.lanes.delete(lane.key);
		}
		this.workers--;
	}

	private async sendOne({ item, index }: QueuedSend<T, R>): Promise<PacedResult<R>> {
		for (let attempt = 1; ; attempt++) {
			await this.limiter.acquire();
			try {
				return { ok: true, value: await this.attempt(item, index, attempt), attempts: attempt };
			} catch (error) {
				const decision = this.classify(error);
				if (!decision.retryable || attempt > this.options.retry.maxRetries) {
					return { ok: false, error, attempts: attempt };
				}
				const delay = this.options.retry.baseDelayMs * 2 ** (attempt - 1);
				if (decision.pauseAll) this.limiter.pause(delay);
				await this.options.sleep(delay);
			}
		}
	}

	private wakeDrainWaiters(): void {
		for (let i = this.drainWaiters.length - 1; i >= 0; i--) {
			const waiter = this.drainWaiters[i];
			if (this.unsettled <= waiter.atMost) {
				this.drainWaiters.splice(i, 1);
				waiter.resolve();
			}
		}
	}
}

/**
 * Runs `send` for every item under the pacing rules and returns one settled result per item, in
 * input order: a PacedSender handed the whole list at once.
 */
export async function sendPaced<T, R>(
	items: T[],
	keyOf: (item: T, index: number) => string,
	send: (item: T, index: number, attempt: number) => Promise<R>,
	classify: (error: unknown) => RetryDecision,
	options: PacingOptions & { retry: RetryPolicy },
): Promise<Array<PacedResult<R>>> {
	const sender = new PacedSender(keyOf, send, classify, options);
	return await Promise.all(items.map((item) => sender.send(item)));
}

/**
 * How many messages leave within `seconds` at the configured rate: at least 1, at most `max`
 * (also when the rate is unlimited). Sizes the groups that share one store query or commit, so a
 * group spans a short, known stretch of the run whatever the rate.
 */
export function messagesWithin(seconds: number, ratePerSecond: number, max: number): number {
	const cap = Math.max(1, Math.floor(max));
	if (!(ratePerSecond > 0)) return cap;
	return Math.max(1, Math.min(cap, Math.floor(ratePerSecond * seconds)));
}
