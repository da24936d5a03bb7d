import type { ConsentSource, ConsentState, ConsentStatus } from '../types';

/** A consent status with the event time that set it. */
export interface ConsentMark {
	status: ConsentStatus;
	source: ConsentSource | null;
	eventAt: number;
}

const RESTRICTIVENESS: Record<ConsentStatus, number> = {
	unknown: 0,
	opted_in: 1,
	opted_out: 2,
	blocked: 3,
};

/**
 * Event-time order: a late-arriving older event never overrides a newer one. At the same instant
 * the more restrictive status wins, so the outcome never depends on arrival order.
 */
export function supersedes(candidate: ConsentMark, current: ConsentMark | null): boolean {
	if (current === null || candidate.eventAt > current.eventAt) return true;
	return (
		candidate.eventAt === current.eventAt &&
		RESTRICTIVENESS[candidate.status] > RESTRICTIVENESS[current.status]
	);
}

export function newestMark(
	marks: ReadonlyArray<ConsentMark | null | undefined>,
): ConsentMark | null {
	let newest: ConsentMark | null = null;
	for (const mark of marks) {
		if (mark && supersedes(mark, newest)) newest = mark;
	}
	return newest;
}

export function isSuppressing(status: ConsentStatus): status is 'opted_out' | 'blocked' {
	return status === 'opted_out' || status === 'blocked';
}

export function stateOf(mark: ConsentMark | null): ConsentState {
	return mark
		? { status: mark.status, since: new Date(mark.eventAt), source: mark.source }
		: { status: 'unknown', since: null, source: null };
}
