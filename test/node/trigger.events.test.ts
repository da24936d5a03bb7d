/**
 * The four events, their filters and the store side effects behind them: statuses with Meta's
 * errors explained, in-app stop/resume, conversations and their windows, deduplication of
 * redeliveries, batches.
 */
import { closeAllStores, openStore, type Store } from '../../lib/store';
import { metaFixture } from '../helpers/metaFixtures';
import {
	APP_SECRET,
	DISPLAY_NUMBER,
	jsonOf,
	OTHER_PHONE_NUMBER_ID,
	ownWebhookFixture,
	PHONE_NUMBER_ID,
	tempSqlitePath,
	textMessagesBody,
	triggerCredentials,
	triggerFixture,
	unixNow,
	WABA_ID,
} from '../helpers/triggerSetup';
import { callTriggerWebhook, metaPost, type TriggerFixture } from '../helpers/webhookHarness';

afterAll(async () => {
	await closeAllStores();
});

/** A trigger and the very store its credential points at. */
async function withStore(
	parameters: Record<string, unknown>,
	businessAccountId = WABA_ID,
): Promise<{ fixture: TriggerFixture; store: Store }> {
	const sqlitePath = tempSqlitePath();
	const fixture = triggerFixture(parameters, triggerCredentials({ sqlitePath, businessAccountId }));
	return { fixture, store: await openStore({ backend: 'sqlite', path: sqlitePath }) };
}

async function post(fixture: TriggerFixture, body: unknown) {
	const call = await callTriggerWebhook(fixture, metaPost(body, APP_SECRET));
	expect(call.threw).toBeUndefined();
	return call;
}

const SENT_WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA';

describe('Message Status', () => {
	it('is off unless chosen: status callbacks start no run for Message Received', async () => {
		const call = await post(triggerFixture(), ownWebhookFixture('status-failed-131047.json'));
		expect(call.status).toBe(200);
		expect(call.workflowData).toBeUndefined();
	});

	it.each([
		['status-sent.json', 'sent'],
		['status-delivered.json', 'delivered'],
		['status-read.json', 'read'],
	])('%s → a %s item with pricing and callback data', async (file, status) => {
		const fixture = triggerFixture({
			events: ['messageStatus'],
			statuses: ['sent', 'delivered', 'read', 'failed'],
		});
		const body = ownWebhookFixture(file);
		const raw = body.entry[0].changes[0].value.statuses[0];
		const [item] = jsonOf((await post(fixture, body)).workflowData?.[0]);
		expect(item).toMatchObject({
			event: 'messageStatus',
			messageId: SENT_WAMID,
			status,
			bizOpaqueCallbackData: raw.biz_opaque_callback_data ?? null,
			raw,
			recipient: { waId: '16505551234', phone: '+16505551234' },
			business: { phoneNumberId: PHONE_NUMBER_ID },
			pricing: { pricingModel: 'PMP', category: 'marketing' },
			error: null,
			errors: [],
		});
	});

	it.each([
		[131047, 'outside_window', /24-hour window/],
		[131049, 'marketing_limit', /healthy ecosystem/],
		[131050, 'opted_out', /stopped marketing/],
		[131026, 'undeliverable', /could not be delivered/],
	])(
		'failed with %i → Meta’s code, title and details plus a plain explanation',
		async (code, kind, explanation) => {
			const body = ownWebhookFixture(`status-failed-${code}.json`);
			const metaError = body.entry[0].changes[0].value.statuses[0].errors[0];
			const { fixture } = await withStore({ events: ['messageStatus'] });
			const [item] = jsonOf((await post(fixture, body)).workflowData?.[0]);
			expect(item.status).toBe('failed');
			expect(item.error).toMatchObject({
				code,
				title: metaError.title,
				details: metaError.error_data.details,
				kind,
			});
			expect(item.error.explanation).toMatch(explanation);
			expect(item.error.fix).toEqual(expect.any(String));
			expect(item.errors).toHaveLength(1);
		},
	);

	it('filters by status: only the chosen ones start a run', async () => {
		const fixture = triggerFixture({ events: ['messageStatus'], statuses: ['failed'] });
		expect(
			(await post(fixture, ownWebhookFixture('status-read.json'))).workflowData,
		).toBeUndefined();
		expect(
			(await post(fixture, ownWebhookFixture('status-failed-131026.json'))).workflowData?.[0],
		).toHaveLength(1);
	});

	it('updates the outbound log and shows which message of ours it was', async () => {
		const { fixture, store } = await withStore({ events: ['messageStatus'], statuses: [] });
		await store.logOutbound({
			wamid: SENT_WAMID,
			account: WABA_ID,
			phoneNumberId: PHONE_NUMBER_ID,
			recipient: '16505551234',
			kind: 'template',
			templateName: 'summer_sale',
			templateLanguage: 'en_US',
			category: 'MARKETING',
			sentAt: 1750263770_000,
		});
		await post(fixture, ownWebhookFixture('status-sent.json'));
		const [item] = jsonOf(
			(await post(fixture, ownWebhookFixture('status-delivered.json'))).workflowData?.[0],
		);
		expect(item.outbound).toMatchObject({ kind: 'template', templateName: 'summer_sale' });
		const logged = await store.getOutbound(SENT_WAMID);
		expect(logged?.statuses.map((entry) => entry.status)).toEqual(['sent', 'delivered']);
	});

	it('marks the first reply of the recipient to each logged message, for Campaign Report', async () => {
		const { fixture, store } = await withStore({ events: ['messageReceived'] });
		const sentAt = (unixNow(0) - 3600) * 1000;
		await store.logOutboundMany(
			['wamid.campaign-1', 'wamid.campaign-2'].map((wamid, n) => ({
				wamid,
				account: WABA_ID,
				phoneNumberId: PHONE_NUMBER_ID,
				recipient: '16505551234',
				kind: 'template' as const,
				callbackData: 'summer',
				sentAt: sentAt + n * 60_000,
			})),
		);
		const reply = (id: string, timestamp: number) =>
			post(fixture, textMessagesBody([{ id, from: '16505551234', text: 'Thanks!', timestamp }]));
		const first = unixNow(600);
		await reply('wamid.reply-1', first);
		await reply('wamid.reply-2', unixNow(60));
		for (const wamid of ['wamid.campaign-1', 'wamid.campaign-2']) {
			expect((await store.getOutbound(wamid))?.repliedAt).toEqual(new Date(first * 1000));
		}
	});

	it('a 131050 failure records the marketing opt-out Meta reports (and Consent Changed fires)', async () => {
		const { fixture, store } = await withStore({ events: ['consentChanged'] });
		const items = jsonOf(
			(await post(fixture, ownWebhookFixture('status-failed-131050.json'))).workflowData?.[0],
		);
		expect(items).toEqual([
			expect.objectContaining({
				event: 'consentChanged',
				status: 'opted_out',
				source: 'in_app',
				matched: '131050',
				contact: expect.objectContaining({ waId: '16505551234' }),
				messageId: SENT_WAMID,
			}),
		]);
		expect((await store.getConsent(WABA_ID, '16505551234')).status).toBe('opted_out');
	});
});

