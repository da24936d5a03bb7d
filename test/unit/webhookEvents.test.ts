import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';

import {
	contactKey,
	eventDedupKey,
	parseWebhookPayload,
	WebhookPayloadError,
	type InboundMessageEvent,
	type OtherFieldEvent,
	type StatusEvent,
	type SystemEvent,
	type UserPreferenceEvent,
	type WhatsAppEvent,
} from '../../lib/core/webhookEvents';
import { metaFixture, metaFixtures } from '../helpers/metaFixtures';

const META_WEBHOOKS = 'webhooks/post-request';
const ownFixture = (name: string): unknown =>
	JSON.parse(readFileSync(join(__dirname, '../fixtures/webhooks', name), 'utf8'));

const SHEENA = {
	phone: '+16505551234',
	waId: '16505551234',
	userId: null,
	name: 'Sheena Nelson',
	username: null,
};
const BUSINESS = { phoneNumberId: '106540352242922', displayPhoneNumber: '15550783881' };

function onlyEvent<T extends WhatsAppEvent>(body: unknown): T {
	const parsed = parseWebhookPayload(body);
	expect(parsed.errors).toEqual([]);
	expect(parsed.events).toHaveLength(1);
	return parsed.events[0] as T;
}

const metaMessage = (name: string) =>
	onlyEvent<InboundMessageEvent>(metaFixture(`${META_WEBHOOKS}/${name}`));

