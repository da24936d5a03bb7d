import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { type ConsentChangeEvidence, recordConsentChange } from '../../../lib/consent';
import { AI_OPT_OUT_MATCH, type OptOutClassification } from '../../../lib/core/ai';
import type { ContactIds } from '../../../lib/core/contact';
import { plausibleEventTime } from '../../../lib/core/eventTime';
import { FieldError } from '../../../lib/core/fieldError';
import { LIMITS } from '../../../lib/core/messages';
import { CREDENTIAL_TYPE } from '../../../lib/transport/graphApi';
import { type AccountStore, openAccountStore } from '../../helpers/storeAccess';

/** What Detect Opt-Out keeps of one message and the model's reading of it. */
export interface OptOutFacts {
	text: string;
	messageId: string | null;
	/** When the customer wrote (epoch ms), null when not given. */
	messageTime: number | null;
	classification: OptOutClassification;
	threshold: number;
	model: string | null;
	decidedAt: Date;
}

/**
 * The evidence of a classification, in the one shape every consent change keeps
 * (ConsentChangeEvidence): shown on the item, and stored as proof when the opt-out is recorded.
 */
export function optOutEvidence(facts: OptOutFacts): ConsentChangeEvidence {
	const { classification } = facts;
	return {
		kind: 'ai_classification',
		// Like a phrase, the whole message is the proof, within WhatsApp's longest text.
		text: [...facts.text].slice(0, LIMITS.textBody).join(''),
		messageIds: facts.messageId ? [facts.messageId] : [],
		matched: AI_OPT_OUT_MATCH,
		at: facts.messageTime === null ? null : new Date(facts.messageTime).toISOString(),
		decision: classification.decision,
		confidence: classification.confidence,
		threshold: facts.threshold,
		reason: classification.reason,
		model: facts.model,
		decidedAt: facts.decidedAt.toISOString(),
	};
}

/** The store and account of the node's WhatsApp credential: consent is kept per account. */
export async function consentStoreFromCredential(
	context: IExecuteFunctions,
): Promise<AccountStore> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE).catch(() => undefined);
	if (!credentials) {
		throw new FieldError(
			'Credential to connect with',
			null,
			'is not set',
			'Select the WhatsApp Cloud API credential whose State Store keeps consent, or turn off the option Record Opt-Out.',
		);
	}
	return await openAccountStore(credentials, context.logger);
}

/**
 * Records the opt-out through the same path as a keyword or phrase the trigger reads (source
 * `keyword`: the customer's own words), at the time the customer wrote, so a later START wins.
 */
export async function recordOptOut(
	{ store, account }: AccountStore,
	contact: ContactIds,
	facts: OptOutFacts,
	evidence: ConsentChangeEvidence,
): Promise<IDataObject> {
	const receivedAt = facts.decidedAt.getTime();
	const change = await recordConsentChange(
		store,
		{ account, contact, receivedAt },
		{
			kind: 'signal',
			effect: 'opted_out',
			source: 'keyword',
			matched: AI_OPT_OUT_MATCH,
			metaTimeMs: facts.messageTime,
			evidence,
		},
	);
	return {
		status: change.status,
		previousStatus: change.previousStatus,
		applied: change.applied,
		source: change.source,
		matched: change.matched,
		account,
		contact: { waId: contact.waId ?? null, userId: contact.userId ?? null },
		eventAt: new Date(plausibleEventTime(facts.messageTime, receivedAt)).toISOString(),
		evidence: change.evidence as IDataObject,
	};
}