describe('Consent Changed', () => {
	it('user_preferences stop → opted_out (in-app), resume → back to unknown, each with evidence', async () => {
		const { fixture, store } = await withStore({ events: ['consentChanged'] });
		const [stop] = jsonOf(
			(await post(fixture, ownWebhookFixture('user-preferences-stop.json'))).workflowData?.[0],
		);
		expect(stop).toMatchObject({
			event: 'consentChanged',
			status: 'opted_out',
			previousStatus: 'unknown',
			changed: true,
			source: 'in_app',
			messageId: null,
			contact: { waId: '16505551234', userId: 'US.13491208655302741918', name: 'Sheena Nelson' },
			evidence: { text: 'User requested to stop marketing messages' },
		});
		const [resume] = jsonOf(
			(await post(fixture, ownWebhookFixture('user-preferences-resume.json'))).workflowData?.[0],
		);
		// Nothing was known before the in-app stop: the resume lifts it, it is no opt-in.
		expect(resume).toMatchObject({
			status: 'unknown',
			previousStatus: 'opted_out',
			changed: true,
			source: 'in_app',
			matched: 'resume',
			evidence: { text: 'User requested to resume marketing messages' },
		});

		const history = await store.getConsentHistory(WABA_ID, '16505551234');
		expect(history.map((entry) => [entry.newStatus, entry.source])).toEqual([
			['opted_out', 'in_app'],
			['unknown', 'in_app'],
		]);
		expect((await store.getConsent(WABA_ID, '16505551234')).status).toBe('unknown');
	});

	it('resume from unknown is no opt-in: no Consent Changed item, kept in history only', async () => {
		const { fixture, store } = await withStore({ events: ['consentChanged'] });
		const call = await post(fixture, ownWebhookFixture('user-preferences-resume.json'));
		expect(call.status).toBe(200);
		expect(call.workflowData).toBeUndefined();
		expect((await store.getConsent(WABA_ID, '16505551234')).status).toBe('unknown');
		expect(await store.getConsentHistory(WABA_ID, '16505551234')).toEqual([
			expect.objectContaining({
				previousStatus: 'unknown',
				newStatus: 'unknown',
				source: 'in_app',
				applied: false,
				evidence: expect.objectContaining({ matched: 'resume' }),
			}),
		]);
	});

	it('resume after a STOP keyword leaves the contact blocked', async () => {
		const { fixture, store } = await withStore({ events: ['consentChanged'] });
		const stopBeforeResume = 1750340000; // the resume fixture is at 1750350000
		await post(
			fixture,
			textMessagesBody([
				{ id: 'wamid.stop', from: '16505551234', text: 'STOP', timestamp: stopBeforeResume },
			]),
		);
		const call = await post(fixture, ownWebhookFixture('user-preferences-resume.json'));
		expect(call.workflowData).toBeUndefined();
		expect(await store.getConsent(WABA_ID, '16505551234')).toMatchObject({
			status: 'blocked',
			source: 'keyword',
		});
		expect(
			(await store.getConsentHistory(WABA_ID, '16505551234')).map((entry) => entry.applied),
		).toEqual([true, false]);
	});

	it('keywords: STOP blocks everything, INFOSTOP stops marketing, START opts back in', async () => {
		const { fixture, store } = await withStore({ events: ['consentChanged'] });
		const send = async (id: string, text: string, secondsAgo: number) =>
			jsonOf(
				(
					await post(
						fixture,
						textMessagesBody([{ id, from: '4915112345678', text, timestamp: unixNow(secondsAgo) }]),
					)
				).workflowData?.[0],
			);
		expect(await send('wamid.k1', 'Stop.', 30)).toEqual([
			expect.objectContaining({ status: 'blocked', source: 'keyword', matched: 'STOP' }),
		]);
		expect(await send('wamid.k2', 'start', 20)).toEqual([
			expect.objectContaining({ status: 'opted_in', previousStatus: 'blocked' }),
		]);
		expect(await send('wamid.k3', 'INFOSTOP 🙏', 10)).toEqual([
			expect.objectContaining({ status: 'opted_out', previousStatus: 'opted_in' }),
		]);
		expect(await send('wamid.k4', 'please do not stop my order', 5)).toEqual([]);
		const state = await store.getConsent(WABA_ID, '4915112345678');
		expect(state.status).toBe('opted_out');
		const history = await store.getConsentHistory(WABA_ID, '4915112345678');
		expect(history.at(-1)?.evidence).toMatchObject({
			text: 'INFOSTOP 🙏',
			messageIds: ['wamid.k3'],
		});
	});

	it('custom keyword lists replace the defaults', async () => {
		const { fixture, store } = await withStore({
			events: ['consentChanged'],
			options: { optOutKeywords: 'KEINE WERBUNG, ABMELDEN', blockKeywords: 'STOPP' },
		});
		await post(
			fixture,
			textMessagesBody([
				{ id: 'wamid.c1', from: '4915112345678', text: 'keine werbung', timestamp: unixNow(5) },
			]),
		);
		expect((await store.getConsent(WABA_ID, '4915112345678')).status).toBe('opted_out');
		const call = await post(
			fixture,
			textMessagesBody([
				{ id: 'wamid.c2', from: '4915112345679', text: 'STOP', timestamp: unixNow(5) },
			]),
		);
		expect(call.workflowData).toBeUndefined();
	});

	it('a message item carries the consent change it caused', async () => {
		const fixture = triggerFixture({ events: ['messageReceived'] });
		const [item] = jsonOf(
			(
				await post(
					fixture,
					textMessagesBody([
						{ id: 'wamid.s1', from: '4915112345678', text: 'STOP', timestamp: unixNow(5) },
					]),
				)
			).workflowData?.[0],
		);
		expect(item).toMatchObject({
			event: 'messageReceived',
			consent: { status: 'blocked', source: 'keyword' },
		});
	});
});

