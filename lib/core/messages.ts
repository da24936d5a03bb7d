/**
 * Request bodies for POST /{phone-number-id}/messages, validated against Meta's limits before
 * anything is sent, so a bad item fails with the field, the value and the fix instead of a 400.
 */

import { FieldError } from './fieldError';

export const LIMITS = {
	textBody: 4096,
	caption: 1024,
	buttons: 3,
	buttonTitle: 20,
	buttonId: 256,
	interactiveBody: 1024,
	headerText: 60,
	footer: 60,
	bizOpaqueCallbackData: 512,
	listBody: 4096,
	listButton: 20,
	listRows: 10,
	sectionTitle: 24,
	rowId: 200,
	rowTitle: 24,
	rowDescription: 72,
	ctaDisplayText: 20,
	locationText: 1000,
} as const;

export type Recipient = { to: string } | { recipient: string };

interface Common {
	recipient: Recipient;
	replyToMessageId?: string;
	bizOpaqueCallbackData?: string;
}

function envelope(common: Common, type: string, payload: Record<string, unknown>) {
	const body: Record<string, unknown> = {
		messaging_product: 'whatsapp',
		recipient_type: 'individual',
		...common.recipient,
		type,
		[type]: payload,
	};
	if (common.replyToMessageId) body.context = { message_id: common.replyToMessageId };
	if (common.bizOpaqueCallbackData) {
		requireMax('Callback Data', common.bizOpaqueCallbackData, LIMITS.bizOpaqueCallbackData);
		body.biz_opaque_callback_data = common.bizOpaqueCallbackData;
	}
	return body;
}

function requireText(field: string, value: unknown, fix: string): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new FieldError(field, value, 'is empty', fix);
	}
	return value;
}

function requireMax(field: string, value: string, max: number) {
	if ([...value].length > max) {
		throw new FieldError(
			field,
			value,
			`is ${[...value].length} characters long; WhatsApp allows at most ${max}`,
			`Shorten it to ${max} characters${field === 'Text' ? ' or split it into several messages' : ''}.`,
		);
	}
}

export function buildTextMessage(
	common: Common,
	text: { body: unknown; previewUrl?: boolean },
): Record<string, unknown> {
	const body = requireText(
		'Text',
		text.body,
		'Enter the message text or map it with an expression.',
	);
	requireMax('Text', body, LIMITS.textBody);
	return envelope(common, 'text', { body, preview_url: text.previewUrl ?? false });
}

export interface ReplyButton {
	id?: string;
	title: string;
}

export function buildButtonsMessage(
	common: Common,
	input: { body: unknown; buttons: ReplyButton[]; headerText?: string; footer?: string },
): Record<string, unknown> {
	const bodyText = requireText(
		'Body Text',
		input.body,
		'Enter the question or text above the buttons.',
	);
	requireMax('Body Text', bodyText, LIMITS.interactiveBody);
	if (input.buttons.length === 0 || input.buttons.length > LIMITS.buttons) {
		throw new FieldError(
			'Buttons',
			input.buttons.map((b) => b.title),
			`has ${input.buttons.length} buttons; WhatsApp reply buttons need 1 to ${LIMITS.buttons}`,
			'Keep 1–3 buttons, or use a list message for more choices.',
		);
	}
	const seenIds = new Set<string>();
	const buttons = input.buttons.map((button, index) => {
		const title = requireText(
			`Button ${index + 1} Title`,
			button.title,
			'Give every button a title.',
		);
		requireMax(`Button ${index + 1} Title`, title, LIMITS.buttonTitle);
		const id = button.id?.trim() || title;
		requireMax(`Button ${index + 1} ID`, id, LIMITS.buttonId);
		if (seenIds.has(id)) {
			throw new FieldError(
				`Button ${index + 1} ID`,
				id,
				'is used twice',
				'Give every button its own ID.',
			);
		}
		seenIds.add(id);
		return { type: 'reply', reply: { id, title } };
	});
	const interactive: Record<string, unknown> = {
		type: 'button',
		body: { text: bodyText },
		action: { buttons },
	};
	if (input.headerText) {
		requireMax('Header Text', input.headerText, LIMITS.headerText);
		interactive.header = { type: 'text', text: input.headerText };
	}
	if (input.footer) {
		requireMax('Footer', input.footer, LIMITS.footer);
		interactive.footer = { text: input.footer };
	}
	return envelope(common, 'interactive', interactive);
}

