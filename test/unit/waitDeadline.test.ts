import { toBusinessHours } from '../../lib/core/businessHours';
import { FieldError } from '../../lib/core/fieldError';
import { computeDeadline, MAX_WAIT_MS } from '../../lib/waits/deadline';

const now = new Date('2026-06-10T10:00:00Z'); // a Wednesday
const HOUR = 60 * 60 * 1000;

describe('computeDeadline', () => {
	it('counts a duration from now', () => {
		const deadline = computeDeadline(
			{ mode: 'duration', amount: 4, unit: 'hours' },
			{ now, lastInboundAt: new Date('2026-06-10T08:00:00Z') },
		);
		expect(deadline).toEqual({
			at: new Date('2026-06-10T14:00:00Z'),
			countedFrom: 'now',
			beforeBusinessHours: new Date('2026-06-10T14:00:00Z'),
		});
	});

	it.each([
		[90, 'seconds', 90 * 1000],
		[30, 'minutes', 30 * 60 * 1000],
		[1.5, 'hours', 1.5 * HOUR],
		[2, 'days', 48 * HOUR],
	] as const)('takes %d %s as %d ms', (amount, unit, ms) => {
		const { at } = computeDeadline(
			{ mode: 'duration', amount, unit },
			{ now, lastInboundAt: null },
		);
		expect(at.getTime() - now.getTime()).toBe(ms);
	});

	it('counts "after the last interaction" from the contact’s last inbound message', () => {
		const deadline = computeDeadline(
			{ mode: 'afterLastInbound', amount: 4, unit: 'hours' },
			{ now, lastInboundAt: new Date('2026-06-10T08:30:00Z') },
		);
		expect(deadline.at).toEqual(new Date('2026-06-10T12:30:00Z'));
		expect(deadline.countedFrom).toBe('lastInbound');
	});

	it('counts from now for a contact who never wrote', () => {
		const deadline = computeDeadline(
			{ mode: 'afterLastInbound', amount: 4, unit: 'hours' },
			{ now, lastInboundAt: null },
		);
		expect(deadline.at).toEqual(new Date('2026-06-10T14:00:00Z'));
		expect(deadline.countedFrom).toBe('now');
	});

	it('may end in the past when the last interaction is long ago (the caller goes to No Reply at once)', () => {
		const { at } = computeDeadline(
			{ mode: 'afterLastInbound', amount: 1, unit: 'hours' },
			{ now, lastInboundAt: new Date('2026-06-09T10:00:00Z') },
		);
		expect(at.getTime()).toBeLessThan(now.getTime());
	});

	it('waits until a fixed time', () => {
		const until = new Date('2026-06-12T07:00:00Z');
		expect(computeDeadline({ mode: 'until', at: until }, { now, lastInboundAt: null })).toEqual({
			at: until,
			countedFrom: 'fixedTime',
			beforeBusinessHours: until,
		});
	});

	it('moves a deadline outside business hours to the next opening, keeping the original', () => {
		const businessHours = toBusinessHours({
			timeZone: 'Europe/Berlin',
			days: [1, 2, 3, 4, 5],
			from: '09:00',
			to: '17:00',
		});
		const deadline = computeDeadline(
			{ mode: 'duration', amount: 8, unit: 'hours' },
			{ now, lastInboundAt: null, businessHours },
		);
		expect(deadline.beforeBusinessHours).toEqual(new Date('2026-06-10T18:00:00Z')); // 20:00 Berlin
		expect(deadline.at).toEqual(new Date('2026-06-11T07:00:00Z')); // Thursday 09:00 Berlin
	});

	it.each([
		[{ mode: 'duration', amount: 0, unit: 'hours' }, 'Amount', /greater than 0/],
		[{ mode: 'duration', amount: -2, unit: 'hours' }, 'Amount', /greater than 0/],
		[{ mode: 'duration', amount: Number.NaN, unit: 'hours' }, 'Amount', /greater than 0/],
		[{ mode: 'duration', amount: 4, unit: 'fortnights' }, 'Unit', /seconds, minutes, hours, days/],
		[{ mode: 'duration', amount: 400, unit: 'days' }, 'Amount', /at most 365 days/],
		[{ mode: 'until', at: new Date('nonsense') }, 'Until', /ISO 8601/],
		[
			{ mode: 'until', at: new Date(now.getTime() + MAX_WAIT_MS + HOUR) },
			'Until',
			/at most 365 days/,
		],
	])('refuses %j naming the field %s and the fix', (timing, field, fix) => {
		let error: unknown;
		try {
			computeDeadline(timing as never, { now, lastInboundAt: null });
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(FieldError);
		expect((error as FieldError).field).toBe(field);
		expect((error as FieldError).fix).toMatch(fix);
	});
});
