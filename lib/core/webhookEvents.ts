/**
 * Meta's webhook POST body → one flat, expression-friendly event per inbound message, status,
 * user preference or other field change. Only a wrong envelope throws (the trigger answers 4xx);
 * anything odd inside a valid envelope becomes a note, so one bad item never drops the others.
 */
import { createHash } from 'node:crypto';

import { ACCOUNT_FIELDS, parseAccountValue, type AccountDetails } from './accountEvents';
import { parseE164 } from './phone';

const WEBHOOK_OBJECT = 'whatsapp_business_account';

/** The body is not a WhatsApp Business Account webhook at all: answer 4xx, start nothing. */
export class WebhookPayloadError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'WebhookPayloadError';
	}
}

export type RawObject = Record<string, unknown>;

export interface BusinessNumber {
	phoneNumberId: string | null;
	displayPhoneNumber: string | null;
}

/** Who the customer is. `waId` is the phone number as digits; `userId` the business-scoped id. */
export interface ContactIdentity {
	phone: string | null;
	waId: string | null;
	userId: string | null;
	name: string | null;
	username: string | null;
}

export interface MetaError {
	code: number | null;
	title: string | null;
	message: string | null;
	details: string | null;
}

interface EventHeader {
	businessAccountId: string | null;
	business: BusinessNumber;
	/** ISO 8601, UTC. */
	timestamp: string | null;
	/** Unix seconds, as Meta sends them. */
	timestampUnix: number | null;
}

export interface MediaContent {
	kind: string;
	id: string | null;
	mimeType: string | null;
	sha256: string | null;
	caption: string | null;
	filename: string | null;
}

export interface InteractiveReply {
	type: string | null;
	id: string | null;
	title: string | null;
	description: string | null;
	/** A WhatsApp Flow's answers (`nfm_reply.response_json`), parsed. */
	flowResponse: RawObject | null;
}

export interface OrderContent {
	catalogId: string | null;
	text: string | null;
	productItems: Array<{
		productRetailerId: string | null;
		quantity: number | null;
		itemPrice: number | null;
		currency: string | null;
	}>;
}

/** Every key is always present (null when it does not apply), so expressions never hit undefined. */
export interface MessageContent {
	/**
	 * The best human-readable text: the body, a caption, the tapped button's text, the chosen reply
	 * or list title, the reaction emoji, a location's name, shared contacts' names, an order note.
	 */
	text: string | null;
	button: { payload: string | null; text: string | null } | null;
	interactive: InteractiveReply | null;
	media: MediaContent | null;
	location: {
		latitude: number | null;
		longitude: number | null;
		name: string | null;
		address: string | null;
		url: string | null;
	} | null;
	/** `emoji` is null when the customer removed a reaction. */
	reaction: { messageId: string | null; emoji: string | null } | null;
	contacts: unknown[] | null;
	order: OrderContent | null;
	errors: MetaError[];
}

export interface MessageContext {
	/** The wamid of our message this one answers. */
	messageId: string | null;
	from: string | null;
	forwarded: boolean;
	frequentlyForwarded: boolean;
	referredProduct: { catalogId: string | null; productRetailerId: string | null } | null;
}

/** A click-to-WhatsApp ad (or post) the customer came from. */
export interface Referral {
	sourceUrl: string | null;
	sourceId: string | null;
	sourceType: string | null;
	headline: string | null;
	body: string | null;
	mediaType: string | null;
	imageUrl: string | null;
	videoUrl: string | null;
	thumbnailUrl: string | null;
	ctwaClid: string | null;
	welcomeMessageText: string | null;
}

export interface InboundMessageEvent extends EventHeader {
	event: 'message';
	contact: ContactIdentity;
	messageId: string;
	type: string;
	message: MessageContent;
	context: MessageContext | null;
	referral: Referral | null;
	groupId: string | null;
	raw: RawObject;
}

/** Meta's notices about a customer (e.g. "changed their number"); these carry no `contacts`. */
export interface SystemEvent extends EventHeader {
	event: 'system';
	/** The sender as Meta names it in `from`: for a number change, the OLD number. */
	contact: ContactIdentity;
	messageId: string;
	systemType: string | null;
	body: string | null;
	newWaId: string | null;
	newPhone: string | null;
	newUserId: string | null;
	raw: RawObject;
}

