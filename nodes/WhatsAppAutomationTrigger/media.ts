import type { IBinaryData, IWebhookFunctions } from 'n8n-workflow';

import type { GraphClient } from '../../lib/transport/graphApi';

/**
 * A customer's media file as n8n binary data: the Graph client downloads it (streamed, and capped
 * at 100 MB), n8n's binary data stores it under the file's own name or one made from the
 * media id and type.
 */
export async function downloadMedia(
	ctx: IWebhookFunctions,
	client: GraphClient,
	media: { id: string; mimeType: string | null; filename: string | null },
): Promise<IBinaryData> {
	const file = await client.downloadMedia(media.id);
	const mimeType = media.mimeType ?? file.mimeType ?? 'application/octet-stream';
	return await ctx.helpers.prepareBinaryData(
		file.stream,
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
