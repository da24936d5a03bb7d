/**
 * The hand-off from an inbound message (or a Cancel Waits run) to the executions waiting for it.
 * Each wait is claimed in the store first: the claim is a single conditional update, so of any
 * number of concurrent resumers exactly one owns a wait. Only the owner POSTs to the resume URL;
 * n8n in turn lets exactly one of that POST and its own timeout resume the execution. Then the
 * owner settles the record: n8n answers only after the waiting node's webhook() has checked the
 * secret, so the resume URL and secret leave the store. A claim whose POST failed for now goes
 * back to waiting (Meta's redelivery of the message, or the contact's next message, retries);
 * one that can never succeed expires. A POST that went out and got no answer in time (a busy
 * n8n) is in doubt: n8n may still take it, and the waiting node accepts it only while the wait is
 * claimed, so the claim stays; a redelivery of the message takes it over once CLAIM_IN_DOUBT_MS
 * passed and POSTs again (n8n resumes an execution once: a second POST gets 409).
 */
import { sleep as n8nSleep } from 'n8n-workflow';

import { isNotSentNetworkFailure } from '../core/errors';
import { WEBHOOK_HANDOFF_BUDGET_MS, WEBHOOK_RESUME_REQUEST_TIMEOUT_MS } from '../core/timeouts';
import { isReply, isSentDuringWait, toReplyRule } from '../core/waitRules';
import { contactKey, type InboundMessageEvent } from '../core/webhookEvents';
import type { ContactRef, LiveWaitRecord, Store } from '../store/types';
import type { CancelReason, HandOffBody } from './handOff';

export interface ResumeHttp {
	/** Must resolve with the status code for any HTTP answer, and reject only when there is none. */
	post(url: string, body: unknown): Promise<{ statusCode: number }>;
}

export interface HandOffOptions {
	/** n8n's `sleep` unless given; used between retries (never a timer of our own). */
	sleep?: (ms: number) => Promise<void>;
	now?: () => Date;
	/**
	 * Pauses before retrying a 409 (the execution is not saved as waiting yet), a 5xx or a
	 * connection failure. Their sum bounds how long a hand-off may hold up the caller.
	 */
	retryDelaysMs?: readonly number[];
	/**
	 * No POST (first try or retry) starts at or after this time: a caller with a time budget
	 * (the trigger, while Meta waits) passes its end minus one request's timeout. Waits not
	 * reached stay waiting (`outOfTime`).
	 */
	attemptsBefore?: Date;
	/**
	 * This process's hand-off slots (lib/waits/handOffSlots.ts): a wait is claimed and POSTed only
	 * once a slot is free, before `attemptsBefore`; otherwise it stays waiting (`outOfTime`).
	 */
	slots?: { acquire(until?: Date): Promise<(() => void) | null> };
}

export interface ResumeOptions extends HandOffOptions {
	/** The account the waits were registered under; defaults to the event's business account id. */
	account?: string;
}

export type HandOffFailureReason =
	/** 404/410: the execution was deleted. */
	| 'executionGone'
	/** 409 after every retry: the execution is running or finished (timed out, stopped, resumed). */
	| 'notWaiting'
	/** 401/403/other 4xx: the resume token or the wait's secret was refused. */
	| 'refused'
	/** 5xx after every retry. */
	| 'n8nError'
	/** No connection to n8n after every retry: the POST never left. */
	| 'unreachable'
	/** The POST went out and no answer came in time: n8n may still take it (in doubt). */
	| 'noAnswer'
	/** An earlier POST to this wait got no answer and n8n may still take it; come again later. */
	| 'claimInDoubt'
	/** The stored reply rule could not be read; the wait was left waiting. */
	| 'invalidRule'
	/** The caller's time budget ran out before this wait was tried; it was left waiting. */
	| 'outOfTime';

/**
 * What went wrong for one wait. Safe to log: it holds neither the resume URL nor the secret.
 * `detail` also says what became of the wait: pending again (the contact's next message
 * retries) or given up (the execution goes on by its time limit).
 */
