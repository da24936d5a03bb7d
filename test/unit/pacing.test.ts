import { RateLimiter, sendPaced } from '../../lib/core/pacing';

/** A virtual clock: sleeping advances time instantly, so pacing is checked without waiting. */
function virtualTime() {
	let now = 0;
	return {
		now: () => now,
		sleep: async (ms: number) => {
			now += ms;
			await Promise.resolve();
		},
	};
}

describe('RateLimiter', () => {
	it('spaces slots 1/rate apart', async () => {
		const time = virtualTime();
		const limiter = new RateLimiter(10, time.sleep, time.now);
		const starts: number[] = [];
		for (let i = 0; i < 5; i++) {
			await limiter.acquire();
			starts.push(time.now());
		}
		expect(starts).toEqual([0, 100, 200, 300, 400]);
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
