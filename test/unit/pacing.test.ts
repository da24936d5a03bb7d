import {
	LATE_SLOT_MS,
	messagesWithin,
	PacedSender,
	RATE_HEADROOM,
	RateLimiter,
	SharedRateLimiter,
	sendPaced,
} from '../../lib/core/pacing';

/**
 * A virtual clock: sleeping advances time instantly, so pacing is checked without waiting. A
 * sleeper wakes at the time it asked for (or later, if the clock has passed it), so senders
 * sleeping side by side do not add up their sleeps.
 */
function virtualTime() {
	let now = 0;
	return {
		now: () => now,
		sleep: async (ms: number) => {
			const at = now + ms;
			await Promise.resolve();
			now = Math.max(now, at);
		},
	};
}

describe('RateLimiter', () => {
	it('spaces slots 1/rate apart, less the headroom', async () => {
		const time = virtualTime();
		const limiter = new RateLimiter(10, time.sleep, time.now);
		const starts: number[] = [];
		for (let i = 0; i < 5; i++) {
			await limiter.acquire();
			starts.push(time.now());
		}
		const interval = 100 / RATE_HEADROOM;
		expect(interval).toBeCloseTo(105.26, 2);
		starts.forEach((start, slot) => expect(start).toBeCloseTo(slot * interval, 6));
	});

	it('gives up a slot its sleeper woke up too late for, and spaces the next from then', async () => {
		let now = 0;
		let overshoot = 300; // the first sleep ends 300 ms late (a busy event loop)
		const limiter = new RateLimiter(
			10,
			async (ms) => {
				now += ms + overshoot;
				overshoot = 0;
			},
			() => now,
		);
		const interval = 100 / RATE_HEADROOM;
		await limiter.acquire(); // slot 0, on time
		await limiter.acquire(); // slot 105 woken at 405: given up, and 405 (now) taken instead
		expect(now).toBeCloseTo(interval + 300, 6);
		await limiter.acquire(); // the next slot one interval after it, not at 210 (long gone)
		expect(now).toBeCloseTo(2 * interval + 300, 6);
	});

	it('a sleeper late by no more than LATE_SLOT_MS keeps its slot', async () => {
		let now = 0;
		const limiter = new RateLimiter(
			10,
			async (ms) => {
				now += ms + LATE_SLOT_MS;
			},
			() => now,
		);
		await limiter.acquire();
		await limiter.acquire();
		expect(now).toBeCloseTo(100 / RATE_HEADROOM + LATE_SLOT_MS, 6);
	});

	it('pauses everyone after a throughput error', async () => {
		const time = virtualTime();
		const limiter = new RateLimiter(0, time.sleep, time.now);
		limiter.pause(5000);
		await limiter.acquire();
		expect(time.now()).toBe(5000);
	});
});

