import { isNonEmptyString, isRecord, type JsonRecord } from '../json';
import type { ReplyOption } from '../state';
import { graphErrors } from './errors';
import { checkInteractive } from './interactive';
import { checkMediaObject, mediaTypes, type MediaType } from './media-objects';

export const messageTypes = [
	'audio',
	'contacts',
	'document',
	'image',
	'interactive',
	'location',
	'reaction',
	'sticker',
	'template',
	'text',
	'video',
] as const;

/** What a free-form (non-template) message amounts to, once its body is known to be valid. */
export interface CheckedContent {
	renderedText: string;
	replyOptions: ReplyOption[];
	/** Upload ids the message refers to; an unknown one fails the send asynchronously (131053). */
	mediaIds: string[];
}

const maxTextLength = 4096;

function checkText(value: unknown): CheckedContent {
	if (!isRecord(value)) throw graphErrors.requiredParameter("text['body']");
	const body = value.body;
	if (!isNonEmptyString(body)) throw graphErrors.requiredParameter("text['body']");
	if (body.length > maxTextLength) {
		throw graphErrors.invalidParameter(
			`Param text['body'] must be at most ${maxTextLength} characters long (got ${body.length}).`,
		);
	}
	if (value.preview_url !== undefined && typeof value.preview_url !== 'boolean') {
		throw graphErrors.invalidParameter("Param text['preview_url'] must be true or false.");
	}
	return { renderedText: body, replyOptions: [], mediaIds: [] };
}

function checkCoordinate(value: unknown, path: string, limit: number): number {
	const number = typeof value === 'string' ? Number(value) : value;
	if (typeof number !== 'number' || !Number.isFinite(number) || Math.abs(number) > limit) {
		throw graphErrors.invalidParameter(
			`Param ${path} must be a number between -${limit} and ${limit}.`,
		);
	}
	return number;
}

function checkLocation(value: unknown): CheckedContent {
	if (!isRecord(value)) throw graphErrors.requiredParameter('location');
	const latitude = checkCoordinate(value.latitude, "location['latitude']", 90);
	const longitude = checkCoordinate(value.longitude, "location['longitude']", 180);
	const name = typeof value.name === 'string' ? `${value.name} ` : '';
	return {
		renderedText: `[location ${name}${latitude},${longitude}]`,
		replyOptions: [],
		mediaIds: [],
	};
}

function checkContacts(value: unknown): CheckedContent {
	if (!Array.isArray(value) || value.length === 0) throw graphErrors.requiredParameter('contacts');
	const names = value.map((contact: unknown, index) => {
		const name =
			isRecord(contact) && isRecord(contact.name) ? contact.name.formatted_name : undefined;
		if (!isNonEmptyString(name))
			throw graphErrors.requiredParameter(`contacts[${index}]['name']['formatted_name']`);
		return name;
	});
	return { renderedText: `[contacts ${names.join(', ')}]`, replyOptions: [], mediaIds: [] };
}

function checkReaction(value: unknown): CheckedContent {
	if (!isRecord(value)) throw graphErrors.requiredParameter('reaction');
	if (!isNonEmptyString(value.message_id))
		throw graphErrors.requiredParameter("reaction['message_id']");
	if (typeof value.emoji !== 'string') throw graphErrors.requiredParameter("reaction['emoji']");
	const emoji = value.emoji === '' ? '(removed)' : value.emoji;
	return {
		renderedText: `[reaction ${emoji} to ${value.message_id}]`,
		replyOptions: [],
		mediaIds: [],
	};
}

/** Validates the part of the body named by `type` (everything but templates). */
export function checkContent(type: string, body: JsonRecord): CheckedContent {
	const value = body[type];
	if ((mediaTypes as readonly string[]).includes(type)) {
		const media = checkMediaObject(type as MediaType, value, type);
		return {
			renderedText: media.summary,
			replyOptions: [],
			mediaIds: media.mediaId ? [media.mediaId] : [],
		};
	}
	switch (type) {
		case 'text':
			return checkText(value);
		case 'location':
			return checkLocation(value);
		case 'contacts':
			return checkContacts(value);
		case 'reaction':
			return checkReaction(value);
		case 'interactive': {
			const interactive = checkInteractive(value);
			return {
				renderedText: interactive.renderedText,
				replyOptions: interactive.replyOptions,
				mediaIds: interactive.mediaId ? [interactive.mediaId] : [],
			};
		}
		default:
			throw graphErrors.invalidParameter(
				`Param type must be one of {${messageTypes.map((name) => name.toUpperCase()).join(', ')}} - got "${type}".`,
			);
	}
}
