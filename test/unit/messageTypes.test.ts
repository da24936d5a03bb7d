/**
 * Send List, Send CTA URL, Send Location, Request Location, Send Contacts and React: the request
 * bodies have the shape of Meta's published examples, and every limit Meta sets is checked before
 * anything is sent, with the field, the value and the fix.
 */
import { FieldError } from '../../lib/core/fieldError';
import {
	buildContactsMessage,
	buildCtaUrlMessage,
	buildListMessage,
	buildLocationMessage,
	buildLocationRequestMessage,
	buildReactionMessage,
	contactCardsFrom,
	listRowsFrom,
} from '../../lib/core/messages';
import { metaFixture, shapeOf } from '../helpers/metaFixtures';

const to = { recipient: { to: '4915112345678' } };
const reply = { ...to, replyToMessageId: 'wamid.PREVIOUS' };
const example = (name: string) => metaFixture(`send/post-request/${name}.json`);

function fieldError(fn: () => unknown): FieldError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(FieldError);
		return error as FieldError;
	}
	throw new Error('expected a FieldError');
}

const rows = (n: number, extra: Record<string, unknown> = {}) =>
	Array.from({ length: n }, (_, k) => ({ id: `r${k}`, title: `Row ${k}`, ...extra }));

describe('bodies in the shape of Meta’s examples', () => {
	it('a list with two titled sections, header and footer', () => {
		const body = buildListMessage(to, {
			body: 'Pick a delivery',
			button: 'Choose',
			headerText: 'Shipping',
			footer: 'Prices incl. VAT',
			rows: [
				{ id: 'std', title: 'Standard', description: '3–5 days', section: 'Ground' },
				{ id: 'eco', title: 'Eco', description: '5–7 days', section: 'Ground' },
				{ id: 'exp', title: 'Express', description: 'Next day', section: 'Air' },
				{ id: 'prio', title: 'Priority', description: 'Same day', section: 'Air' },
			],
		});
		expect(shapeOf(body)).toEqual(shapeOf(example('send-list-message')));
		expect((body.interactive as any).action.sections.map((s: any) => s.rows.length)).toEqual([
			2, 2,
		]);
	});

	it('a location, and one in reply to a message', () => {
		const input = {
			latitude: '37.758056',
			longitude: -122.425332,
			name: 'META HQ',
			address: '1 Hacker Way',
		};
		expect(shapeOf(buildLocationMessage(to, input))).toEqual(
			shapeOf(example('send-location-message')),
		);
		const quoted = buildLocationMessage(reply, input);
		expect(shapeOf(quoted)).toEqual(shapeOf(example('send-reply-to-location-message')));
		expect(quoted.location).toEqual({
			latitude: 37.758056,
			longitude: -122.425332,
			name: 'META HQ',
			address: '1 Hacker Way',
		});
	});

	it('a contact card with every field', () => {
		const published = example('send-contact-message');
		const body = buildContactsMessage({ recipient: { to: '4915112345678' } }, published.contacts);
		// Meta's example leaves out recipient_type ("individual", the default), which the node sends.
		expect(shapeOf({ ...body, recipient_type: undefined })).toEqual(
			shapeOf({ ...published, recipient_type: undefined }),
		);
		expect(body.contacts).toEqual(published.contacts);
	});

	it('a reaction, which quotes nothing: its message id is the one it reacts to', () => {
		const body = buildReactionMessage(reply, { messageId: 'wamid.HBgLM', emoji: '😀' });
		expect(shapeOf(body)).toEqual(shapeOf(example('send-reply-with-reaction-message')));
		expect(body.context).toBeUndefined();
	});

	it('every new type quotes the message of Reply To Message ID', () => {
		const built = [
			buildListMessage(reply, { body: 'b', button: 'Go', rows: rows(1) }),
			buildCtaUrlMessage(reply, { body: 'b', displayText: 'Open', url: 'https://e.com' }),
			buildLocationMessage(reply, { latitude: 1, longitude: 2 }),
			buildLocationRequestMessage(reply, { body: 'Where are you?' }),
			buildContactsMessage(reply, [{ name: { formatted_name: 'Anna' } }]),
		];
		for (const body of built) expect(body.context).toEqual({ message_id: 'wamid.PREVIOUS' });
	});

	it('a CTA URL button and a location request in Meta’s documented shape', () => {
		expect(
			buildCtaUrlMessage(to, {
				body: 'Our sale',
				displayText: 'See offer',
				url: 'https://shop.example/sale',
				headerText: 'Spring',
				footer: 'Until Sunday',
			}).interactive,
		).toEqual({
			type: 'cta_url',
			header: { type: 'text', text: 'Spring' },
			body: { text: 'Our sale' },
			footer: { text: 'Until Sunday' },
			action: {
				name: 'cta_url',
				parameters: { display_text: 'See offer', url: 'https://shop.example/sale' },
			},
		});
		expect(buildLocationRequestMessage(to, { body: 'Where?' }).interactive).toEqual({
			type: 'location_request_message',
			body: { text: 'Where?' },
			action: { name: 'send_location' },
		});
	});
});