export interface StatusEvent extends EventHeader {
	event: 'status';
	/** The wamid of the message we sent. */
	messageId: string;
	/** sent | delivered | read | failed | played, kept open for values Meta adds. */
	status: string;
	recipient: { phone: string | null; waId: string | null; userId: string | null };
	bizOpaqueCallbackData: string | null;
	pricing: {
		billable: boolean | null;
		pricingModel: string | null;
		category: string | null;
		type: string | null;
	} | null;
	/** Absent from v24.0 on (except free entry points). */
	conversation: { id: string | null; originType: string | null; expiresAt: string | null } | null;
	errors: MetaError[];
	raw: RawObject;
}

/** The customer stopped or resumed a message category from inside WhatsApp. */
export interface UserPreferenceEvent extends EventHeader {
	event: 'user_preference';
	contact: ContactIdentity;
	category: string;
	value: 'stop' | 'resume';
	detail: string | null;
	raw: RawObject;
}

/**
 * What Meta says about the account (lib/core/accountEvents.ts): template status, quality and
 * category, the phone number's quality, account updates. No contact; `business.phoneNumberId` is
 * null (a phone number quality update names only the display number).
 */
export type AccountEvent = EventHeader & {
	event: 'account';
	field: string;
	raw: RawObject;
} & AccountDetails;

/** Any other subscribed field (groups, flows…), kept as Meta sent it. */
export interface OtherFieldEvent extends EventHeader {
	event: 'other_field';
	field: string;
	raw: unknown;
}

export type WhatsAppEvent =
	| InboundMessageEvent
	| SystemEvent
	| StatusEvent
	| UserPreferenceEvent
	| AccountEvent
	| OtherFieldEvent;

/** Where in the body (`entry[0].changes[1].value.messages[2]`) and why it produced no event. */
export interface WebhookNote {
	path: string;
	reason: string;
}

export interface ParsedWebhook {
	events: WhatsAppEvent[];
	/** Skipped on purpose: nothing to act on (e.g. Meta reporting its own processing errors). */
	ignored: WebhookNote[];
	/** Malformed items inside a valid envelope; redelivery will not fix them, so log and move on. */
	errors: WebhookNote[];
}

export function parseWebhookPayload(body: unknown): ParsedWebhook {
	const envelope = asRecord(body);
	if (envelope === null) {
		throw new WebhookPayloadError(
			`The webhook body must be a JSON object like {"object":"${WEBHOOK_OBJECT}","entry":[…]}, got ${describe(body)}`,
		);
	}
	const object = own(envelope, 'object');
	if (object !== WEBHOOK_OBJECT) {
		throw new WebhookPayloadError(
			`The webhook "object" is ${describeValue(object)}, expected "${WEBHOOK_OBJECT}": subscribe this URL to the WhatsApp Business Account object only`,
		);
	}
	const entries = own(envelope, 'entry');
	if (!Array.isArray(entries)) {
		throw new WebhookPayloadError(
			`The webhook "entry" must be an array of account changes, got ${describe(entries)}`,
		);
	}

	const parsed: ParsedWebhook = { events: [], ignored: [], errors: [] };
	entries.forEach((entry, index) => parseEntry(entry, `entry[${index}]`, parsed));
	return parsed;
}

/** The identity the store keys a contact by: the phone number's wa_id when Meta gives one. */
export function contactKey(contact: Pick<ContactIdentity, 'waId' | 'userId'>): string | null {
	return contact.waId ?? contact.userId;
}

/** The customer an event is about (a status's recipient); null for account-level fields. */
export function contactIdsOf(
	event: WhatsAppEvent,
): { waId: string | null; userId: string | null } | null {
	switch (event.event) {
		case 'message':
		case 'system':
		case 'user_preference':
			return { waId: event.contact.waId, userId: event.contact.userId };
		case 'status':
			return { waId: event.recipient.waId, userId: event.recipient.userId };
		case 'account':
		case 'other_field':
			return null;
	}
}

