import type { EmulatorCore } from '../core';
import { storeMedia } from '../graph/media';
import { mediaTypes, type MediaType } from '../graph/media-objects';
import { wamid } from '../ids';
import { InputError } from '../input-error';
import { isNonEmptyString, isRecord, type JsonRecord } from '../json';
import { bsuidPattern, displayDigits, phoneDigits } from '../phone';
import type { ContactState, OutboundMessage, PhoneNumberState, ReplyOption } from '../state';
import type { DispatchOutcome } from '../webhooks/dispatcher';
import { contactEntry, valueBase } from '../webhooks/payloads';

export function phoneNumberFrom(core: EmulatorCore, body: JsonRecord): PhoneNumberState {
	const id = body.phoneNumberId ?? [...core.state.phoneNumbers.keys()][0];
	const phone = typeof id === 'string' ? core.state.phoneNumbers.get(id) : undefined;
	if (!phone) {
		throw new InputError(
			'phoneNumberId',
			id,
			`use one of the emulator's business numbers: ${[...core.state.phoneNumbers.keys()].join(', ')}`,
		);
	}
	return phone;
}

/** The customer: `from` (E.164, with or without +) or, for a user who hides the number, `userId`. */
export function contactFrom(core: EmulatorCore, body: JsonRecord): ContactState {
	const name = body.name;
	if (name !== undefined && !isNonEmptyString(name))
		throw new InputError('name', name, 'use the profile name as a string');
	let contact: ContactState;
	if (body.from !== undefined) {
		const digits = typeof body.from === 'string' ? phoneDigits(body.from) : undefined;
		if (!digits)
			throw new InputError(
				'from',
				body.from,
				'use the customer number in E.164, e.g. "+4915112345678"',
			);
		contact = core.state.contactByWaId(digits);
	} else if (body.userId !== undefined) {
		const userId = body.userId;
		if (typeof userId !== 'string' || !bsuidPattern.test(userId)) {
			throw new InputError(
				'userId',
				userId,
				'use a business-scoped user id such as "US.13491208655302741918"',
			);
		}
		contact =
			core.state.contactByUserId(userId) ??
			core.state.addHiddenNumberContact(userId, String(name ?? 'Customer'));
	} else {
		throw new InputError(
			'from',
			undefined,
			'give the customer number (from) or a business-scoped user id (userId)',
		);
	}
	if (typeof name === 'string') contact.name = name;
	if (typeof body.username === 'string') contact.username = body.username;
	return contact;
}

const contentKeys = [
	'text',
	'button',
	'buttonReply',
	'listReply',
	...mediaTypes,
	'location',
	'reaction',
	'contacts',
	'order',
	'system',
	'unsupported',
	'message',
] as const;

type ContentKey = (typeof contentKeys)[number];

interface BuiltMessage {
	fields: JsonRecord;
	/** The business message this one answers (quick reply, button, list row), for `context`. */
	repliesTo?: string;
}

