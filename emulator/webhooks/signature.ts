import { createHmac } from 'node:crypto';

/** `X-Hub-Signature-256` as Meta sends it: `sha256=` + hex HMAC-SHA256 of the raw body with the app secret. */
export function signatureHeaders(appSecret: string, rawBody: Buffer): Record<string, string> {
	const sha256 = createHmac('sha256', appSecret).update(rawBody).digest('hex');
	const sha1 = createHmac('sha1', appSecret).update(rawBody).digest('hex');
	return { 'x-hub-signature-256': `sha256=${sha256}`, 'x-hub-signature': `sha1=${sha1}` };
}
