/**
 * Forwards between trigger workflows (lib/inbound/forward.ts): signed with a key derived from the
 * credential, bound to one route and a few minutes, Dates restored on the way in.
 */
import {
	deriveForwardKey,
	FORWARD_HEADER,
	signForward,
	verifyForward,
	type ForwardEnvelope,
} from '../../lib/inbound';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const key = deriveForwardKey({ appSecret: 'app-secret', account: '419561257915477' })!;

const envelope: ForwardEnvelope = {
	v: 1,
	routeId: 'wf-logger/node-1',
	events: [
		{
			eventKey: 'msg:wamid.1',
			facts: {
				event: { event: 'message' } as never,
				conversation: { expiresAt: new Date(NOW + 86_400_000) } as never,
				consent: null,
				outbound: null,
			},
			routing: {
				routeId: 'wf-logger/node-1',
				role: 'every',
				rule: 'every',
				events: ['messageReceived'],
			},
		},
	],
};

function check(overrides: Partial<Parameters<typeof verifyForward>[0]> = {}) {
	const signed = signForward(envelope, key, NOW);
	return verifyForward({
		header: signed.headers[FORWARD_HEADER],
		rawBody: Buffer.from(signed.body),
		key,
		routeId: 'wf-logger/node-1',
		now: NOW + 1000,
		...overrides,
	});
}

describe('forward signatures', () => {
	it('accepts its own forward and restores the Dates', () => {
		const result = check();
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		expect(result.envelope.events[0].facts.conversation?.expiresAt).toEqual(
			new Date(NOW + 86_400_000),
		);
	});

	it('derives a key per secret and per account, never the secret itself', () => {
		expect(key.toString('utf8')).not.toContain('app-secret');
		expect(deriveForwardKey({ appSecret: 'app-secret', account: 'other' })).not.toEqual(key);
		expect(deriveForwardKey({ appSecret: '', accessToken: '', account: 'x' })).toBeNull();
	});

	it.each([
		[
			'another credential',
			{ key: deriveForwardKey({ appSecret: 'other', account: '419561257915477' }) },
			/signature/,
		],
		['another route', { routeId: 'wf-bot/node-2' }, /meant for route/],
		['an old forward', { now: NOW + 6 * 60_000 }, /older than 5 minutes/],
		['no header', { header: undefined }, /malformed/],
		[
			'a changed body',
			{ rawBody: Buffer.from(signForward(envelope, key, NOW).body.replace('every', 'EVERY')) },
			/signature/,
		],
		['no key', { key: null }, /neither App Secret/],
	])('refuses %s with 401', (_, overrides, reason) => {
		expect(check(overrides as never)).toMatchObject({
			ok: false,
			status: 401,
			reason: expect.stringMatching(reason),
		});
	});
});