describe('list limits', () => {
	const list = (input: Partial<Parameters<typeof buildListMessage>[1]>) => () =>
		buildListMessage(to, { body: 'b', button: 'Choose', rows: rows(1), ...input });

	it('10 rows pass, 11 fail; none fails', () => {
		expect(list({ rows: rows(10) })).not.toThrow();
		const eleven = fieldError(list({ rows: rows(11) }));
		expect(eleven.field).toBe('Rows');
		expect(eleven.message).toMatch(/11 rows/);
		expect(eleven.fix).toMatch(/slice/);
		expect(fieldError(list({ rows: [] })).fix).toMatch(/at least one row/);
	});

	it.each([
		['Body Text', { body: 'x'.repeat(4097) }],
		['Body Text', { body: '' }],
		['Button Label', { button: 'x'.repeat(21) }],
		['Button Label', { button: ' ' }],
		['Row 1 Title', { rows: [{ title: 'x'.repeat(25) }] }],
		['Row 1 Title', { rows: [{ title: '' }] }],
		['Row 1 ID', { rows: [{ id: 'x'.repeat(201), title: 't' }] }],
		['Row 1 Description', { rows: [{ title: 't', description: 'x'.repeat(73) }] }],
		['Row 1 Section', { rows: [{ title: 't', section: 'x'.repeat(25) }] }],
		['Header Text', { headerText: 'x'.repeat(61) }],
		['Footer', { footer: 'x'.repeat(61) }],
		['Row 2 ID', { rows: [{ title: 'Same' }, { title: 'Same' }] }],
		['Section', { rows: [{ title: 'a', section: 'One' }, { title: 'b' }] }],
	] as const)('%s is checked (%#)', (field, input) => {
		expect(fieldError(list(input as never)).field).toBe(field);
	});

	it('limits count characters, not UTF-16 units: 24 emoji fit a row title', () => {
		expect(list({ rows: [{ title: '🍕'.repeat(24) }] })).not.toThrow();
		expect(
			list({
				body: 'x'.repeat(4096),
				rows: [{ title: 'x'.repeat(24), id: 'i'.repeat(200), description: 'd'.repeat(72) }],
			}),
		).not.toThrow();
	});

	it('10 sections of one row each pass (11 sections would need 11 rows)', () => {
		expect(list({ rows: rows(10).map((r, k) => ({ ...r, section: `S${k}` })) })).not.toThrow();
	});
});

