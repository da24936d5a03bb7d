/**
 * When a follow-up wait runs out: after a duration, at a given time, or a duration after the
 * contact's last inbound message (follow-up tools count "4 hours without an answer" from there),
 * optionally moved into business hours.
 */
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
	| { mode: 'afterLastInbound'; amount: number; unit: DurationUnit };

export interface DeadlineContext {
	now: Date;
	/** The contact's latest inbound message known to the store; null when they never wrote. */
	lastInboundAt: Date | null;
	businessHours?: BusinessHours;
}

export interface Deadline {
	at: Date;
	/** What the duration was counted from. */
	countedFrom: 'now' | 'lastInbound' | 'fixedTime';
	/** The deadline before business hours moved it; equal to `at` when they did not. */
	beforeBusinessHours: Date;
}

export function computeDeadline(timing: WaitTiming, context: DeadlineContext): Deadline {
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
	return { at, countedFrom, beforeBusinessHours: raw };
}

function durationMs(amount: number, unit: DurationUnit): number {
	if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
		throw new FieldError(
			'Amount',
			amount,
			'is not a positive number',
			'Enter how long to wait as a number greater than 0, e.g. 4 (hours).',
		);
	}
	if (!DURATION_UNITS.includes(unit)) {
		throw new FieldError(
			'Unit',
			unit,
			'is not a unit',
			`Choose one of: ${DURATION_UNITS.join(', ')}.`,
		);
	}
	return Math.round(amount * UNIT_MS[unit]);
}

function startOf(
	timing: WaitTiming,
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