export type MediaType = 'image' | 'document' | 'audio' | 'video' | 'sticker';

export function buildMediaMessage(
	common: Common,
	input: { mediaType: MediaType; link?: string; id?: string; caption?: string; filename?: string },
): Record<string, unknown> {
	const media: Record<string, unknown> = {};
	if (input.id) media.id = input.id;
	else {
		const link = requireText('Media URL', input.link, 'Enter a public https:// link to the file.');
		let url: URL;
		try {
			url = new URL(link);
		} catch {
			throw new FieldError(
				'Media URL',
				link,
				'is not a valid URL',
				'Use a full link such as https://example.com/file.pdf.',
			);
		}
		if (url.protocol !== 'https:' && url.protocol !== 'http:') {
			throw new FieldError(
				'Media URL',
				link,
				'is not an http(s) link',
				'Use a public https:// link.',
			);
		}
		media.link = link;
	}
	if (input.caption) {
		if (input.mediaType === 'audio' || input.mediaType === 'sticker') {
			throw new FieldError(
				'Caption',
				input.caption,
				`is not supported for ${input.mediaType}`,
				'Remove the caption.',
			);
		}
		requireMax('Caption', input.caption, LIMITS.caption);
		media.caption = input.caption;
	}
	if (input.filename && input.mediaType === 'document') media.filename = input.filename;
	return envelope(common, input.mediaType, media);
}

export function buildTemplateMessage(
	common: Common,
	template: { name: string; language: string; components: Array<Record<string, unknown>> },
): Record<string, unknown> {
	return envelope(common, 'template', {
		name: template.name,
		language: { code: template.language },
		...(template.components.length > 0 ? { components: template.components } : {}),
	});
}

export function buildMarkAsRead(
	messageId: unknown,
	typingIndicator: boolean,
): Record<string, unknown> {
	const id = requireText(
		'Message ID',
		messageId,
		'Map the wamid of the inbound message, e.g. {{ $json.messageId }}.',
	);
	if (!id.startsWith('wamid.')) {
		throw new FieldError(
			'Message ID',
			id,
			'is not a WhatsApp message id',
			'Use the inbound message id, which starts with "wamid.".',
		);
	}
	return {
		messaging_product: 'whatsapp',
		status: 'read',
		message_id: id,
		...(typingIndicator ? { typing_indicator: { type: 'text' } } : {}),
	};
}

function optionalText(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const text = String(value);
	return text.trim() === '' ? undefined : text;
}

/** The optional header line and footer of an interactive message, checked. */
function headerAndFooter(
	interactive: Record<string, unknown>,
	input: { headerText?: string; footer?: string },
): void {
	if (input.headerText) {
		requireMax('Header Text', input.headerText, LIMITS.headerText);
		interactive.header = { type: 'text', text: input.headerText };
	}
	if (input.footer) {
		requireMax('Footer', input.footer, LIMITS.footer);
		interactive.footer = { text: input.footer };
	}
}

export interface ListRow {
	/** Returned when the row is picked; defaults to the title. */
	id?: unknown;
	title: unknown;
	description?: unknown;
	/** Rows with the same section title, in their order, make one section. */
	section?: unknown;
}

/** Where each row's fields are in the items of an array mapped to List Rows. */
export interface RowFieldNames {
	id: string;
	title: string;
	description: string;
	section: string;
}

export const DEFAULT_ROW_FIELDS: RowFieldNames = {
	id: 'id',
	title: 'title',
	description: 'description',
	section: 'section',
};

/**
 * The rows of a list from a mapped value: an array of objects (e.g. `{{ $json.products }}`) whose
 * id, title, description and section are read from the named fields, Meta's own sections
 * (`[{title, rows: [{id, title, description}]}]`), or the same as a JSON string.
 */