describe("Meta's published webhook examples", () => {
	it('covers every example in the folder (a new example needs an expectation here)', () => {
		const names = metaFixtures(META_WEBHOOKS).map(([name]) => name);
		expect(names).toEqual([
			'button-message.json',
			'contact-sharing-message.json',
			'group-create-message.json',
			'group-remove-participants.json',
			'group-settings-update.json',
			'image-message.json',
			'interactive-button-reply-message.json',
			'interactive-list-reply-message.json',
			'location-message.json',
			'order-message.json',
			'reaction-message.json',
			'system-message.json',
			'text-message-from-click-to-whatsapp-ad.json',
			'text-message-with-context-product-inquiry.json',
			'text-message.json',
			'unsupported-message.json',
		]);
	});

	it('keeps the raw message and produces one note-free event per example', () => {
		for (const [name, body] of metaFixtures(META_WEBHOOKS)) {
			const parsed = parseWebhookPayload(body);
			expect({ name, errors: parsed.errors, ignored: parsed.ignored }).toEqual({
				name,
				errors: [],
				ignored: [],
			});
			expect({ name, count: parsed.events.length }).toEqual({ name, count: 1 });
			const event = parsed.events[0];
			if (event.event === 'message' || event.event === 'system') {
				expect(event.raw).toBe(body.entry[0].changes[0].value.messages[0]);
			}
		}
	});

	it('text-message: contact, business, text, id and both timestamps', () => {
		const event = metaMessage('text-message.json');
		expect(event).toMatchObject({
			event: 'message',
			businessAccountId: '419561257915477',
			business: BUSINESS,
			contact: SHEENA,
			messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
			type: 'text',
			timestamp: '2025-06-08T20:59:43.000Z',
			timestampUnix: 1749416383,
			context: null,
			referral: null,
			groupId: null,
		});
		expect(event.message).toEqual({
			text: 'Does it come in another color?',
			button: null,
			interactive: null,
			media: null,
			location: null,
			reaction: null,
			contacts: null,
			order: null,
			errors: [],
		});
	});

	it('text-message-from-click-to-whatsapp-ad: the ad referral', () => {
		const event = metaMessage('text-message-from-click-to-whatsapp-ad.json');
		expect(event.message.text).toBe('Hello! Can I get more info on this?');
		expect(event.referral).toEqual({
			sourceUrl: 'https://fb.me/3cr4Wqqkv',
			sourceId: '120226305854810726',
			sourceType: 'ad',
			headline: 'Chat with us',
			body: 'Summer Succulents are here!',
			mediaType: 'image',
			imageUrl: 'https://scontent.xx.fbcdn.net/v/t45.1...',
			videoUrl: null,
			thumbnailUrl: null,
			ctwaClid: expect.stringMatching(/^Aff-n8ZTODiE79d22/),
			welcomeMessageText: 'Hi there! Let us know how we can help!',
		});
	});

	it('text-message-with-context-product-inquiry: reply context with the referred product', () => {
		const event = metaMessage('text-message-with-context-product-inquiry.json');
		expect(event.message.text).toBe('Is this still available?');
		expect(event.context).toEqual({
			messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA',
			from: '15550783881',
			forwarded: false,
			frequentlyForwarded: false,
			referredProduct: { catalogId: '194836987003835', productRetailerId: 'di9ozbzfi4' },
		});
	});

	it('button-message: a template quick-reply tap answering our template', () => {
		const event = metaMessage('button-message.json');
		expect(event.type).toBe('button');
		expect(event.message.button).toEqual({ payload: 'Unsubscribe', text: 'Unsubscribe' });
		expect(event.message.text).toBe('Unsubscribe');
		expect(event.context?.messageId).toBe(
			'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjk2OTMwNEZCQjhGMzUyQUYA',
		);
	});

	it('interactive-button-reply-message: reply id and title', () => {
		const event = metaMessage('interactive-button-reply-message.json');
		expect(event.message.interactive).toEqual({
			type: 'button_reply',
			id: 'cancel-button',
			title: 'Cancel',
			description: null,
			flowResponse: null,
		});
		expect(event.message.text).toBe('Cancel');
		expect(event.context?.messageId).toBe(
			'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
		);
	});

	it('interactive-list-reply-message: row id, title and description', () => {
		const event = metaMessage('interactive-list-reply-message.json');
		expect(event.message.interactive).toEqual({
			type: 'list_reply',
			id: 'priority_express',
			title: 'Priority Mail Express',
			description: 'Next Day to 2 Days',
			flowResponse: null,
		});
		expect(event.message.text).toBe('Priority Mail Express');
	});

	it('image-message: media id, mime type, sha256 and caption', () => {
		const event = metaMessage('image-message.json');
		expect(event.message.media).toEqual({
			kind: 'image',
			id: '1003383421387256',
			mimeType: 'image/jpeg',
			sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=',
			caption: 'Taj Mahal',
			filename: null,
		});
		expect(event.message.text).toBe('Taj Mahal');
	});

	it('location-message: coordinates, name, address and url', () => {
		const event = metaMessage('location-message.json');
		expect(event.message.location).toEqual({
			latitude: 37.44221496582,
			longitude: -122.16165924072,
			name: 'Philz Coffee',
			address: '101 Forest Ave, Palo Alto, CA 94301',
			url: 'https://philzcoffee.com/',
		});
		expect(event.message.text).toBe('Philz Coffee');
	});

	it('reaction-message: the emoji and the message it reacts to', () => {
		const event = metaMessage('reaction-message.json');
		expect(event.message.reaction).toEqual({
			messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2ODVERUY5RDlGNkYA',
			emoji: '👍',
		});
		expect(event.message.text).toBe('👍');
	});

	it('contact-sharing-message: shared contacts kept whole, names as text', () => {
		const event = metaMessage('contact-sharing-message.json');
		expect(event.message.contacts).toHaveLength(1);
		expect(event.message.contacts?.[0]).toMatchObject({
			phones: [{ phone: '+1 (983) 555-2319', wa_id: '19835552319', type: 'MOBILE' }],
		});
		expect(event.message.text).toBe('Lucía Gómez');
	});

	it('order-message: catalog and product items; an empty order note gives no text', () => {
		const event = metaMessage('order-message.json');
		expect(event.message.order).toEqual({
			catalogId: '194836987003835',
			text: '',
			productItems: [
				{ productRetailerId: 'di9ozbzfi4', quantity: 2, itemPrice: 30, currency: 'USD' },
				{ productRetailerId: 'nqryix03ez', quantity: 1, itemPrice: 25, currency: 'USD' },
			],
		});
		expect(event.message.text).toBeNull();
	});

	it("unsupported-message: Meta's error code, title and details", () => {
		const event = metaMessage('unsupported-message.json');
		expect(event.type).toBe('unsupported');
		expect(event.message.errors).toEqual([
			{
				code: 131051,
				title: 'Message type unknown',
				message: 'Message type unknown',
				details: 'Message type is currently not supported.',
			},
		]);
		expect(event.message.text).toBeNull();
	});

	it('system-message: a number change without contacts becomes a system event', () => {
		const event = onlyEvent<SystemEvent>(metaFixture(`${META_WEBHOOKS}/system-message.json`));
		expect(event).toMatchObject({
			event: 'system',
			businessAccountId: '102290129340398',
			messageId: 'wamid.HBgLMTk4MzU1NTE5NzQVAgASGAoxMTgyMDg2MjY3AA==',
			systemType: 'user_changed_number',
			body: 'User Sheena Nelson changed from 16505551234 to 12195555358',
			contact: { phone: '+16505551234', waId: '16505551234', userId: null, name: null },
			newWaId: '12195555358',
			newPhone: '+12195555358',
			timestampUnix: 1750269342,
		});
		expect(eventDedupKey(event)).toBe('msg:wamid.HBgLMTk4MzU1NTE5NzQVAgASGAoxMTgyMDg2MjY3AA==');
	});

	it.each([
		['group-create-message.json', 'group_lifecycle_update'],
		['group-remove-participants.json', 'group_participants_update'],
		['group-settings-update.json', 'group_settings_update'],
	])('%s: an other_field event with the raw value', (name, field) => {
		const body = metaFixture(`${META_WEBHOOKS}/${name}`);
		const event = onlyEvent<OtherFieldEvent>(body);
		expect(event).toMatchObject({
			event: 'other_field',
			field,
			businessAccountId: '102290129340398',
			business: BUSINESS,
		});
		expect(event.raw).toBe(body.entry[0].changes[0].value);
		expect(eventDedupKey(event)).toMatch(
			new RegExp(`^other:102290129340398:${field}:[0-9a-f]{64}$`),
		);
	});
});

