/**
 * When a follow-up wait runs out: after a duration, at a given time, a duration after the
 * contact's last inbound message (follow-up tools count "4 hours without an answer" from there),
 * or at a time an item carries (e.g. the AI Reply's suggested `followUpAt`) kept within bounds;
 * optionally moved into business hours.
 */
import { DateTime } from 'luxon';

import { FieldError } from '../core/fieldError';
import { nextBusinessMoment, type BusinessHours } from '../core/businessHours';

const DURATION_UNITS = ['seconds', 'minutes', 'hours', 'days'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

const UNIT_MS: Record<DurationUnit, number> = {
	seconds: 1000,
	minutes: 60 * 1000,
	hours: 60 * 60 * 1000,
	days: 24 * 60 * 60 * 1000,
};

/** The store keeps deadlines up to a year ahead; longer waits are almost certainly a unit mistake. */
export const MAX_WAIT_MS = 365 * UNIT_MS.days;

export type WaitTiming =
	| { mode: 'duration'; amount: number; unit: DurationUnit }
	| { mode: 'until'; at: Date }
	| { mode: 'afterLastInbound'; amount: number; unit: DurationUnit }
	| { mode: 'fromField'; field: FieldDeadline };

/** A deadline an item carries, and how far from now it may be. */
export interface FieldDeadline {
	/** The value as the item holds it: an ISO 8601 text, epoch milliseconds, or a date. */
	value: unknown;
	/** Names the field in errors, e.g. `Deadline ({{ $json.followUpAt }})`. */
	label: string;
	/** Zone of an ISO text without an offset (the workflow's time zone). */
	timeZone: string;
	earliest: { amount: number; unit: DurationUnit };
	latest: { amount: number; unit: DurationUnit };
}

/** Epoch milliseconds below this (3 March 1973) are almost certainly epoch seconds. */
const SMALLEST_EPOCH_MS = 1e11;

export interface DeadlineContext {
	now: Date;
	/** The contact's latest inbound message known to the store; null when they never wrote. */
	lastInboundAt: Date | null;
	businessHours?: BusinessHours;
}

export interface Deadline {
	at: Date;
	/** What the duration was counted from. */
	countedFrom: 'now' | 'lastInbound' | 'fixedTime' | 'field';
	/** The deadline before business hours moved it; equal to `at` when they did not. */
	beforeBusinessHours: Date;
	/** From a field: the bound the field's time was moved to, null when it was within them. */
	clampedTo: 'earliest' | 'latest' | null;
}

export function computeDeadline(timing: WaitTiming, context: DeadlineContext): Deadline {
	if (timing.mode === 'fromField') {
		const { at: raw, clampedTo } = deadlineFromField(timing.field, context.now);
		const at = context.businessHours ? nextBusinessMoment(raw, context.businessHours) : raw;
		return { at, countedFrom: 'field', beforeBusinessHours: raw, clampedTo };
	}
	const { start, countedFrom } = startOf(timing, context);
	const raw =
		timing.mode === 'until'
			? start
			: new Date(start.getTime() + durationMs(timing.amount, timing.unit));
	const at = context.businessHours ? nextBusinessMoment(raw, context.businessHours) : raw;
	if (at.getTime() - context.now.getTime() > MAX_WAIT_MS) {
		throw new FieldError(
			timing.mode === 'until' ? 'Until' : 'Amount',
			timing.mode === 'until' ? timing.at.toISOString() : timing.amount,
			`ends on ${at.toISOString()}, more than a year from now`,
			'Wait at most 365 days; check the unit (minutes, hours, days).',
		);
	}
	return { at, countedFrom, beforeBusinessHours: raw, clampedTo: null };
}

/**
 * The item's time, moved into [now + earliest, now + latest]: a suggestion in the past or years
 * ahead still gives a sensible follow-up. Business hours apply afterwards, as for every mode.
 */
export function deadlineFromField(
	field: FieldDeadline,
	now: Date,
): { at: Date; clampedTo: Deadline['clampedTo'] } {
	const earliest = boundMs('Earliest', field.earliest, true);
	const latest = boundMs('Latest', field.latest, false);
	if (latest > MAX_WAIT_MS) {
		throw new FieldError(
			'Latest',
			field.latest.amount,
			`is more than a year (${field.latest.amount} ${field.latest.unit})`,
			'Allow at most 365 days.',
		);
	}
	if (earliest > latest) {
		throw new FieldError(
			'Earliest',
			field.earliest.amount,
			`(${field.earliest.amount} ${field.earliest.unit}) is after Latest (${field.latest.amount} ${field.latest.unit})`,
			'Make Earliest shorter than Latest.',
		);
	}
	const at = dateOf(field);
	if (at.getTime() < now.getTime() + earliest) {
		return { at: new Date(now.getTime() + earliest), clampedTo: 'earliest' };
	}
	if (at.getTime() > now.getTime() + latest) {
		return { at: new Date(now.getTime() + latest), clampedTo: 'latest' };
	}
	return { at, clampedTo: null };
}

function boundMs(
	name: 'Earliest' | 'Latest',
	bound: { amount: number; unit: DurationUnit },
	zeroAllowed: boolean,
): number {
	const { amount, unit } = bound;
	if (
		typeof amount !== 'number' ||
		!Number.isFinite(amount) ||
		amount < 0 ||
		(!zeroAllowed && amount === 0)
	) {
		throw new FieldError(
			name,
			amount,
			`is not a ${zeroAllowed ? 'number of 0 or more' : 'positive number'}`,
			name === 'Earliest'
				? 'Enter the shortest wait, e.g. 10 (minutes), or 0 for none.'
				: 'Enter the longest wait, e.g. 30 (days).',
		);
	}
	return amount === 0 ? 0 : durationMs(amount, unit, name);
}

const DATE_FIX =
	'Map an ISO 8601 date and time such as 2026-05-04T09:00:00Z or epoch milliseconds such as 1777885200000, e.g. {{ $json.followUpAt }} from the AI Reply node’s Suggest Follow-up Delay.';

function dateOf(field: FieldDeadline): Date {
	const { value, label } = field;
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		throw new FieldError(label, value ?? null, 'is empty', DATE_FIX);
	}
	if (value instanceof Date) {
		if (Number.isNaN(value.getTime()))
			throw new FieldError(label, String(value), 'is not a date', DATE_FIX);
		return value;
	}
	// A luxon DateTime, as an expression like {{ $now.plus(2, 'days') }} gives.
	if (DateTime.isDateTime(value)) {
		if (!value.isValid) throw new FieldError(label, String(value), 'is not a date', DATE_FIX);
		return value.toJSDate();
	}
	if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
		const ms = Number(value);
		if (!Number.isSafeInteger(ms)) throw new FieldError(label, value, 'is not a date', DATE_FIX);
		if (ms < SMALLEST_EPOCH_MS) {
			throw new FieldError(
				label,
				value,
				'is too small for epoch milliseconds (it looks like seconds)',
				'Multiply epoch seconds by 1000, e.g. {{ $json.followUpAt * 1000 }}, or map an ISO 8601 date.',
			);
		}
		return new Date(ms);
	}
	if (typeof value === 'string') {
		const parsed = DateTime.fromISO(value.trim(), { zone: field.timeZone });
		if (parsed.isValid) return parsed.toJSDate();
	}
	throw new FieldError(
		label,
		typeof value === 'object' ? JSON.stringify(value) : value,
		'is not a date',
		DATE_FIX,
	);
}

