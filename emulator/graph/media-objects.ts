import { isNonEmptyString, isRecord } from '../json';
import { graphErrors } from './errors';

export function checkHttpUrl(value: unknown, where: string): string {
	let url: URL | undefined;
	try {
		url = typeof value === 'string' ? new URL(value) : undefined;
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
		throw graphErrors.invalidParameter(
			`${where} must be an http(s) URL (got ${JSON.stringify(value)}).`,
		);
	}
	return url.toString();
}

export const mediaTypes = ['image', 'audio', 'video', 'document', 'sticker'] as const;

export type MediaType = (typeof mediaTypes)[number];

const captionTypes = new Set<MediaType>(['image', 'video', 'document']);

export interface CheckedMedia {
	/** Set when the media is referenced by upload id, so the send can fail later if it does not exist. */
	mediaId?: string;
	summary: string;
}

/** `{"link"}` or `{"id"}`, plus caption (image, video, document) and filename (document). */
export function checkMediaObject(type: MediaType, value: unknown, path: string): CheckedMedia {
	if (!isRecord(value)) throw graphErrors.requiredParameter(path);
	const hasId = value.id !== undefined;
	const hasLink = value.link !== undefined;
	if (hasId === hasLink) {
		throw graphErrors.invalidParameter(
			`Param ${path} must contain either id or link, not ${hasId ? 'both' : 'neither'}.`,
		);
	}
	if (hasId && !isNonEmptyString(value.id)) {
		throw graphErrors.invalidParameter(
			`Param ${path}['id'] must be the id of an uploaded media object.`,
		);
	}
	const location = hasLink ? checkHttpUrl(value.link, `Param ${path}['link']`) : String(value.id);
	if (value.caption !== undefined && captionTypes.has(type)) {
		if (typeof value.caption !== 'string' || value.caption.length > 1024) {
			throw graphErrors.invalidParameter(
				`Param ${path}['caption'] must be a string of at most 1024 characters.`,
			);
		}
	}
	if (type === 'document' && value.filename !== undefined && typeof value.filename !== 'string') {
		throw graphErrors.invalidParameter(`Param ${path}['filename'] must be a string.`);
	}
	const caption =
		typeof value.caption === 'string' && captionTypes.has(type) ? ` ${value.caption}` : '';
	return {
		...(hasId ? { mediaId: String(value.id) } : {}),
		summary: `[${type} ${location}]${caption}`,
	};
}