describe('sendPaced', () => {
	const retry = { maxRetries: 2, baseDelayMs: 1000 };

	it('sends every item once, in bounded concurrency, results in input order', async () => {
		const time = virtualTime();
		let inFlight = 0;
		let maxInFlight = 0;
		const sent: number[] = [];
		const items = Array.from({ length: 100 }, (_, i) => i);
		const results = await sendPaced(
			items,
			(i) => `r${i}`,
			async (i) => {
				inFlight++;
				maxInFlight = Math.max(maxInFlight, inFlight);
				await Promise.resolve();
				sent.push(i);
				inFlight--;
				return i * 2;
			},
			() => ({ retryable: false }),
			{ ratePerSecond: 0, concurrency: 7, sleep: time.sleep, now: time.now, retry },
		);
		expect(results.map((r) => (r.ok ? r.value : null))).toEqual(items.map((i) => i * 2));
		expect(sent.sort((a, b) => a - b)).toEqual(items);
		expect(maxInFlight).toBeLessThanOrEqual(7);
		expect(maxInFlight).toBeGreaterThan(1);
	});

	it('keeps the per-number rate', async () => {
		const time = virtualTime();
		const startedAt: number[] = [];
		await sendPaced(
			Array.from({ length: 21 }, (_, i) => i),
			(i) => `r${i}`,
			async () => {
				startedAt.push(time.now());
			},
			() => ({ retryable: false }),
			{ ratePerSecond: 20, concurrency: 5, sleep: time.sleep, now: time.now, retry },
		);
		expect(Math.max(...startedAt)).toBeGreaterThanOrEqual(1000);
	});

	it('retries only the failing item, with doubling delays, then reports its error', async () => {
		const time = virtualTime();
		const attempts = new Map<number, number>();
		const results = await sendPaced(
			[0, 1, 2],
			(i) => `r${i}`,
			async (i) => {
				attempts.set(i, (attempts.get(i) ?? 0) + 1);
				if (i === 1) throw new Error('temporary');
				return i;
			},
			() => ({ retryable: true }),
			{ ratePerSecond: 0, concurrency: 3, sleep: time.sleep, now: time.now, retry },
		);
		expect([...attempts.entries()].sort()).toEqual([
			[0, 1],
			[1, 3],
			[2, 1],
		]);
		expect(results[1]).toMatchObject({ ok: false, attempts: 3 });
		expect(time.now()).toBeGreaterThanOrEqual(1000 + 2000);
	});

	it('does not retry non-retryable errors', async () => {
		const time = virtualTime();
		let calls = 0;
		const [result] = await sendPaced(
			[0],
			() => 'r',
			async () => {
				calls++;
				throw new Error('bad');
			},
			() => ({ retryable: false }),
			{ ratePerSecond: 0, concurrency: 1, sleep: time.sleep, now: time.now, retry },
		);
		expect(calls).toBe(1);
		expect(result.ok).toBe(false);
	});

	it('sends items for one recipient one after another, in order', async () => {
		const time = virtualTime();
		const order: number[] = [];
		let concurrentForSame = 0;
		let maxForSame = 0;
		await sendPaced(
			[0, 1, 2, 3, 4, 5],
			(i) => (i % 2 === 0 ? 'same' : `other${i}`),
			async (i) => {
				if (i % 2 === 0) {
					concurrentForSame++;
					maxForSame = Math.max(maxForSame, concurrentForSame);
				}
				await time.sleep(10);
				if (i % 2 === 0) {
					order.push(i);
					concurrentForSame--;
				}
			},
			() => ({ retryable: false }),
			{ ratePerSecond: 0, concurrency: 4, sleep: time.sleep, now: time.now, retry },
		);
		expect(maxForSame).toBe(1);
		expect(order).toEqual([0, 2, 4]);
	});
});

/** The store's shared timeline, in memory: runs of slots one after another, no banked burst. */
function memoryTimeline() {
	let end = 0;
	const runs: Array<{ count: number; first: number }> = [];
	const pauses: number[] = [];
	return {
		runs,
		pauses,
		timeline: {
			reserve: async (count: number, intervalMs: number, now: number) => {
				await Promise.resolve();
				const first = Math.max(end, now);
				end = first + count * intervalMs;
				runs.push({ count, first });
				return first;
			},
			pause: async (until: number) => {
				await Promise.resolve();
				pauses.push(until);
				end = Math.max(end, until);
			},
		},
	};
}

/** The most slot starts in any window of `windowMs` (a cap counts per second). */
function busiestWindow(starts: number[], windowMs: number): number {
	const sorted = [...starts].sort((a, b) => a - b);
	let most = 0;
	for (let i = 0, j = 0; j < sorted.length; j++) {
		while (sorted[j] - sorted[i] >= windowMs) i++;
		most = Math.max(most, j - i + 1);
	}
	return most;
}

/**
 * A virtual clock with timers: `sleep` wakes at now + ms, and `run` moves time to the next timer
 * once every promise has settled, so concurrent sleepers see one consistent time.
 */
