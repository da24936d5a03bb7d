/**
 * Whether a business number may send, from what Meta reports about it (`GET /{phone-number-id}`:
 * `status`, `quality_rating`). Meta's documented statuses: CONNECTED, FLAGGED (quality low, still
 * sending; Meta may lower its messaging limit), RATE_LIMITED and the MESSAGING_LIMIT_TIER_* notes
 * send; DISCONNECTED, PENDING, UNVERIFIED, RESTRICTED, BANNED, DELETED, MIGRATED and UNLINKED do
 * not. A status Meta adds later is not refused here: Meta's own answer to the send decides.
 */

export type SenderVerdict = { canSend: true } | { canSend: false; problem: string; fix: string };

const REFUSED: ReadonlyMap<string, { problem: string; fix: string }> = new Map([
	[
		'DISCONNECTED',
		{
			problem: 'is disconnected',
			fix: 'Reconnect the number in WhatsApp Manager (re-register it with its PIN) or pick another sender.',
		},
	],
	[
		'PENDING',
		{
			problem: 'is not registered yet (pending)',
			fix: 'Finish registering the number (POST /{phone-number-id}/register) or pick another sender.',
		},
	],
	[
		'UNVERIFIED',
		{
			problem: 'is not verified',
			fix: 'Verify the number with its code in WhatsApp Manager or pick another sender.',
		},
	],
	[
		'RESTRICTED',
		{
			problem: 'is restricted by Meta and may not start conversations',
			fix: 'See the restriction and its end in WhatsApp Manager → Account quality; send from another number meanwhile.',
		},
	],
	[
		'BANNED',
		{
			problem: 'is banned by Meta',
			fix: 'Request a review in WhatsApp Manager → Account quality; pick another sender.',
		},
	],
	['DELETED', { problem: 'was deleted', fix: 'Pick another sender.' }],
	[
		'MIGRATED',
		{
			problem: 'was migrated to another account',
			fix: 'Send from the account the number moved to, or pick another sender.',
		},
	],
	[
		'UNLINKED',
		{
			problem: 'is not linked to the WhatsApp Business Account',
			fix: 'Add the number to the account in WhatsApp Manager or pick another sender.',
		},
	],
]);

/** Null or empty status: Meta said nothing, so nothing is refused. */
export function senderStatusVerdict(status: string | null | undefined): SenderVerdict {
	const refused = status ? REFUSED.get(status.toUpperCase()) : undefined;
	return refused === undefined ? { canSend: true } : { canSend: false, ...refused };
}

/** Meta's quality ratings: GREEN (high), YELLOW (medium), RED (low), UNKNOWN / NA. */
export function isLowQuality(rating: string | null | undefined): boolean {
	return rating?.toUpperCase() === 'RED';
}
