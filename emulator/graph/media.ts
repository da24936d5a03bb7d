import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import type { EmulatorCore } from '../core';
import { numericId } from '../ids';
import type { MediaObject, PhoneNumberState } from '../state';
import { GraphError, graphErrors } from './errors';
import { ok, type GraphRequest, type GraphResponse } from './request';

/** Media URLs handed out by GET /{media-id} stop working after this long, as Meta's do. */
const downloadUrlLifetimeMs = 5 * 60 * 1000;
const maxUploadBytes = 100 * 1024 * 1024;
export const downloadPath = '/whatsapp_business/attachments/';

const supportedMimeTypes = new Set([
	'audio/aac',
	'audio/amr',
	'audio/mpeg',
	'audio/mp4',
	'audio/ogg',
	'image/jpeg',
	'image/png',
	'image/webp',
	'video/mp4',
	'video/3gpp',
	'text/plain',
	'application/pdf',
	'application/msword',
	'application/vnd.ms-excel',
	'application/vnd.ms-powerpoint',
	'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
	'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

export function storeMedia(
	core: EmulatorCore,
	bytes: Buffer,
	mimeType: string,
	phoneNumberId: string | undefined,
	filename?: string,
): MediaObject {
	const media: MediaObject = {
		id: numericId(),
		...(phoneNumberId ? { phoneNumberId } : {}),
		mimeType,
		sha256: createHash('sha256').update(bytes).digest('base64'),
		bytes,
		...(filename ? { filename } : {}),
		createdAt: core.clock.now(),
	};
	core.state.media.set(media.id, media);
	return media;
}

/** POST /{version}/{phone-number-id}/media (multipart: messaging_product, file, type). */
export async function uploadMedia(
	core: EmulatorCore,
	request: GraphRequest,
	phone: PhoneNumberState,
): Promise<GraphResponse> {
	if (!request.contentType.includes('multipart/form-data')) {
		throw graphErrors.invalidParameter(
			'Upload media as multipart/form-data with fields messaging_product, file and type.',
		);
	}
	if (request.rawBody.length > maxUploadBytes) {
		throw graphErrors.invalidParameter(`The file is larger than ${maxUploadBytes} bytes.`);
	}
	let form: FormData;
	try {
		form = await new Response(request.rawBody, {
			headers: { 'content-type': request.contentType },
		}).formData();
	} catch (error) {
		throw graphErrors.invalidParameter(
			`The multipart body cannot be read: ${(error as Error).message}`,
		);
	}
	if (form.get('messaging_product') !== 'whatsapp')
		throw graphErrors.requiredParameter('messaging_product');
	const file = form.get('file');
	if (!(file instanceof Blob)) throw graphErrors.requiredParameter('file');
	const declared = form.get('type');
	const mimeType = (typeof declared === 'string' && declared !== '' ? declared : file.type)
		.split(';')[0]
		.trim();
	if (!supportedMimeTypes.has(mimeType)) {
		throw new GraphError(400, 131053, 'Media upload error', {
			details: `Unsupported file type ${mimeType || '(none)'}; use one of ${[...supportedMimeTypes].join(', ')}.`,
		});
	}
	const bytes = Buffer.from(await file.arrayBuffer());
	const filename = file instanceof File && file.name ? file.name : undefined;
	const media = storeMedia(core, bytes, mimeType, phone.id, filename);
	return ok({ id: media.id });
}

function urlSignature(core: EmulatorCore, mediaId: string, expiresAt: number): string {
	return createHmac('sha256', core.seed.appSecret).update(`${mediaId}:${expiresAt}`).digest('hex');
}

/** GET /{version}/{media-id}: a short-lived URL that needs the bearer token. */
export function describeMedia(
	core: EmulatorCore,
	request: GraphRequest,
	media: MediaObject,
): GraphResponse {
	const expiresAt = Math.floor((core.clock.now() + downloadUrlLifetimeMs) / 1000);
	const query = new URLSearchParams({
		mid: media.id,
		ext: String(expiresAt),
		hash: urlSignature(core, media.id, expiresAt),
	});
	return ok({
		messaging_product: 'whatsapp',
		url: `${request.origin}${downloadPath}?${query.toString()}`,
		mime_type: media.mimeType,
		sha256: media.sha256,
		file_size: core.state.settings.mediaSizeBytes ?? media.bytes.length,
		id: media.id,
	});
}

export function deleteMedia(core: EmulatorCore, media: MediaObject): GraphResponse {
	core.state.media.delete(media.id);
	return ok({ success: true });
}

export interface DownloadResult {
	status: number;
	contentType: string;
	body: Buffer;
	/** Bytes to send in all: `body`, then zeros up to this size (settings.mediaSizeBytes). */
	size: number;
}

/** GET of a URL from describeMedia: bearer token required, expires after 5 minutes of emulator time. */
export function downloadMedia(
	core: EmulatorCore,
	query: URLSearchParams,
	authorization: string | undefined,
): DownloadResult {
	const json = (error: GraphError): DownloadResult => ({
		status: error.httpStatus,
		contentType: 'application/json',
		body: Buffer.from(JSON.stringify(error.toBody())),
		size: Buffer.byteLength(JSON.stringify(error.toBody())),
	});
	const token = authorization?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
	if (!token) return json(graphErrors.missingToken());
	if (token !== core.seed.accessToken) return json(graphErrors.invalidToken());
	const mediaId = query.get('mid') ?? '';
	const expiresAt = Number(query.get('ext'));
	const expected = Buffer.from(urlSignature(core, mediaId, expiresAt));
	const given = Buffer.from(query.get('hash') ?? '');
	const media = core.state.media.get(mediaId);
	const valid = given.length === expected.length && timingSafeEqual(given, expected);
	if (!media || !valid || expiresAt * 1000 < core.clock.now()) {
		return json(
			new GraphError(
				404,
				100,
				'Media URL is unknown or has expired; get a fresh URL from GET /{media-id}.',
				{
					type: 'GraphMethodException',
				},
			),
		);
	}
	const size = core.state.settings.mediaSizeBytes ?? media.bytes.length;
	return {
		status: 200,
		contentType: media.mimeType,
		body: media.bytes.subarray(0, size),
		size,
	};
}