function durationMs(amount: number, unit: DurationUnit, name = 'Amount'): number {
	if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
		throw new FieldError(
			name,
			amount,
			'is not a positive number',
			'Enter how long to wait as a number greater than 0, e.g. 4 (hours).',
		);
	}
	if (!DURATION_UNITS.includes(unit)) {
		throw new FieldError(
			name === 'Amount' ? 'Unit' : `${name} Unit`,
			unit,
			'is not a unit',
			`Choose one of: ${DURATION_UNITS.join(', ')}.`,
		);
	}
	return Math.round(amount * UNIT_MS[unit]);
}

function startOf(
	timing: Exclude<WaitTiming, { mode: 'fromField' }>,
	context: DeadlineContext,
): { start: Date; countedFrom: Deadline['countedFrom'] } {
	switch (timing.mode) {
		case 'duration':
			return { start: context.now, countedFrom: 'now' };
		case 'until':
			if (Number.isNaN(timing.at.getTime())) {
				throw new FieldError(
					'Until',
					String(timing.at),
					'is not a date and time',
					'Pick a date and time, or map an ISO 8601 value like 2026-05-04T09:00:00+02:00.',
				);
			}
			return { start: timing.at, countedFrom: 'fixedTime' };
		case 'afterLastInbound':
			// A contact who never wrote has no last interaction: count from now, as a plain duration would.
			return context.lastInboundAt === null
				? { start: context.now, countedFrom: 'now' }
				: { start: context.lastInboundAt, countedFrom: 'lastInbound' };
	}
}