describe('status events', () => {
	const status = (name: string) => onlyEvent<StatusEvent>(ownFixture(name));

	it('sent: callback data, pricing and the conversation (v23)', () => {
		const event = status('status-sent.json');
		expect(event).toMatchObject({
			event: 'status',
			status: 'sent',
			messageId: 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA',
			recipient: { phone: '+16505551234', waId: '16505551234', userId: null },
			business: BUSINESS,
			bizOpaqueCallbackData: 'campaign-42',
			pricing: { billable: true, pricingModel: 'PMP', category: 'marketing', type: 'regular' },
			conversation: {
				id: 'a75d17ad06104c51166f948319b03c6a',
				originType: 'marketing',
				expiresAt: '2025-06-19T16:23:00.000Z',
			},
			timestampUnix: 1750263773,
			errors: [],
		});
	});

	it('delivered: conversation without expiry', () => {
		const event = status('status-delivered.json');
		expect(event.status).toBe('delivered');
		expect(event.conversation).toEqual({
			id: 'a75d17ad06104c51166f948319b03c6a',
			originType: 'marketing',
			expiresAt: null,
		});
	});

	it('read (v24+): no conversation, business-scoped user id beside the wa_id', () => {
		const event = status('status-read.json');
		expect(event.status).toBe('read');
		expect(event.conversation).toBeNull();
		expect(event.recipient).toEqual({
			phone: '+16505551234',
			waId: '16505551234',
			userId: 'US.13491208655302741918',
		});
	});

	it.each([
		[131047, 'Re-engagement message', /more than 24 hours/],
		[131049, 'This message was not delivered to maintain healthy ecosystem engagement.', /healthy/],
		[131050, expect.stringMatching(/stop receiving marketing/), /stop receiving marketing/],
		[131026, 'Message undeliverable', /Undeliverable/],
	])('failed with %i: code, title and details', (code, title, details) => {
		const event = status(`status-failed-${code}.json`);
		expect(event.status).toBe('failed');
		expect(event.errors).toEqual([
			{ code, title, message: expect.any(String), details: expect.stringMatching(details) },
		]);
		expect(eventDedupKey(event)).toBe(`status:${event.messageId}:failed`);
	});

	it('each status of one message has its own dedup key', () => {
		const keys = ['status-sent.json', 'status-delivered.json', 'status-read.json'].map((name) =>
			eventDedupKey(status(name)),
		);
		expect(new Set(keys).size).toBe(3);
	});
});

