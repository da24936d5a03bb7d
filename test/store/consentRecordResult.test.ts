/**
 * What a consent write answers: whether it applied, the consent after it and the consent before it
 * (so the trigger reports "from → to" without reading first), on both backends. And the contact
 * identifier rule the store shares with the nodes (lib/core/contact.ts).
 */
import { StoreInputError, type Store } from '../../lib/store';
import { BACKENDS, HOUR, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const USER = 'DE.1349912345678';
const evidence = { text: 'STOP', messageIds: ['wamid.1'] };

describe.each(BACKENDS)('%s consent write results', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	const record = (
		status: 'opted_in' | 'opted_out' | 'blocked',
		eventAt: number,
		source = 'keyword' as const,
	) => store.recordConsent({ account: ACCOUNT, contact: WA, status, source, evidence, eventAt });

	it('a new contact was unknown before its first event', async () => {
		const result = await record('opted_in', T0);
		expect(result.previous).toEqual({ status: 'unknown', since: null, source: null });
		expect(result.current).toMatchObject({ status: 'opted_in', source: 'keyword' });
	});

	it('returns the status and source the contact had before, applied or not', async () => {
		await record('opted_in', T0, 'keyword');
		const stop = await store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_out',
			source: 'in_app',
			evidence,
			eventAt: T0 + HOUR,
		});
		expect(stop.applied).toBe(true);
		expect(stop.previous).toEqual({ status: 'opted_in', since: new Date(T0), source: 'keyword' });

		// Older than the stop: kept in history only, and "before" is still the stop.
		const late = await record('opted_in', T0 + HOUR / 2);
		expect(late.applied).toBe(false);
		expect(late.previous).toEqual({
			status: 'opted_out',
			since: new Date(T0 + HOUR),
			source: 'in_app',
		});
		expect(late.current).toEqual(late.previous);
	});

	it('an in-app resume reports the stop it lifted, or the unchanged status it found', async () => {
		await record('opted_in', T0);
		await store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_out',
			source: 'in_app',
			evidence,
			eventAt: T0 + HOUR,
		});
		const resume = await store.recordInAppResume({
			account: ACCOUNT,
			contact: WA,
			evidence,
			eventAt: T0 + 2 * HOUR,
		});
		expect(resume).toMatchObject({
			applied: true,
			previous: { status: 'opted_out', source: 'in_app' },
			current: { status: 'opted_in', source: 'keyword' },
		});
		const again = await store.recordInAppResume({
			account: ACCOUNT,
			contact: WA,
			evidence,
			eventAt: T0 + 3 * HOUR,
		});
		expect(again.applied).toBe(false);
		expect(again.previous).toEqual(again.current);
		expect(again.previous.status).toBe('opted_in');
	});

	it('an erased contact that opted out comes back with that status as "before"', async () => {
		await record('opted_out', T0);
		await store.eraseContact(ACCOUNT, WA);
		const back = await record('opted_in', T0 + HOUR);
		expect(back.previous.status).toBe('opted_out');
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('opted_in');
	});

	it('"before" is the linked contact when the event names both ids', async () => {
		await store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'blocked',
			source: 'api',
			evidence,
			eventAt: T0,
		});
		const result = await store.recordConsent({
			account: ACCOUNT,
			contact: { waId: WA, userId: USER },
			status: 'opted_in',
			source: 'api',
			evidence,
			eventAt: T0 + HOUR,
		});
		expect(result.previous).toMatchObject({ status: 'blocked', source: 'api' });
	});
});

describe.each(BACKENDS)('%s contact identifiers', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	it('takes a wa_id with or without "+", padded, and finds the same contact', async () => {
		await store.upsertContact({ account: ACCOUNT, waId: `+${WA}`, seenAt: T0 });
		await store.upsertContact({ account: ACCOUNT, waId: ` ${WA} `, seenAt: T0 });
		expect(await store.getContact(ACCOUNT, WA)).toMatchObject({ waId: WA });
		expect(await store.getContact(ACCOUNT, `+${WA}`)).toMatchObject({ waId: WA });
	});

	it('keeps a user id named as such as Meta sent it', async () => {
		await store.upsertContact({ account: ACCOUNT, userId: 'ZZ-new-format_1', seenAt: T0 });
		expect(await store.getContact(ACCOUNT, { userId: 'ZZ-new-format_1' })).toMatchObject({
			userId: 'ZZ-new-format_1',
		});
	});

	// E.164's length: the store took 5 to 20 digits before it shared the nodes' rule.
	it.each(['1234567', '+1234567', '1234567890123456', '12345678901234567890'])(
		'refuses %s, which no WhatsApp number is',
		async (waId) => {
			await expect(store.getConsent(ACCOUNT, waId)).rejects.toThrow(StoreInputError);
			await expect(store.upsertContact({ account: ACCOUNT, waId, seenAt: T0 })).rejects.toThrow(
				/waId is not a WhatsApp id.*8 to 15 digits/,
			);
		},
	);

	it('logs an outbound recipient as its wa_id only when it is one', async () => {
		const log = (wamid: string, recipient: string) =>
			store.logOutbound({
				wamid,
				account: ACCOUNT,
				phoneNumberId: 'phone-1',
				recipient,
				kind: 'text',
				text: 'hi',
				sentAt: T0,
			});
		await log('wamid.a', `+${WA}`);
		await log('wamid.b', USER);
		expect((await store.getOutbound('wamid.a'))?.recipient).toBe(WA);
		expect((await store.getOutbound('wamid.b'))?.recipient).toBe(USER);
	});
});