const placeholderMedia: Record<MediaType, { mimeType: string; bytes: Buffer }> = {
	image: { mimeType: 'image/jpeg', bytes: Buffer.from('emulator image') },
	video: { mimeType: 'video/mp4', bytes: Buffer.from('emulator video') },
	audio: { mimeType: 'audio/ogg', bytes: Buffer.from('emulator audio') },
	document: { mimeType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 emulator document') },
	sticker: { mimeType: 'image/webp', bytes: Buffer.from('emulator sticker') },
};

/** The newest business message to this contact that offered the tapped option. */
function findReplyTarget(
	core: EmulatorCore,
	phone: PhoneNumberState,
	contact: ContactState,
	kind: ReplyOption['kind'],
	matches: (option: ReplyOption) => boolean,
): { message: OutboundMessage; option: ReplyOption } | undefined {
	const sent = core.state.outbound.filter(
		(message) => message.phoneNumberId === phone.id && message.contact === contact,
	);
	for (const message of sent.reverse()) {
		const option = message.replyOptions.find(
			(candidate) => candidate.kind === kind && matches(candidate),
		);
		if (option) return { message, option };
	}
	return undefined;
}

function tapped(
	core: EmulatorCore,
	phone: PhoneNumberState,
	contact: ContactState,
	key: 'button' | 'buttonReply' | 'listReply',
	value: unknown,
): { option: ReplyOption; repliesTo?: string } {
	const kind =
		key === 'button' ? 'quick_reply' : key === 'buttonReply' ? 'button_reply' : 'list_reply';
	if (isRecord(value)) {
		const id = key === 'button' ? (value.payload ?? value.text) : value.id;
		const title = key === 'button' ? value.text : value.title;
		if (!isNonEmptyString(id) || !isNonEmptyString(title)) {
			const shape = key === 'button' ? '{"text","payload"}' : '{"id","title"}';
			throw new InputError(
				key,
				value,
				`give ${shape}, or a string to pick the option from a message sent earlier`,
			);
		}
		const option: ReplyOption = {
			kind,
			id,
			title,
			...(typeof value.description === 'string' ? { description: value.description } : {}),
		};
		const found = findReplyTarget(core, phone, contact, kind, (candidate) => candidate.id === id);
		return { option, ...(found ? { repliesTo: found.message.id } : {}) };
	}
	if (!isNonEmptyString(value))
		throw new InputError(key, value, 'use the option as a string or an object');
	// A quick reply is tapped by its label; buttons and rows by their id (their title also works).
	const found = findReplyTarget(core, phone, contact, kind, (candidate) =>
		key === 'button'
			? candidate.title === value
			: candidate.id === value || candidate.title === value,
	);
	if (!found) {
		throw new InputError(
			key,
			value,
			`no message from ${phone.id} to this contact offers that ${kind.replace('_', ' ')}; send one first, or give the option as an object`,
		);
	}
	return { option: found.option, repliesTo: found.message.id };
}

function mediaMessage(
	core: EmulatorCore,
	phone: PhoneNumberState,
	type: MediaType,
	value: unknown,
): JsonRecord {
	const spec = isRecord(value) ? value : {};
	if (value !== true && !isRecord(value))
		throw new InputError(type, value, 'use true or {caption, mimeType, data (base64), filename}');
	const fallback = placeholderMedia[type];
	const mimeType = typeof spec.mimeType === 'string' ? spec.mimeType : fallback.mimeType;
	const bytes = typeof spec.data === 'string' ? Buffer.from(spec.data, 'base64') : fallback.bytes;
	const filename = typeof spec.filename === 'string' ? spec.filename : undefined;
	const media = storeMedia(core, bytes, mimeType, phone.id, filename);
	return {
		...(typeof spec.caption === 'string' ? { caption: spec.caption } : {}),
		...(type === 'document' && filename ? { filename } : {}),
		mime_type: mimeType,
		sha256: media.sha256,
		id: media.id,
		...(type === 'audio' ? { voice: spec.voice === true } : {}),
	};
}

function buildContent(
	core: EmulatorCore,
	phone: PhoneNumberState,
	contact: ContactState,
	key: ContentKey,
	value: unknown,
): BuiltMessage {
	switch (key) {
		case 'text':
			if (!isNonEmptyString(value))
				throw new InputError('text', value, 'use the message text as a non-empty string');
			return { fields: { type: 'text', text: { body: value } } };
		case 'button': {
			const { option, repliesTo } = tapped(core, phone, contact, key, value);
			return {
				fields: { type: 'button', button: { payload: option.id, text: option.title } },
				repliesTo,
			};
		}
		case 'buttonReply':
		case 'listReply': {
			const { option, repliesTo } = tapped(core, phone, contact, key, value);
			const replyType = key === 'buttonReply' ? 'button_reply' : 'list_reply';
			const reply = {
				id: option.id,
				title: option.title,
				...(option.description ? { description: option.description } : {}),
			};
			return {
				fields: { type: 'interactive', interactive: { type: replyType, [replyType]: reply } },
				repliesTo,
			};
		}
		case 'location': {
			if (
				!isRecord(value) ||
				typeof value.latitude !== 'number' ||
				typeof value.longitude !== 'number'
			) {
				throw new InputError(
					'location',
					value,
					'use {latitude, longitude, name?, address?, url?} with numbers',
				);
			}
			return { fields: { type: 'location', location: value } };
		}
		case 'reaction': {
			const spec = isRecord(value) ? value : {};
			const latest = core.state.outbound
				.filter((message) => message.phoneNumberId === phone.id && message.contact === contact)
				.at(-1);
			const messageId = spec.messageId ?? latest?.id;
			if (!isNonEmptyString(messageId) || typeof spec.emoji !== 'string') {
				throw new InputError(
					'reaction',
					value,
					'use {emoji, messageId?}; messageId defaults to the last message sent to this contact',
				);
			}
			return {
				fields: { type: 'reaction', reaction: { message_id: messageId, emoji: spec.emoji } },
			};
		}
		case 'contacts':
			if (!Array.isArray(value) || value.length === 0)
				throw new InputError('contacts', value, "use a list of contact cards in Meta's shape");
			return { fields: { type: 'contacts', contacts: value } };
		case 'order':
			if (!isRecord(value))
				throw new InputError('order', value, 'use {catalog_id, text, product_items}');
			return { fields: { type: 'order', order: value } };
		case 'system': {
			const spec = isRecord(value) ? value : {};
			const newWaId = typeof spec.newWaId === 'string' ? phoneDigits(spec.newWaId) : undefined;
			if (!newWaId)
				throw new InputError('system.newWaId', spec.newWaId, 'give the number the user changed to');
			const body =
				typeof spec.body === 'string'
					? spec.body
					: `User ${contact.name} changed from ${contact.waId ?? contact.userId} to ${newWaId}`;
			return {
				fields: { type: 'system', system: { body, wa_id: newWaId, type: 'user_changed_number' } },
			};
		}
		case 'unsupported':
			return {
				fields: {
					type: 'unsupported',
					errors: [
						{
							code: 131051,
							title: 'Message type unknown',
							message: 'Message type unknown',
							error_data: { details: 'Message type is currently not supported.' },
						},
					],
				},
			};
		case 'message': {
			if (!isRecord(value) || !isNonEmptyString(value.type)) {
				throw new InputError(
					'message',
					value,
					'use a message object in Meta\'s shape with at least "type"',
				);
			}
			return { fields: value };
		}
		default:
			return { fields: { type: key, [key]: mediaMessage(core, phone, key, value) } };
	}
}

function contextFor(
	phone: PhoneNumberState,
	spec: unknown,
	repliesTo: string | undefined,
): JsonRecord | undefined {
	if (spec === undefined) {
		return repliesTo ? { from: displayDigits(phone.displayPhoneNumber), id: repliesTo } : undefined;
	}
	const id = isRecord(spec) ? spec.id : spec;
	if (!isNonEmptyString(id))
		throw new InputError(
			'context',
			spec,
			'use the id of the business message being answered, or {id, referred_product?}',
		);
	return {
		from: displayDigits(phone.displayPhoneNumber),
		id,
		...(isRecord(spec) && isRecord(spec.referred_product)
			? { referred_product: spec.referred_product }
			: {}),
	};
}

export interface InboundResult {
	messageId: string;
	phoneNumberId: string;
	waId?: string;
	userId: string;
	timestamp: string;
	delivery: Promise<DispatchOutcome>;
}

/** POST /_emulator/inbound: the customer writes; opens the 24-hour window and is delivered as Meta would. */
export function receiveInbound(core: EmulatorCore, body: JsonRecord): InboundResult {
	const phone = phoneNumberFrom(core, body);
	const given = contentKeys.filter((key) => body[key] !== undefined);
	if (given.length !== 1) {
		throw new InputError(
			'message content',
			given,
			`give exactly one of: ${contentKeys.join(', ')}`,
		);
	}
	if (body.id !== undefined && !isNonEmptyString(body.id))
		throw new InputError('id', body.id, 'use a wamid string, or leave it out');
	if (body.referral !== undefined && !isRecord(body.referral))
		throw new InputError('referral', body.referral, "use the ad referral object in Meta's shape");
	const contact = contactFrom(core, body);
	const { fields, repliesTo } = buildContent(core, phone, contact, given[0], body[given[0]]);
	const context = contextFor(phone, body.context, repliesTo);
	const id = typeof body.id === 'string' ? body.id : wamid();
	const now = core.clock.now();
	const timestamp = String(Math.floor(now / 1000));
	const isSystem = fields.type === 'system';
	const message: JsonRecord = {
		...(context ? { context } : {}),
		...(isRecord(body.referral) ? { referral: body.referral } : {}),
		...(contact.waId ? { from: contact.waId } : { from_user_id: contact.userId }),
		id,
		timestamp,
		...fields,
	};

	if (!isSystem) {
		contact.lastInboundAt.set(phone.id, now);
		core.lifecycle.contactRead(phone.id, contact);
	}
	core.state.inbound.set(id, {
		id,
		phoneNumberId: phone.id,
		contact,
		type: String(fields.type),
		timestamp: now,
		message,
		readByBusiness: false,
		typingIndicatorShown: false,
	});
	const delivery = core.dispatcher.dispatch({
		field: 'messages',
		phoneNumberId: phone.id,
		value: {
			...valueBase(phone),
			...(isSystem ? {} : { contacts: [contactEntry(contact, core.state.settings)] }),
			messages: [message],
		},
	});
	return {
		messageId: id,
		phoneNumberId: phone.id,
		...(contact.waId ? { waId: contact.waId } : {}),
		userId: contact.userId,
		timestamp,
		delivery,
	};
}