/** Stable across Meta's redeliveries of the same event; different for different events. */
export function eventDedupKey(event: WhatsAppEvent): string {
	switch (event.event) {
		case 'message':
		case 'system':
			return `msg:${event.messageId}`;
		case 'status':
			return `status:${event.messageId}:${event.status}`;
		case 'user_preference':
			return `pref:${contactKey(event.contact) ?? ''}:${event.category}:${event.value}:${event.timestampUnix ?? ''}`;
		case 'account': {
			// Meta gives these no id: the change itself, with the entry's time, is the identity.
			const digest = createHash('sha256').update(JSON.stringify(event.raw)).digest('hex');
			return `account:${event.businessAccountId ?? ''}:${event.field}:${event.timestampUnix ?? ''}:${digest}`;
		}
		case 'other_field': {
			const digest = createHash('sha256')
				.update(JSON.stringify(event.raw ?? null))
				.digest('hex');
			return `other:${event.businessAccountId ?? ''}:${event.field}:${digest}`;
		}
	}
}

function parseEntry(entry: unknown, path: string, parsed: ParsedWebhook): void {
	const record = asRecord(entry);
	if (record === null) {
		parsed.errors.push({ path, reason: `an entry must be an object, got ${describe(entry)}` });
		return;
	}
	const businessAccountId = idText(own(record, 'id'));
	const changes = own(record, 'changes');
	if (!Array.isArray(changes)) {
		parsed.errors.push({
			path: `${path}.changes`,
			reason: `"changes" must be an array, got ${describe(changes)}`,
		});
		return;
	}
	const entryTime = own(record, 'time');
	changes.forEach((change, index) =>
		parseChange(change, `${path}.changes[${index}]`, { businessAccountId, entryTime }, parsed),
	);
}

interface ChangeScope {
	businessAccountId: string | null;
	business: BusinessNumber;
	contacts: ContactIndex;
}

function parseChange(
	change: unknown,
	path: string,
	entry: { businessAccountId: string | null; entryTime: unknown },
	parsed: ParsedWebhook,
): void {
	const record = asRecord(change);
	if (record === null) {
		parsed.errors.push({ path, reason: `a change must be an object, got ${describe(change)}` });
		return;
	}
	const field = label(own(record, 'field'));
	if (field === null) {
		parsed.errors.push({ path, reason: 'the change has no "field" naming what changed' });
		return;
	}
	const value = own(record, 'value');
	const valueRecord = asRecord(value);
	const scope: ChangeScope = {
		businessAccountId: entry.businessAccountId,
		business: businessNumber(valueRecord),
		contacts: indexContacts(valueRecord === null ? [] : records(own(valueRecord, 'contacts'))),
	};

	const valueParser = VALUE_PARSERS.get(field);
	if (ACCOUNT_FIELDS.has(field)) {
		parseAccountChange(field, value, path, scope, entry.entryTime, parsed);
	} else if (valueParser !== undefined) {
		if (valueRecord === null) {
			parsed.errors.push({
				path: `${path}.value`,
				reason: `a "${field}" change needs an object value, got ${describe(value)}`,
			});
		} else {
			valueParser(valueRecord, `${path}.value`, scope, parsed);
		}
	} else {
		const time = unixSeconds(valueRecord === null ? undefined : own(valueRecord, 'timestamp'));
		parsed.events.push({
			event: 'other_field',
			field,
			businessAccountId: scope.businessAccountId,
			business: scope.business,
			...timeFields(time ?? unixSeconds(entry.entryTime)),
			raw: value ?? null,
		});
	}
}

function parseAccountChange(
	field: string,
	value: unknown,
	path: string,
	scope: ChangeScope,
	entryTime: unknown,
	parsed: ParsedWebhook,
): void {
	const valueRecord = asRecord(value);
	const account = valueRecord === null ? null : parseAccountValue(field, valueRecord);
	if (valueRecord === null || account === null) {
		parsed.errors.push({
			path: `${path}.value`,
			reason: `a "${field}" change needs an object value, got ${describe(value)}`,
		});
		return;
	}
	const display =
		account.triggerEvent === 'phoneNumberQualityChanged'
			? account.details.displayPhoneNumber
			: null;
	parsed.events.push({
		event: 'account',
		field,
		businessAccountId: scope.businessAccountId,
		business: {
			phoneNumberId: scope.business.phoneNumberId,
			displayPhoneNumber: display ?? scope.business.displayPhoneNumber,
		},
		...timeFields(unixSeconds(own(valueRecord, 'timestamp')) ?? unixSeconds(entryTime)),
		...account,
		raw: valueRecord,
	});
}

type ValueParser = (
	value: RawObject,
	path: string,
	scope: ChangeScope,
	parsed: ParsedWebhook,
) => void;

