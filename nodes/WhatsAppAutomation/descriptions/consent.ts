import type { INodeProperties } from 'n8n-workflow';

import { OPT_OUT_FOOTERS } from '../../../lib/core/consentPolicy';

export const purposeProperty: INodeProperties = {
	displayName: 'Purpose',
	name: 'purpose',
	type: 'options',
	default: 'auto',
	description:
		'Marketing sends skip contacts who opted out (INFOSTOP) or stopped all messages (STOP); service sends skip only the latter. Skipped items are returned with skipped: true and the reason.',
	options: [
		{
			name: 'Auto (From Template Category)',
			value: 'auto',
			description: 'A MARKETING template is a marketing send; everything else is a service send',
		},
		{
			name: 'Marketing',
			value: 'marketing',
			description: 'Newsletters, offers: needs consent, offers an opt-out',
		},
		{
			name: 'Service / Bot Automation',
			value: 'service',
			description: 'Answers, reminders, bots: reaches everyone except contacts who sent STOP',
		},
	],
};

/**
 * Marketing texts, interactive messages and media captions say how to stop: Send Text, Send
 * Buttons, Send List, Send CTA URL and Send Media (images, videos, documents) read these fields.
 */
const FOOTER_OPERATIONS = ['sendText', 'sendButtons', 'sendMedia', 'sendList', 'sendCtaUrl'];
const marketingText = {
	show: { operation: FOOTER_OPERATIONS, purpose: ['marketing'] },
};

export const optOutFooterProperties: INodeProperties[] = [
	{
		displayName: 'Opt-Out Footer',
		name: 'optOutFooter',
		type: 'options',
		default: 'en',
		description:
			'Tells the customer how to stop marketing: appended to the text or to the caption of an image, video or document, or the footer of buttons, a list or a link button when that is free',
		displayOptions: marketingText,
		options: [
			{ name: 'Custom', value: 'custom' },
			{ name: 'English', value: 'en', description: `“${OPT_OUT_FOOTERS.en}”` },
			{ name: 'German', value: 'de', description: `“${OPT_OUT_FOOTERS.de}”` },
			{ name: 'None', value: 'none' },
		],
	},
	{
		displayName: 'Footer Text',
		name: 'optOutFooterText',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Reply INFOSTOP to unsubscribe',
		description: 'Name a keyword the trigger treats as a marketing opt-out (default INFOSTOP)',
		displayOptions: {
			show: {
				operation: FOOTER_OPERATIONS,
				purpose: ['marketing'],
				optOutFooter: ['custom'],
			},
		},
	},
];
