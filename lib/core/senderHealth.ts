/**
 * Whether a business number may send, from what Meta reports about it (`GET /{phone-number-id}`:
 * `status`, `quality_rating`). Meta's documented statuses: CONNECTED, FLAGGED (quality low, still
 * sending; Meta may lower its messaging limit), RATE_LIMITED and the MESSAGING_LIMIT_TIER_* notes
 * send; DISCONNECTED, PENDING, UNVERIFIED, RESTRICTED, BANNED, DELETED, MIGRATED and UNLINKED do
 * not. A status Meta adds later is not refused here: Meta's own answer to the send decides.
 */

/** `fix` says what the user can do, after "Sender offline: ". */
export type SenderVerdict = { canSend: true } | { canSend: false; fix: string };

const REFUSED: ReadonlyMap<string, string> = new Map([
	[
		'DISCONNECTED',
		'reconnect or register the number in WhatsApp Manager (re-register it with its PIN), or pick another sender.',
	],
	[
		'PENDING',
		'finish registering the number (POST /{phone-number-id}/register), or pick another sender.',
	],
	['UNVERIFIED', 'verify the number with its code in WhatsApp Manager, or pick another sender.'],
	[
		'RESTRICTED',
		'Meta restricted the number (WhatsApp Manager → Account quality shows why and until when); send from another number meanwhile.',
	],
	[
		'BANNED',
		'Meta banned the number; request a review in WhatsApp Manager → Account quality, and pick another sender.',
	],
	['DELETED', 'the number was deleted; pick another sender.'],
	['MIGRATED', 'the number moved to another account; send from there, or pick another sender.'],
	['UNLINKED', 'add the number to the account in WhatsApp Manager, or pick another sender.'],
]);

/** Null or empty status: Meta said nothing, so nothing is refused. */
export function senderStatusVerdict(status: string | null | undefined): SenderVerdict {
	const fix = status ? REFUSED.get(status.toUpperCase()) : undefined;
	return fix === undefined ? { canSend: true } : { canSend: false, fix };
}

/** Meta's quality ratings: GREEN (high), YELLOW (medium), RED (low), UNKNOWN / NA. */
export function isLowQuality(rating: string | null | undefined): boolean {
	return rating?.toUpperCase() === 'RED';
}