export function listRowsFrom(
	value: unknown,
	fields: RowFieldNames = DEFAULT_ROW_FIELDS,
	field = 'Rows (JSON)',
): ListRow[] {
	let parsed = value;
	if (typeof value === 'string') {
		if (value.trim() === '') parsed = [];
		else {
			try {
				parsed = JSON.parse(value);
			} catch {
				throw new FieldError(
					field,
					value,
					'is not JSON',
					'Map an array, e.g. {{ $json.products }}, or write [{"id":"a","title":"A"}].',
				);
			}
		}
	}
	if (!Array.isArray(parsed)) {
		throw new FieldError(
			field,
			parsed,
			'is not an array',
			'Map an array of objects, e.g. {{ $json.products }}, each with an id and a title.',
		);
	}
	return parsed.flatMap((entry: unknown, index): ListRow[] => {
		if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
			throw new FieldError(
				`${field}, entry ${index + 1}`,
				entry,
				'is not an object',
				`Give every entry a "${fields.title}" field (and "${fields.id}", "${fields.description}").`,
			);
		}
		const record = entry as Record<string, unknown>;
		if (Array.isArray(record.rows)) {
			return (record.rows as unknown[]).map((row) => {
				const r = (row !== null && typeof row === 'object' ? row : {}) as Record<string, unknown>;
				return { id: r.id, title: r.title, description: r.description, section: record.title };
			});
		}
		return [
			{
				id: record[fields.id],
				title: record[fields.title],
				description: record[fields.description],
				section: record[fields.section],
			},
		];
	});
}

/**
 * An interactive list: a button that opens up to 10 rows, grouped in up to 10 sections (every
 * section has a row, so the row limit keeps the section limit). Rows are grouped by their section
 * title in the order they come; Meta needs a title on every section when there is more than one.
 */
export function buildListMessage(
	common: Common,
	input: {
		body: unknown;
		button: unknown;
		rows: ListRow[];
		headerText?: string;
		footer?: string;
	},
): Record<string, unknown> {
	const bodyText = requireText('Body Text', input.body, 'Enter the text above the list button.');
	requireMax('Body Text', bodyText, LIMITS.listBody);
	const button = requireText(
		'Button Label',
		input.button,
		'Enter the label of the button that opens the list, e.g. "Choose".',
	);
	requireMax('Button Label', button, LIMITS.listButton);
	if (input.rows.length === 0 || input.rows.length > LIMITS.listRows) {
		throw new FieldError(
			'Rows',
			input.rows.map((row) => row.title),
			`has ${input.rows.length} rows; a WhatsApp list needs 1 to ${LIMITS.listRows} rows in all sections together`,
			input.rows.length === 0
				? 'Add at least one row, or map an array that is not empty.'
				: 'Keep at most 10 rows (e.g. slice the array: {{ $json.products.slice(0, 10) }}), or send several lists.',
		);
	}
	const sections: Array<{ title?: string; rows: Array<Record<string, string>> }> = [];
	const seenIds = new Set<string>();
	input.rows.forEach((row, index) => {
		const name = `Row ${index + 1}`;
		const title = requireText(`${name} Title`, row.title, 'Give every row a title.');
		requireMax(`${name} Title`, title, LIMITS.rowTitle);
		const id = optionalText(row.id)?.trim() || title;
		requireMax(`${name} ID`, id, LIMITS.rowId);
		if (seenIds.has(id)) {
			throw new FieldError(`${name} ID`, id, 'is used twice', 'Give every row its own ID.');
		}
		seenIds.add(id);
		const description = optionalText(row.description);
		if (description !== undefined)
			requireMax(`${name} Description`, description, LIMITS.rowDescription);
		const sectionTitle = optionalText(row.section);
		if (sectionTitle !== undefined)
			requireMax(`${name} Section`, sectionTitle, LIMITS.sectionTitle);
		let section = sections.find((candidate) => candidate.title === sectionTitle);
		if (!section) {
			section = { ...(sectionTitle === undefined ? {} : { title: sectionTitle }), rows: [] };
			sections.push(section);
		}
		section.rows.push({ id, title, ...(description === undefined ? {} : { description }) });
	});
	if (sections.length > 1) {
		const untitled = sections.findIndex((section) => section.title === undefined);
		if (untitled >= 0) {
			throw new FieldError(
				'Section',
				'',
				`is empty for some rows while others have one; WhatsApp needs a title on every section of a list with ${sections.length} sections`,
				'Give every row a section title, or none at all.',
			);
		}
	}
	const interactive: Record<string, unknown> = {
		type: 'list',
		body: { text: bodyText },
		action: { button, sections },
	};
	headerAndFooter(interactive, input);
	return envelope(common, 'interactive', interactive);
}