describe('user preferences (in-app stop / resume of marketing)', () => {
	it.each([
		['stop', 'User requested to stop marketing messages', 1750264000],
		['resume', 'User requested to resume marketing messages', 1750350000],
	])('%s', (value, detail, timestampUnix) => {
		const event = onlyEvent<UserPreferenceEvent>(ownFixture(`user-preferences-${value}.json`));
		expect(event).toMatchObject({
			event: 'user_preference',
			category: 'marketing_messages',
			value,
			detail,
			timestampUnix,
			business: BUSINESS,
			contact: {
				phone: '+16505551234',
				waId: '16505551234',
				userId: 'US.13491208655302741918',
				name: 'Sheena Nelson',
			},
		});
		expect(eventDedupKey(event)).toBe(
			`pref:16505551234:marketing_messages:${value}:${timestampUnix}`,
		);
	});

	it('an unknown preference value is ignored, not an event', () => {
		const body = ownFixture('user-preferences-stop.json') as any;
		body.entry[0].changes[0].value.user_preferences[0].value = 'pause';
		const parsed = parseWebhookPayload(body);
		expect(parsed.events).toEqual([]);
		expect(parsed.ignored).toEqual([
			{
				path: 'entry[0].changes[0].value.user_preferences[0]',
				reason: expect.stringContaining('"pause"'),
			},
		]);
	});
});

describe('business-scoped user ids', () => {
	it('a username user with a user_id and no wa_id: no phone, keyed by user id', () => {
		const event = onlyEvent<InboundMessageEvent>(ownFixture('message-bsuid-only.json'));
		expect(event.contact).toEqual({
			phone: null,
			waId: null,
			userId: 'US.13491208655302741918',
			name: 'Sheena Nelson',
			username: '@sheena',
		});
		expect(event.message.text).toBe('Hi, I found you via your username');
		expect(contactKey(event.contact)).toBe('US.13491208655302741918');
	});

	it('a BSUID in "from" is read as a user id, not a phone number', () => {
		const body = ownFixture('message-bsuid-only.json') as any;
		const message = body.entry[0].changes[0].value.messages[0];
		message.from = message.from_user_id;
		delete message.from_user_id;
		const event = onlyEvent<InboundMessageEvent>(body);
		expect(event.contact).toMatchObject({ waId: null, userId: 'US.13491208655302741918' });
	});

	it('joins a lone contacts entry that carries only the user id to a message from a phone number', () => {
		const body = ownFixture('message-bsuid-only.json') as any;
		body.entry[0].changes[0].value.messages[0].from = '16505551234';
		delete body.entry[0].changes[0].value.messages[0].from_user_id;
		expect(onlyEvent<InboundMessageEvent>(body).contact).toEqual({
			phone: '+16505551234',
			waId: '16505551234',
			userId: 'US.13491208655302741918',
			name: 'Sheena Nelson',
			username: '@sheena',
		});
	});

	it('never borrows the name of a contacts entry that belongs to someone else', () => {
		const body = metaFixture(`${META_WEBHOOKS}/text-message.json`);
		body.entry[0].changes[0].value.messages[0].from = '4915112345678';
		expect(onlyEvent<InboundMessageEvent>(body).contact).toEqual({
			phone: '+4915112345678',
			waId: '4915112345678',
			userId: null,
			name: null,
			username: null,
		});
	});

	it('contactKey prefers the wa_id', () => {
		expect(contactKey({ waId: '4915112345678', userId: 'DE.1' })).toBe('4915112345678');
		expect(contactKey({ waId: null, userId: 'DE.1' })).toBe('DE.1');
		expect(contactKey({ waId: null, userId: null })).toBeNull();
	});
});