// A Map, not an object literal: a field named "constructor" must not find Object's.
const VALUE_PARSERS = new Map<string, ValueParser>([
	['messages', parseMessagesValue],
	['user_preferences', parsePreferencesValue],
]);

function parseMessagesValue(
	value: RawObject,
	path: string,
	scope: ChangeScope,
	parsed: ParsedWebhook,
): void {
	const messages = own(value, 'messages');
	const statuses = own(value, 'statuses');
	const metaErrors = own(value, 'errors');
	each(messages, `${path}.messages`, parsed, (item, itemPath) => {
		const result = parseMessage(item, scope);
		if (typeof result === 'string') parsed.errors.push({ path: itemPath, reason: result });
		else parsed.events.push(result);
	});
	each(statuses, `${path}.statuses`, parsed, (item, itemPath) => {
		const result = parseStatus(item, scope);
		if (typeof result === 'string') parsed.errors.push({ path: itemPath, reason: result });
		else parsed.events.push(result);
	});
	if (Array.isArray(metaErrors) && metaErrors.length > 0) {
		const summary = metaErrorList(metaErrors)
			.map((error) => `${error.code ?? '?'} ${error.title ?? error.message ?? ''}`.trim())
			.join('; ');
		parsed.ignored.push({
			path: `${path}.errors`,
			reason: `Meta reported errors instead of messages: ${summary}`,
		});
	}
	if (messages === undefined && statuses === undefined && metaErrors === undefined) {
		parsed.ignored.push({ path, reason: 'a "messages" change with no messages or statuses' });
	}
}

function parsePreferencesValue(
	value: RawObject,
	path: string,
	scope: ChangeScope,
	parsed: ParsedWebhook,
): void {
	const preferences = own(value, 'user_preferences');
	if (preferences === undefined) {
		parsed.ignored.push({ path, reason: 'a "user_preferences" change with no user_preferences' });
	}
	each(preferences, `${path}.user_preferences`, parsed, (preference, itemPath) => {
		const category = label(own(preference, 'category'));
		const choice = own(preference, 'value');
		if (category === null) {
			parsed.errors.push({ path: itemPath, reason: 'the preference has no "category"' });
			return;
		}
		if (choice !== 'stop' && choice !== 'resume') {
			parsed.ignored.push({
				path: itemPath,
				reason: `preference value ${describeValue(choice)} is neither "stop" nor "resume"`,
			});
			return;
		}
		const contact = identify(
			idText(own(preference, 'wa_id')),
			text(own(preference, 'user_id')),
			scope.contacts,
		);
		if (contactKey(contact) === null) {
			parsed.errors.push({ path: itemPath, reason: 'the preference names no wa_id or user_id' });
			return;
		}
		parsed.events.push({
			event: 'user_preference',
			businessAccountId: scope.businessAccountId,
			business: scope.business,
			...timeFields(unixSeconds(own(preference, 'timestamp'))),
			contact,
			category,
			value: choice,
			detail: text(own(preference, 'detail')),
			raw: preference,
		});
	});
}

/** Returns the event, or why the item cannot become one. */
function parseMessage(
	message: RawObject,
	scope: ChangeScope,
): InboundMessageEvent | SystemEvent | string {
	const messageId = idText(own(message, 'id'));
	if (messageId === null) return 'the message has no "id" (wamid)';

	const sender = splitSender(own(message, 'from'));
	const contact = identify(
		sender.waId,
		text(own(message, 'from_user_id')) ?? sender.userId,
		scope.contacts,
	);
	if (contactKey(contact) === null) {
		return `message ${messageId} names no sender: no "from", "from_user_id" or contact`;
	}
	const type = label(own(message, 'type')) ?? 'unknown';
	const header = {
		businessAccountId: scope.businessAccountId,
		business: scope.business,
		...timeFields(unixSeconds(own(message, 'timestamp'))),
	};

	if (type === 'system') {
		const system = asRecord(own(message, 'system')) ?? {};
		const newWaId = idText(own(system, 'wa_id'));
		return {
			event: 'system',
			...header,
			contact,
			messageId,
			systemType: text(own(system, 'type')),
			body: text(own(system, 'body')),
			newWaId,
			newPhone: phoneFromWaId(newWaId),
			newUserId: text(own(system, 'user_id')),
			raw: message,
		};
	}
	return {
		event: 'message',
		...header,
		contact,
		messageId,
		type,
		message: messageContent(message, type),
		context: messageContext(asRecord(own(message, 'context'))),
		referral: referral(asRecord(own(message, 'referral'))),
		groupId: text(own(message, 'group_id')),
		raw: message,
	};
}