function requireHttpsUrl(field: string, value: unknown): string {
	const link = requireText(field, value, 'Enter a full https:// link.').trim();
	let url: URL;
	try {
		url = new URL(link);
	} catch {
		throw new FieldError(
			field,
			link,
			'is not a valid URL',
			'Use a full link such as https://example.com/offer.',
		);
	}
	if (url.protocol !== 'https:') {
		throw new FieldError(field, link, 'is not an https:// link', 'Use an https:// link.');
	}
	return link;
}

/** An interactive message with one button that opens a link (Meta's `cta_url`). */
export function buildCtaUrlMessage(
	common: Common,
	input: {
		body: unknown;
		displayText: unknown;
		url: unknown;
		headerText?: string;
		footer?: string;
	},
): Record<string, unknown> {
	const bodyText = requireText('Body Text', input.body, 'Enter the text above the link button.');
	requireMax('Body Text', bodyText, LIMITS.interactiveBody);
	const displayText = requireText(
		'Button Text',
		input.displayText,
		'Enter the label of the link button, e.g. "See offer".',
	);
	requireMax('Button Text', displayText, LIMITS.ctaDisplayText);
	const url = requireHttpsUrl('URL', input.url);
	const interactive: Record<string, unknown> = {
		type: 'cta_url',
		body: { text: bodyText },
		action: { name: 'cta_url', parameters: { display_text: displayText, url } },
	};
	headerAndFooter(interactive, input);
	return envelope(common, 'interactive', interactive);
}

/** An interactive message with a "Send location" button (Meta's `location_request_message`). */
export function buildLocationRequestMessage(
	common: Common,
	input: { body: unknown },
): Record<string, unknown> {
	const bodyText = requireText(
		'Body Text',
		input.body,
		'Enter the text that asks for the location, e.g. "Where should we pick you up?".',
	);
	requireMax('Body Text', bodyText, LIMITS.interactiveBody);
	return envelope(common, 'interactive', {
		type: 'location_request_message',
		body: { text: bodyText },
		action: { name: 'send_location' },
	});
}

function coordinate(field: string, value: unknown, limit: number): number {
	const number =
		typeof value === 'number'
			? value
			: typeof value === 'string' && value.trim() !== ''
				? Number(value)
				: NaN;
	if (!Number.isFinite(number) || Math.abs(number) > limit) {
		throw new FieldError(
			field,
			value,
			`is not a number between -${limit} and ${limit}`,
			`Enter decimal degrees, e.g. ${limit === 90 ? '52.520008' : '13.404954'} (a dot, no comma).`,
		);
	}
	return number;
}

/** A pin on the map, with an optional name and address. */
export function buildLocationMessage(
	common: Common,
	input: { latitude: unknown; longitude: unknown; name?: unknown; address?: unknown },
): Record<string, unknown> {
	const location: Record<string, unknown> = {
		latitude: coordinate('Latitude', input.latitude, 90),
		longitude: coordinate('Longitude', input.longitude, 180),
	};
	for (const [key, field] of [
		['name', 'Name'],
		['address', 'Address'],
	] as const) {
		const text = optionalText(input[key]);
		if (text === undefined) continue;
		requireMax(field, text, LIMITS.locationText);
		location[key] = text;
	}
	return envelope(common, 'location', location);
}

const CONTACT_TYPES = ['HOME', 'WORK'];

function record(value: unknown): Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: {};
}

/** A list field of a contact card (phones, emails, urls, addresses): absent, one object or a list. */
function entries(value: unknown): Array<Record<string, unknown>> {
	if (value === undefined || value === null || value === '') return [];
	return (Array.isArray(value) ? value : [value]).map(record);
}

function typeOf(field: string, value: unknown): string | undefined {
	const type = optionalText(value)?.trim().toUpperCase();
	if (type === undefined) return undefined;
	if (!CONTACT_TYPES.includes(type)) {
		throw new FieldError(
			field,
			value,
			'is neither HOME nor WORK',
			'Use HOME or WORK, or leave it empty.',
		);
	}
	return type;
}

