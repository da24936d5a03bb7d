import { createHmac } from 'node:crypto';

import fc from 'fast-check';

import {
	answerSubscriptionChallenge,
	generateVerifyToken,
	signMetaPayload,
	verifyMetaSignature,
} from '../../lib/core/signature';

const SECRET = 'test-app-secret';
// Meta signs the bytes it sends; this body's spacing and escapes must survive untouched.
const RAW = Buffer.from(
	'{"object":"whatsapp_business_account", "entry":[{"id":"1","text":"\\u00e9 ü"}]}',
);
const independentSignature = (body: Buffer, secret: string) =>
	`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('signMetaPayload', () => {
	it('is the sha256= prefixed hex HMAC of the raw bytes', () => {
		expect(signMetaPayload(RAW, SECRET)).toBe(independentSignature(RAW, SECRET));
		expect(signMetaPayload(RAW.toString('utf8'), SECRET)).toBe(independentSignature(RAW, SECRET));
	});
});

describe('verifyMetaSignature', () => {
	it('accepts the right signature', () => {
		expect(verifyMetaSignature(RAW, independentSignature(RAW, SECRET), SECRET)).toBe('valid');
	});

	it('accepts upper-case hex and a padded header', () => {
		const header = independentSignature(RAW, SECRET).replace(/[a-f0-9]{64}$/, (hex) =>
			hex.toUpperCase(),
		);
		expect(verifyMetaSignature(RAW, `  ${header} `, SECRET)).toBe('valid');
	});

	it.each([undefined, '', '   ', []])('reports %j as missing', (header) => {
		expect(verifyMetaSignature(RAW, header, SECRET)).toBe('missing');
	});

	it('refuses a signature made with another secret', () => {
		expect(verifyMetaSignature(RAW, independentSignature(RAW, 'other-secret'), SECRET)).toBe(
			'invalid',
		);
	});

	it('refuses a signature of a re-serialised body', () => {
		const reserialised = Buffer.from(JSON.stringify(JSON.parse(RAW.toString('utf8'))));
		expect(verifyMetaSignature(RAW, independentSignature(reserialised, SECRET), SECRET)).toBe(
			'invalid',
		);
	});

	it.each([
		['no prefix', () => independentSignature(RAW, SECRET).slice('sha256='.length)],
		['sha1 prefix', () => independentSignature(RAW, SECRET).replace('sha256=', 'sha1=')],
		['truncated', () => independentSignature(RAW, SECRET).slice(0, -2)],
		['too long', () => `${independentSignature(RAW, SECRET)}00`],
		['non-hex characters', () => independentSignature(RAW, SECRET).replace(/.$/, 'z')],
		['two headers', () => [independentSignature(RAW, SECRET), independentSignature(RAW, SECRET)]],
	])('refuses a header with %s', (_, header) => {
		expect(verifyMetaSignature(RAW, header(), SECRET)).toBe('invalid');
	});

	it('accepts a single-element header array, as Node may deliver it', () => {
		expect(verifyMetaSignature(RAW, [independentSignature(RAW, SECRET)], SECRET)).toBe('valid');
	});

	it('refuses an empty app secret with a pointer to where it lives', () => {
		expect(() => verifyMetaSignature(RAW, 'sha256=00', '')).toThrow(/App settings → Basic/);
	});

	it('any change to the body or a flipped signature byte is refused', () => {
		fc.assert(
			fc.property(
				fc.uint8Array({ minLength: 1, maxLength: 200 }),
				fc.nat(),
				fc.integer({ min: 1, max: 255 }),
				(bytes, at, flip) => {
					const body = Buffer.from(bytes);
					const header = signMetaPayload(body, SECRET);
					expect(verifyMetaSignature(body, header, SECRET)).toBe('valid');

					const tampered = Buffer.from(body);
					tampered[at % tampered.length] ^= flip;
					expect(verifyMetaSignature(tampered, header, SECRET)).toBe('invalid');

					const digest = Buffer.from(header.slice('sha256='.length), 'hex');
					digest[at % digest.length] ^= flip;
					expect(verifyMetaSignature(body, `sha256=${digest.toString('hex')}`, SECRET)).toBe(
						'invalid',
					);
				},
			),
		);
	});

	it('never throws on arbitrary header strings', () => {
		fc.assert(
			fc.property(fc.string(), (header) => {
				expect(['valid', 'missing', 'invalid']).toContain(verifyMetaSignature(RAW, header, SECRET));
			}),
		);
	});
});

describe('answerSubscriptionChallenge', () => {
	const TOKEN = 'verify-me';
	const query = (overrides: Record<string, unknown> = {}) => ({
		'hub.mode': 'subscribe',
		'hub.verify_token': TOKEN,
		'hub.challenge': '1158201444',
		...overrides,
	});

	it('echoes the challenge when the token matches', () => {
		expect(answerSubscriptionChallenge(query(), TOKEN)).toEqual({
			ok: true,
			challenge: '1158201444',
		});
	});

	it('echoes any integer of 1 to 64 digits, and nothing else', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 80 }), (challenge) => {
				const answer = answerSubscriptionChallenge(query({ 'hub.challenge': challenge }), TOKEN);
				expect(answer.ok).toBe(/^[0-9]{1,64}$/.test(challenge));
			}),
		);
		const longest = '7'.repeat(64);
		expect(answerSubscriptionChallenge(query({ 'hub.challenge': longest }), TOKEN)).toEqual({
			ok: true,
			challenge: longest,
		});
	});

	it('understands the nested form some query parsers produce', () => {
		const nested = { hub: { mode: 'subscribe', verify_token: TOKEN, challenge: '42' } };
		expect(answerSubscriptionChallenge(nested, TOKEN)).toEqual({ ok: true, challenge: '42' });
	});

	it.each([
		['a wrong token', { 'hub.verify_token': 'guess' }, /verify_token does not match/],
		['a longer token', { 'hub.verify_token': `${TOKEN}x` }, /verify_token does not match/],
		['no token', { 'hub.verify_token': undefined }, /verify_token does not match/],
		['a token list', { 'hub.verify_token': [TOKEN] }, /verify_token does not match/],
		['another mode', { 'hub.mode': 'unsubscribe' }, /hub.mode is not "subscribe"/],
		['no challenge', { 'hub.challenge': undefined }, /hub.challenge is missing/],
		['a markup challenge', { 'hub.challenge': '<b>hi</b>' }, /hub.challenge is not a number/],
		['a challenge with a newline', { 'hub.challenge': '42\n' }, /hub.challenge is not a number/],
		['a 65-digit challenge', { 'hub.challenge': '9'.repeat(65) }, /hub.challenge is not a number/],
		['a challenge list', { 'hub.challenge': ['42'] }, /hub.challenge is missing/],
	])('refuses %s', (_, overrides, reason) => {
		const answer = answerSubscriptionChallenge(query(overrides), TOKEN);
		expect(answer).toEqual({ ok: false, reason: expect.stringMatching(reason) });
	});

	it('refuses to run without a configured token', () => {
		expect(() => answerSubscriptionChallenge(query(), '')).toThrow(/verify token is empty/);
	});
});

describe('generateVerifyToken', () => {
	it('gives distinct URL-safe tokens', () => {
		const tokens = Array.from({ length: 20 }, generateVerifyToken);
		expect(new Set(tokens).size).toBe(20);
		for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
	});
});