describe('Conversation Started', () => {
	const message = (id: string, secondsAgo: number, from = '4915112345678') =>
		textMessagesBody([{ id, from, text: 'Hallo', timestamp: unixNow(secondsAgo) }]);

	it('fires when no 24-hour window was open, not for the messages inside it', async () => {
		const fixture = triggerFixture({ events: ['conversationStarted'] });
		const [first] = jsonOf((await post(fixture, message('wamid.a', 3 * 86400))).workflowData?.[0]);
		expect(first).toMatchObject({
			event: 'conversationStarted',
			conversation: { isNew: true, isFirstEver: true, windowWasOpen: false },
		});
		expect((await post(fixture, message('wamid.b', 3 * 86400 - 600))).workflowData).toBeUndefined();

		const [second] = jsonOf((await post(fixture, message('wamid.c', 60))).workflowData?.[0]);
		expect(second).toMatchObject({
			event: 'conversationStarted',
			conversation: { isNew: true, isFirstEver: false, windowWasOpen: false },
		});
		expect(second.conversation.id).not.toBe(first.conversation.id);
	});

	it('"Only First Message Ever" fires once per contact', async () => {
		const fixture = triggerFixture({ events: ['conversationStarted'], onlyFirstEver: true });
		expect((await post(fixture, message('wamid.a', 3 * 86400))).workflowData?.[0]).toHaveLength(1);
		expect((await post(fixture, message('wamid.c', 60))).workflowData).toBeUndefined();
		expect(
			(await post(fixture, message('wamid.d', 60, '4915112345670'))).workflowData?.[0],
		).toHaveLength(1);
	});

	it('with Message Received chosen too, each message still starts exactly one run', async () => {
		const fixture = triggerFixture({ events: ['messageReceived', 'conversationStarted'] });
		const first = jsonOf((await post(fixture, message('wamid.a', 600))).workflowData?.[0]);
		const next = jsonOf((await post(fixture, message('wamid.b', 300))).workflowData?.[0]);
		expect(first.map((item) => item.event)).toEqual(['conversationStarted']);
		expect(next.map((item) => item.event)).toEqual(['messageReceived']);
		expect(next[0].conversation).toMatchObject({
			id: first[0].conversation.id,
			isNew: false,
			windowWasOpen: true,
			previousMessageAt: new Date(first[0].timestampUnix * 1000).toISOString(),
		});
	});
});