/** Copies the given text fields of `from` that are not empty. */
function texts(from: Record<string, unknown>, keys: readonly string[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (const key of keys) {
		const text = optionalText(from[key]);
		if (text !== undefined) out[key] = text.trim();
	}
	return out;
}

const NAME_PARTS = ['first_name', 'last_name', 'middle_name', 'suffix', 'prefix'] as const;

/**
 * One contact card in Meta's shape, checked: a formatted name (Meta also needs one more name
 * part; the formatted name stands in as the first name when none is given), phones, emails,
 * an organisation, links, addresses and a birthday (YYYY-MM-DD).
 */
function contactCard(input: unknown, index: number): Record<string, unknown> {
	const contact = record(input);
	const label = `Contact ${index + 1}`;
	const name = record(contact.name);
	const formatted = requireText(
		`${label} Formatted Name`,
		name.formatted_name,
		'Enter the name shown on the card, e.g. "Anna Schmidt".',
	).trim();
	const nameParts = texts(name, NAME_PARTS);
	const card: Record<string, unknown> = {
		name: {
			formatted_name: formatted,
			...(Object.keys(nameParts).length > 0 ? nameParts : { first_name: formatted }),
		},
	};
	const phones = entries(contact.phones).map((phone, n) => {
		const field = `${label} Phone ${n + 1}`;
		const number = requireText(
			field,
			phone.phone,
			'Enter the number, e.g. +49 151 12345678.',
		).trim();
		if (!/^\+?[0-9 ()./-]{3,30}$/.test(number)) {
			throw new FieldError(
				field,
				number,
				'is not a phone number',
				'Use digits with an optional leading "+", spaces, dashes or brackets.',
			);
		}
		const waId = optionalText(phone.wa_id)?.replace(/^\+/, '').trim();
		if (waId !== undefined && !/^[0-9]{6,15}$/.test(waId)) {
			throw new FieldError(
				`${field} WhatsApp ID`,
				phone.wa_id,
				'is not a WhatsApp ID',
				'Use the number in international form, digits only, e.g. 4915112345678.',
			);
		}
		const type = typeOf(`${field} Type`, phone.type);
		return { phone: number, ...(type ? { type } : {}), ...(waId ? { wa_id: waId } : {}) };
	});
	const emails = entries(contact.emails).map((email, n) => {
		const field = `${label} Email ${n + 1}`;
		const address = requireText(field, email.email, 'Enter an email address.').trim();
		if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
			throw new FieldError(
				field,
				address,
				'is not an email address',
				'Use a form like anna@example.com.',
			);
		}
		const type = typeOf(`${field} Type`, email.type);
		return { email: address, ...(type ? { type } : {}) };
	});
	const urls = entries(contact.urls).map((url, n) => {
		const field = `${label} Website ${n + 1}`;
		const link = requireText(field, url.url, 'Enter a full link, e.g. https://example.com.').trim();
		let protocol: string;
		try {
			protocol = new URL(link).protocol;
		} catch {
			protocol = '';
		}
		if (protocol !== 'https:' && protocol !== 'http:') {
			throw new FieldError(
				field,
				link,
				'is not an http(s) link',
				'Use a full link such as https://example.com.',
			);
		}
		const type = typeOf(`${field} Type`, url.type);
		return { url: link, ...(type ? { type } : {}) };
	});
	const addresses = entries(contact.addresses).map((address, n) => {
		const field = `${label} Address ${n + 1}`;
		const parts = texts(address, ['street', 'city', 'state', 'zip', 'country', 'country_code']);
		if (Object.keys(parts).length === 0) {
			throw new FieldError(
				field,
				address,
				'is empty',
				'Fill at least the street or the city, or remove it.',
			);
		}
		if (parts.country_code !== undefined) {
			if (!/^[A-Za-z]{2}$/.test(parts.country_code)) {
				throw new FieldError(
					`${field} Country Code`,
					parts.country_code,
					'is not a two-letter country code',
					'Use ISO 3166-1 alpha-2, e.g. DE or US.',
				);
			}
			parts.country_code = parts.country_code.toLowerCase();
		}
		const type = typeOf(`${field} Type`, address.type);
		return { ...parts, ...(type ? { type } : {}) };
	});
	const org = texts(record(contact.org), ['company', 'department', 'title']);
	const birthday = optionalText(contact.birthday)?.trim();
	if (birthday !== undefined) {
		const date = new Date(`${birthday}T00:00:00Z`);
		if (
			!/^\d{4}-\d{2}-\d{2}$/.test(birthday) ||
			Number.isNaN(date.getTime()) ||
			date.toISOString().slice(0, 10) !== birthday
		) {
			throw new FieldError(
				`${label} Birthday`,
				birthday,
				'is not a date',
				'Use YYYY-MM-DD, e.g. 1990-04-23.',
			);
		}
		card.birthday = birthday;
	}
	if (phones.length > 0) card.phones = phones;
	if (emails.length > 0) card.emails = emails;
	if (Object.keys(org).length > 0) card.org = org;
	if (urls.length > 0) card.urls = urls;
	if (addresses.length > 0) card.addresses = addresses;
	return card;
}