function parseStatus(status: RawObject, scope: ChangeScope): StatusEvent | string {
	const messageId = idText(own(status, 'id'));
	if (messageId === null) return 'the status has no "id" (wamid of the sent message)';
	const state = label(own(status, 'status'));
	if (state === null) return `the status for ${messageId} has no "status" value`;

	const recipientId = splitSender(own(status, 'recipient_id'));
	const recipient = identify(
		recipientId.waId,
		text(own(status, 'recipient_user_id')) ?? recipientId.userId,
		scope.contacts,
	);
	const pricing = asRecord(own(status, 'pricing'));
	const conversation = asRecord(own(status, 'conversation'));
	return {
		event: 'status',
		businessAccountId: scope.businessAccountId,
		business: scope.business,
		...timeFields(unixSeconds(own(status, 'timestamp'))),
		messageId,
		status: state,
		recipient: { phone: recipient.phone, waId: recipient.waId, userId: recipient.userId },
		bizOpaqueCallbackData: text(own(status, 'biz_opaque_callback_data')),
		pricing:
			pricing === null
				? null
				: {
						billable: bool(own(pricing, 'billable')),
						pricingModel: text(own(pricing, 'pricing_model')),
						category: text(own(pricing, 'category')),
						type: text(own(pricing, 'type')),
					},
		conversation:
			conversation === null
				? null
				: {
						id: text(own(conversation, 'id')),
						originType: text(own(asRecord(own(conversation, 'origin')) ?? {}, 'type')),
						expiresAt: timeFields(unixSeconds(own(conversation, 'expiration_timestamp'))).timestamp,
					},
		errors: metaErrorList(own(status, 'errors')),
		raw: status,
	};
}

const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'];

function messageContent(message: RawObject, type: string): MessageContent {
	const part = (key: string) => asRecord(own(message, key));
	const textPart = part('text');
	const buttonPart = part('button');
	const interactivePart = part('interactive');
	const mediaPart = MEDIA_TYPES.includes(type) ? part(type) : null;
	const locationPart = part('location');
	const reactionPart = part('reaction');
	const orderPart = part('order');
	const sharedContacts = own(message, 'contacts');

	const button = buttonPart && {
		payload: text(own(buttonPart, 'payload')),
		text: text(own(buttonPart, 'text')),
	};
	const interactive = interactivePart && interactiveReply(interactivePart);
	const media = mediaPart && {
		kind: type,
		id: idText(own(mediaPart, 'id')),
		mimeType: text(own(mediaPart, 'mime_type')),
		sha256: text(own(mediaPart, 'sha256')),
		caption: text(own(mediaPart, 'caption')),
		filename: text(own(mediaPart, 'filename')),
	};
	const location = locationPart && {
		latitude: finiteNumber(own(locationPart, 'latitude')),
		longitude: finiteNumber(own(locationPart, 'longitude')),
		name: text(own(locationPart, 'name')),
		address: text(own(locationPart, 'address')),
		url: text(own(locationPart, 'url')),
	};
	const reaction = reactionPart && {
		messageId: text(own(reactionPart, 'message_id')),
		emoji: text(own(reactionPart, 'emoji')),
	};
	const contacts = Array.isArray(sharedContacts) ? sharedContacts : null;
	const order = orderPart && orderContent(orderPart);

	const humanText =
		(textPart && text(own(textPart, 'body'))) ??
		media?.caption ??
		button?.text ??
		interactive?.title ??
		reaction?.emoji ??
		location?.name ??
		location?.address ??
		sharedContactNames(contacts) ??
		(order?.text || null);

	return {
		text: humanText ?? null,
		button,
		interactive,
		media,
		location,
		reaction,
		contacts,
		order,
		errors: metaErrorList(own(message, 'errors')),
	};
}

function interactiveReply(interactive: RawObject): InteractiveReply {
	const type = text(own(interactive, 'type'));
	const reply = (type !== null && asRecord(own(interactive, type))) || {};
	const flowJson = text(own(reply, 'response_json'));
	return {
		type,
		id: idText(own(reply, 'id')),
		title: text(own(reply, 'title')) ?? text(own(reply, 'body')),
		description: text(own(reply, 'description')),
		flowResponse: flowJson === null ? null : parseJsonObject(flowJson),
	};
}

