import { randomBytes } from 'node:crypto';

import type { ReplyRule } from '../core/waitRules';
import type { ContactRef, JsonValue, Store, WaitRecord } from '../store/types';

export interface FollowUpWaitInput {
	/** The WhatsApp Business Account id the store keys contacts by. */
	account: string;
	phoneNumberId: string;
	contact: ContactRef;
	executionId: string;
	workflowId?: string;
	/** n8n's `$execution.resumeUrl`. A secret: never log it. */
	resumeUrl: string;
	deadline: Date;
	rule: ReplyRule;
	now: Date;
}

/**
 * Records the wait with a fresh secret of its own. Waits whose time ran out before are marked
 * expired on the way: n8n resumed those by time without calling any code of this package, so
 * registration is the moment to tidy them up.
 */
export async function registerFollowUpWait(
	store: Store,
	input: FollowUpWaitInput,
): Promise<WaitRecord> {
	await store.expireWaits(input.now);
	return await store.registerWait({
		account: input.account,
		phoneNumberId: input.phoneNumberId,
		contact: input.contact,
		executionId: input.executionId,
		workflowId: input.workflowId,
		resumeUrl: input.resumeUrl,
		secret: randomBytes(32).toString('base64url'),
		deadline: input.deadline,
		matchRule: input.rule as JsonValue,
		createdAt: input.now,
	});
}