describe('rows mapped from an array of the item', () => {
	it('reads id, title, description and section from the named fields', () => {
		const products = [
			{ sku: 'A1', name: 'Apple', price: '1 €', group: 'Fruit' },
			{ sku: 'B2', name: 'Bread', price: '3 €', group: 'Bakery' },
		];
		expect(
			listRowsFrom(products, { id: 'sku', title: 'name', description: 'price', section: 'group' }),
		).toEqual([
			{ id: 'A1', title: 'Apple', description: '1 €', section: 'Fruit' },
			{ id: 'B2', title: 'Bread', description: '3 €', section: 'Bakery' },
		]);
	});

	it('takes Meta’s sections and a JSON string', () => {
		const sections = [{ title: 'S', rows: [{ id: 'a', title: 'A', description: 'd' }] }];
		expect(listRowsFrom(JSON.stringify(sections))).toEqual([
			{ id: 'a', title: 'A', description: 'd', section: 'S' },
		]);
	});

	it('refuses what is not an array of objects, naming the entry', () => {
		expect(fieldError(() => listRowsFrom('{oops')).message).toMatch(/not JSON/);
		expect(fieldError(() => listRowsFrom({ id: 1 })).message).toMatch(/not an array/);
		expect(fieldError(() => listRowsFrom([{ title: 'a' }, 'b'])).field).toBe(
			'Rows (JSON), entry 2',
		);
	});

	it('a mapped row without the title field fails at the list, with the row number', () => {
		const mapped = listRowsFrom([{ id: 'a', title: 'A' }, { id: 'b' }]);
		expect(
			fieldError(() => buildListMessage(to, { body: 'b', button: 'Go', rows: mapped })).field,
		).toBe('Row 2 Title');
	});
});

describe('CTA URL, location, location request limits', () => {
	it('CTA URL: https only, button text ≤ 20, body ≤ 1024', () => {
		const cta = (input: Record<string, unknown>) => () =>
			buildCtaUrlMessage(to, { body: 'b', displayText: 'Open', url: 'https://e.com', ...input });
		expect(fieldError(cta({ url: 'http://e.com' })).message).toMatch(/https/);
		expect(fieldError(cta({ url: 'e.com/x' })).field).toBe('URL');
		expect(fieldError(cta({ displayText: 'x'.repeat(21) })).field).toBe('Button Text');
		expect(fieldError(cta({ body: 'x'.repeat(1025) })).field).toBe('Body Text');
		expect(fieldError(cta({ headerText: 'x'.repeat(61) })).field).toBe('Header Text');
	});

	it('location: degrees in range, numbers or numeric strings', () => {
		expect(fieldError(() => buildLocationMessage(to, { latitude: 91, longitude: 0 })).field).toBe(
			'Latitude',
		);
		expect(
			fieldError(() => buildLocationMessage(to, { latitude: 0, longitude: '-180.5' })).field,
		).toBe('Longitude');
		const comma = fieldError(() => buildLocationMessage(to, { latitude: '52,52', longitude: 13 }));
		expect(comma.fix).toMatch(/a dot/);
		expect(fieldError(() => buildLocationMessage(to, { latitude: '', longitude: 13 })).field).toBe(
			'Latitude',
		);
		expect(buildLocationMessage(to, { latitude: -90, longitude: 180, name: ' ' }).location).toEqual(
			{
				latitude: -90,
				longitude: 180,
			},
		);
	});

	it('location request: a body is needed', () => {
		expect(fieldError(() => buildLocationRequestMessage(to, { body: '' })).field).toBe('Body Text');
	});
});