function orderContent(order: RawObject): OrderContent {
	return {
		catalogId: idText(own(order, 'catalog_id')),
		text: text(own(order, 'text')),
		productItems: records(own(order, 'product_items')).map((item) => ({
			productRetailerId: idText(own(item, 'product_retailer_id')),
			quantity: finiteNumber(own(item, 'quantity')),
			itemPrice: finiteNumber(own(item, 'item_price')),
			currency: text(own(item, 'currency')),
		})),
	};
}

function sharedContactNames(contacts: unknown[] | null): string | null {
	if (contacts === null) return null;
	const names = records(contacts)
		.map((contact) => text(own(asRecord(own(contact, 'name')) ?? {}, 'formatted_name')))
		.filter((name): name is string => name !== null && name !== '');
	return names.length > 0 ? names.join(', ') : null;
}

function messageContext(context: RawObject | null): MessageContext | null {
	if (context === null) return null;
	const product = asRecord(own(context, 'referred_product'));
	return {
		messageId: text(own(context, 'id')),
		from: idText(own(context, 'from')),
		forwarded: own(context, 'forwarded') === true,
		frequentlyForwarded: own(context, 'frequently_forwarded') === true,
		referredProduct:
			product === null
				? null
				: {
						catalogId: idText(own(product, 'catalog_id')),
						productRetailerId: idText(own(product, 'product_retailer_id')),
					},
	};
}

function referral(source: RawObject | null): Referral | null {
	if (source === null) return null;
	const welcome = asRecord(own(source, 'welcome_message'));
	return {
		sourceUrl: text(own(source, 'source_url')),
		sourceId: idText(own(source, 'source_id')),
		sourceType: text(own(source, 'source_type')),
		headline: text(own(source, 'headline')),
		body: text(own(source, 'body')),
		mediaType: text(own(source, 'media_type')),
		imageUrl: text(own(source, 'image_url')),
		videoUrl: text(own(source, 'video_url')),
		thumbnailUrl: text(own(source, 'thumbnail_url')),
		ctwaClid: text(own(source, 'ctwa_clid')),
		welcomeMessageText: welcome === null ? null : text(own(welcome, 'text')),
	};
}

interface ContactIndex {
	byWaId: Map<string, RawObject>;
	byUserId: Map<string, RawObject>;
	/** The only entry, when there is exactly one. */
	lone: RawObject | null;
}

/** Indexed once per change: Meta batches up to 1000 updates, each looking up its sender. */
function indexContacts(contacts: RawObject[]): ContactIndex {
	const index: ContactIndex = {
		byWaId: new Map(),
		byUserId: new Map(),
		lone: contacts.length === 1 ? contacts[0] : null,
	};
	for (const entry of contacts) {
		const waId = idText(own(entry, 'wa_id'));
		const userId = idText(own(entry, 'user_id'));
		if (waId !== null && !index.byWaId.has(waId)) index.byWaId.set(waId, entry);
		if (userId !== null && !index.byUserId.has(userId)) index.byUserId.set(userId, entry);
	}
	return index;
}

/**
 * Joins what the item says about the customer with the change's `contacts` entry for them. The
 * entry is found by wa_id or user_id; a lone entry that contradicts neither also counts (Meta sends
 * one per single-message delivery, and BSUID-only senders may lack a matching key).
 */
function identify(
	waId: string | null,
	userId: string | null,
	contacts: ContactIndex,
): ContactIdentity {
	const compatible = (entry: RawObject) => {
		const entryWaId = idText(own(entry, 'wa_id'));
		const entryUserId = idText(own(entry, 'user_id'));
		return (
			(waId === null || entryWaId === null || entryWaId === waId) &&
			(userId === null || entryUserId === null || entryUserId === userId)
		);
	};
	const entry =
		(waId === null ? undefined : contacts.byWaId.get(waId)) ??
		(userId === null ? undefined : contacts.byUserId.get(userId)) ??
		(contacts.lone !== null && compatible(contacts.lone) ? contacts.lone : undefined);

	const profile = entry === undefined ? {} : (asRecord(own(entry, 'profile')) ?? {});
	const resolvedWaId = waId ?? (entry === undefined ? null : idText(own(entry, 'wa_id')));
	return {
		phone: phoneFromWaId(resolvedWaId),
		waId: resolvedWaId,
		userId: userId ?? (entry === undefined ? null : idText(own(entry, 'user_id'))),
		name: text(own(profile, 'name')),
		username: text(own(profile, 'username')),
	};
}

