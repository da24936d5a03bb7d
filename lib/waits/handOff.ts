/**
 * The message the resumer (the trigger, or a Cancel Waits run) POSTs to a waiting execution's
 * resume URL, and the check the waiting node makes before it lets the execution continue.
 * n8n's resume token only proves the caller knows the URL; the wait's own secret, kept in the
 * store, proves the caller also holds the claim on this wait.
 */

import { sameSecret } from '../core/signature';
import type { InboundMessageEvent } from '../core/webhookEvents';
import type { WaitRecord, WaitStatus } from '../store/types';

export type HandOffOutcome = 'replied' | 'cancelled';

export interface HandOffBody {
	waitId: string;
	/** The wait's secret from the store. Never log it. */
	secret: string;
	outcome: HandOffOutcome;
	/** The customer's reply; present when the outcome is `replied`. */
	event?: InboundMessageEvent;
	/**
	 * Why a wait was cancelled. `erasure`: the contact is being erased, so the waiting node sends
	 * its items on without the contact's data.
	 */
	reason?: CancelReason;
}

export type CancelReason = 'erasure';

/** The store status a wait has once the resumer owns it, per outcome. */
const STATUS_AFTER: Record<HandOffOutcome, WaitStatus> = {
	replied: 'claimed',
	cancelled: 'cancelled',
};

/** Null when the body is not a hand-off at all (e.g. someone POSTing to a leaked resume URL). */
export function parseHandOffBody(body: unknown): HandOffBody | null {
	if (body === null || typeof body !== 'object') return null;
	const { waitId, secret, outcome, event, reason } = body as Record<string, unknown>;
	if (typeof waitId !== 'string' || typeof secret !== 'string') return null;
	if (outcome !== 'replied' && outcome !== 'cancelled') return null;
	if (outcome === 'replied' && !isMessageEvent(event)) return null;
	return {
		waitId,
		secret,
		outcome,
		...(outcome === 'replied' ? { event: event as InboundMessageEvent } : {}),
		...(outcome === 'cancelled' && reason === 'erasure' ? { reason } : {}),
	};
}

/**
 * True only for the resumer that claimed (or cancelled) this very wait of this execution: the
 * record exists, belongs to the execution, carries the same secret and was moved to the status
 * the outcome implies.
 */
export function acceptsHandOff(
	wait: WaitRecord | null,
	executionId: string,
	handOff: HandOffBody,
): wait is WaitRecord {
	if (wait === null || wait.secret === null) return false;
	if (wait.executionId !== executionId) return false;
	if (wait.status !== STATUS_AFTER[handOff.outcome]) return false;
	return sameSecret(handOff.secret, wait.secret);
}

function isMessageEvent(value: unknown): boolean {
	return (
		value !== null &&
		typeof value === 'object' &&
		(value as { event?: unknown }).event === 'message' &&
		typeof (value as { message?: unknown }).message === 'object'
	);
}