/** One delivery with `messageCount` text messages from `contactCount` customers, round robin. */
function batch(messageCount: number, contactCount: number) {
	const waId = (c: number) => `4915100000${String(c).padStart(3, '0')}`;
	return {
		object: 'whatsapp_business_account',
		entry: [
			{
				id: '419561257915477',
				changes: [
					{
						field: 'messages',
						value: {
							messaging_product: 'whatsapp',
							metadata: BUSINESS_METADATA,
							contacts: Array.from({ length: contactCount }, (_, c) => ({
								profile: { name: `Customer ${c}` },
								wa_id: waId(c),
							})),
							messages: Array.from({ length: messageCount }, (_, m) => ({
								from: waId(m % contactCount),
								id: `wamid.batch-${m}`,
								timestamp: String(1750000000 + m),
								type: 'text',
								text: { body: `message ${m}` },
							})),
						},
					},
				],
			},
		],
	};
}
const BUSINESS_METADATA = {
	display_phone_number: '15550783881',
	phone_number_id: '106540352242922',
};

describe('batched deliveries', () => {
	it('50 messages from 10 contacts → 50 events in order, each with its own sender', () => {
		const parsed = parseWebhookPayload(batch(50, 10));
		expect(parsed.errors).toEqual([]);
		const events = parsed.events as InboundMessageEvent[];
		expect(events).toHaveLength(50);
		events.forEach((event, m) => {
			expect(event.messageId).toBe(`wamid.batch-${m}`);
			expect(event.message.text).toBe(`message ${m}`);
			expect(event.contact.name).toBe(`Customer ${m % 10}`);
			expect(event.contact.phone).toBe(`+4915100000${String(m % 10).padStart(3, '0')}`);
		});
		expect(new Set(events.map(eventDedupKey)).size).toBe(50);
		expect(new Set(events.map((e) => contactKey(e.contact))).size).toBe(10);
	});

	it('many entries and changes, mixing messages, statuses and account fields', () => {
		const text = metaFixture(`${META_WEBHOOKS}/text-message.json`);
		const image = metaFixture(`${META_WEBHOOKS}/image-message.json`);
		const sent = ownFixture('status-sent.json') as any;
		const template = ownFixture('template-status-update.json') as any;
		const body = {
			object: 'whatsapp_business_account',
			entry: [
				{ ...text.entry[0], changes: [...text.entry[0].changes, ...sent.entry[0].changes] },
				image.entry[0],
				template.entry[0],
			],
		};
		const parsed = parseWebhookPayload(body);
		expect(parsed.errors).toEqual([]);
		expect(parsed.events.map((e) => e.event)).toEqual([
			'message',
			'status',
			'message',
			'account',
		]);
		expect(parsed.events[3]).toMatchObject({
			field: 'message_template_status_update',
			triggerEvent: 'templateStatusChanged',
			timestamp: '2025-06-18T18:15:00.000Z',
			business: { phoneNumberId: null, displayPhoneNumber: null },
		});
	});

	it('the same payload delivered three times gives the same dedup keys each time', () => {
		const deliveries = [1, 2, 3].map(() =>
			parseWebhookPayload(JSON.parse(JSON.stringify(batch(5, 2)))).events.map(eventDedupKey),
		);
		expect(deliveries[1]).toEqual(deliveries[0]);
		expect(deliveries[2]).toEqual(deliveries[0]);
		expect(new Set(deliveries.flat()).size).toBe(5);
	});
});