function scheduledTime() {
	let now = 0;
	const timers: Array<{ at: number; wake: () => void }> = [];
	const settle = async () => await new Promise<void>((resolve) => setImmediate(resolve));
	return {
		now: () => now,
		sleep: async (ms: number) =>
			await new Promise<void>((wake) => timers.push({ at: now + ms, wake })),
		run: async <T>(work: Promise<T>): Promise<T> => {
			let done = false;
			const finished = work.finally(() => {
				done = true;
			});
			for (await settle(); !done; await settle()) {
				timers.sort((a, b) => a.at - b.at);
				const next = timers.shift();
				if (!next) continue;
				now = Math.max(now, next.at);
				next.wake();
			}
			return await finished;
		},
	};
}

describe('SharedRateLimiter', () => {
	it('keeps two campaigns on one number within the rate together, in runs of slots', async () => {
		const time = scheduledTime();
		const shared = memoryTimeline();
		const starts: number[] = [];
		const campaign = async () =>
			await sendPaced(
				Array.from({ length: 100 }, (_, i) => i),
				(i) => `r${i}`,
				async () => {
					starts.push(time.now());
				},
				() => ({ retryable: false }),
				{
					ratePerSecond: 20,
					concurrency: 5,
					sleep: time.sleep,
					now: time.now,
					retry: { maxRetries: 0, baseDelayMs: 0 },
					limiterFor: (() => {
						const limiter = new SharedRateLimiter(20, 100, shared.timeline, time.sleep, time.now);
						return () => limiter;
					})(),
				},
			);
		await time.run(Promise.all([campaign(), campaign()]));
		expect(starts).toHaveLength(200);
		// Alone, each would send 19 per second (20 less the headroom); together they share the 20.
		expect(busiestWindow(starts, 1000)).toBeLessThanOrEqual(20);
		// Four slots per run (250 ms at 19/s): one reservation per four messages, not one per message.
		expect(shared.runs.every((run) => run.count === 4)).toBe(true);
		expect(shared.runs).toHaveLength(50);
		// And they kept the number busy: 200 messages at 19 per second take about 10.5 s.
		expect(Math.max(...starts)).toBeLessThan(11_000);
	});

	it('gives up slots that passed while the process was busy instead of sending them at once', async () => {
		const time = virtualTime();
		const shared = memoryTimeline();
		const limiter = new SharedRateLimiter(10, 100, shared.timeline, time.sleep, time.now);
		await limiter.acquire(); // a run of two slots: 0 and 100
		await time.sleep(1000); // busy elsewhere: slot 100 is long gone
		await limiter.acquire();
		expect(shared.runs.map((run) => run.first)).toEqual([0, 1000]);
	});

	it('gives up a slot its sleeper woke up too late for and sends in a later one', async () => {
		let now = 0;
		let overshoot = 0;
		const shared = memoryTimeline();
		const limiter = new SharedRateLimiter(
			10,
			100,
			shared.timeline,
			async (ms) => {
				now += ms + overshoot;
				overshoot = 0;
			},
			() => now,
		);
		const interval = 100 / RATE_HEADROOM;
		await limiter.acquire(); // a run of two slots: 0 and 105
		overshoot = LATE_SLOT_MS + 1;
		// Woke for 105 at 146: too late. The timeline's next free slot (210: the two reserved ones
		// stay spent) starts a new run, and the message waits for it.
		await limiter.acquire();
		expect(shared.runs).toHaveLength(2);
		expect(shared.runs[1].first).toBeCloseTo(2 * interval, 6);
		expect(now).toBeCloseTo(2 * interval, 6);
	});

	it('reserves no more slots than the messages still expected', async () => {
		const time = virtualTime();
		const shared = memoryTimeline();
		const limiter = new SharedRateLimiter(1000, 7, shared.timeline, time.sleep, time.now);
		for (let i = 0; i < 8; i++) await limiter.acquire();
		// 250 per run at 1,000/s, but only 7 expected; the 8th (a retry) takes one more.
		expect(shared.runs.map((run) => run.count)).toEqual([7, 1]);
	});

	it('pauses the shared timeline after a throughput error and gives up the slots it held', async () => {
		const time = virtualTime();
		const shared = memoryTimeline();
		const limiter = new SharedRateLimiter(10, 10, shared.timeline, time.sleep, time.now);
		await limiter.acquire();
		limiter.pause(5000);
		await limiter.acquire();
		expect(shared.pauses).toEqual([5000]);
		expect(time.now()).toBe(5000);
		// Another campaign on the number waits for the pause too.
		const other = new SharedRateLimiter(10, 10, shared.timeline, time.sleep, time.now);
		await other.acquire();
		expect(time.now()).toBeGreaterThanOrEqual(5000);
	});

	it('refuses an unpaced rate (nothing to share)', () => {
		const shared = memoryTimeline();
		expect(() => new SharedRateLimiter(0, 1, shared.timeline, async () => {})).toThrow(/rate/);
	});
});

