import { toBusinessHours } from '../../lib/core/businessHours';
import { FieldError } from '../../lib/core/fieldError';
import {
	computeDeadline,
	deadlineFromField,
	type FieldDeadline,
	MAX_WAIT_MS,
} from '../../lib/waits/deadline';

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
			clampedTo: null,
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
			clampedTo: null,
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

describe('a deadline from a field', () => {
	const MINUTE = 60 * 1000;
	function field(value: unknown, overrides: Partial<FieldDeadline> = {}): FieldDeadline {
		return {
			value,
			label: 'Deadline ({{ $json.followUpAt }})',
			timeZone: 'Europe/Berlin',
			earliest: { amount: 10, unit: 'minutes' },
			latest: { amount: 30, unit: 'days' },
			...overrides,
		};
	}

	it.each([
		['an ISO text with Z', '2026-06-11T09:00:00.000Z', '2026-06-11T09:00:00.000Z'],
		['an ISO text with an offset', '2026-06-11T11:00:00+02:00', '2026-06-11T09:00:00.000Z'],
		[
			'an ISO text without an offset, in the workflow zone',
			'2026-06-11T11:00:00',
			'2026-06-11T09:00:00.000Z',
		],
		['epoch milliseconds', Date.parse('2026-06-11T09:00:00Z'), '2026-06-11T09:00:00.000Z'],
		[
			'epoch milliseconds as text',
			String(Date.parse('2026-06-11T09:00:00Z')),
			'2026-06-11T09:00:00.000Z',
		],
		['a Date', new Date('2026-06-11T09:00:00Z'), '2026-06-11T09:00:00.000Z'],
	])('reads %s', (_, value, expected) => {
		expect(deadlineFromField(field(value), now)).toEqual({
			at: new Date(expected),
			clampedTo: null,
		});
	});

	it('moves a time before Earliest (or in the past) to Earliest, and one after Latest to Latest', () => {
		expect(deadlineFromField(field('2026-06-10T10:05:00Z'), now)).toEqual({
			at: new Date(now.getTime() + 10 * MINUTE),
			clampedTo: 'earliest',
		});
		expect(deadlineFromField(field('2020-01-01T00:00:00Z'), now).clampedTo).toBe('earliest');
		expect(deadlineFromField(field('2026-08-01T00:00:00Z'), now)).toEqual({
			at: new Date(now.getTime() + 30 * 24 * HOUR),
			clampedTo: 'latest',
		});
		const bounds = {
			earliest: { amount: 2, unit: 'hours' },
			latest: { amount: 3, unit: 'hours' },
		} as const;
		expect(deadlineFromField(field('2026-06-10T11:00:00Z', bounds), now)).toEqual({
			at: new Date('2026-06-10T12:00:00Z'),
			clampedTo: 'earliest',
		});
		expect(deadlineFromField(field('2026-06-10T12:30:00Z', bounds), now).clampedTo).toBeNull();
		expect(
			deadlineFromField(
				field('2026-06-10T10:00:01Z', { earliest: { amount: 0, unit: 'minutes' } }),
				now,
			),
		).toEqual({
			at: new Date('2026-06-10T10:00:01Z'),
			clampedTo: null,
		});
	});

	it('names the field and the value when it is empty, not a date, or epoch seconds', () => {
		const failure = (value: unknown) => {
			try {
				deadlineFromField(field(value), now);
			} catch (error) {
				return error as FieldError;
			}
			throw new Error('no error');
		};
		for (const value of [undefined, null, '', '   ']) {
			const error = failure(value);
			expect(error).toBeInstanceOf(FieldError);
			expect(error.message).toBe('Deadline ({{ $json.followUpAt }}) is empty');
		}
		for (const value of ['tomorrow', '2026-13-45', { at: 1 }, true]) {
			const error = failure(value);
			expect(error.message).toBe('Deadline ({{ $json.followUpAt }}) is not a date');
			expect(error.describe()).toContain('Fix: Map an ISO 8601 date');
		}
		expect(failure('tomorrow').describe()).toContain('Value: "tomorrow"');
		const seconds = failure(1781168400);
		expect(seconds.message).toContain('looks like seconds');
		expect(seconds.value).toBe(1781168400);
	});

	it('refuses bounds that cannot hold', () => {
		expect(() =>
			deadlineFromField(
				field('2026-06-11T09:00:00Z', {
					earliest: { amount: 2, unit: 'days' },
					latest: { amount: 1, unit: 'days' },
				}),
				now,
			),
		).toThrow('Earliest (2 days) is after Latest (1 days)');
		expect(() =>
			deadlineFromField(
				field('2026-06-11T09:00:00Z', { latest: { amount: 400, unit: 'days' } }),
				now,
			),
		).toThrow('Latest is more than a year');
		expect(() =>
			deadlineFromField(
				field('2026-06-11T09:00:00Z', { latest: { amount: 0, unit: 'days' } }),
				now,
			),
		).toThrow('Latest is not a positive number');
		expect(() =>
			deadlineFromField(
				field('2026-06-11T09:00:00Z', { earliest: { amount: -1, unit: 'minutes' } }),
				now,
			),
		).toThrow('Earliest is not a number of 0 or more');
	});

	it('moves the field’s time into business hours afterwards, like every mode', () => {
		const deadline = computeDeadline(
			{ mode: 'fromField', field: field('2026-06-10T20:00:00Z', { timeZone: 'UTC' }) },
			{
				now,
				lastInboundAt: null,
				businessHours: toBusinessHours({
					timeZone: 'UTC',
					days: [1, 2, 3, 4, 5],
					from: '09:00',
					to: '17:00',
				}),
			},
		);
		expect(deadline).toEqual({
			at: new Date('2026-06-11T09:00:00Z'),
			countedFrom: 'field',
			beforeBusinessHours: new Date('2026-06-10T20:00:00Z'),
			clampedTo: null,
		});
	});
});