describe('identities', () => {
	it('a business-scoped user id without wa_id is a full contact', async () => {
		const { fixture, store } = await withStore({ events: ['messageReceived'] });
		const [item] = jsonOf(
			(await post(fixture, ownWebhookFixture('message-bsuid-only.json'))).workflowData?.[0],
		);
		expect(item).toMatchObject({
			contact: { phone: null, waId: null, userId: 'US.13491208655302741918', username: '@sheena' },
			message: { text: 'Hi, I found you via your username' },
			conversation: { isNew: true },
		});
		expect(await store.getContact(WABA_ID, 'US.13491208655302741918')).toMatchObject({
			waId: null,
			profileName: 'Sheena Nelson',
		});
	});

	it('a system message without contacts is recorded and delivered, opening no window', async () => {
		const body = metaFixture('webhooks/post-request/system-message.json');
		const account = body.entry[0].id as string;
		const { fixture, store } = await withStore({ events: ['messageReceived'] }, account);
		const [item] = jsonOf((await post(fixture, body)).workflowData?.[0]);
		expect(item).toMatchObject({
			type: 'system',
			conversation: null,
			system: { newWaId: '12195555358' },
		});
		expect(
			await store.getWindow({ account, phoneNumberId: PHONE_NUMBER_ID, contact: '16505551234' }),
		).toBeNull();
	});
});

describe('redeliveries and batches', () => {
	it('the same payload delivered three times starts one run and records once', async () => {
		const { fixture, store } = await withStore({ events: ['messageReceived', 'consentChanged'] });
		const body = textMessagesBody([
			{ id: 'wamid.dup', from: '4915112345678', text: 'STOP', timestamp: unixNow(5) },
		]);
		const calls = [await post(fixture, body), await post(fixture, body), await post(fixture, body)];
		expect(calls.map((call) => call.status)).toEqual([200, 200, 200]);
		expect(calls.map((call) => call.workflowData?.[0].length ?? 0)).toEqual([2, 0, 0]);
		expect(await store.getConsentHistory(WABA_ID, '4915112345678')).toHaveLength(1);
	});

	it('a batch of 50 messages from 10 contacts → 50 items in order, 10 new conversations', async () => {
		const { fixture, store } = await withStore({ events: ['messageReceived'] });
		const messages = Array.from({ length: 50 }, (_, index) => ({
			id: `wamid.batch.${index}`,
			from: `49151000000${index % 10}`,
			text: `message ${index}`,
			timestamp: unixNow(100 - index),
			name: `Customer ${index % 10}`,
		}));
		const call = await post(fixture, textMessagesBody(messages));
		const items = jsonOf(call.workflowData?.[0]);
		expect(items.map((item) => item.messageId)).toEqual(messages.map((message) => message.id));
		expect(items.filter((item) => item.conversation.isNew)).toHaveLength(10);
		expect(new Set(items.map((item) => item.conversation.id)).size).toBe(10);
		expect(items[10]).toMatchObject({
			contact: { waId: '491510000000', name: 'Customer 0' },
			conversation: { isNew: false },
		});
		const window = await store.getWindow({
			account: WABA_ID,
			phoneNumberId: PHONE_NUMBER_ID,
			contact: '491510000009',
		});
		expect(window?.lastInboundAt.getTime()).toBe(messages[49].timestamp * 1000);

		const again = await post(fixture, textMessagesBody(messages));
		expect(again.workflowData).toBeUndefined();
	});
});

