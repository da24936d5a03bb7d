/**
 * Send List, Send CTA URL, Send Location, Request Location, Send Contacts and React, run like n8n
 * runs them against the Cloud API emulator over real HTTP: what Meta receives, what the customer
 * can answer, one bad item failing alone with continue-on-fail, and the 24-hour window.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { EmulatorControl } from '../../emulator/control-client';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { closeAllStores, openStore, storeConfigFromCredentials } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { runNode } from '../helpers/nodeHarness';
import { metaFixture } from '../helpers/metaFixtures';

jest.setTimeout(60_000);

const SENDER = '106540352242922';
const node = new WhatsAppAutomation();

let emulator: RunningEmulator;
let control: EmulatorControl;
let storeDir: string;
let credentials: Record<string, Record<string, unknown>>;

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
	const info = emulator.info();
	storeDir = mkdtempSync(join(tmpdir(), 'wa-types-'));
	credentials = {
		whatsAppCloudApi: {
			accessToken: info.accessToken,
			businessAccountId: info.wabaId,
			appId: info.appId,
			appSecret: info.appSecret,
			graphApiVersion: info.graphVersion,
			baseUrl: info.baseUrl,
			store: 'builtin',
			sqlitePath: join(storeDir, 'store.sqlite'),
		},
	};
});

afterAll(async () => {
	await closeAllStores();
	await emulator.stop();
	rmSync(storeDir, { recursive: true, force: true });
});

beforeEach(async () => {
	await control.reset();
});

/** n8n's own parameter handling: raw parameters with expressions, resolved per item. */
function send(
	parameters: Record<string, unknown>,
	items: Array<Record<string, unknown>> = [{}],
	continueOnFail = false,
) {
	return runNode({
		node,
		credentials,
		rawParameters: true,
		parameters: {
			resource: 'message',
			sender: { __rl: true, mode: 'id', value: SENDER },
			options: { messagesPerSecond: 0 },
			...parameters,
		} as never,
		items: items.map((json) => ({ json })) as INodeExecutionData[],
		continueOnFail,
	});
}

async function openWindow(from: string): Promise<string> {
	return (await control.inbound({ phoneNumberId: SENDER, from, text: 'Hi' })).messageId;
}

const json = (run: Awaited<ReturnType<typeof send>>) => run.output![0].map((item) => item.json);