/** `from` / `recipient_id` hold a phone number's digits, or a business-scoped id for username users. */
function splitSender(value: unknown): { waId: string | null; userId: string | null } {
	const id = idText(value);
	if (id === null) return { waId: null, userId: null };
	return /^\d+$/.test(id) ? { waId: id, userId: null } : { waId: null, userId: id };
}

function phoneFromWaId(waId: string | null): string | null {
	if (waId === null) return null;
	const parsed = parseE164(`+${waId}`);
	return parsed.ok ? parsed.e164 : null;
}

function businessNumber(value: RawObject | null): BusinessNumber {
	const metadata = value === null ? null : asRecord(own(value, 'metadata'));
	return {
		phoneNumberId: metadata === null ? null : idText(own(metadata, 'phone_number_id')),
		displayPhoneNumber: metadata === null ? null : idText(own(metadata, 'display_phone_number')),
	};
}

function metaErrorList(value: unknown): MetaError[] {
	return records(value).map((error) => ({
		code: finiteNumber(own(error, 'code')),
		title: text(own(error, 'title')),
		message: text(own(error, 'message')),
		details: text(own(asRecord(own(error, 'error_data')) ?? {}, 'details')),
	}));
}

function each(
	list: unknown,
	path: string,
	parsed: ParsedWebhook,
	visit: (item: RawObject, itemPath: string) => void,
): void {
	if (list === undefined) return;
	if (!Array.isArray(list)) {
		parsed.errors.push({ path, reason: `expected an array, got ${describe(list)}` });
		return;
	}
	list.forEach((item, index) => {
		const itemPath = `${path}[${index}]`;
		const record = asRecord(item);
		if (record === null) {
			parsed.errors.push({ path: itemPath, reason: `expected an object, got ${describe(item)}` });
		} else {
			visit(record, itemPath);
		}
	});
}

const LATEST_VALID_DATE_MS = 8.64e15;

function unixSeconds(value: unknown): number | null {
	const seconds =
		typeof value === 'string' && /^\d{1,15}$/.test(value)
			? Number(value)
			: typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
				? value
				: null;
	return seconds !== null && seconds * 1000 <= LATEST_VALID_DATE_MS ? seconds : null;
}

function timeFields(seconds: number | null): {
	timestamp: string | null;
	timestampUnix: number | null;
} {
	return {
		timestamp: seconds === null ? null : new Date(seconds * 1000).toISOString(),
		timestampUnix: seconds,
	};
}

function parseJsonObject(json: string): RawObject | null {
	try {
		return asRecord(JSON.parse(json));
	} catch {
		return null;
	}
}

function own(record: RawObject, key: string): unknown {
	return Object.hasOwn(record, key) ? record[key] : undefined;
}

function asRecord(value: unknown): RawObject | null {
	return typeof value === 'object' && value !== null && !Array.isArray(value)
		? (value as RawObject)
		: null;
}

function records(value: unknown): RawObject[] {
	return Array.isArray(value)
		? value.map(asRecord).filter((item): item is RawObject => item !== null)
		: [];
}

function text(value: unknown): string | null {
	return typeof value === 'string' ? value : null;
}

/** A non-empty string naming a kind (field, status, type, category). */
function label(value: unknown): string | null {
	return typeof value === 'string' && value !== '' ? value : null;
}

/** Ids arrive as strings, but some of Meta's examples give numeric ids (group participants). */
function idText(value: unknown): string | null {
	if (typeof value === 'string') return value === '' ? null : value;
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
		? String(value)
		: null;
}

function finiteNumber(value: unknown): number | null {
	if (typeof value === 'number') return Number.isFinite(value) ? value : null;
	if (typeof value === 'string' && value.trim() !== '') {
		const number = Number(value);
		return Number.isFinite(number) ? number : null;
	}
	return null;
}

function bool(value: unknown): boolean | null {
	return typeof value === 'boolean' ? value : null;
}

function describe(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'an array';
	return `a ${typeof value}`;
}

function describeValue(value: unknown): string {
	if (typeof value === 'string')
		return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
	return describe(value);
}
