import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import {
	appendOptOutFooterWithin,
	type ConsentPurpose,
	purposeOfSend,
} from '../../../../lib/core/consentPolicy';
import { buildMediaMessage, LIMITS, type MediaType } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import { optOutFooterFor } from '../consent';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['sendMedia'] } };

/** The media types with a caption, the only place a media message can say how to opt out. */
const CAPTIONED: readonly MediaType[] = ['image', 'video', 'document'];

export const option: SendOperation['option'] = {
	name: 'Send Media',
	value: 'sendMedia',
	description: 'Send an image, document, audio, video or sticker (within the 24-hour window)',
	action: 'Send media',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Media Type',
		name: 'mediaType',
		type: 'options',
		default: 'image',
		displayOptions: show,
		options: [
			{ name: 'Audio', value: 'audio' },
			{ name: 'Document', value: 'document' },
			{ name: 'Image', value: 'image' },
			{ name: 'Sticker', value: 'sticker' },
			{ name: 'Video', value: 'video' },
		],
	},
	{
		displayName: 'Source',
		name: 'mediaSource',
		type: 'options',
		default: 'url',
		displayOptions: show,
		options: [
			{
				name: 'Link (URL)',
				value: 'url',
				description: 'WhatsApp downloads the file from a public link',
			},
			{
				name: 'Binary File',
				value: 'binary',
				description: 'Upload a binary file of the input item to WhatsApp first',
			},
			{ name: 'Media ID', value: 'id', description: 'A file already uploaded to WhatsApp' },
		],
	},
	{
		displayName: 'Media URL',
		name: 'mediaUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/brochure.pdf',
		displayOptions: { show: { operation: ['sendMedia'], mediaSource: ['url'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'The name of the binary field of the input item that holds the file',
		displayOptions: { show: { operation: ['sendMedia'], mediaSource: ['binary'] } },
	},
	{
		displayName: 'Media ID',
		name: 'mediaId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['sendMedia'], mediaSource: ['id'] } },
	},
	{
		displayName: 'Caption',
		name: 'caption',
		type: 'string',
		default: '',
		description:
			'Up to 1,024 characters (image, video and document only), a marketing send’s opt-out footer included',
		displayOptions: {
			show: { operation: ['sendMedia'], mediaType: ['image', 'video', 'document'] },
		},
	},
	{
		displayName: 'File Name',
		name: 'fileName',
		type: 'string',
		default: '',
		description: 'Shown to the customer for documents',
		displayOptions: { show: { operation: ['sendMedia'], mediaType: ['document'] } },
	},
];

export const sendsMessage = true;
export const needsOpenWindow = true;

export async function prepare(
	this: IExecuteFunctions,
	context: PrepareContext,
	i: number,
): Promise<PreparedSend> {
	const addressing = readAddressing(this, i);
	const { recipient, purposeSetting, unknownConsent, common } = addressing;
	const { sender } = context;
	const purpose = purposeOfSend(purposeSetting, null);
	const mediaType = readItemParameter(this, 'mediaType', i) as MediaType;
	const source = readItemParameter(this, 'mediaSource', i) as 'url' | 'binary' | 'id';
	const caption = captionOf(this, i, mediaType, purpose);
	const filename = (readItemParameter(this, 'fileName', i, '') as string) || undefined;
	const prepared = {
		itemIndex: i,
		sender,
		recipient,
		purpose,
		unknownConsent,
	};
	if (source === 'binary') {
		const binaryPropertyName = readItemParameter(this, 'binaryPropertyName', i) as string;
		const binary = this.helpers.assertBinaryData(i, binaryPropertyName);
		// Validate caption and the rest now with a placeholder id; the real id comes from the upload.
		const body = buildMediaMessage(common, {
			mediaType,
			id: 'pending-upload',
			caption,
			filename: filename ?? binary.fileName,
		});
		return {
			...prepared,
			body,
			upload: { binaryPropertyName, mediaType },
			windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'media'),
		};
	}
	const body = buildMediaMessage(common, {
		mediaType,
		link: source === 'url' ? (readItemParameter(this, 'mediaUrl', i) as string) : undefined,
		id: source === 'id' ? String(readItemParameter(this, 'mediaId', i)) : undefined,
		caption,
		filename,
	});
	return {
		...prepared,
		body,
		windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'media'),
	};
}

/**
 * The caption as sent: a marketing image, video or document carries the opt-out footer in its
 * caption, which is then needed even when the user wrote none (audio and stickers have none).
 */
function captionOf(
	fn: IExecuteFunctions,
	i: number,
	mediaType: MediaType,
	purpose: ConsentPurpose,
): string | undefined {
	const given = (readItemParameter(fn, 'caption', i, '') as string) || undefined;
	if (!CAPTIONED.includes(mediaType)) return given;
	const footer = optOutFooterFor(fn, i, purpose);
	if (!footer) return given;
	if (given === undefined || given.trim() === '') return footer.trim();
	return appendOptOutFooterWithin('Caption', given, footer, LIMITS.caption);
}