describe('Send List', () => {
	it('sends rows of a fixed collection in titled sections, as a reply; the customer’s pick comes back', async () => {
		const quoted = await openWindow('+4915150000001');
		const run = await send({
			operation: 'sendList',
			recipientPhone: '+4915150000001',
			listBody: 'How should we ship?',
			listButton: 'Shipping',
			listHeader: 'Your order',
			listFooter: 'Prices incl. VAT',
			listRows: {
				row: [
					{ id: 'std', title: 'Standard', description: '3–5 days', section: 'Ground' },
					{ id: 'exp', title: 'Express', description: 'Next day', section: 'Air' },
				],
			},
			options: { messagesPerSecond: 0, replyToMessageId: quoted },
		});
		expect(json(run)[0]).toMatchObject({
			type: 'interactive',
			messageId: expect.stringMatching(/^wamid\./),
			renderedText: 'How should we ship?\nPrices incl. VAT\n[Shipping: Standard | Express]',
		});
		const [sent] = await control.messages({ to: '4915150000001' });
		expect(sent.request).toMatchObject({
			context: { message_id: quoted },
			interactive: {
				type: 'list',
				header: { type: 'text', text: 'Your order' },
				action: {
					button: 'Shipping',
					sections: [
						{ title: 'Ground', rows: [{ id: 'std', title: 'Standard', description: '3–5 days' }] },
						{ title: 'Air', rows: [{ id: 'exp', title: 'Express', description: 'Next day' }] },
					],
				},
			},
		});
		const reply = await control.inbound({
			phoneNumberId: SENDER,
			from: '+4915150000001',
			listReply: 'exp',
		});
		expect(reply.messageId).toMatch(/^wamid\./);
	});

	it('maps rows from an array of each item, with its own field names; a list over the limit fails alone', async () => {
		const products = (n: number, prefix: string) =>
			Array.from({ length: n }, (_, k) => ({
				sku: `${prefix}${k}`,
				name: `Item ${k}`,
				price: `${k} €`,
			}));
		for (const phone of ['+4915150000002', '+4915150000003', '+4915150000004'])
			await openWindow(phone);
		const run = await send(
			{
				operation: 'sendList',
				recipientPhone: '={{ $json.phone }}',
				listBody: 'Pick one',
				listButton: 'Products',
				listRowsSource: 'json',
				listRowsJson: '={{ $json.products }}',
				listRowFields: { id: 'sku', title: 'name', description: 'price' },
			},
			[
				{ phone: '+4915150000002', products: products(3, 'a') },
				{ phone: '+4915150000003', products: products(11, 'b') },
				{ phone: '+4915150000004', products: products(10, 'c') },
			],
			true,
		);
		const [first, second, third] = json(run);
		expect(first.messageId).toMatch(/^wamid\./);
		expect(second.error).toMatchObject({
			field: 'Rows',
			message: expect.stringMatching(/has 11 rows/),
			fix: expect.stringMatching(/slice/),
		});
		expect(third.messageId).toMatch(/^wamid\./);
		const [sent] = await control.messages({ to: '4915150000002' });
		expect((sent.request.interactive as any).action.sections).toEqual([
			{
				rows: [
					{ id: 'a0', title: 'Item 0', description: '0 €' },
					{ id: 'a1', title: 'Item 1', description: '1 €' },
					{ id: 'a2', title: 'Item 2', description: '2 €' },
				],
			},
		]);
		expect(await control.messages({ to: '4915150000003' })).toEqual([]);
	});

	it('without continue on fail, a row title over 24 characters stops the run before anything is sent', async () => {
		await openWindow('+4915150000005');
		await expect(
			send({
				operation: 'sendList',
				recipientPhone: '+4915150000005',
				listBody: 'Pick',
				listButton: 'Open',
				listRows: { row: [{ title: 'A title that is far too long' }] },
			}),
		).rejects.toMatchObject({
			message: expect.stringMatching(
				/Row 1 Title is 28 characters long; WhatsApp allows at most 24/,
			),
		});
		expect(await control.messages()).toEqual([]);
	});

	it('a marketing list says how to opt out in its footer', async () => {
		await openWindow('+4915150000006');
		await send({
			operation: 'sendList',
			purpose: 'marketing',
			recipientPhone: '+4915150000006',
			listBody: 'This week’s offers',
			listButton: 'Offers',
			listRows: { row: [{ title: 'Apples' }] },
		});
		const [sent] = await control.messages({ to: '4915150000006' });
		expect((sent.request.interactive as any).footer.text).toMatch(/INFOSTOP/);
	});

	it('goes out as the template of “When the Window Is Closed” when the store knows the window closed', async () => {
		const store = await openStore(storeConfigFromCredentials(credentials.whatsAppCloudApi));
		await store.touchWindow({
			account: emulator.info().wabaId,
			phoneNumberId: SENDER,
			contact: '4915150000007',
			inboundAt: Date.now() - 25 * 60 * 60 * 1000,
		});
		const run = await send({
			operation: 'sendList',
			recipientPhone: '+4915150000007',
			listBody: 'Pick',
			listButton: 'Open',
			listRows: { row: [{ title: 'A' }] },
			windowClosed: 'sendTemplate',
			template: { __rl: true, mode: 'name', value: 'hello_world|en_US' },
			variables: { mappingMode: 'defineBelow', value: {} },
		});
		expect(json(run)[0]).toMatchObject({ type: 'template', sentAs: 'template' });
		const [sent] = await control.messages({ to: '4915150000007' });
		expect(sent.type).toBe('template');
	});
});

