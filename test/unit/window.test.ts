import fc from 'fast-check';

import {
	isWindowOpen,
	startsNewConversation,
	WINDOW_MS,
	windowClosesAt,
} from '../../lib/core/window';

const LAST = new Date('2026-03-01T10:00:00.000Z');
const after = (ms: number) => new Date(LAST.getTime() + ms);
const HOUR = 60 * 60 * 1000;

describe('the 24-hour window', () => {
	it('is 24 hours long', () => {
		expect(WINDOW_MS).toBe(24 * HOUR);
	});

	it('is closed when the contact never wrote', () => {
		expect(isWindowOpen(null, LAST)).toBe(false);
		expect(windowClosesAt(null)).toBeNull();
		expect(startsNewConversation(null, LAST)).toBe(true);
	});

	it.each([
		[0, true],
		[23 * HOUR, true],
		[WINDOW_MS - 1, true],
		[WINDOW_MS, false],
		[WINDOW_MS + 1, false],
		[3 * WINDOW_MS, false],
	])('%i ms after the last inbound message: open = %s', (elapsed, open) => {
		expect(isWindowOpen(LAST, after(elapsed))).toBe(open);
		expect(startsNewConversation(LAST, after(elapsed))).toBe(!open);
	});

	it('closes exactly 24 hours after the last inbound message', () => {
		expect(windowClosesAt(LAST)).toEqual(new Date('2026-03-02T10:00:00.000Z'));
	});

	it('counts a message older than the last recorded one (late redelivery) as inside the window', () => {
		expect(isWindowOpen(LAST, after(-5 * HOUR))).toBe(true);
		expect(startsNewConversation(LAST, after(-5 * HOUR))).toBe(false);
	});

	it.each([
		['lastInboundAt', () => isWindowOpen(new Date('nonsense'), LAST)],
		['at', () => isWindowOpen(LAST, new Date(Number.NaN))],
		['lastInboundAt', () => windowClosesAt(new Date('nonsense'))],
	])('refuses an invalid %s by name', (name, call) => {
		expect(call).toThrow(`${name} is not a valid date`);
	});

	it('open exactly when the moment is before the close time', () => {
		fc.assert(
			fc.property(
				fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }),
				fc.integer({ min: -10 * WINDOW_MS, max: 10 * WINDOW_MS }),
				(last, elapsed) => {
					const at = new Date(last.getTime() + elapsed);
					const closesAt = windowClosesAt(last) as Date;
					expect(isWindowOpen(last, at)).toBe(at < closesAt);
					expect(startsNewConversation(last, at)).toBe(at >= closesAt);
				},
			),
		);
	});
});