export interface HandOffFailure {
	waitId: string;
	executionId: string;
	reason: HandOffFailureReason;
	statusCode: number | null;
	detail: string;
	/**
	 * The wait is still waiting and this same message may still resume it: the POST failed for
	 * now (no answer, 5xx, 409 before the deadline) or was never tried (`outOfTime`). The trigger
	 * then asks Meta to deliver the message again instead of dropping the reply.
	 */
	resumableLater: boolean;
}

export interface ResumeResult {
	resumed: number;
	failed: number;
	failures: HandOffFailure[];
}

/** A contact's waits, a sequence's, or a contact's in a sequence (at least one of the two). */
export interface CancelTarget {
	account: string;
	contact?: ContactRef;
	sequence?: string;
	/** Omit to cancel the waits on every number of the account. */
	phoneNumberId?: string;
	/** Told to the waiting node with the cancellation (see HandOffBody). */
	reason?: CancelReason;
}

export interface CancelResult extends ResumeResult {
	/** Waits moved to `cancelled` in the store (each then told to its execution). */
	cancelled: number;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 2000];

/**
 * A younger claim is a hand-off under way (the trigger's whole budget and one more request):
 * another message of the contact meanwhile simply finds the wait taken.
 */
const CLAIM_IN_PROGRESS_MS = WEBHOOK_HANDOFF_BUDGET_MS + WEBHOOK_RESUME_REQUEST_TIMEOUT_MS;

/**
 * How long a claim whose POST got no answer is left to the n8n that may still be processing it
 * before a redelivery takes it over: well beyond a busy n8n's backlog of resumes. Between the
 * two, a redelivery is asked to come again (503).
 */
export const CLAIM_IN_DOUBT_MS = 30_000;

/**
 * Resumes every execution waiting for this contact on this number whose reply rule the message
 * satisfies. Call it after the message's own store writes committed (the 24-hour window the
 * resumed workflow reads must already include this message), before acknowledging Meta.
 */
export async function resumeWaitsForMessage(
	store: Store,
	event: InboundMessageEvent,
	http: ResumeHttp,
	options: ResumeOptions = {},
): Promise<ResumeResult> {
	const account = options.account ?? event.businessAccountId;
	const phoneNumberId = event.business.phoneNumberId;
	if (account === null || phoneNumberId === null || contactKey(event.contact) === null) {
		return { resumed: 0, failed: 0, failures: [] };
	}
	const clock = options.now ?? (() => new Date());
	const now = clock();
	const waits = await store.findWaitingWaits({
		account,
		phoneNumberId,
		contact: event.contact,
		at: now,
		withUnsettledClaims: true,
	});
	const outcomes = await Promise.all(
		waits.map(async (wait): Promise<HandOffFailure | 'resumed' | 'skipped'> => {
			let accepted: boolean;
			try {
				const rule = toReplyRule(wait.matchRule);
				accepted = isReply(event, rule) && isSentDuringWait(event, wait.createdAt);
			} catch (error) {
				return failure(wait, 'invalidRule', null, (error as Error).message);
			}
			if (!accepted) return 'skipped';
			if (outOfTime(options, clock())) {
				return {
					...failure(
						wait,
						'outOfTime',
						null,
						'not tried: this delivery’s time for hand-offs ran out',
					),
					resumableLater: true,
				};
			}
			const inDoubt = wait.status === 'claimed';
			const claimAge = inDoubt ? now.getTime() - (wait.resolvedAt?.getTime() ?? 0) : 0;
			// Under way: the wait is taken, as before the claim was kept in doubt.
			if (inDoubt && claimAge < CLAIM_IN_PROGRESS_MS) return 'skipped';
			if (inDoubt && claimAge < CLAIM_IN_DOUBT_MS) {
				// An earlier POST awaits n8n's answer or got none: Meta must come again.
				return {
					...failure(wait, 'claimInDoubt', null, 'an earlier hand-off of this wait is in doubt'),
					resumableLater: true,
				};
			}
			const release = options.slots
				? await options.slots.acquire(options.attemptsBefore)
				: () => {};
			if (release === null) {
				return {
					...failure(
						wait,
						'outOfTime',
						null,
						'not tried: no hand-off slot of this process freed up within this delivery’s time',
					),
					resumableLater: true,
				};
			}
			try {
				return await claimAndHandOver(store, event, http, wait, { inDoubt, now }, options);
			} finally {
				release();
			}
		}),
	);
	return summarize(outcomes);
}