describe('Send CTA URL', () => {
	it('sends a link button with header and footer; an http link fails its item alone', async () => {
		await openWindow('+4915150000011');
		await openWindow('+4915150000012');
		const run = await send(
			{
				operation: 'sendCtaUrl',
				recipientPhone: '={{ $json.phone }}',
				ctaBody: 'Our spring sale is on',
				ctaDisplayText: 'See offer',
				ctaUrl: '={{ $json.url }}',
				ctaHeader: 'Spring',
				ctaFooter: 'Until Sunday',
			},
			[
				{ phone: '+4915150000011', url: 'https://shop.example/sale' },
				{ phone: '+4915150000012', url: 'http://shop.example/sale' },
			],
			true,
		);
		expect(json(run)[0]).toMatchObject({
			type: 'interactive',
			renderedText: 'Our spring sale is on\nUntil Sunday\n[See offer → https://shop.example/sale]',
		});
		expect(json(run)[1].error).toMatchObject({ field: 'URL', fix: 'Use an https:// link.' });
		const [sent] = await control.messages({ to: '4915150000011' });
		expect(sent.request.interactive).toEqual({
			type: 'cta_url',
			header: { type: 'text', text: 'Spring' },
			body: { text: 'Our spring sale is on' },
			footer: { text: 'Until Sunday' },
			action: {
				name: 'cta_url',
				parameters: { display_text: 'See offer', url: 'https://shop.example/sale' },
			},
		});
	});
});

describe('Send Location and Request Location', () => {
	it('sends a pin from mapped coordinates; a latitude out of range fails its item alone', async () => {
		await openWindow('+4915150000021');
		const run = await send(
			{
				operation: 'sendLocation',
				recipientPhone: '+4915150000021',
				latitude: '={{ $json.lat }}',
				longitude: '={{ $json.lng }}',
				locationName: '={{ $json.name }}',
				locationAddress: 'Alexanderplatz 1, 10178 Berlin',
			},
			[
				{ lat: 52.520008, lng: '13.404954', name: 'Our shop' },
				{ lat: 152.5, lng: 13.4, name: 'Nowhere' },
			],
			true,
		);
		expect(json(run)[0]).toMatchObject({ type: 'location', messageId: expect.any(String) });
		expect(json(run)[1].error).toMatchObject({
			field: 'Latitude',
			value: 152.5,
			message: expect.stringMatching(/between -90 and 90/),
		});
		const sent = await control.messages({ to: '4915150000021' });
		expect(sent).toHaveLength(1);
		expect(sent[0].request.location).toEqual({
			latitude: 52.520008,
			longitude: 13.404954,
			name: 'Our shop',
			address: 'Alexanderplatz 1, 10178 Berlin',
		});
	});

	it('asks for the location; the customer shares it', async () => {
		await openWindow('+4915150000022');
		const run = await send({
			operation: 'requestLocation',
			recipientPhone: '+4915150000022',
			locationRequestBody: 'Where should we pick you up?',
		});
		expect(json(run)[0]).toMatchObject({
			type: 'interactive',
			renderedText: 'Where should we pick you up?\n[Send location]',
		});
		const [sent] = await control.messages({ to: '4915150000022' });
		expect(sent.request.interactive).toEqual({
			type: 'location_request_message',
			body: { text: 'Where should we pick you up?' },
			action: { name: 'send_location' },
		});
		const shared = await control.inbound({
			phoneNumberId: SENDER,
			from: '+4915150000022',
			location: { latitude: 52.5, longitude: 13.4, name: 'Home' },
		});
		expect(shared.messageId).toMatch(/^wamid\./);
	});
});