describe('contact cards', () => {
	it('the formatted name stands in as first name when no name part is given', () => {
		const body = buildContactsMessage(to, [{ name: { formatted_name: 'Anna Schmidt' } }]);
		expect(body.contacts).toEqual([
			{ name: { formatted_name: 'Anna Schmidt', first_name: 'Anna Schmidt' } },
		]);
	});

	it('empty optional fields are left out, types upper-cased, country codes lower-cased', () => {
		const body = buildContactsMessage(to, [
			{
				name: { formatted_name: 'Anna', last_name: 'Schmidt', first_name: '' },
				phones: [
					{ phone: '+49 151 1234567', type: 'work', wa_id: '+49151 1234567'.replace(' ', '') },
				],
				emails: [],
				org: { company: 'ACME', title: '' },
				urls: { url: 'https://acme.example' },
				addresses: [{ city: 'Berlin', country_code: 'DE', type: '' }],
				birthday: '',
			},
		]);
		expect(body.contacts).toEqual([
			{
				name: { formatted_name: 'Anna', last_name: 'Schmidt' },
				phones: [{ phone: '+49 151 1234567', type: 'WORK', wa_id: '491511234567' }],
				org: { company: 'ACME' },
				urls: [{ url: 'https://acme.example' }],
				addresses: [{ city: 'Berlin', country_code: 'de' }],
			},
		]);
	});

	it.each([
		['Contact 1 Formatted Name', { name: { first_name: 'Anna' } }],
		['Contact 1 Phone 1', { name: { formatted_name: 'A' }, phones: [{ phone: 'call me' }] }],
		[
			'Contact 1 Phone 1 Type',
			{ name: { formatted_name: 'A' }, phones: [{ phone: '123', type: 'MOBILE' }] },
		],
		[
			'Contact 1 Phone 1 WhatsApp ID',
			{ name: { formatted_name: 'A' }, phones: [{ phone: '123', wa_id: 'abc' }] },
		],
		['Contact 1 Email 1', { name: { formatted_name: 'A' }, emails: [{ email: 'anna@' }] }],
		[
			'Contact 1 Website 1',
			{ name: { formatted_name: 'A' }, urls: [{ url: 'javascript:alert(1)' }] },
		],
		['Contact 1 Address 1', { name: { formatted_name: 'A' }, addresses: [{ type: 'HOME' }] }],
		[
			'Contact 1 Address 1 Country Code',
			{ name: { formatted_name: 'A' }, addresses: [{ city: 'B', country_code: 'DEU' }] },
		],
		['Contact 1 Birthday', { name: { formatted_name: 'A' }, birthday: '2023-02-30' }],
	])('%s is checked', (field, card) => {
		expect(fieldError(() => buildContactsMessage(to, [card])).field).toBe(field);
	});

	it('mapped cards: one card, a list, a JSON string; anything else names the fix', () => {
		const card = { name: { formatted_name: 'A' } };
		expect(contactCardsFrom(card)).toEqual([card]);
		expect(contactCardsFrom([card, card])).toHaveLength(2);
		expect(contactCardsFrom(JSON.stringify([card]))).toEqual([card]);
		expect(fieldError(() => contactCardsFrom('{oops')).message).toMatch(/not JSON/);
		expect(fieldError(() => contactCardsFrom(42)).fix).toMatch(/formatted_name/);
	});

	it('the second card is named in its error; no cards fail', () => {
		expect(
			fieldError(() =>
				buildContactsMessage(to, [
					{ name: { formatted_name: 'A' } },
					{ name: { formatted_name: '' } },
				]),
			).field,
		).toBe('Contact 2 Formatted Name');
		expect(fieldError(() => buildContactsMessage(to, [])).field).toBe('Contacts');
	});
});

describe('reactions', () => {
	it.each(['👍', '❤️', '👨‍👩‍👧', '🇩🇪', '1️⃣', '👍🏽'])('%s is one emoji', (emoji) => {
		expect((buildReactionMessage(to, { messageId: 'wamid.X', emoji }).reaction as any).emoji).toBe(
			emoji,
		);
	});

	it('an empty emoji removes the reaction', () => {
		expect(buildReactionMessage(to, { messageId: 'wamid.X', emoji: '' }).reaction).toEqual({
			message_id: 'wamid.X',
			emoji: '',
		});
	});

	it.each(['ok', '👍👍', 'a', '1', '👍 nice'])('"%s" is not one emoji', (emoji) => {
		const error = fieldError(() => buildReactionMessage(to, { messageId: 'wamid.X', emoji }));
		expect(error.field).toBe('Emoji');
		expect(error.fix).toMatch(/exactly one emoji/);
	});

	it('the message id must be a wamid', () => {
		expect(fieldError(() => buildReactionMessage(to, { messageId: '', emoji: '👍' })).field).toBe(
			'Message ID',
		);
		expect(
			fieldError(() => buildReactionMessage(to, { messageId: 'abc', emoji: '👍' })).message,
		).toMatch(/not a WhatsApp message id/);
	});
});
