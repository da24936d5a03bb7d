/**
 * Authenticity of Meta's webhook calls: the `X-Hub-Signature-256` HMAC on every POST and the
 * `hub.challenge` handshake on the subscription GET.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isRecord } from './isRecord';

export type SignatureVerdict = 'valid' | 'missing' | 'invalid';

const SIGNATURE_PREFIX = 'sha256=';
const HEX_DIGEST = /^[0-9a-f]{64}$/i;

/** `sha256=<hex HMAC-SHA256(appSecret, rawBody)>`, exactly what Meta puts in the header. */
export function signMetaPayload(rawBody: Buffer | string, appSecret: string): string {
	assertAppSecret(appSecret);
	return SIGNATURE_PREFIX + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/**
 * Checks the header against the RAW request bytes: a re-serialised JSON body would differ in
 * whitespace or escaping and fail. Node may hand a repeated header over as an array; more than one
 * signature is refused rather than guessing which one counts.
 */
export function verifyMetaSignature(
	rawBody: Buffer,
	header: string | readonly string[] | undefined,
	appSecret: string,
): SignatureVerdict {
	assertAppSecret(appSecret);
	const values = header === undefined ? [] : typeof header === 'string' ? [header] : header;
	if (values.length === 0 || (values.length === 1 && values[0].trim() === '')) return 'missing';
	if (values.length > 1) return 'invalid';

	const presented = values[0].trim();
	if (presented.slice(0, SIGNATURE_PREFIX.length).toLowerCase() !== SIGNATURE_PREFIX) {
		return 'invalid';
	}
	const hex = presented.slice(SIGNATURE_PREFIX.length);
	// Buffer.from(hex, 'hex') silently drops bad characters, so the form is checked first.
	if (!HEX_DIGEST.test(hex)) return 'invalid';

	const expected = createHmac('sha256', appSecret).update(rawBody).digest();
	return timingSafeEqual(Buffer.from(hex, 'hex'), expected) ? 'valid' : 'invalid';
}

export type ChallengeAnswer = { ok: true; challenge: string } | { ok: false; reason: string };

/**
 * Meta sends an integer. Echoing anything else would let whoever knows the verify token make this
 * URL serve text of their choosing (a reflected page), so only digits of a sane length go back.
 */
const CHALLENGE_FORM = /^[0-9]{1,64}$/;

/**
 * Meta's subscription handshake: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
 * Answer 200 with `challenge` as plain text (nosniff) when ok, 403 otherwise. Accepts the flat keys
 * and the nested `{ hub: { mode, … } }` form some query parsers produce. The reason is for the log.
 */
export function answerSubscriptionChallenge(
	query: Readonly<Record<string, unknown>>,
	expectedVerifyToken: string,
): ChallengeAnswer {
	if (expectedVerifyToken === '') {
		throw new Error('The verify token is empty: set a verify token before answering Meta');
	}
	const nested = isRecord(query.hub) ? query.hub : {};
	const mode = query['hub.mode'] ?? nested.mode;
	const token = query['hub.verify_token'] ?? nested.verify_token;
	const challenge = query['hub.challenge'] ?? nested.challenge;

	if (mode !== 'subscribe') {
		return { ok: false, reason: 'hub.mode is not "subscribe": not a Meta verification request' };
	}
	if (typeof token !== 'string' || !sameSecret(token, expectedVerifyToken)) {
		return {
			ok: false,
			reason:
				'hub.verify_token does not match: paste the verify token shown in the node into the Meta app dashboard',
		};
	}
	if (typeof challenge !== 'string' || challenge === '') {
		return { ok: false, reason: 'hub.challenge is missing: Meta always sends one to echo back' };
	}
	if (!CHALLENGE_FORM.test(challenge)) {
		return {
			ok: false,
			reason: `hub.challenge is not a number of 1 to 64 digits (got ${challenge.length} characters): Meta sends an integer, so this request is not Meta's`,
		};
	}
	return { ok: true, challenge };
}

/** A random verify token for manual webhook setup (URL-safe, 192 bits). */
export function generateVerifyToken(): string {
	return randomBytes(24).toString('base64url');
}

/**
 * Compares two secrets (the verify token, a follow-up wait's hand-off secret). Hashing first gives
 * equal lengths, so the comparison leaks neither content nor length.
 */
export function sameSecret(presented: string, expected: string): boolean {
	const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
	return timingSafeEqual(digest(presented), digest(expected));
}

function assertAppSecret(appSecret: string): void {
	if (appSecret === '') {
		throw new Error(
			'The app secret is empty: copy it from Meta App Dashboard → App settings → Basic → App secret, or skip signature checks when no secret is configured',
		);
	}
}
