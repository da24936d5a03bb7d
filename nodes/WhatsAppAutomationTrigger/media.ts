import type { IBinaryData, IWebhookFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE, type GraphClient } from '../../lib/transport/graphApi';

interface MediaUrl {
	url?: string;
	mime_type?: string;
}

/**
 * Meta hands out a short-lived URL per media id (GET /{media-id}); the file itself needs the same
 * bearer token, so both requests go through the credential.
 */
export async function downloadMedia(
	ctx: IWebhookFunctions,
	client: GraphClient,
	media: { id: string; mimeType: string | null; filename: string | null },
): Promise<IBinaryData> {
	const described = await client.request<MediaUrl>('GET', encodeURIComponent(media.id));
	if (typeof described.url !== 'string' || described.url === '') {
		throw new Error(`Meta gave no download URL for media ${media.id}`);
	}
	const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
		method: 'GET',
		url: described.url,
		encoding: 'arraybuffer',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	})) as { statusCode: number; body: Buffer | ArrayBuffer | string };
	if (response.statusCode >= 400) {
		throw new Error(
			`Downloading media ${media.id} failed with HTTP ${response.statusCode}; Meta's media links expire after 5 minutes`,
		);
	}
	const body =
		typeof response.body === 'string'
			? Buffer.from(response.body)
			: Buffer.from(response.body as ArrayBuffer);
	const mimeType = media.mimeType ?? described.mime_type ?? 'application/octet-stream';
	return await ctx.helpers.prepareBinaryData(
		body,
		media.filename ?? fileName(media.id, mimeType),
		mimeType,
	);
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