describe('odd items inside a valid envelope', () => {
	const envelope = (value: unknown, field = 'messages') => ({
		object: 'whatsapp_business_account',
		entry: [{ id: '1', changes: [{ field, value }] }],
	});

	it('a message without id is an error naming its path; its neighbours still parse', () => {
		const parsed = parseWebhookPayload(
			envelope({
				messages: [
					{ from: '16505551234', timestamp: '1', type: 'text', text: { body: 'no id' } },
					{
						from: '16505551234',
						id: 'wamid.ok',
						timestamp: '1',
						type: 'text',
						text: { body: 'ok' },
					},
				],
			}),
		);
		expect(parsed.errors).toEqual([
			{ path: 'entry[0].changes[0].value.messages[0]', reason: expect.stringContaining('"id"') },
		]);
		expect(parsed.events).toHaveLength(1);
	});

	it('a message naming no sender at all is an error', () => {
		const parsed = parseWebhookPayload(
			envelope({ messages: [{ id: 'wamid.x', type: 'text', text: { body: 'who?' } }] }),
		);
		expect(parsed.events).toEqual([]);
		expect(parsed.errors[0].reason).toMatch(/names no sender/);
	});

	it('a messages change whose value is not an object is an error, not an other_field event', () => {
		const parsed = parseWebhookPayload(envelope(null));
		expect(parsed.events).toEqual([]);
		expect(parsed.errors).toEqual([
			{
				path: 'entry[0].changes[0].value',
				reason: 'a "messages" change needs an object value, got null',
			},
		]);
	});

	it.each(['constructor', 'toString', '__proto__'])(
		'a field named %j is an ordinary other_field event',
		(field) => {
			const event = onlyEvent<OtherFieldEvent>(envelope({ some: 'value' }, field));
			expect(event).toMatchObject({ event: 'other_field', field, raw: { some: 'value' } });
		},
	);

	it("Meta's own processing errors are ignored with their codes", () => {
		const parsed = parseWebhookPayload(
			envelope({ errors: [{ code: 131000, title: 'Something went wrong' }] }),
		);
		expect(parsed.events).toEqual([]);
		expect(parsed.ignored).toEqual([
			{
				path: 'entry[0].changes[0].value.errors',
				reason: 'Meta reported errors instead of messages: 131000 Something went wrong',
			},
		]);
	});

	it('missing or unparsable timestamps give null times, not an invalid date', () => {
		const event = onlyEvent<InboundMessageEvent>(
			envelope({
				messages: [{ from: '16505551234', id: 'w', timestamp: 'yesterday', type: 'text' }],
			}),
		);
		expect(event.timestamp).toBeNull();
		expect(event.timestampUnix).toBeNull();
		expect(event.message.text).toBeNull();
	});

	it('a WhatsApp Flow reply carries its parsed answers', () => {
		const event = onlyEvent<InboundMessageEvent>(
			envelope({
				messages: [
					{
						from: '16505551234',
						id: 'w',
						timestamp: '1750000000',
						type: 'interactive',
						interactive: {
							type: 'nfm_reply',
							nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"date":"2025-07-01"}' },
						},
					},
				],
			}),
		);
		expect(event.message.interactive).toMatchObject({
			type: 'nfm_reply',
			title: 'Sent',
			flowResponse: { date: '2025-07-01' },
		});
	});
});

describe('envelope errors', () => {
	it.each([
		[null, /must be a JSON object/],
		['text', /must be a JSON object/],
		[[], /must be a JSON object/],
		[{ entry: [] }, /"object" is nothing, expected "whatsapp_business_account"/],
		[{ object: 'page', entry: [] }, /"object" is "page"/],
		[{ object: 'whatsapp_business_account' }, /"entry" must be an array/],
		[{ object: 'whatsapp_business_account', entry: {} }, /"entry" must be an array/],
	])('%j is refused with a clear WebhookPayloadError', (body, message) => {
		expect(() => parseWebhookPayload(body)).toThrow(WebhookPayloadError);
		expect(() => parseWebhookPayload(body)).toThrow(message);
	});

	it('an empty entry list is valid and yields nothing', () => {
		expect(parseWebhookPayload({ object: 'whatsapp_business_account', entry: [] })).toEqual({
			events: [],
			ignored: [],
			errors: [],
		});
	});
});

