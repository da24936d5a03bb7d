/**
 * Only the credential's own WhatsApp Business Account is recorded. An app-level subscription
 * delivers the webhooks of every account of the Meta app to the same URL; recording brand B's
 * events under brand A's account would let an opt-in given to B count for A. Events of other
 * accounts are dropped before anything is recorded, handed off or confirmed.
 */
import type { ParsedWebhook } from '../core/webhookEvents';

export interface ForeignEvents {
	/** The `entry[].id` the events carried; null when the entry had none. */
	businessAccountId: string | null;
	count: number;
}

export interface AccountSplit {
	/** The delivery with only the credential's account's events. */
	parsed: ParsedWebhook;
	/** Per foreign account, how many events were dropped. */
	foreign: ForeignEvents[];
}

/**
 * `account` empty: the credential names no account, so nothing can be attributed; the delivery
 * stays as it is and the store refuses it with its own clear error.
 */
export function keepOwnAccount(parsed: ParsedWebhook, account: string): AccountSplit {
	if (account === '') return { parsed, foreign: [] };
	const dropped = new Map<string | null, number>();
	const events = parsed.events.filter((event) => {
		if (event.businessAccountId === account) return true;
		dropped.set(event.businessAccountId, (dropped.get(event.businessAccountId) ?? 0) + 1);
		return false;
	});
	if (dropped.size === 0) return { parsed, foreign: [] };
	return {
		parsed: { ...parsed, events },
		foreign: [...dropped].map(([businessAccountId, count]) => ({ businessAccountId, count })),
	};
}
