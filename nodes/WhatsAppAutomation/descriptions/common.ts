import type { INodeProperties } from 'n8n-workflow';

export const SEND_OPERATIONS = ['sendTemplate', 'sendText', 'sendButtons', 'sendMedia'];

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'sendTemplate',
	options: [
		{
			name: 'Mark as Read',
			value: 'markAsRead',
			description: 'Show blue ticks for an inbound message, optionally with a typing indicator',
			action: 'Mark a message as read',
		},
		{
			name: 'Send Buttons',
			value: 'sendButtons',
			description: 'Send a message with up to 3 reply buttons (within the 24-hour window)',
			action: 'Send reply buttons',
		},
		{
			name: 'Send Media',
			value: 'sendMedia',
			description: 'Send an image, document, audio, video or sticker (within the 24-hour window)',
			action: 'Send media',
		},
		{
			name: 'Send Template',
			value: 'sendTemplate',
			description:
				'Send an approved template with its variables mapped (works outside the 24-hour window)',
			action: 'Send a template',
		},
		{
			name: 'Send Text',
			value: 'sendText',
			description: 'Send free text (only within 24 hours of the customer’s last message)',
			action: 'Send a text message',
		},
	],
};

export const senderProperty: INodeProperties = {
	displayName: 'Sender',
	name: 'sender',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The business phone number that sends the message',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'searchPhoneNumbers', searchable: true },
		},
		{
			displayName: 'By Phone Number ID',
			name: 'id',
			type: 'string',
			placeholder: '106540352242922',
			validation: [
				{
					type: 'regex',
					properties: { regex: '^\\d+$', errorMessage: 'A phone number ID has digits only' },
				},
			],
		},
	],
};

export const recipientProperties: INodeProperties[] = [
	{
		displayName: 'Recipient Phone',
		name: 'recipientPhone',
		type: 'string',
		default: '',
		required: true,
		placeholder: '+4915112345678',
		description:
			'The customer’s number in E.164 form: “+”, country code and number, no spaces or leading 0. After the WhatsApp Automation Trigger, map contact → phone.',
		displayOptions: { show: { operation: SEND_OPERATIONS } },
	},
];

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: { show: { operation: SEND_OPERATIONS } },
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
