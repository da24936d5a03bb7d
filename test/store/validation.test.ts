/**
 * Bad input: every call names the field, shows the value (never a secret) and says the fix,
 * and writes nothing.
 */
import { StoreInputError, type Store } from '../../lib/store';
import { BACKENDS, HOUR, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const RESUME_URL = 'http://127.0.0.1:5678/webhook-waiting/77?signature=very-secret-token';
const OVERSIZED = 'x'.repeat(64 * 1024 + 1);

const wait = {
	account: ACCOUNT,
	phoneNumberId: 'phone-1',
	contact: WA,
	executionId: 'exec-1',
	resumeUrl: RESUME_URL,
	deadline: T0 + HOUR,
	matchRule: { anyMessage: true },
};
const consent = {
	account: ACCOUNT,
	contact: WA,
	status: 'opted_in',
	source: 'api',
	eventAt: T0,
} as const;
const ai = {
	assistant: 'bot',
	customer: WA,
	messages: [{ role: 'user' as const, content: 'hi', at: T0 }],
};

/** [what, call, field the error must name, text the message must contain] */
const CASES: Array<[string, (store: Store) => Promise<unknown>, string, RegExp]> = [
	['missing account', (s) => s.recordConsent({ ...consent, account: '' }), 'account', /is missing/],
	[
		'missing contact',
		(s) => s.recordConsent({ ...consent, contact: undefined as never }),
		'contact',
		/is missing/,
	],
	[
		'contact with neither id',
		(s) => s.recordConsent({ ...consent, contact: { waId: null } }),
		'contact',
		/neither waId nor userId/,
	],
	[
		'national phone number',
		(s) => s.recordConsent({ ...consent, contact: '0151 12345678' }),
		'contact',
		/"0151 12345678".*digits/,
	],
	[
		'bad waId',
		(s) => s.upsertContact({ account: ACCOUNT, waId: '+49 151 1234', seenAt: T0 }),
		'waId',
		/not a WhatsApp id/,
	],
	[
		'contact without ids',
		(s) => s.upsertContact({ account: ACCOUNT, seenAt: T0 }),
		'waId',
		/neither waId nor userId/,
	],
	['bad contact in a single lookup', (s) => s.getConsent(ACCOUNT, 'nobody'), 'contact', /"nobody"/],
	[
		'unknown status',
		(s) => s.recordConsent({ ...consent, status: 'maybe' as never }),
		'status',
		/opted_in, unknown, opted_out, blocked/,
	],
	[
		'unknown source',
		(s) => s.recordConsent({ ...consent, source: 'fax' as never }),
		'source',
		/keyword, button, in_app, api, import/,
	],
	[
		'NaN time',
		(s) => s.recordConsent({ ...consent, eventAt: Number.NaN }),
		'eventAt',
		/not a valid time/,
	],
	[
		'invalid Date',
		(s) =>
			s.touchWindow({
				account: ACCOUNT,
				phoneNumberId: 'p',
				contact: WA,
				inboundAt: new Date('soon'),
			}),
		'inboundAt',
		/Invalid Date/,
	],
	[
		'Unix seconds',
		(s) => s.recordConsent({ ...consent, eventAt: 1_768_467_600 }),
		'eventAt',
		/looks like Unix seconds: multiply by 1000/,
	],
	['before 2000', (s) => s.markSeen('msg:x', Date.UTC(1999, 11, 31)), 'at', /before 2000-01-01/],
	[
		'far future',
		(s) => s.recordConsent({ ...consent, eventAt: Date.now() + 2 * 365 * 24 * HOUR }),
		'eventAt',
		/more than a year in the future/,
	],
	[
		'oversized evidence',
		(s) => s.recordConsent({ ...consent, evidence: { text: OVERSIZED } }),
		'evidence',
		/larger than 65536 bytes/,
	],
	[
		'missing phone number id',
		(s) => s.touchWindow({ account: ACCOUNT, phoneNumberId: ' ', contact: WA, inboundAt: T0 }),
		'phoneNumberId',
		/is missing/,
	],
	[
		'missing resume URL',
		(s) => s.registerWait({ ...wait, resumeUrl: '' }),
		'resumeUrl',
		/is missing/,
	],
	[
		'oversized resume URL',
		(s) => s.registerWait({ ...wait, resumeUrl: `${RESUME_URL}${OVERSIZED}` }),
		'resumeUrl',
		/a hidden value/,
	],
	[
		'absurd deadline',
		(s) => s.registerWait({ ...wait, deadline: 42 }),
		'deadline',
		/before 2000-01-01/,
	],
	[
		'oversized match rule',
		(s) => s.registerWait({ ...wait, matchRule: { text: OVERSIZED } }),
		'matchRule',
		/larger than/,
	],
	[
		'bad claim outcome',
		(s) => s.claimWait('id', 'won' as never, T0),
		'outcome',
		/claimed, cancelled/,
	],
	['release without a wait id', (s) => s.releaseWait('', T0), 'id', /is missing/],
	[
		'expiring a claim at no time',
		(s) => s.expireClaimedWait('id', 'soon' as never),
		'at',
		/not a valid time/,
	],
	['settling without a wait id', (s) => s.settleWait(' '), 'id', /is missing/],
	['housekeeping in Unix seconds', (s) => s.housekeeping(1_768_467_600), 'now', /multiply by 1000/],
	[
		'AI history kept for 0 days (null keeps it forever)',
		(s) =>
			s.housekeeping(T0, {
				retention: {
					account: 'waba-1',
					outboundDays: 90,
					windowDays: 30,
					contactDays: 365,
					aiHistoryDays: 0,
				},
			}),
		'retention.aiHistoryDays',
		/from 1 to 36500/,
	],
	[
		'retention without an account',
		(s) =>
			s.housekeeping(T0, {
				retention: {
					account: '',
					outboundDays: null,
					windowDays: null,
					contactDays: null,
					aiHistoryDays: null,
				},
			}),
		'retention.account',
		/is missing/,
	],
	['empty dedup key', (s) => s.markSeen('', T0), 'key', /is missing/],
	[
		'oversized text',
		(s) =>
			s.logOutbound({
				wamid: 'w',
				account: ACCOUNT,
				phoneNumberId: 'p',
				recipient: WA,
				kind: 'text',
				text: OVERSIZED,
				sentAt: T0,
			}),
		'text',
		/larger than 65536 bytes/,
	],
	[
		'unknown kind',
		(s) =>
			s.logOutbound({
				wamid: 'w',
				account: ACCOUNT,
				phoneNumberId: 'p',
				recipient: WA,
				kind: 'fax' as never,
				sentAt: T0,
			}),
		'kind',
		/template, text, interactive, media/,
	],
	[
		'fractional error code',
		(s) => s.recordOutboundStatus({ wamid: 'w', status: 'failed', at: T0, errorCode: 1.5 }),
		'errorCode',
		/whole number/,
	],
	[
		'no AI messages',
		(s) => s.appendAiMessages({ ...ai, messages: [] }),
		'messages',
		/1 to 1000 messages/,
	],
	[
		'unknown AI role',
		(s) =>
			s.appendAiMessages({ ...ai, messages: [{ role: 'robot' as never, content: 'x', at: T0 }] }),
		'messages[0].role',
		/system, user, assistant/,
	],
	[
		'oversized AI content',
		(s) =>
			s.appendAiMessages({
				...ai,
				messages: [ai.messages[0], { role: 'user', content: OVERSIZED, at: T0 }],
			}),
		'messages[1].content',
		/larger than/,
	],
	[
		'bad maxMessages',
		(s) => s.appendAiMessages({ ...ai, maxMessages: 0 }),
		'maxMessages',
		/1 to 10000/,
	],
	[
		'bad entry in a batch lookup',
		(s) => s.getConsentMany(ACCOUNT, [WA, 'DE.1', 'nobody']),
		'contacts[2]',
		/"nobody"/,
	],
];

describe.each(BACKENDS)('%s store rejects bad input', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeAll(async () => {
		store = await env.freshStore();
	});

	it.each(CASES)('%s', async (_, call, field, message) => {
		const error = await call(store).then(
			() => null,
			(rejection: unknown) => rejection,
		);
		expect(error).toBeInstanceOf(StoreInputError);
		expect((error as StoreInputError).field).toBe(field);
		expect((error as StoreInputError).message).toMatch(message);
		expect((error as StoreInputError).message).not.toContain('very-secret-token');
	});

	it('wrote nothing for any of them', async () => {
		const counts = await env.countRows(env.configOf(store));
		expect(Object.values(counts).every((count) => count === 0)).toBe(true);
	});

	it('left the hour’s housekeeping to the next valid call', async () => {
		expect(await store.housekeeping(T0)).toMatchObject({ ran: true });
	});
});
