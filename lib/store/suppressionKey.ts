import { createHash, hkdfSync } from 'node:crypto';

/**
 * The key of an account's suppression records. Derived each time from the credential, never
 * stored: a copy of the database alone cannot tell which numbers opted out, where an unsalted
 * hash of a phone number is reversed by trying every number.
 */
export interface SuppressionKey {
	key: Buffer;
	/** A hash of the key, stored beside each record so a changed key is detected, not silently missed. */
	fingerprint: string;
}

const INFO = 'n8n-nodes-whatsapp-automation/suppression/v1';

/**
 * HKDF-SHA256 of the App Secret (the Access Token when the credential has none), salted with the
 * WhatsApp Business Account id, so two accounts never share a key.
 */
export function deriveSuppressionKey(input: {
	appSecret?: unknown;
	accessToken?: unknown;
	account: string;
}): SuppressionKey | null {
	const appSecret = typeof input.appSecret === 'string' ? input.appSecret.trim() : '';
	const accessToken = typeof input.accessToken === 'string' ? input.accessToken.trim() : '';
	const secret = appSecret !== '' ? appSecret : accessToken;
	if (secret === '') return null;
	const key = Buffer.from(hkdfSync('sha256', secret, input.account, INFO, 32));
	const fingerprint = createHash('sha256')
		.update(key)
		.update('fingerprint')
		.digest('hex')
		.slice(0, 16);
	return { key, fingerprint };
}
