import { Transform, type Readable } from 'node:stream';

import type { IBinaryData, IWebhookFunctions } from 'n8n-workflow';

import { MAX_MEDIA_DOWNLOAD_BYTES, MEDIA_DOWNLOAD_TIMEOUT_MS } from '../../lib/core/timeouts';
import { CREDENTIAL_TYPE, explainTimeout, type GraphClient } from '../../lib/transport/graphApi';

interface MediaUrl {
	url?: string;
	mime_type?: string;
	file_size?: number | string;
}

/**
 * Meta hands out a short-lived URL per media id (GET /{media-id}); the file itself needs the same
 * bearer token, so both requests go through the credential. The file is streamed into n8n's
 * binary data, never held whole: one over `maxBytes` is refused by its announced size (Meta's
 * `file_size`, then Content-Length) before the download, and cut off while reading otherwise.
 */
export async function downloadMedia(
	ctx: IWebhookFunctions,
	client: GraphClient,
	media: { id: string; mimeType: string | null; filename: string | null },
	maxBytes: number = MAX_MEDIA_DOWNLOAD_BYTES,
): Promise<IBinaryData> {
	const described = await client.request<MediaUrl>('GET', encodeURIComponent(media.id));
	if (typeof described.url !== 'string' || described.url === '') {
		throw new Error(`Meta gave no download URL for media ${media.id}`);
	}
	refuseOversized(media.id, Number(described.file_size), maxBytes);
	let response: { statusCode: number; headers?: Record<string, unknown>; body: Readable };
	try {
		response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
			method: 'GET',
			url: described.url,
			encoding: 'stream',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: MEDIA_DOWNLOAD_TIMEOUT_MS,
		})) as typeof response;
	} catch (error) {
		throw explainTimeout(error, `download of media ${media.id}`, MEDIA_DOWNLOAD_TIMEOUT_MS);
	}
	const body = response.body;
	if (response.statusCode >= 400) {
		body.destroy();
		throw new Error(
			`Downloading media ${media.id} failed with HTTP ${response.statusCode}; Meta's media links expire after 5 minutes`,
		);
	}
	const announced = Number(response.headers?.['content-length']);
	if (announced > maxBytes) body.destroy();
	refuseOversized(media.id, announced, maxBytes);
	const mimeType = media.mimeType ?? described.mime_type ?? 'application/octet-stream';
	const limited = capped(media.id, maxBytes);
	// pipe() forwards neither side's failure: a broken download fails the binary data, a
	// refused one closes the connection.
	body.on('error', (error) => limited.destroy(error));
	limited.on('error', () => body.destroy());
	return await ctx.helpers.prepareBinaryData(
		body.pipe(limited),
		media.filename ?? fileName(media.id, mimeType),
		mimeType,
	);
}

function refuseOversized(mediaId: string, size: number, maxBytes: number): void {
	if (Number.isFinite(size) && size > maxBytes) {
		throw new Error(
			`Media ${mediaId} is ${megabytes(size)} (${size} bytes), more than the ${megabytes(maxBytes)} the trigger downloads; it was not downloaded. Fetch it yourself from its media id if you need it.`,
		);
	}
}

/** Passes the bytes through and fails the stream once more than `maxBytes` went by. */
export function capped(mediaId: string, maxBytes: number): Transform {
	let seen = 0;
	return new Transform({
		transform(chunk: Buffer, _encoding, done) {
			seen += chunk.length;
			if (seen > maxBytes) {
				done(
					new Error(
						`Media ${mediaId} is larger than the ${megabytes(maxBytes)} the trigger downloads; the download was stopped.`,
					),
				);
				return;
			}
			done(null, chunk);
		},
	});
}

function megabytes(bytes: number): string {
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function fileName(mediaId: string, mimeType: string): string {
	const subtype = mimeType.split(';')[0].split('/')[1] ?? 'bin';
	const extension =
		subtype
			.replace(/^x-/, '')
			.replace(/[^a-z0-9]/gi, '')
			.slice(0, 8) || 'bin';
	return `${mediaId}.${extension}`;
}
