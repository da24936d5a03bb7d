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
	return await registerIn(store, input);
}

/** How many follow-ups of a contact a sequence allows, and whether their writing starts it again. */
export interface SequenceCap {
	max: number;
	resetOnReply: boolean;
}

export interface FollowUpStartInput extends FollowUpWaitInput {
	sequence: string;
	/** Without a cap nothing is counted (a node before version 1.2). */
	cap?: SequenceCap;
}

export type FollowUpStart =
	/** The cap was reached: nothing was counted or registered. */
	| { kind: 'limitReached'; followUps: number }
	/** The deadline has passed already: counted, nothing registered (the items leave by No Reply). */
	| { kind: 'overdue'; followUp: number | null }
	| { kind: 'waiting'; wait: WaitRecord; followUp: number | null };

/**
 * One pass of Wait for Reply: counts the follow-up against the sequence's cap and registers the
 * wait, in one transaction, so a failed registration counts nothing and the cap holds for
 * concurrent executions. A pass whose deadline has passed counts too: it sends its follow-up.
 */
export async function startFollowUp(
	store: Store,
	input: FollowUpStartInput,
): Promise<FollowUpStart> {
	await store.expireWaits(input.now);
	return await store.transaction(async (tx): Promise<FollowUpStart> => {
		let followUp: number | null = null;
		if (input.cap) {
			const count = await tx.countFollowUp({
				account: input.account,
				contact: input.contact,
				sequence: input.sequence,
				max: input.cap.max,
				resetOnReply: input.cap.resetOnReply,
				at: input.now,
			});
			if (!count.counted) return { kind: 'limitReached', followUps: count.followUps };
			followUp = count.followUps;
		}
		if (input.deadline.getTime() <= input.now.getTime()) return { kind: 'overdue', followUp };
		const wait = await registerIn(tx, {
			...input,
			...(followUp === null ? {} : { followUp }),
		});
		return { kind: 'waiting', wait, followUp };
	});
}

async function registerIn(store: Store, input: FollowUpWaitInput): Promise<WaitRecord> {
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
		...(input.sequence === undefined ? {} : { sequence: input.sequence }),
		...(input.followUp === undefined ? {} : { followUp: input.followUp }),
	});
}
