import { randomBytes } from 'node:crypto';

import type { ReplyRule } from '../core/waitRules';
import type { JsonValue, RegisterWaitInput, Store, WaitRecord } from '../store/types';

/**
 * The store's wait without what registration adds itself (the secret, the stored rule, the time):
 * `account` is the WhatsApp Business Account id, `resumeUrl` n8n's `$execution.resumeUrl` (a
 * secret: never log it).
 */
export interface FollowUpWaitInput extends Omit<
	RegisterWaitInput,
	'secret' | 'deadline' | 'matchRule' | 'createdAt'
> {
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
