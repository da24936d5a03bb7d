import { FieldError } from './fieldError';

/**
 * When an event happened, by Meta's timestamp, unless that is missing or implausible. Consent is
 * ordered by event time (a newer event wins), so a timestamp far ahead of our clock would let one
 * event outrank every later STOP: a time before 2000 or more than a day (clock skew) after the
 * delivery arrived is replaced by the arrival time.
 */
const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);
const CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** `metaTimeMs`: Meta's time in epoch milliseconds, or null/NaN when it gave none. */
export function plausibleEventTime(metaTimeMs: number | null, receivedAt: number): number {
	const millis = metaTimeMs ?? Number.NaN;
	return millis >= EARLIEST_EVENT_MS && millis <= receivedAt + CLOCK_SKEW_MS ? millis : receivedAt;
}

/** Below this a number is Unix seconds, from it milliseconds (10^12 ms is September 2001). */
const SECONDS_LIMIT = 1e12;
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * A time as workflows hold it: ISO text, a Date, a Luxon DateTime, Unix seconds (below 10^12) or
 * milliseconds, as a number or as digits. Null when it is none of these (or empty).
 */
export function toEpochMillis(value: unknown): number | null {
	if (value instanceof Date) return finite(value.getTime());
	if (typeof value === 'number') return finite(value < SECONDS_LIMIT ? value * 1000 : value);
	if (typeof value === 'object' && value !== null && 'toMillis' in value) {
		const toMillisMethod = (value as { toMillis: unknown }).toMillis;
		if (typeof toMillisMethod === 'function') return finite(Number(toMillisMethod.call(value)));
	}
	if (typeof value !== 'string' || value.trim() === '') return null;
	const text = value.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return toEpochMillis(Number(text));
	return finite(Date.parse(text));
}

/**
 * A consent event time from a date picker, an expression or an export column (see
 * `toEpochMillis`). Empty means now unless required. A time in the future is refused: it would
 * outrank every real change until then.
 */
export function parseEventTime(
	value: unknown,
	field: string,
	options: { required: boolean; now: number },
): number {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		if (!options.required) return options.now;
		throw new FieldError(
			field,
			value ?? '',
			'is empty',
			'Map when the contact gave or withdrew consent, e.g. {{ $json.consentDate }} (ISO date or Unix time).',
		);
	}
	const millis = toEpochMillis(value);
	if (millis === null) {
		throw new FieldError(
			field,
			value,
			'is not a date',
			'Use an ISO date such as 2025-05-01T10:00:00Z, or Unix seconds/milliseconds.',
		);
	}
	if (millis > options.now + FUTURE_TOLERANCE_MS) {
		throw new FieldError(
			field,
			value,
			`is in the future (${new Date(millis).toISOString()})`,
			'Use the time the contact actually acted; a future time would override every later change.',
		);
	}
	return millis;
}

function finite(value: number): number | null {
	return Number.isFinite(value) ? Math.trunc(value) : null;
}
