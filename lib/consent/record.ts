/**
 * The one way a consent change the contact made on WhatsApp is recorded: a keyword, the "Stop
 * promotions" button, WhatsApp's in-app stop or resume, Meta's 131050 ("user stopped marketing"),
 * an answer to the Consent Gate's opt-in question, and an opt-out the AI Reply's Detect Opt-Out
 * read in the customer's own words. It lives with the other consent-with-the-
 * store code (lib/consent/) rather than in the trigger's pipeline, because it is about consent,
 * not about webhooks: the trigger calls it inside its per-event transaction, with that
 * transaction as the store.
 *
 * Every cause gets the same time rule (lib/core/eventTime.ts: Meta's time unless missing, before
 * 2000 or more than a day ahead of the delivery, then the arrival time) and the same evidence
 * shape, ConsentChangeEvidence. Where consent is decided: the policy in lib/core/consentPolicy.ts,
 * what each event does in lib/core/consentTransitions.ts, the precedence of events in
 * lib/store/sql/consentOrder.ts.
 */
import type { ConsentSignalEffect } from '../core/consentKeywords';
import type { ConsentAnswer } from '../core/consentPolicy';
import type { ContactIds } from '../core/contact';
import { plausibleEventTime } from '../core/eventTime';
import type { ConsentEvidence, ConsentStatus, Store } from '../store/types';

/**
 * The proof kept with a consent change (history `evidence`, the trigger's `consent.evidence`).
 * One shape for every cause, the union of what each cause knows, so readers need no per-cause
 * code: every change has `text` (what the contact sent or saw) and `messageIds`; a keyword,
 * phrase, button or in-app signal adds `matched` (the rule or Meta signal, `phrase:<phrase>` for a
 * phrase, `ai:opt_out` for an AI classification) and `at` (Meta's time, ISO);
 * Meta's 131050 adds `metaErrorCode`; an opt-in answer adds `kind: 'double_opt_in'` with the
 * question (`questionMessageId`, `questionText`, `askedAt`, `questionLogged`) and the answer
 * (`answerMessageId`, `answerText`, `answerPayload`, `answeredAt`, `phoneNumberId`); an AI
 * classification adds `kind: 'ai_classification'` with the model's `decision`, `confidence`,
 * `threshold`, `reason`, `model` and `decidedAt`.
 */
export interface ConsentChangeEvidence extends ConsentEvidence {
	text: string;
	messageIds: string[];
	matched?: string;
	at?: string | null;
	metaErrorCode?: number;
	kind?: 'double_opt_in' | 'ai_classification';
	questionMessageId?: string | null;
	questionText?: string | null;
	askedAt?: string | null;
	questionLogged?: boolean;
	answerMessageId?: string;
	answerText?: string | null;
	answerPayload?: string;
	answeredAt?: string | null;
	phoneNumberId?: string | null;
	decision?: string;
	confidence?: number;
	threshold?: number;
	reason?: string;
	model?: string | null;
	decidedAt?: string;
}

/** A consent change an event caused. */
export interface ConsentChange {
	/** The status after the event (a set status, or what an in-app resume went back to). */
	status: ConsentStatus;
	previousStatus: ConsentStatus;
	source: 'keyword' | 'button' | 'in_app';
	/**
	 * False when a newer event had already decided the status, or an in-app resume found no in-app
	 * stop to lift; kept in the history only.
	 */
	applied: boolean;
	/**
	 * The configured keyword, button id or Meta signal that matched; `phrase:<phrase>` for a phrase,
	 * `ai:opt_out` for an AI classification.
	 */
	matched: string;
	/** The customer answered the Consent Gate's opt-in question (rather than typing a keyword). */
	answersOptInQuestion: boolean;
	evidence: ConsentChangeEvidence;
}

/** What caused the change. */
export type ConsentChangeCause =
	| {
			kind: 'signal';
			effect: ConsentSignalEffect;
			source: ConsentChange['source'];
			matched: string;
			/** Meta's time of the event (epoch ms), null when it gave none. */
			metaTimeMs: number | null;
			evidence: ConsentChangeEvidence;
	  }
	| { kind: 'answer'; answer: ConsentAnswer };

export interface ConsentChangeTarget {
	account: string;
	contact: ContactIds;
	/** When the delivery arrived (epoch ms): the recorded time and the fallback event time. */
	receivedAt: number;
}

export async function recordConsentChange(
	store: Store,
	target: ConsentChangeTarget,
	cause: ConsentChangeCause,
): Promise<ConsentChange> {
	const { account, contact, receivedAt } = target;
	if (cause.kind === 'answer') {
		const { answer } = cause;
		const evidence = await answerEvidence(store, answer);
		const answeredAt = answer.answeredAt === null ? null : Date.parse(answer.answeredAt);
		const result = await store.recordConsent({
			account,
			contact,
			status: answer.status,
			source: answer.source,
			evidence,
			eventAt: plausibleEventTime(answeredAt, receivedAt),
			recordedAt: receivedAt,
		});
		return {
			status: answer.status,
			previousStatus: result.previous.status,
			source: answer.source,
			applied: result.applied,
			matched: answer.answerPayload,
			answersOptInQuestion: true,
			evidence,
		};
	}
	const event = {
		account,
		contact,
		evidence: cause.evidence,
		eventAt: plausibleEventTime(cause.metaTimeMs, receivedAt),
		recordedAt: receivedAt,
	};
	const result =
		cause.effect === 'in_app_resume'
			? await store.recordInAppResume(event)
			: await store.recordConsent({ ...event, status: cause.effect, source: cause.source });
	return {
		// A resume that lifted nothing leaves the status as it was, which `current` then shows.
		status: cause.effect === 'in_app_resume' ? result.current.status : cause.effect,
		previousStatus: result.previous.status,
		source: cause.source,
		applied: result.applied,
		matched: cause.matched,
		answersOptInQuestion: false,
		evidence: cause.evidence,
	};
}

/**
 * The proof of a double opt-in: the question as logged when it was sent (its text and time), the
 * answer's message id, button text and time.
 */
async function answerEvidence(store: Store, answer: ConsentAnswer): Promise<ConsentChangeEvidence> {
	const question = answer.questionMessageId
		? await store.getOutbound(answer.questionMessageId)
		: null;
	return {
		kind: 'double_opt_in',
		text: question?.text ?? answer.answerText ?? answer.answerPayload,
		messageIds: [answer.questionMessageId, answer.answerMessageId].filter(
			(id): id is string => id !== null,
		),
		questionMessageId: answer.questionMessageId,
		questionText: question?.text ?? null,
		askedAt: question?.sentAt.toISOString() ?? null,
		questionLogged: question !== null,
		answerMessageId: answer.answerMessageId,
		answerText: answer.answerText,
		answerPayload: answer.answerPayload,
		answeredAt: answer.answeredAt,
		phoneNumberId: answer.phoneNumberId,
	};
}