/** The cards of a mapped value: one card, an array of cards, or either as a JSON string. */
export function contactCardsFrom(value: unknown, field = 'Contacts (JSON)'): unknown[] {
	let parsed = value;
	if (typeof value === 'string') {
		try {
			parsed = value.trim() === '' ? [] : JSON.parse(value);
		} catch {
			throw new FieldError(
				field,
				value,
				'is not JSON',
				'Map the cards, e.g. {{ $json.contacts }}, or write [{"name": {"formatted_name": "Anna Schmidt"}}].',
			);
		}
	}
	if (Array.isArray(parsed)) return parsed;
	if (parsed !== null && typeof parsed === 'object') return [parsed];
	throw new FieldError(
		field,
		parsed,
		'is not a card or a list of cards',
		'Map an object or an array of objects with name.formatted_name.',
	);
}

/** One or more contact cards (vCard-like, Meta's `contacts` message). */
export function buildContactsMessage(common: Common, contacts: unknown[]): Record<string, unknown> {
	if (contacts.length === 0) {
		throw new FieldError(
			'Contacts',
			contacts,
			'is empty',
			'Add at least one contact with a formatted name.',
		);
	}
	const body = envelope(common, 'contacts', {});
	body.contacts = contacts.map(contactCard);
	return body;
}

/** The formatted names of a contacts message, what the customer reads on the cards. */
export function contactNames(body: Record<string, unknown>): string[] {
	return (body.contacts as Array<{ name: { formatted_name: string } }>).map(
		(card) => card.name.formatted_name,
	);
}

/** Pictographs, flags and keycaps (1️⃣); a digit or letter alone is no emoji. */
const emojiPattern = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

/**
 * An emoji reaction to a message the contact sent; an empty emoji removes the reaction. Meta
 * takes one emoji per reaction, so a mapped value with text or several emoji fails here.
 */
export function buildReactionMessage(
	common: Common,
	input: { messageId: unknown; emoji: unknown },
): Record<string, unknown> {
	const id = requireText(
		'Message ID',
		input.messageId,
		'Map the wamid of the customer’s message, e.g. {{ $json.messageId }}.',
	).trim();
	if (!id.startsWith('wamid.')) {
		throw new FieldError(
			'Message ID',
			id,
			'is not a WhatsApp message id',
			'Use the id of the customer’s message, which starts with "wamid.".',
		);
	}
	const emoji = typeof input.emoji === 'string' ? input.emoji.trim() : '';
	if (input.emoji !== undefined && input.emoji !== null && typeof input.emoji !== 'string') {
		throw new FieldError(
			'Emoji',
			input.emoji,
			'is not text',
			'Enter one emoji, e.g. 👍, or leave it empty.',
		);
	}
	if (emoji !== '') {
		const graphemes = [
			...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(emoji),
		];
		if (graphemes.length !== 1 || !emojiPattern.test(emoji)) {
			throw new FieldError(
				'Emoji',
				emoji,
				'is not a single emoji',
				'Enter exactly one emoji, e.g. 👍 or ❤️; leave it empty to remove the reaction.',
			);
		}
	}
	const body: Record<string, unknown> = {
		messaging_product: 'whatsapp',
		recipient_type: 'individual',
		...common.recipient,
		type: 'reaction',
		reaction: { message_id: id, emoji },
	};
	if (common.bizOpaqueCallbackData) {
		requireMax('Callback Data', common.bizOpaqueCallbackData, LIMITS.bizOpaqueCallbackData);
		body.biz_opaque_callback_data = common.bizOpaqueCallbackData;
	}
	return body;
}
