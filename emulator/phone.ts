import { createHash } from 'node:crypto';

/**
 * Meta accepts `to` in loose formats ("+1 (650) 555-1234", "+1-631-555-5555", "16505551234") and echoes
 * the digits as wa_id. Returns undefined when what remains is not a plausible number.
 */
export function phoneDigits(input: string): string | undefined {
	const stripped = input
		.trim()
		.replace(/[\s().-]/g, '')
		.replace(/^\+/, '');
	return /^\d{7,15}$/.test(stripped) ? stripped : undefined;
}

const countryByPrefix: Array<[string, string]> = [
	['1', 'US'],
	['49', 'DE'],
	['43', 'AT'],
	['41', 'CH'],
	['44', 'GB'],
	['33', 'FR'],
	['34', 'ES'],
	['39', 'IT'],
	['31', 'NL'],
	['55', 'BR'],
	['91', 'IN'],
];

/**
 * A business-scoped user id in Meta's format (`<ISO country>.<digits>`), stable per number so tests can
 * predict it.
 */
export function businessScopedUserId(waId: string, businessId: string): string {
	const country = countryByPrefix.find(([prefix]) => waId.startsWith(prefix))?.[1] ?? 'ZZ';
	const digest = createHash('sha256').update(`${businessId}:${waId}`).digest();
	return `${country}.${digest.readBigUInt64BE(0).toString()}`;
}

export const bsuidPattern = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

/** "+1 555-078-3881" → "15550783881", the form webhooks carry in metadata.display_phone_number. */
export function displayDigits(displayPhoneNumber: string): string {
	return displayPhoneNumber.replace(/\D/g, '');
}

/**
 * Statuses of a business number that cannot send (Meta answers 133010 here). FLAGGED (low quality),
 * RATE_LIMITED and CONNECTED send, as at Meta.
 */
const notSending = new Set([
	'DISCONNECTED',
	'PENDING',
	'UNVERIFIED',
	'RESTRICTED',
	'BANNED',
	'DELETED',
	'MIGRATED',
	'UNLINKED',
]);

export function canSend(phone: { status: string }): boolean {
	return !notSending.has(phone.status.toUpperCase());
}
