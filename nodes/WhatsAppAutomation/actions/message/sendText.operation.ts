import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { appendOptOutFooterWithin, purposeOfSend } from '../../../../lib/core/consentPolicy';
import { buildTextMessage, LIMITS } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import { optOutFooterFor } from '../consent';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['sendText'] } };

export const option: SendOperation['option'] = {
	name: 'Send Text',
	value: 'sendText',
	description: 'Send free text (only within 24 hours of the customer’s last message)',
	action: 'Send a text message',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		description:
			'Up to 4,096 characters. Free text only reaches customers who wrote in the last 24 hours.',
		displayOptions: show,
	},
	{
		displayName: 'Link Preview',
		name: 'previewUrl',
		type: 'boolean',
		default: false,
		description: 'Whether to show a preview of the first link in the text',
		displayOptions: show,
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
	const purpose = purposeOfSend(purposeSetting, null);
	const footer = optOutFooterFor(this, i, purpose);
	const given = readItemParameter(this, 'text', i);
	const text =
		footer && typeof given === 'string' && given.trim() !== ''
			? appendOptOutFooterWithin('Text', given, footer, LIMITS.textBody)
			: given;
	return {
		itemIndex: i,
		sender: context.sender,
		recipient,
		purpose,
		unknownConsent,
		renderedText: String(text),
		body: buildTextMessage(common, {
			body: text,
			previewUrl: readItemParameter(this, 'previewUrl', i, false) as boolean,
		}),
		windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'text'),
	};
}
