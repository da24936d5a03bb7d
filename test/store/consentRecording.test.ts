/**
 * One way to record a consent change the contact made (lib/consent/record.ts), as the trigger
 * records each webhook event (recordEvent, one transaction, a real store on both backends): a
 * typed STOP and a tap on the opt-in question get the same time rule — Meta's time, unless it is
 * more than a day ahead of the delivery — so no answer can outrank every later STOP.
 */
import { CONSENT_BUTTON_IDS } from '../../lib/core/consentPolicy';
import { parseWebhookPayload, type InboundMessageEvent } from '../../lib/core/webhookEvents';
import { recordEvent, type EventRecord } from '../../lib/inbound';
import type { Store } from '../../lib/store';
import { BACKENDS, DAY, HOUR, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const RECEIVED_AT = T0;

function messageEvent(message: Record<string, unknown>): InboundMessageEvent {
	const parsed = parseWebhookPayload({
		object: 'whatsapp_business_account',
		entry: [
			{
				id: ACCOUNT,
				changes: [
					{
						field: 'messages',
						value: {
							messaging_product: 'whatsapp',
							metadata: { display_phone_number: '15550783881', phone_number_id: 'phone-1' },
							contacts: [{ profile: { name: 'Anna' }, wa_id: WA }],
							messages: [{ from: WA, ...message }],
						},
					},
				],
			},
		],
	});
	expect(parsed.errors).toEqual([]);
	return parsed.events[0] as InboundMessageEvent;
}

const optInTap = (id: string, atMs: number) =>
	messageEvent({
		id,
		timestamp: String(Math.floor(atMs / 1000)),
		type: 'interactive',
		interactive: {
			type: 'button_reply',
			button_reply: { id: CONSENT_BUTTON_IDS.optIn, title: 'Yes, please' },
		},
	});

const stop = (id: string, atMs: number) =>
	messageEvent({
		id,
		timestamp: String(Math.floor(atMs / 1000)),
		type: 'text',
		text: { body: 'STOP' },
	});

describe.each(BACKENDS)('%s consent changes from webhooks', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	const record = async (event: InboundMessageEvent, receivedAt = RECEIVED_AT) => {
		const result: EventRecord = await recordEvent(store, event, {
			account: ACCOUNT,
			consentKeywords: {},
			receivedAt,
			withOutbound: false,
		});
		expect(result.kind).toBe('recorded');
		return result.kind === 'recorded' ? result.consent : null;
	};

	it('an opt-in answer dated in the future gets the delivery time, so a later STOP still wins', async () => {
		const consent = await record(optInTap('wamid.tap', RECEIVED_AT + 30 * DAY));
		expect(consent).toMatchObject({
			status: 'opted_in',
			applied: true,
			answersOptInQuestion: true,
		});
		expect((await store.getConsent(ACCOUNT, WA)).since).toEqual(new Date(RECEIVED_AT));

		const later = await record(stop('wamid.stop', RECEIVED_AT + HOUR), RECEIVED_AT + HOUR);
		expect(later).toMatchObject({ status: 'blocked', previousStatus: 'opted_in', applied: true });
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('blocked');
	});

	it('a STOP dated in the future gets the same rule', async () => {
		await record(stop('wamid.stop', RECEIVED_AT + 30 * DAY));
		expect((await store.getConsent(ACCOUNT, WA)).since).toEqual(new Date(RECEIVED_AT));
	});

	it('keeps Meta’s time within a day of clock skew, for answers and keywords alike', async () => {
		await record(optInTap('wamid.tap', RECEIVED_AT + HOUR));
		expect((await store.getConsent(ACCOUNT, WA)).since).toEqual(new Date(RECEIVED_AT + HOUR));
		await record(stop('wamid.stop', RECEIVED_AT + 2 * HOUR));
		expect((await store.getConsent(ACCOUNT, WA)).since).toEqual(new Date(RECEIVED_AT + 2 * HOUR));
	});

	it('reports the status before the change, for an answer and for a keyword', async () => {
		const answer = await record(optInTap('wamid.tap', RECEIVED_AT - HOUR));
		expect(answer).toMatchObject({ previousStatus: 'unknown', status: 'opted_in' });
		const keyword = await record(stop('wamid.stop', RECEIVED_AT));
		expect(keyword).toMatchObject({ previousStatus: 'opted_in', status: 'blocked' });
		expect(keyword?.evidence).toMatchObject({ text: 'STOP', messageIds: ['wamid.stop'] });
		expect(answer?.evidence).toMatchObject({
			kind: 'double_opt_in',
			messageIds: ['wamid.tap'],
			answerPayload: CONSENT_BUTTON_IDS.optIn,
		});
	});
});