describe('filters', () => {
	const body = () =>
		textMessagesBody([
			{ id: 'wamid.f1', from: '4915112345678', text: 'PROMO', timestamp: unixNow(9) },
			{ id: 'wamid.f2', from: '4915112345678', text: 'promo please', timestamp: unixNow(8) },
			{
				id: 'wamid.f3',
				from: '4915112345678',
				text: 'hello',
				timestamp: unixNow(7),
				phoneNumberId: OTHER_PHONE_NUMBER_ID,
			},
		]);

	it('keywords (exact, case-insensitive) with the wa.me link to share', async () => {
		const fixture = triggerFixture({ keywords: 'promo\nsale', keywordMatch: 'exact' });
		const items = jsonOf((await post(fixture, body())).workflowData?.[0]);
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({
			messageId: 'wamid.f1',
			keyword: { matched: 'promo', link: `https://wa.me/${DISPLAY_NUMBER}?text=promo` },
		});
	});

	it.each([
		['startsWith', ['wamid.f1', 'wamid.f2']],
		['contains', ['wamid.f1', 'wamid.f2']],
		['regex', ['wamid.f1']],
	])('keyword match %s', async (keywordMatch, expected) => {
		const keywords = keywordMatch === 'regex' ? '^pro\\w+$' : 'promo';
		const fixture = triggerFixture({ keywords, keywordMatch });
		const items = jsonOf((await post(fixture, body())).workflowData?.[0]);
		expect(items.map((item) => item.messageId)).toEqual(expected);
	});

	it('business numbers: other numbers start nothing here but are still recorded', async () => {
		const { fixture, store } = await withStore({
			events: ['messageReceived'],
			filters: { phoneNumberIds: PHONE_NUMBER_ID },
		});
		const items = jsonOf((await post(fixture, body())).workflowData?.[0]);
		expect(items.map((item) => item.messageId)).toEqual(['wamid.f1', 'wamid.f2']);
		const window = await store.getWindow({
			account: WABA_ID,
			phoneNumberId: OTHER_PHONE_NUMBER_ID,
			contact: '4915112345678',
		});
		expect(window).not.toBeNull();
	});

	it('message types', async () => {
		const fixture = triggerFixture({ filters: { messageTypes: ['image'] } });
		expect((await post(fixture, body())).workflowData).toBeUndefined();
		const image = metaFixture('webhooks/post-request/image-message.json');
		expect((await post(fixture, image)).workflowData?.[0]).toHaveLength(1);
	});

	it('an invalid setting answers 500 (Meta retries) and starts nothing', async () => {
		const fixture = triggerFixture({ keywords: '(unclosed', keywordMatch: 'regex' });
		const call = await callTriggerWebhook(fixture, metaPost(body(), APP_SECRET));
		expect(call.status).toBe(500);
		expect(call.workflowData).toBeUndefined();
		expect(call.threw).toBeUndefined();
	});

	it('other subscribed fields (template status) start nothing', async () => {
		const call = await post(
			triggerFixture({
				events: ['messageReceived', 'messageStatus', 'consentChanged', 'conversationStarted'],
			}),
			ownWebhookFixture('template-status-update.json'),
		);
		expect(call.status).toBe(200);
		expect(call.workflowData).toBeUndefined();
	});
});

