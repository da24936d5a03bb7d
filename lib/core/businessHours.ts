/**
 * Business hours for follow-up deadlines: a reminder due at 3 a.m. on a Sunday waits until the
 * business opens. Wall-clock times in an IANA time zone, so opening hours stay 09:00 across
 * daylight-saving changes.
 */
import { DateTime, IANAZone } from 'luxon';

import { FieldError } from './fieldError';

/** ISO weekday: 1 = Monday … 7 = Sunday (luxon's numbering). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface BusinessHours {
	timeZone: string;
	days: Weekday[];
	/** Minutes after local midnight when the business opens. */
	opensAt: number;
	/** Minutes after local midnight when it closes; 1440 (24:00) = end of the day. */
	closesAt: number;
}

export interface BusinessHoursInput {
	timeZone: unknown;
	days: unknown;
	from: unknown;
	to: unknown;
}

const MINUTES_PER_DAY = 24 * 60;
const CLOCK_TIME = /^([01]?\d|2[0-4]):([0-5]\d)$/;

/** Validates the node's fields; every error names the field, the value and the fix. */
export function toBusinessHours(input: BusinessHoursInput): BusinessHours {
	const timeZone = typeof input.timeZone === 'string' ? input.timeZone.trim() : input.timeZone;
	if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) {
		throw new FieldError(
			'Business Hours Time Zone',
			input.timeZone,
			'is not a time zone',
			'Use an IANA time zone name like Europe/Berlin or America/New_York, or leave it empty for the workflow’s time zone.',
		);
	}
	const days = weekdays(input.days);
	const opensAt = clockMinutes(input.from, 'Business Hours From');
	const closesAt = clockMinutes(input.to, 'Business Hours To');
	if (opensAt >= MINUTES_PER_DAY) {
		throw new FieldError(
			'Business Hours From',
			input.from,
			'is the end of the day',
			'Use an opening time from 00:00 to 23:59.',
		);
	}
	if (closesAt <= opensAt) {
		throw new FieldError(
			'Business Hours To',
			input.to,
			`is not after the opening time ${String(input.from)}`,
			'Use hours within one day, e.g. 09:00 to 17:00; for hours past midnight close at 24:00 and open at 00:00.',
		);
	}
	return { timeZone, days, opensAt, closesAt };
}

/**
 * The first moment at or after `at` that falls within business hours: `at` itself when the
 * business is open then, otherwise the next opening time.
 */
export function nextBusinessMoment(at: Date, hours: BusinessHours): Date {
	const local = DateTime.fromJSDate(at, { zone: hours.timeZone });
	// Eight days: today, and the same weekday next week when it is today's only opening, already closed.
	for (let offset = 0; offset <= 7; offset++) {
		const day = local.startOf('day').plus({ days: offset });
		if (!hours.days.includes(day.weekday as Weekday)) continue;
		const opens = wallClock(day, hours.opensAt);
		if (local < opens) return opens.toJSDate();
		if (local < wallClock(day, hours.closesAt)) return at;
	}
	throw new Error('Business hours have no open day: checked by toBusinessHours, so unreachable');
}

/**
 * The first instant whose wall-clock time on `day` is at least `minutes` after midnight. Calendar
 * arithmetic, not elapsed time: 09:00 stays 09:00 on a 23- or 25-hour day. Of a time repeated when
 * clocks go back, the first; a time skipped when they go forward opens when the skipped span ends.
 */
function wallClock(day: DateTime, minutes: number): DateTime {
	const wanted = Date.UTC(day.year, day.month - 1, day.day) + minutes * 60_000;
	let time =
		minutes === MINUTES_PER_DAY
			? day.plus({ days: 1 }).startOf('day')
			: day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
	// Inside a skipped span luxon moves the time forward by the span's length: step back to its end.
	while (wallMillis(time.minus({ minutes: 1 })) >= wanted) time = time.minus({ minutes: 1 });
	return time;
}

/** The wall-clock reading as if it were UTC, so readings compare across offset changes. */
function wallMillis(time: DateTime): number {
	return time.toMillis() + time.offset * 60_000;
}

function clockMinutes(value: unknown, field: string): number {
	const match = typeof value === 'string' ? CLOCK_TIME.exec(value.trim()) : null;
	const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
	if (!match || minutes > MINUTES_PER_DAY) {
		throw new FieldError(
			field,
			value,
			'is not a time of day',
			'Use 24-hour HH:MM, e.g. 09:00 or 17:30 (24:00 for the end of the day).',
		);
	}
	return minutes;
}

function weekdays(value: unknown): Weekday[] {
	const list = Array.isArray(value) ? value : [];
	const days = [...new Set(list.map(Number))].sort((a, b) => a - b);
	if (days.length === 0 || days.some((day) => !Number.isInteger(day) || day < 1 || day > 7)) {
		throw new FieldError(
			'Business Days',
			value,
			days.length === 0 ? 'has no day selected' : 'contains an unknown day',
			'Select at least one day from Monday to Sunday.',
		);
	}
	return days as Weekday[];
}
