/**
 * Every webhook example Meta publishes, signed and POSTed to the trigger like Meta would, each
 * into an empty store: the items that start the workflow.
 */
import { closeAllStores } from '../../lib/store';
import { metaFixtures } from '../helpers/metaFixtures';
import {
	APP_SECRET,
	DISPLAY_NUMBER,
	jsonOf,
	PHONE_NUMBER_ID,
	triggerCredentials,
	triggerFixture,
} from '../helpers/triggerSetup';
import { callTriggerWebhook, metaPost } from '../helpers/webhookHarness';

const SHEENA = {
	phone: '+16505551234',
	waId: '16505551234',
	userId: null,
	name: 'Sheena Nelson',
	username: null,
};
const FIRST_CONVERSATION = {
	isNew: true,
	isFirstEver: true,
	windowWasOpen: false,
	previousMessageAt: null,
};

/** What each example must produce, beyond the fields every message item shares. */
const EXPECTED: Record<string, Array<Record<string, unknown>>> = {
	'button-message.json': [
		{
			event: 'messageReceived',
			type: 'button',
			message: { text: 'Unsubscribe', button: { payload: 'Unsubscribe', text: 'Unsubscribe' } },
			context: { messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjk2OTMwNEZCQjhGMzUyQUYA' },
			consent: { status: 'opted_out', previousStatus: 'unknown', source: 'button', applied: true },
		},
		{
			event: 'consentChanged',
			contact: SHEENA,
			status: 'opted_out',
			previousStatus: 'unknown',
			changed: true,
			source: 'button',
			matched: 'UNSUBSCRIBE',
		},
	],
	'contact-sharing-message.json': [
		{
			type: 'contacts',
			message: { text: 'Lucía Gómez', contacts: [{ org: { company: 'Google' } }] },
		},
	],
	'group-create-message.json': [],
	'group-remove-participants.json': [],
	'group-settings-update.json': [],
	'image-message.json': [
		{
			type: 'image',
			message: {
				text: 'Taj Mahal',
				media: {
					kind: 'image',
					id: '1003383421387256',
					mimeType: 'image/jpeg',
					caption: 'Taj Mahal',
				},
			},
		},
	],
	'interactive-button-reply-message.json': [
		{
			type: 'interactive',
			message: {
				text: 'Cancel',
				interactive: { type: 'button_reply', id: 'cancel-button', title: 'Cancel' },
			},
			context: { messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA' },
		},
	],
	'interactive-list-reply-message.json': [
		{
			type: 'interactive',
			message: {
				text: 'Priority Mail Express',
				interactive: {
					type: 'list_reply',
					id: 'priority_express',
					description: 'Next Day to 2 Days',
				},
			},
		},
	],
	'location-message.json': [
		{
			type: 'location',
			message: {
				text: 'Philz Coffee',
				location: {
					latitude: 37.44221496582,
					longitude: -122.16165924072,
					name: 'Philz Coffee',
					address: '101 Forest Ave, Palo Alto, CA 94301',
					url: 'https://philzcoffee.com/',
				},
			},
		},
	],
	'order-message.json': [
		{
			type: 'order',
			message: {
				text: null,
				order: {
					catalogId: '194836987003835',
					productItems: [
						{ productRetailerId: 'di9ozbzfi4', quantity: 2, itemPrice: 30, currency: 'USD' },
						{ productRetailerId: 'nqryix03ez', quantity: 1, itemPrice: 25, currency: 'USD' },
					],
				},
			},
		},
	],
	'reaction-message.json': [
		{
			type: 'reaction',
			message: {
				text: '👍',
				reaction: {
					messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RTJEOTc2ODVERUY5RDlGNkYA',
					emoji: '👍',
				},
			},
		},
	],
	'system-message.json': [
		{
			type: 'system',
			message: { text: 'User Sheena Nelson changed from 16505551234 to 12195555358' },
			system: {
				type: 'user_changed_number',
				newWaId: '12195555358',
				newPhone: '+12195555358',
			},
			// A notice from Meta is no customer message: it opens no window.
			conversation: null,
		},
	],
	'text-message-from-click-to-whatsapp-ad.json': [
		{
			type: 'text',
			message: { text: 'Hello! Can I get more info on this?' },
			referral: {
				sourceUrl: 'https://fb.me/3cr4Wqqkv',
				sourceId: '120226305854810726',
				sourceType: 'ad',
				headline: 'Chat with us',
				mediaType: 'image',
			},
		},
	],
	'text-message-with-context-product-inquiry.json': [
		{
			type: 'text',
			message: { text: 'Is this still available?' },
			context: {
				messageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA',
				referredProduct: { catalogId: '194836987003835', productRetailerId: 'di9ozbzfi4' },
			},
		},
	],
	'text-message.json': [{ type: 'text', message: { text: 'Does it come in another color?' } }],
	'unsupported-message.json': [
		{
			type: 'unsupported',
			message: { text: null, errors: [{ code: 131051, title: 'Message type unknown' }] },
		},
	],
};

afterAll(async () => {
	await closeAllStores();
});

describe("Meta's published webhook examples through the trigger", () => {
	const examples = metaFixtures('webhooks/post-request');

	it('has an expectation for every example', () => {
		expect(examples.map(([name]) => name).sort()).toEqual(Object.keys(EXPECTED).sort());
	});

	it.each(examples)('%s → the expected items', async (name, body) => {
		// Meta's examples come from two accounts; each is posted to a trigger of its own account.
		const fixture = triggerFixture(
			{ events: ['messageReceived', 'messageStatus', 'consentChanged'] },
			triggerCredentials({ businessAccountId: body.entry[0].id }),
		);
		const call = await callTriggerWebhook(fixture, metaPost(body, APP_SECRET));

		expect(call.status).toBe(200);
		const expected = EXPECTED[name];
		if (expected.length === 0) {
			expect(call.workflowData).toBeUndefined();
			return;
		}
		const items = jsonOf(call.workflowData?.[0]);
		expect(items).toHaveLength(expected.length);
		items.forEach((item, index) => expect(item).toMatchObject(expected[index]));

		const [message] = items;
		const raw = body.entry[0].changes[0].value.messages[0];
		expect(message).toMatchObject({
			event: 'messageReceived',
			messageId: raw.id,
			timestampUnix: Number(raw.timestamp),
			timestamp: new Date(Number(raw.timestamp) * 1000).toISOString(),
			// A system message carries no `contacts`, so no profile name.
			contact: message.type === 'system' ? { ...SHEENA, name: null } : SHEENA,
			business: { phoneNumberId: PHONE_NUMBER_ID, displayPhoneNumber: DISPLAY_NUMBER },
			raw,
		});
		if (message.type !== 'system') {
			expect(message.conversation).toMatchObject(FIRST_CONVERSATION);
			expect(message.conversation.windowClosesAt).toBe(
				new Date((Number(raw.timestamp) + 24 * 3600) * 1000).toISOString(),
			);
		}
	});
});
