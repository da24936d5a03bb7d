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

/**
 * Slots are spaced for this share of the number's rate. Meta (and the emulator) count a second
 * as it passes: paced at exactly the rate, one message that leaves a few ms late shares a second
 * with the message a rate's worth of slots after it, one too many, and the 130429 that follows
 * pauses the whole batch. The 5 % left absorbs lateness up to about 52 ms (1/0.95 − 1 s).
 */
export const RATE_HEADROOM = 0.95;

/**
 * A slot whose sleeper wakes later than this (a busy event loop, a long garbage collection) is
 * given up instead of used: the held-up senders would otherwise all go at once. Below the 52 ms
 * the headroom absorbs.
 */
export const LATE_SLOT_MS = 40;

/** The spacing of a number's slots at `ratePerSecond`, headroom included; 0 when unpaced. */
function slotIntervalMs(ratePerSecond: number): number {
	return ratePerSecond > 0 ? 1000 / (ratePerSecond * RATE_HEADROOM) : 0;
}

/**
 * Hands out send slots spaced a little more than 1/rate apart; a pause (after a 130429) pushes
 * every slot back.
 */
export class RateLimiter implements SendLimiter {
	private nextSlotAt = 0;

	private readonly intervalMs: number;

	constructor(
		ratePerSecond: number,
		private readonly sleep: Sleep,
		private readonly now: () => number = Date.now,
	) {
		this.intervalMs = slotIntervalMs(ratePerSecond);
	}

	async acquire(): Promise<void> {
		if (this.intervalMs === 0 && this.nextSlotAt <= this.now()) return;
		for (;;) {
			const current = this.now();
			const slot = Math.max(current, this.nextSlotAt);
			this.nextSlotAt = slot + this.intervalMs;
			if (slot > current) await this.sleep(slot - current);
			if (this.intervalMs === 0 || this.now() - slot <= LATE_SLOT_MS) return;
		}
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
		this.intervalMs = slotIntervalMs(ratePerSecond);
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
				if (this.now() - slot > LATE_SLOT_MS) continue;
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

/** What a paced send needs besides the rate: retries, and the limiter of each item's number. */
export interface PacedSendOptions<T> extends PacingOptions {
	retry: RetryPolicy;
	/**
	 * The limiter of an item's number (e.g. a SharedRateLimiter on the number's shared timeline);
	 * one RateLimiter at `ratePerSecond` for every item when absent or when it returns undefined.
	 */
	limiterFor?: (item: T) => SendLimiter | undefined;
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
	/** Every item's limiter unless `limiterFor` names another. */
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
		private readonly options: PacedSendOptions<T>,
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
		const limiter = this.options.limiterFor?.(item) ?? this.limiter;
		for (let attempt = 1; ; attempt++) {
			await limiter.acquire();
			try {
				return { ok: true, value: await this.attempt(item, index, attempt), attempts: attempt };
			} catch (error) {
				const decision = this.classify(error);
				if (!decision.retryable || attempt > this.options.retry.maxRetries) {
					return { ok: false, error, attempts: attempt };
				}
				const delay = this.options.retry.baseDelayMs * 2 ** (attempt - 1);
				if (decision.pauseAll) limiter.pause(delay);
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
	options: PacedSendOptions<T>,
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