describe('PacedSender', () => {
	const retry = { maxRetries: 2, baseDelayMs: 1000 };

	it('takes items while it sends: one rate for all of them, one recipient at a time, in order', async () => {
		const time = virtualTime();
		const started: Array<{ item: string; at: number }> = [];
		let inFlightForA = 0;
		let maxInFlightForA = 0;
		const sender = new PacedSender<string, string>(
			(item) => item.split(':')[0],
			async (item) => {
				started.push({ item, at: time.now() });
				if (item.startsWith('a:')) inFlightForA++;
				maxInFlightForA = Math.max(maxInFlightForA, inFlightForA);
				await time.sleep(250);
				if (item.startsWith('a:')) inFlightForA--;
				return item.toUpperCase();
			},
			() => ({ retryable: false }),
			{ ratePerSecond: 10, concurrency: 4, sleep: time.sleep, now: time.now, retry },
		);
		const first = ['a:1', 'b:1', 'a:2'].map((item) => sender.send(item));
		expect(sender.pending).toBe(3);
		await first[0];
		// Handed over after the first item settled, while a:2 may still be queued behind it.
		const second = ['a:3', 'c:1'].map((item) => sender.send(item));
		const results = await Promise.all([...first, ...second]);
		expect(results.map((r) => (r.ok ? r.value : null))).toEqual([
			'A:1',
			'B:1',
			'A:2',
			'A:3',
			'C:1',
		]);
		expect(started.filter((s) => s.item.startsWith('a:')).map((s) => s.item)).toEqual([
			'a:1',
			'a:2',
			'a:3',
		]);
		expect(maxInFlightForA).toBe(1);
		// The rate holds across handovers: no two requests closer than 100 ms.
		const times = started.map((s) => s.at).sort((x, y) => x - y);
		times.slice(1).forEach((at, i) => expect(at - times[i]).toBeGreaterThanOrEqual(100));
		expect(sender.pending).toBe(0);
	});

	it('tells when few enough items are left unsettled', async () => {
		const time = virtualTime();
		const settledOrder: string[] = [];
		const sender = new PacedSender<number, number>(
			(i) => `r${i}`,
			async (i) => {
				await time.sleep(10 * (i + 1));
				return i;
			},
			() => ({ retryable: false }),
			{ ratePerSecond: 0, concurrency: 10, sleep: time.sleep, now: time.now, retry },
		);
		const all = Array.from({ length: 6 }, (_, i) =>
			sender.send(i).then(() => settledOrder.push(`item ${i}`)),
		);
		await sender.settledDownTo(2);
		settledOrder.push('down to 2');
		expect(sender.pending).toBeLessThanOrEqual(2);
		await sender.settledDownTo(0);
		await Promise.all(all);
		expect(settledOrder.indexOf('down to 2')).toBeGreaterThanOrEqual(4);
		expect(sender.pending).toBe(0);
		await sender.settledDownTo(0);
	});
});

describe('messagesWithin', () => {
	it('counts the messages of a stretch at the rate, at least one, at most the cap', () => {
		expect(messagesWithin(0.25, 80, 20)).toBe(20);
		expect(messagesWithin(0.25, 40, 20)).toBe(10);
		expect(messagesWithin(0.25, 1, 20)).toBe(1);
		expect(messagesWithin(0.5, 1000, 100)).toBe(100);
		expect(messagesWithin(0.5, 0, 100)).toBe(100);
		expect(messagesWithin(0.5, 80, 0)).toBe(1);
	});
});
