import fc from 'fast-check';
import { DateTime } from 'luxon';

import {
	nextBusinessMoment,
	toBusinessHours,
	type BusinessHours,
	type BusinessHoursInput,
} from '../../lib/core/businessHours';
import { FieldError } from '../../lib/core/fieldError';

const WEEKDAYS = [1, 2, 3, 4, 5];

function hours(overrides: Partial<BusinessHoursInput> = {}): BusinessHours {
	return toBusinessHours({
		timeZone: 'Europe/Berlin',
		days: WEEKDAYS,
		from: '09:00',
		to: '17:00',
		...overrides,
	});
}

/** A wall-clock time in the zone → the instant. */
function local(iso: string, zone = 'Europe/Berlin'): Date {
	const time = DateTime.fromISO(iso, { zone });
	if (!time.isValid) throw new Error(`bad test time ${iso}`);
	return time.toJSDate();
}

function moved(at: Date, businessHours: BusinessHours): string {
	return DateTime.fromJSDate(nextBusinessMoment(at, businessHours), {
		zone: businessHours.timeZone,
	}).toISO() as string;
}

describe('nextBusinessMoment', () => {
	it('keeps a deadline that falls within business hours', () => {
		const at = local('2026-06-10T11:23:45.678');
		expect(nextBusinessMoment(at, hours())).toEqual(at);
	});

	it('keeps the opening minute and moves the closing minute', () => {
		expect(moved(local('2026-06-10T09:00'), hours())).toBe('2026-06-10T09:00:00.000+02:00');
		expect(moved(local('2026-06-10T17:00'), hours())).toBe('2026-06-11T09:00:00.000+02:00');
	});

	it('moves an early-morning deadline to the opening time of the same day', () => {
		expect(moved(local('2026-06-10T06:15'), hours())).toBe('2026-06-10T09:00:00.000+02:00');
	});

	it('moves Friday evening and the whole weekend to Monday morning', () => {
		const monday = '2026-06-15T09:00:00.000+02:00';
		expect(moved(local('2026-06-12T17:30'), hours())).toBe(monday);
		expect(moved(local('2026-06-13T12:00'), hours())).toBe(monday);
		expect(moved(local('2026-06-14T23:59'), hours())).toBe(monday);
	});

	it('opens at 09:00 local on the Monday after the spring DST change (a 23-hour Sunday)', () => {
		// Europe/Berlin skips 02:00–03:00 on Sunday 2026-03-29: Friday is UTC+1, Monday UTC+2.
		const next = nextBusinessMoment(local('2026-03-27T18:00'), hours());
		expect(next.toISOString()).toBe('2026-03-30T07:00:00.000Z');
	});

	it('opens at 09:00 local on the Monday after the autumn DST change (a 25-hour Sunday)', () => {
		// Europe/Berlin repeats 02:00–03:00 on Sunday 2026-10-25: Friday is UTC+2, Monday UTC+1.
		const next = nextBusinessMoment(local('2026-10-23T18:00'), hours());
		expect(next.toISOString()).toBe('2026-10-26T08:00:00.000Z');
	});

	it('handles the night of a DST change on a day the business is open', () => {
		const everyDay = hours({ days: [1, 2, 3, 4, 5, 6, 7] });
		const springNight = nextBusinessMoment(new Date('2026-03-29T00:30:00Z'), everyDay);
		expect(springNight.toISOString()).toBe('2026-03-29T07:00:00.000Z');
		const autumnNight = nextBusinessMoment(new Date('2026-10-25T00:30:00Z'), everyDay);
		expect(autumnNight.toISOString()).toBe('2026-10-25T08:00:00.000Z');
	});

	it('follows the time zone’s own DST dates (New York changes three weeks before Berlin)', () => {
		const newYork = hours({ timeZone: 'America/New_York' });
		const next = nextBusinessMoment(local('2026-03-06T20:00', 'America/New_York'), newYork);
		expect(next.toISOString()).toBe('2026-03-09T13:00:00.000Z'); // 09:00 EDT, UTC-4
	});

	it('opens when the skipped hour ends on the day DST skips the opening time', () => {
		const night = hours({ days: [7], from: '02:30', to: '06:00' });
		expect(moved(local('2026-03-28T12:00'), night)).toBe('2026-03-29T03:00:00.000+02:00');
	});

	it('takes the first of the two 02:30s on the day DST repeats the opening time', () => {
		const night = hours({ days: [7], from: '02:30', to: '06:00' });
		expect(moved(local('2026-10-24T12:00'), night)).toBe('2026-10-25T02:30:00.000+02:00');
	});

	it('is open again when the clocks go back and the wall clock reads business hours a second time', () => {
		// Property counterexample: New York repeats 01:00–02:00 on Sunday 2026-11-01. 06:00Z is the
		// second 01:00 (EST): the wall clock reads 01:00 again, so 01:00–01:15 hours are open.
		const newYorkNight = hours({
			timeZone: 'America/New_York',
			days: [7],
			from: '01:00',
			to: '01:15',
		});
		const secondOne = new Date('2026-11-01T06:00:00Z');
		expect(nextBusinessMoment(secondOne, newYorkNight)).toEqual(secondOne);
		// Berlin repeats 02:00–03:00 on 2026-10-25: closed at the first 02:45, open at the second 02:30.
		const berlinNight = hours({ days: [7], from: '02:30', to: '02:45' });
		const between = new Date('2026-10-25T01:00:00Z'); // the second 02:00 (CET)
		expect(nextBusinessMoment(between, berlinNight).toISOString()).toBe('2026-10-25T01:30:00.000Z');
	});

	it('skips a day whose business hours fall entirely in the hour the clocks skip', () => {
		// Property counterexample: New York skips 02:00–03:00 on Sunday 2026-03-08, so 02:00–02:15
		// never happens that day: the next opening is the Sunday after, not 03:00 (closed).
		const newYorkNight = hours({
			timeZone: 'America/New_York',
			days: [7],
			from: '02:00',
			to: '02:15',
		});
		const next = nextBusinessMoment(new Date('2026-03-08T06:59:00Z'), newYorkNight);
		expect(DateTime.fromJSDate(next, { zone: 'America/New_York' }).toISO()).toBe(
			'2026-03-15T02:00:00.000-04:00',
		);
	});

	it('treats 24:00 as the end of the day', () => {
		const allDay = hours({ days: [3], from: '00:00', to: '24:00' });
		const lateWednesday = local('2026-06-10T23:59:59');
		expect(nextBusinessMoment(lateWednesday, allDay)).toEqual(lateWednesday);
		expect(moved(local('2026-06-11T00:00'), allDay)).toBe('2026-06-17T00:00:00.000+02:00');
	});

	it('waits a week when the only business day is today and it has closed', () => {
		const wednesdays = hours({ days: [3] });
		expect(moved(local('2026-06-10T18:00'), wednesdays)).toBe('2026-06-17T09:00:00.000+02:00');
	});

	it('always lands inside business hours, never before the deadline, at the earliest such moment', () => {
		const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];
		fc.assert(
			fc.property(
				fc.oneof(
					fc.date({
						min: new Date('2025-01-01T00:00:00Z'),
						max: new Date('2028-12-31T00:00:00Z'),
						noInvalidDate: true,
					}),
					nearDstChange,
				),
				fc.constantFrom(...zones),
				fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
				fc.integer({ min: 0, max: 23 * 4 }),
				fc.integer({ min: 1, max: 24 * 4 }),
				(at, timeZone, days, openQuarter, lengthQuarters) => {
					const closeQuarter = Math.min(openQuarter + lengthQuarters, 24 * 4);
					const businessHours = hours({
						timeZone,
						days,
						from: clock(openQuarter * 15),
						to: clock(closeQuarter * 15),
					});
					const next = nextBusinessMoment(at, businessHours);
					expect(next.getTime()).toBeGreaterThanOrEqual(at.getTime());
					expect(isOpen(next, businessHours)).toBe(true);
					for (let t = at.getTime(); t < next.getTime(); t += 15 * 60 * 1000) {
						expect(isOpen(new Date(t), businessHours)).toBe(false);
					}
				},
			),
			{ numRuns: 120 },
		);
	});
});

