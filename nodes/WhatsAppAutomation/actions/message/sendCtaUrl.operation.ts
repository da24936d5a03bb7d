import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import { buildCtaUrlMessage, LIMITS } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import { withInteractiveOptOut } from '../consent';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['sendCtaUrl'] } };

export const option: SendOperation['option'] = {
	name: 'Send CTA URL',
	value: 'sendCtaUrl',
	description:
		'Send a message with one button that opens a web page (call to action, within the 24-hour window)',
	action: 'Send a call-to-action URL button',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Body Text',
		name: 'ctaBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		description: 'The text above the button (up to 1,024 characters)',
		displayOptions: show,
	},
	{
		displayName: 'Button Text',
		name: 'ctaDisplayText',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'See offer',
		description: 'The label of the button (up to 20 characters)',
		displayOptions: show,
	},
	{
		displayName: 'URL',
		name: 'ctaUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/offer',
		description: 'The https:// page the button opens',
		displayOptions: show,
	},
	{
		displayName: 'Header Text',
		name: 'ctaHeader',
		type: 'string',
		default: '',
		description: 'Optional bold line above the body (up to 60 characters)',
		displayOptions: show,
	},
	{
		displayName: 'Footer',
		name: 'ctaFooter',
		type: 'string',
		default: '',
		description: 'Optional grey line below the body (up to 60 characters)',
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
	const { body: bodyText, footer } = withInteractiveOptOut(this, i, purpose, {
		body: readItemParameter(this, 'ctaBody', i),
		footer: (readItemParameter(this, 'ctaFooter', i, '') as string) || undefined,
		bodyMax: LIMITS.interactiveBody,
	});
	const displayText = readItemParameter(this, 'ctaDisplayText', i);
	const url = readItemParameter(this, 'ctaUrl', i);
	const body = buildCtaUrlMessage(common, {
		body: bodyText,
		displayText,
		url,
		headerText: (readItemParameter(this, 'ctaHeader', i, '') as string) || undefined,
		footer,
	});
	return {
		itemIndex: i,
		sender: context.sender,
		recipient,
		purpose,
		unknownConsent,
		body,
		renderedText: [
			String(bodyText),
			...(footer ? [footer] : []),
			`[${String(displayText)} → ${String(url).trim()}]`,
		].join('\n'),
		windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'ctaUrl'),
	};
}
