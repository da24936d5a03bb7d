/**
 * Business hours for follow-up deadlines: a reminder due at 3 a.m. on a Sunday waits until the
 * business opens. Wall-clock times in an IANA time zone, so opening hours stay 09:00 across
 * daylight-saving changes.
 */
import { IANAZone } from 'luxon';

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
 * business is open then, otherwise the next opening. Open means the wall clock reads an open day
 * and a time from opening to closing, so when the clocks go back the hours can be open twice, and
 * hours that fall wholly in the span the clocks skip do not happen that day.
 */
export function nextBusinessMoment(at: Date, hours: BusinessHours): Date {
	const zone = IANAZone.create(hours.timeZone);
	const start = at.getTime();
	if (isOpen(start, hours, zone)) return at;
	// The clock reaches an open time either by running up to the opening time or by jumping into
	// the hours at an offset change; the earliest of those moments that is open is the answer.
	// Searched a day at a time, as the next opening is rarely more than a few days away.
	for (let day = 0; day < SEARCH_DAYS; day++) {
		const from = start + day * MS_PER_DAY;
		const to = from + MS_PER_DAY;
		const opens = [...openingInstants(from, to, hours, zone), ...offsetChanges(from, to, zone)]
			.filter((time) => isOpen(time, hours, zone))
			.sort((a, b) => a - b);
		if (opens.length > 0) return new Date(opens[0]);
	}
	throw new Error('Business hours have no open day: checked by toBusinessHours, so unreachable');
}

/** Two weeks and a day: an open day whose hours the clocks skip this week opens the week after. */
const SEARCH_DAYS = 15;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = MINUTES_PER_DAY * MS_PER_MINUTE;
/** No zone changes its offset twice within this span, so comparing its ends finds every change. */
const OFFSET_PROBE_MS = 6 * 60 * MS_PER_MINUTE;

function isOpen(time: number, hours: BusinessHours, zone: IANAZone): boolean {
	const wall = wallMillis(time, zone);
	const weekday = (new Date(wall).getUTCDay() || 7) as Weekday;
	const minuteOfDay = (wall - Math.floor(wall / MS_PER_DAY) * MS_PER_DAY) / MS_PER_MINUTE;
	return (
		hours.days.includes(weekday) && minuteOfDay >= hours.opensAt && minuteOfDay < hours.closesAt
	);
}

/** The wall-clock reading as if it were UTC, so readings compare across offset changes. */
function wallMillis(time: number, zone: IANAZone): number {
	return time + zone.offset(time) * MS_PER_MINUTE;
}

/** Every instant in (from, to] whose wall clock reads the opening time: none on a day the clocks
 * skip it, two on a day they repeat it. */
function openingInstants(from: number, to: number, hours: BusinessHours, zone: IANAZone): number[] {
	const instants: number[] = [];
	// Wall-clock days a day either side of the span: offsets are less than a day.
	const firstDay = Math.floor(from / MS_PER_DAY) - 1;
	const lastDay = Math.floor(to / MS_PER_DAY) + 1;
	for (let day = firstDay; day <= lastDay; day++) {
		const wanted = day * MS_PER_DAY + hours.opensAt * MS_PER_MINUTE;
		// The offsets in force a day either side cover both readings of a repeated time.
		const offsets = new Set([zone.offset(wanted - MS_PER_DAY), zone.offset(wanted + MS_PER_DAY)]);
		for (const offset of offsets) {
			const instant = wanted - offset * MS_PER_MINUTE;
			if (instant > from && instant <= to && zone.offset(instant) === offset)
				instants.push(instant);
		}
	}
	return instants;
}

/** The first instant of each new offset in (from, to]: where the wall clock jumps. */
function offsetChanges(from: number, to: number, zone: IANAZone): number[] {
	const changes: number[] = [];
	let offsetBefore = zone.offset(from);
	for (let probe = from; probe < to; probe += OFFSET_PROBE_MS) {
		let before = probe;
		let after = Math.min(probe + OFFSET_PROBE_MS, to);
		const offsetAfter = zone.offset(after);
		if (offsetAfter !== offsetBefore) {
			while (after - before > 1) {
				const middle = Math.floor((before + after) / 2);
				if (zone.offset(middle) === offsetAfter) after = middle;
				else before = middle;
			}
			changes.push(after);
		}
		offsetBefore = offsetAfter;
	}
	return changes;
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