describe('properties', () => {
	it('arbitrary JSON never throws anything but WebhookPayloadError', () => {
		fc.assert(
			fc.property(fc.jsonValue(), (body) => {
				try {
					parseWebhookPayload(body);
				} catch (error) {
					expect(error).toBeInstanceOf(WebhookPayloadError);
				}
			}),
			{ numRuns: 500 },
		);
	});

	it('arbitrary content inside a valid envelope never throws', () => {
		const looseMessage = fc.record(
			{
				id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
				from: fc.oneof(fc.string(), fc.integer()),
				from_user_id: fc.string(),
				timestamp: fc.oneof(fc.string(), fc.double(), fc.integer()),
				type: fc.oneof(
					fc.constantFrom('text', 'image', 'interactive', 'system', 'button'),
					fc.string(),
				),
				text: fc.jsonValue(),
				image: fc.jsonValue(),
				interactive: fc.jsonValue(),
				system: fc.jsonValue(),
				button: fc.jsonValue(),
				context: fc.jsonValue(),
				referral: fc.jsonValue(),
				errors: fc.jsonValue(),
			},
			{ requiredKeys: [] },
		);
		const value = fc.record(
			{
				metadata: fc.jsonValue(),
				contacts: fc.oneof(fc.jsonValue(), fc.array(fc.jsonValue())),
				messages: fc.oneof(fc.jsonValue(), fc.array(looseMessage)),
				statuses: fc.oneof(fc.jsonValue(), fc.array(fc.dictionary(fc.string(), fc.jsonValue()))),
				user_preferences: fc.jsonValue(),
				errors: fc.jsonValue(),
			},
			{ requiredKeys: [] },
		);
		const change = fc.record(
			{
				field: fc.oneof(fc.constantFrom('messages', 'user_preferences'), fc.jsonValue()),
				value: fc.oneof(value, fc.jsonValue()),
			},
			{ requiredKeys: [] },
		);
		const entry = fc.oneof(
			fc.record({ id: fc.jsonValue(), time: fc.jsonValue(), changes: fc.array(change) }),
			fc.jsonValue(),
		);
		fc.assert(
			fc.property(fc.array(entry), (entries) => {
				const parsed = parseWebhookPayload({ object: 'whatsapp_business_account', entry: entries });
				for (const event of parsed.events) {
					expect(typeof eventDedupKey(event)).toBe('string');
					JSON.stringify(event);
				}
			}),
			{ numRuns: 500 },
		);
	});

	it('every well-formed text message becomes exactly one event with its text and sender', () => {
		const message = fc.record({
			waId: fc.stringMatching(/^[1-9]\d{7,14}$/),
			body: fc.string(),
			id: fc.stringMatching(/^wamid\.[A-Za-z0-9]{1,20}$/),
			seconds: fc.integer({ min: 0, max: 4102444800 }),
		});
		fc.assert(
			fc.property(fc.array(message, { maxLength: 20 }), (messages) => {
				const parsed = parseWebhookPayload({
					object: 'whatsapp_business_account',
					entry: [
						{
							id: '1',
							changes: [
								{
									field: 'messages',
									value: {
										metadata: BUSINESS_METADATA,
										messages: messages.map((m) => ({
											from: m.waId,
											id: m.id,
											timestamp: String(m.seconds),
											type: 'text',
											text: { body: m.body },
										})),
									},
								},
							],
						},
					],
				});
				expect(parsed.errors).toEqual([]);
				expect(
					(parsed.events as InboundMessageEvent[]).map((e) => [
						e.contact.phone,
						e.message.text,
						e.timestampUnix,
					]),
				).toEqual(messages.map((m) => [`+${m.waId}`, m.body, m.seconds]));
			}),
		);
	});
});