/** Claims one accepted wait (or takes over its claim in doubt), POSTs the reply and settles. */
async function claimAndHandOver(
	store: Store,
	event: InboundMessageEvent,
	http: ResumeHttp,
	wait: LiveWaitRecord,
	{ inDoubt, now }: { inDoubt: boolean; now: Date },
	options: ResumeOptions,
): Promise<HandOffFailure | 'resumed' | 'skipped'> {
	const clock = options.now ?? (() => new Date());
	// Claimed as of the delivery's start: a slot is waited for only until `attemptsBefore`, so
	// the POST still ends within CLAIM_IN_PROGRESS_MS of it.
	const claimed = inDoubt
		? await store.reclaimWait(wait.id, wait.resolvedAt!, now)
		: await store.claimWait(wait.id, 'claimed', now);
	// Another resumer (a redelivery, a second trigger) or the deadline got there first.
	if (claimed === null) return 'skipped';
	const body: HandOffBody = {
		waitId: claimed.id,
		secret: claimed.secret ?? '',
		outcome: 'replied',
		event,
	};
	const failed = await deliver(http, claimed, body, options);
	if (failed === null) {
		await store.settleWait(claimed.id);
		return 'resumed';
	}
	if (failed.reason === 'noAnswer') {
		return {
			...failed,
			detail: `${failed.detail}; the wait stays claimed in case n8n still takes it: a redelivery of this message from ${CLAIM_IN_DOUBT_MS / 1000} s on retries`,
			resumableLater: true,
		};
	}
	// A claim taken over from a POST in doubt: n8n answering "not waiting" means that POST
	// (or n8n's timeout) resumed the execution; it is not put back.
	const afterwards =
		inDoubt && (failed.reason === 'notWaiting' || failed.reason === 'executionGone')
			? await expireOrChanged(store, claimed, clock())
			: await giveUpClaim(store, claimed, failed.reason, clock());
	return {
		...failed,
		detail: `${failed.detail}; ${AFTERWARDS[afterwards]}`,
		resumableLater: afterwards === 'released',
	};
}

const AFTERWARDS = {
	released:
		'the wait is pending again: a redelivery of this message or the contact’s next message retries',
	expired: 'the wait is given up: the execution goes on by its time limit (No Reply)',
	changed: 'the wait was changed meanwhile (erased or settled)',
} as const;

async function expireOrChanged(
	store: Store,
	wait: LiveWaitRecord,
	at: Date,
): Promise<keyof typeof AFTERWARDS> {
	return (await store.expireClaimedWait(wait.id, at)) !== null ? 'expired' : 'changed';
}

/**
 * Decides what a failed claim becomes. Worth another try (the next message's): no answer, a 5xx,
 * or a 409 before the deadline (n8n had not yet saved the execution as waiting). Never: the
 * execution is gone, n8n refused the URL or the secret, or a 409 once the deadline passed
 * (n8n's timeout resumed it). Each step is conditional, so a concurrent change is never undone.
 */
async function giveUpClaim(
	store: Store,
	wait: LiveWaitRecord,
	reason: HandOffFailureReason,
	at: Date,
): Promise<keyof typeof AFTERWARDS> {
	const retryable = reason === 'unreachable' || reason === 'n8nError' || reason === 'notWaiting';
	// (A POST without an answer never gets here: its claim stays, in doubt.)
	if (retryable && (await store.releaseWait(wait.id, at)) !== null) return 'released';
	if ((await store.expireClaimedWait(wait.id, at)) !== null) return 'expired';
	return 'changed';
}

/**
 * Cancels the pending waits of a contact, a sequence, or a contact in a sequence, and sends each
 * waiting execution down its Cancelled output: the "stop" of a follow-up sequence when the goal
 * was reached elsewhere.
 */
