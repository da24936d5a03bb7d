import { RateLadder } from '../lib/rateLadder';

/** Climbs a ladder against a receiver that sustains every rate up to `limit`; returns the rates offered. */
function climb(ladder: RateLadder, limit: number, maxSteps = 100): number[] {
	const offered: number[] = [];
	for (let rate = ladder.next(); rate !== null && offered.length < maxSteps; rate = ladder.next()) {
		offered.push(Math.round(rate * 100) / 100);
		ladder.record(rate <= limit);
	}
	return offered;
}

describe('RateLadder', () => {
	it('rises by the factor until a step fails, then by the fine factor from the last sustained rate', () => {
		expect(climb(new RateLadder(4, 2, 1.1), 20)).toEqual([4, 8, 16, 32, 17.6, 19.36, 21.3]);
	});

	it('stops the fine steps just below the rate that failed', () => {
		// 16 sustained, 32 failed: fine steps up to 32 / √1.1 = 30.5 at most.
		expect(climb(new RateLadder(4, 2, 1.1), 31)).toEqual([
			4, 8, 16, 32, 17.6, 19.36, 21.3, 23.43, 25.77, 28.34,
		]);
	});

	it('ends at once when the first rate is not sustained', () => {
		expect(climb(new RateLadder(4, 2, 1.1), 1)).toEqual([4]);
	});

	it('ends when stopped, and refuses a result after its end', () => {
		const ladder = new RateLadder(4, 2, 1.1);
		ladder.record(true);
		ladder.stop();
		expect(ladder.next()).toBeNull();
		expect(() => ladder.record(true)).toThrow(/no step was due/);
	});
});
