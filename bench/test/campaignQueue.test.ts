import { sendPhaseRate } from '../lib/graphFront';
import { combined, split } from '../scenarios/campaignQueue';

describe('sendPhaseRate', () => {
	it('is the accepted messages’ intervals per second from the first to the last one', () => {
		// 1,000 messages paced at 1,000 per second span 999 ms.
		expect(sendPhaseRate({ accepted: 1000, firstAcceptedAt: 5000, lastAcceptedAt: 5999 })).toBe(
			1000,
		);
		expect(sendPhaseRate({ accepted: 501, firstAcceptedAt: 0, lastAcceptedAt: 2000 })).toBe(250);
	});

	it('is null without two accepted messages at different times', () => {
		expect(sendPhaseRate({ accepted: 1, firstAcceptedAt: 1, lastAcceptedAt: 1 })).toBeNull();
		expect(sendPhaseRate({ accepted: 5, firstAcceptedAt: 7, lastAcceptedAt: 7 })).toBeNull();
		expect(sendPhaseRate({ accepted: 0, firstAcceptedAt: null, lastAcceptedAt: null })).toBeNull();
	});
});

describe('split', () => {
	it('gives every worker a consecutive share, the first ones one longer', () => {
		expect(split([1, 2, 3, 4, 5], 2)).toEqual([
			[1, 2, 3],
			[4, 5],
		]);
		expect(split([1, 2, 3, 4], 2)).toEqual([
			[1, 2],
			[3, 4],
		]);
		expect(split([1], 2)).toEqual([[1], []]);
	});
});

describe('combined', () => {
	it('adds the processes’ CPU and memory over the longest watch', () => {
		const profile = (cpuSeconds: number, wallSeconds: number, peakBytes: number) => ({
			startBytes: 100,
			peakBytes,
			cpuSeconds,
			wallSeconds,
			coreShare: cpuSeconds / wallSeconds,
		});

		expect(combined([profile(9, 10, 1000), profile(8, 10.5, 2000), profile(0.5, 10, 500)])).toEqual(
			{
				startBytes: 300,
				peakBytes: 3500,
				cpuSeconds: 17.5,
				wallSeconds: 10.5,
				coreShare: 17.5 / 10.5,
			},
		);
	});
});