export async function cancelPendingWaits(
	store: Store,
	target: CancelTarget,
	http: ResumeHttp,
	options: HandOffOptions = {},
): Promise<CancelResult> {
	const now = (options.now ?? (() => new Date()))();
	const { reason, ...selection } = target;
	const cancelled = await store.cancelWaits({ ...selection, at: now });
	const outcomes = await Promise.all(
		cancelled.map(async (wait): Promise<HandOffFailure | 'resumed'> => {
			const body: HandOffBody = {
				waitId: wait.id,
				secret: wait.secret ?? '',
				outcome: 'cancelled',
				...(reason ? { reason } : {}),
			};
			const failed = await deliver(http, wait, body, options);
			// Nobody retries telling a cancelled wait: its hand-off is over either way.
			await store.settleWait(wait.id);
			return failed ?? 'resumed';
		}),
	);
	return { cancelled: cancelled.length, ...summarize(outcomes) };
}

/** POSTs the hand-off, retrying what may pass; resolves with the failure, or null once accepted. */
async function deliver(
	http: ResumeHttp,
	wait: LiveWaitRecord,
	body: HandOffBody,
	options: HandOffOptions,
): Promise<HandOffFailure | null> {
	const pause = options.sleep ?? n8nSleep;
	const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
	const clock = options.now ?? (() => new Date());
	for (let attempt = 0; ; attempt++) {
		let statusCode: number | null = null;
		let networkError = '';
		let notSent = false;
		try {
			statusCode = (await http.post(wait.resumeUrl, body)).statusCode;
		} catch (error) {
			// The message of a failed request may contain the URL; keep only its code.
			const failed = error as {
				code?: string;
				syscall?: string;
				cause?: { code?: string; syscall?: string };
			};
			networkError = failed.code ?? failed.cause?.code ?? 'no response';
			notSent = isNotSentNetworkFailure({
				code: failed.code ?? failed.cause?.code,
				syscall: failed.syscall ?? failed.cause?.syscall,
			});
		}
		if (statusCode !== null && statusCode >= 200 && statusCode < 300) return null;
		const retryable = statusCode === null || statusCode === 409 || statusCode >= 500;
		if (!retryable || attempt >= delays.length) {
			return classify(wait, statusCode, networkError, notSent);
		}
		const retryAt = new Date(clock().getTime() + delays[attempt]);
		if (outOfTime(options, retryAt)) return classify(wait, statusCode, networkError, notSent);
		await pause(delays[attempt]);
	}
}

function outOfTime(options: HandOffOptions, at: Date): boolean {
	return options.attemptsBefore !== undefined && at.getTime() >= options.attemptsBefore.getTime();
}

function classify(
	wait: LiveWaitRecord,
	statusCode: number | null,
	networkError: string,
	notSent: boolean,
): HandOffFailure {
	if (statusCode === null && notSent) {
		return failure(wait, 'unreachable', null, `no connection to n8n (${networkError})`);
	}
	if (statusCode === null) {
		return failure(wait, 'noAnswer', null, `no answer from n8n in time (${networkError})`);
	}
	if (statusCode === 404 || statusCode === 410) {
		return failure(wait, 'executionGone', statusCode, 'n8n no longer knows the execution');
	}
	if (statusCode === 409) {
		return failure(
			wait,
			'notWaiting',
			statusCode,
			'the execution is not waiting: it already resumed (e.g. its time ran out), was stopped, or was never saved as waiting',
		);
	}
	if (statusCode >= 500) return failure(wait, 'n8nError', statusCode, 'n8n failed to resume it');
	return failure(wait, 'refused', statusCode, 'n8n or the waiting node refused the hand-off');
}

function failure(
	wait: LiveWaitRecord,
	reason: HandOffFailureReason,
	statusCode: number | null,
	detail: string,
): HandOffFailure {
	return {
		waitId: wait.id,
		executionId: wait.executionId,
		reason,
		statusCode,
		detail,
		resumableLater: false,
	};
}

function summarize(outcomes: Array<HandOffFailure | 'resumed' | 'skipped'>): ResumeResult {
	const failures = outcomes.filter(
		(outcome): outcome is HandOffFailure => typeof outcome === 'object',
	);
	return {
		resumed: outcomes.filter((outcome) => outcome === 'resumed').length,
		failed: failures.length,
		failures,
	};
}
