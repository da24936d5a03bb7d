/**
 * Handing a contact over to a person: while a handover is active, keyword and fallback trigger
 * workflows do not receive that contact's messages (lib/core/routing.ts); workflows of the role
 * "every matching event" still do, so a helpdesk workflow can pass them on. This module reads what
 * the send node's Hand Over to a Person operation is given; the store keeps the handover.
 */
import { toEpochMillis } from './eventTime';
import { FieldError } from './fieldError';

/** What the store keeps of a reason (lib/store/sql/SqlStore.ts `startHandover`). */
const HANDOVER_REASON_MAX_LENGTH = 1024;

/**
 * When automation resumes by itself: a date picker's value, an expression's ISO text, a Date, a
 * Luxon DateTime, or Unix seconds (below 10^12) / milliseconds. It must lie after `now`: a time
 * in the past would hand over nothing.
 */
export function parseHandoverUntil(value: unknown, field: string, now: number): number {
	const millis = toEpochMillis(value);
	if (millis === null) {
		throw new FieldError(
			field,
			value ?? '',
			isBlank(value) ? 'is empty' : 'is not a date',
			'Pick a date and time, map an ISO time such as 2025-05-01T18:00:00Z, or choose Until Released.',
		);
	}
	if (millis <= now) {
		throw new FieldError(
			field,
			value,
			`is in the past (${new Date(millis).toISOString()})`,
			'Use a time in the future, e.g. {{ $now.plus({ hours: 2 }) }}, or choose Until Released.',
		);
	}
	return millis;
}

/** The reason shown to workflows; empty means none. */
export function parseHandoverReason(value: unknown, field: string): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string' && typeof value !== 'number') {
		throw new FieldError(
			field,
			value,
			'is not text',
			'Enter a short text, e.g. "asked for a person".',
		);
	}
	const text = String(value).trim();
	if (text.length > HANDOVER_REASON_MAX_LENGTH) {
		throw new FieldError(
			field,
			text,
			`is ${text.length} characters long`,
			`Shorten it to at most ${HANDOVER_REASON_MAX_LENGTH} characters.`,
		);
	}
	return text === '' ? null : text;
}

function isBlank(value: unknown): boolean {
	return (
		value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
	);
}
