import type { INodeProperties } from 'n8n-workflow';

/**
 * Fields the operations of the send node share. The router shows the recipient and the options
 * for the operations that send a message; the sender picker is in nodes/helpers/sender.ts.
 */

export const recipientProperty: INodeProperties = {
	displayName: 'Recipient Phone',
	name: 'recipientPhone',
	type: 'string',
	default: '',
	required: true,
	placeholder: '+4915112345678',
	description:
		'The customer’s number in E.164 form: “+”, country code and number, no spaces or leading 0. After the WhatsApp Automation Trigger, map contact → phone.',
};

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Callback Data',
			name: 'callbackData',
			type: 'string',
			default: '',
			description:
				'Up to 512 characters returned on this message’s status events (biz_opaque_callback_data), e.g. a CRM ID',
		},
		{
			displayName: 'Max Retries',
			name: 'maxRetries',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 10 },
			default: 1,
			description:
				'How often an item is retried after a temporary error (rate limit, Meta unavailable, connection reset) before it fails',
		},
		{
			displayName: 'Messages per Second',
			name: 'messagesPerSecond',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 1000 },
			default: 80,
			description:
				'Pace of this batch for the sender. Meta allows 80 by default and up to 1,000 for upgraded numbers. 0 = no pacing.',
		},
		{
			displayName: 'Parallel Requests',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 200 },
			default: 20,
			description:
				'Requests in flight at once; messages to the same recipient always go one after another',
		},
		{
			displayName: 'Pause When Quality Is Low',
			name: 'pauseWhenQualityIsLow',
			type: 'boolean',
			default: false,
			description:
				'Whether to stop sending from a number once Meta rates its quality RED (low): read at the start of the batch and again every Quality Check Every messages. The items not sent come out as skipped with the reason, to run again later.',
		},
		{
			displayName: 'Quality Check Every (Messages)',
			name: 'qualityCheckEvery',
			type: 'number',
			typeOptions: { minValue: 100 },
			default: 1000,
			description:
				'With Pause When Quality Is Low: how many messages from a number go out between two readings of its quality rating (one Graph API call each)',
		},
		{
			displayName: 'Reply To Message ID',
			name: 'replyToMessageId',
			type: 'string',
			default: '',
			placeholder: 'wamid.HBgL…',
			description: 'Quote an earlier message (the customer sees it as a reply)',
		},
		{
			displayName: 'Require Marketing Opt-In',
			name: 'requireOptIn',
			type: 'boolean',
			default: false,
			description:
				'Whether marketing sends also skip contacts with no recorded consent, so only opted-in contacts receive them. Off: only opted-out and blocked contacts are skipped.',
		},
		{
			displayName: 'Retry Delay (Seconds)',
			name: 'retryDelaySeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 60,
			description:
				'Wait before the first retry; it doubles on each further retry. A throughput limit pauses the whole batch for this long.',
		},
	],
};