describe('account-level events (templates, quality, account updates)', () => {
	const ACCOUNT_EVENTS = [
		'templateStatusChanged',
		'templateQualityChanged',
		'templateCategoryChanged',
		'phoneNumberQualityChanged',
		'accountUpdate',
	];

	it('are off unless chosen: a trigger with every other event starts no run', async () => {
		const fixture = triggerFixture({
			events: ['messageReceived', 'messageStatus', 'consentChanged', 'conversationStarted'],
		});
		for (const name of [
			'account/template-status-paused.json',
			'account/phone-number-quality-flagged.json',
			'account/account-update-ban.json',
		]) {
			const call = await post(fixture, ownWebhookFixture(name));
			expect(call.status).toBe(200);
			expect(call.workflowData).toBeUndefined();
		}
	});

	it.each([
		[
			'template-status-update.json',
			{
				event: 'templateStatusChanged',
				field: 'message_template_status_update',
				status: 'APPROVED',
				reason: null,
				template: { id: '1234567890', name: 'order_update', language: 'en_US', category: null },
			},
		],
		[
			'account/template-status-rejected.json',
			{ event: 'templateStatusChanged', status: 'REJECTED', reason: 'INVALID_FORMAT' },
		],
		[
			'account/template-quality-update.json',
			{ event: 'templateQualityChanged', quality: 'YELLOW', previousQuality: 'GREEN' },
		],
		[
			'account/template-category-update.json',
			{ event: 'templateCategoryChanged', category: 'MARKETING', previousCategory: 'UTILITY' },
		],
		[
			'account/phone-number-quality-downgrade.json',
			{
				event: 'phoneNumberQualityChanged',
				metaEvent: 'DOWNGRADE',
				displayPhoneNumber: DISPLAY_NUMBER,
				phone: `+${DISPLAY_NUMBER}`,
				currentLimit: 'TIER_1K',
				oldLimit: 'TIER_10K',
			},
		],
		[
			'account/account-update-restriction.json',
			{
				event: 'accountUpdate',
				metaEvent: 'ACCOUNT_RESTRICTION',
				restrictions: [
					{ type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiresAt: '2025-06-25T18:33:20.000Z' },
					{ type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiresAt: '2025-06-25T18:33:20.000Z' },
				],
			},
		],
	])('%s → one flat item with Meta’s change under raw', async (name, expected) => {
		const { fixture } = await withStore({
			events: ACCOUNT_EVENTS,
			// Account events belong to the whole account: a number filter does not hold them back.
			phoneNumberIds: OTHER_PHONE_NUMBER_ID,
		});
		const body = ownWebhookFixture(name);
		const items = jsonOf((await post(fixture, body)).workflowData?.[0]);
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({
			...expected,
			businessAccountId: WABA_ID,
			timestampUnix: body.entry[0].time,
			raw: body.entry[0].changes[0].value,
		});
		expect(items[0]).not.toHaveProperty('contact');
	});

	it('only the chosen account events start a run; a redelivery starts none', async () => {
		const { fixture } = await withStore({ events: ['phoneNumberQualityChanged'] });
		const template = await post(fixture, ownWebhookFixture('account/template-status-paused.json'));
		expect(template.workflowData).toBeUndefined();
		const body = ownWebhookFixture('account/phone-number-quality-flagged.json');
		const first = jsonOf((await post(fixture, body)).workflowData?.[0]);
		expect(first).toMatchObject([
			{ event: 'phoneNumberQualityChanged', metaEvent: 'FLAGGED', lowQuality: true },
		]);
		const again = await post(fixture, body);
		expect(again.status).toBe(200);
		expect(again.workflowData).toBeUndefined();
		// The same change on a later day is a new event.
		const later = ownWebhookFixture('account/phone-number-quality-flagged.json');
		later.entry[0].time += 86_400;
		expect(jsonOf((await post(fixture, later)).workflowData?.[0])).toHaveLength(1);
	});

	it('another account’s update (an app-level subscription) starts nothing', async () => {
		const { fixture } = await withStore({ events: ACCOUNT_EVENTS });
		const body = ownWebhookFixture('account/account-update-violation.json');
		body.entry[0].id = '999999999999999';
		const call = await post(fixture, body);
		expect(call.status).toBe(200);
		expect(call.workflowData).toBeUndefined();
	});

	it('an unsigned account update is refused like any other delivery', async () => {
		const { fixture } = await withStore({ events: ACCOUNT_EVENTS });
		const call = await callTriggerWebhook(
			fixture,
			metaPost(ownWebhookFixture('account/account-update-ban.json'), null),
		);
		expect(call.status).toBe(401);
		expect(call.workflowData).toBeUndefined();
	});
});