describe('Send Contacts', () => {
	it('sends cards from the fixed collection and from Meta’s JSON; a bad email fails its item alone', async () => {
		await openWindow('+4915150000031');
		const fields = await send({
			operation: 'sendContacts',
			recipientPhone: '+4915150000031',
			contactCards: {
				contact: [
					{
						formattedName: 'Anna Schmidt',
						lastName: 'Schmidt',
						phone: '+49 151 12345678',
						phoneType: 'WORK',
						waId: '4915112345678',
						email: 'anna@acme.example',
						company: 'ACME',
						city: 'Berlin',
						countryCode: 'DE',
					},
					{ formattedName: 'Support' },
				],
			},
		});
		expect(json(fields)[0]).toMatchObject({
			type: 'contacts',
			renderedText: '[contacts Anna Schmidt, Support]',
		});
		const [first] = await control.messages({ to: '4915150000031' });
		expect(first.request.contacts).toEqual([
			{
				name: { formatted_name: 'Anna Schmidt', last_name: 'Schmidt' },
				phones: [{ phone: '+49 151 12345678', type: 'WORK', wa_id: '4915112345678' }],
				emails: [{ email: 'anna@acme.example' }],
				org: { company: 'ACME' },
				addresses: [{ city: 'Berlin', country_code: 'de' }],
			},
			{ name: { formatted_name: 'Support', first_name: 'Support' } },
		]);

		const published = metaFixture('send/post-request/send-contact-message.json').contacts;
		const mapped = await send(
			{
				operation: 'sendContacts',
				recipientPhone: '+4915150000031',
				contactsSource: 'json',
				contactsJson: '={{ $json.cards }}',
			},
			[
				{ cards: published },
				{ cards: { name: { formatted_name: 'Bad' }, emails: [{ email: 'not-an-email' }] } },
			],
			true,
		);
		expect(json(mapped)[0].messageId).toMatch(/^wamid\./);
		expect(json(mapped)[1].error).toMatchObject({
			field: 'Contact 1 Email 1',
			value: 'not-an-email',
		});
		const sent = await control.messages({ to: '4915150000031' });
		expect(sent).toHaveLength(2);
		expect(sent[1].request.contacts).toEqual(published);
	});
});

describe('React', () => {
	it('puts an emoji on the customer’s message and removes it again', async () => {
		const theirs = await openWindow('+4915150000041');
		const run = await send(
			{
				operation: 'react',
				recipientPhone: '+4915150000041',
				reactionMessageId: '={{ $json.messageId }}',
				emoji: '={{ $json.emoji }}',
			},
			[
				{ messageId: theirs, emoji: '❤️' },
				{ messageId: theirs, emoji: '' },
			],
		);
		expect(json(run).map((item) => [item.type, item.renderedText])).toEqual([
			['reaction', '❤️'],
			['reaction', '[reaction removed]'],
		]);
		const sent = await control.messages({ to: '4915150000041' });
		expect(sent.map((message) => message.request.reaction)).toEqual([
			{ message_id: theirs, emoji: '❤️' },
			{ message_id: theirs, emoji: '' },
		]);
	});

	it('text instead of one emoji fails its item alone; a closed window fails without a request', async () => {
		const theirs = await openWindow('+4915150000042');
		const store = await openStore(storeConfigFromCredentials(credentials.whatsAppCloudApi));
		await store.touchWindow({
			account: emulator.info().wabaId,
			phoneNumberId: SENDER,
			contact: '4915150000043',
			inboundAt: Date.now() - 25 * 60 * 60 * 1000,
		});
		const run = await send(
			{
				operation: 'react',
				recipientPhone: '={{ $json.phone }}',
				reactionMessageId: theirs,
				emoji: '={{ $json.emoji }}',
			},
			[
				{ phone: '+4915150000042', emoji: 'thanks' },
				{ phone: '+4915150000043', emoji: '👍' },
				{ phone: '+4915150000042', emoji: '👍' },
			],
			true,
		);
		const [text, closed, ok] = json(run);
		expect(text.error).toMatchObject({ field: 'Emoji', value: 'thanks' });
		expect(closed.error).toMatchObject({ code: 131047 });
		expect(ok.messageId).toMatch(/^wamid\./);
		expect(await control.messages({ to: '4915150000043' })).toEqual([]);
	});

	it('offers no template for a closed window: an emoji cannot become a template', () => {
		const windowClosed = node.description.properties.find((p) => p.name === 'windowClosed');
		const shownFor = windowClosed?.displayOptions?.show?.operation as string[];
		expect(shownFor).toEqual(
			expect.arrayContaining([
				'sendList',
				'sendCtaUrl',
				'sendLocation',
				'requestLocation',
				'sendContacts',
			]),
		);
		expect(shownFor).not.toContain('react');
	});
});