describe('toBusinessHours', () => {
	it.each([
		[{ timeZone: 'Europe/Atlantis' }, 'Business Hours Time Zone', /IANA time zone/],
		[{ timeZone: '' }, 'Business Hours Time Zone', /IANA time zone/],
		[{ days: [] }, 'Business Days', /at least one day/],
		[{ days: [0, 8] }, 'Business Days', /Monday to Sunday/],
		[{ from: '9am' }, 'Business Hours From', /HH:MM/],
		[{ from: '24:00' }, 'Business Hours From', /00:00 to 23:59/],
		[{ to: '25:00' }, 'Business Hours To', /HH:MM/],
		[{ to: '24:30' }, 'Business Hours To', /HH:MM/],
		[{ from: '17:00', to: '09:00' }, 'Business Hours To', /within one day/],
		[{ from: '09:00', to: '09:00' }, 'Business Hours To', /within one day/],
	])('refuses %j naming the field %s and the fix', (override, field, fix) => {
		let error: unknown;
		try {
			hours(override);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(FieldError);
		expect((error as FieldError).field).toBe(field);
		expect((error as FieldError).fix).toMatch(fix);
	});

	it('accepts days given as text (n8n multi-options) and single-digit hours', () => {
		expect(
			toBusinessHours({ timeZone: ' UTC ', days: ['5', '1', '1'], from: '8:30', to: '24:00' }),
		).toEqual({
			timeZone: 'UTC',
			days: [1, 5],
			opensAt: 8 * 60 + 30,
			closesAt: 24 * 60,
		});
	});
});

/** Instants within three days of a DST change in the zones the property test uses. */
const nearDstChange = fc
	.tuple(
		fc.constantFrom(
			'2026-03-08T07:00:00Z', // New York, spring
			'2026-03-29T01:00:00Z', // Berlin, spring
			'2026-04-05T16:00:00Z', // Sydney, autumn
			'2026-10-04T16:00:00Z', // Sydney, spring
			'2026-10-25T01:00:00Z', // Berlin, autumn
			'2026-11-01T06:00:00Z', // New York, autumn
		),
		fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }),
	)
	.map(([change, minutes]) => new Date(Date.parse(change) + minutes * 60_000));

function clock(minutes: number): string {
	return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Independent of the implementation: reads the local weekday and wall-clock minutes. */
function isOpen(at: Date, businessHours: BusinessHours): boolean {
	const time = DateTime.fromJSDate(at, { zone: businessHours.timeZone });
	const minutes = time.hour * 60 + time.minute + time.second / 60 + time.millisecond / 60000;
	return (
		businessHours.days.includes(time.weekday as BusinessHours['days'][number]) &&
		minutes >= businessHours.opensAt &&
		minutes < businessHours.closesAt
	);
}
