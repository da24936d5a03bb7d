import type { ConsentAnswer } from '../core/consentPolicy';
import type { ConsentEvidence, RecordConsentResult, Store } from '../store/types';

export interface RecordedConsentAnswer extends RecordConsentResult {
	evidence: ConsentEvidence;
}

/**
 * Records a customer's answer to the opt-in question (from consentAnswerFromReply) with the proof
 * of a double opt-in: the question as logged when it was sent (its text and time), the answer's
 * message id, button text and time. Ordered by the answer's time, so a later STOP still wins.
 */
export async function recordConsentAnswer(
	store: Store,
	account: string,
	answer: ConsentAnswer,
	now: () => number = Date.now,
): Promise<RecordedConsentAnswer> {
	const question = answer.questionMessageId
		? await store.getOutbound(answer.questionMessageId)
		: null;
	const evidence: ConsentEvidence = {
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
	const answeredAt = answer.answeredAt === null ? Number.NaN : Date.parse(answer.answeredAt);
	const result = await store.recordConsent({
		account,
		contact: {
			...(answer.contact.waId ? { waId: answer.contact.waId } : {}),
			...(answer.contact.userId ? { userId: answer.contact.userId } : {}),
		},
		status: answer.status,
		source: answer.source,
		evidence,
		eventAt: Number.isFinite(answeredAt) ? answeredAt : now(),
	});
	return { ...result, evidence };
}
