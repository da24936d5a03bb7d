import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_CONSENT_KEYWORDS } from '../../../lib/core/consentKeywords';

const MESSAGE_EVENTS = ['messageReceived', 'conversationStarted'];

export const eventsProperty: INodeProperties = {
	displayName: 'Events',
	name: 'events',
	type: 'multiOptions',
	required: true,
	default: ['messageReceived'],
	description:
		'What starts the workflow. Each inbound message starts at most one run. The account events (templates, quality, account updates) are off unless chosen.',
	options: [
		{
			name: 'Account Update',
			value: 'accountUpdate',
			description:
				'Meta changed something about the WhatsApp Business Account: a policy violation, a restriction, a ban or its lifting, a verification, a linked ad account',
		},
		{
			name: 'Consent Changed',
			value: 'consentChanged',
			description:
				'A contact opted in or out: a keyword (STOP, START…), a "Stop promotions" button, an answer to the opt-in question, or WhatsApp’s in-app stop/resume',
		},
		{
			name: 'Conversation Started',
			value: 'conversationStarted',
			description:
				'A customer wrote while no 24-hour window was open: the start of a new conversation',
		},
		{
			name: 'Message Received',
			value: 'messageReceived',
			description: 'Every message a customer sends',
		},
		{
			name: 'Message Status',
			value: 'messageStatus',
			description:
				'Sent, delivered, read or failed updates for messages the business sent, with Meta’s error explained',
		},
		{
			name: 'Phone Number Quality Changed',
			value: 'phoneNumberQualityChanged',
			description:
				'A business number was flagged for low quality (or unflagged), or its messaging limit tier went up or down',
		},
		{
			name: 'Template Category Changed',
			value: 'templateCategoryChanged',
			description: 'Meta moved a template to another category (e.g. Utility to Marketing)',
		},
		{
			name: 'Template Quality Changed',
			value: 'templateQualityChanged',
			description: 'A template’s quality rating changed (green, yellow, red)',
		},
		{
			name: 'Template Status Changed',
			value: 'templateStatusChanged',
			description:
				'A template was approved, rejected, paused, disabled or reinstated, with Meta’s reason',
		},
	],
};

export const eventOptionProperties: INodeProperties[] = [
	{
		displayName: 'Only First Message Ever',
		name: 'onlyFirstEver',
		type: 'boolean',
		default: false,
		description:
			'Whether Conversation Started fires only once per contact and number: for their very first message (pre-qualification, segmentation)',
		displayOptions: { show: { events: ['conversationStarted'] } },
	},
	{
		displayName: 'Statuses',
		name: 'statuses',
		type: 'multiOptions',
		default: ['failed'],
		description:
			'Which statuses start a run; leave empty for all. Every sent message produces several, so choose only what you act on.',
		options: [
			{ name: 'Delivered', value: 'delivered' },
			{ name: 'Failed', value: 'failed' },
			{ name: 'Played', value: 'played', description: 'A voice message was played' },
			{ name: 'Read', value: 'read' },
			{ name: 'Sent', value: 'sent' },
		],
		displayOptions: { show: { events: ['messageStatus'] } },
	},
];

export const keywordProperties: INodeProperties[] = [
	{
		displayName: 'Keywords',
		name: 'keywords',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		placeholder: 'PROMO',
		description:
			'Start only for messages matching one of these keywords, one per line (case-insensitive). Leave empty for every message.',
		displayOptions: { show: { events: MESSAGE_EVENTS } },
	},
	{
		displayName: 'Keyword Match',
		name: 'keywordMatch',
		type: 'options',
		default: 'exact',
		options: [
			{ name: 'Contains', value: 'contains' },
			{ name: 'Exact', value: 'exact', description: 'The whole message is the keyword' },
			{
				name: 'Regular Expression',
				value: 'regex',
				description: 'Each line is a pattern, e.g. ^promo\\d+$',
			},
			{ name: 'Starts With', value: 'startsWith' },
		],
		displayOptions: { show: { events: MESSAGE_EVENTS } },
	},
	{
		displayName: 'Share Links Name or ID',
		name: 'keywordLinks',
		type: 'options',
		default: '',
		typeOptions: {
			loadOptionsMethod: 'getKeywordLinks',
			loadOptionsDependsOn: ['keywords', 'keywordMatch'],
		},
		description:
			'Open the list to see a wa.me link per business number and keyword: customers who tap it (or scan it as a QR code) get the keyword pre-filled. Only shown here; it changes nothing. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: { show: { events: MESSAGE_EVENTS } },
	},
];

/** Many trigger workflows on one account: when this one receives (docs/nodes/trigger.md). */
export const routingProperties: INodeProperties[] = [
	{
		displayName: 'Routing Role',
		name: 'routingRole',
		type: 'options',
		noDataExpression: true,
		default: 'automatic',
		description:
			'When this workflow receives a message while other published WhatsApp Automation Triggers share the account. Statuses and consent changes reach every trigger that asks for them, whatever its role.',
		options: [
			{
				name: 'Automatic',
				value: 'automatic',
				description:
					'Keyword Flow when Keywords are set, else Fallback: what a trigger saved before roles existed gets',
			},
			{
				name: 'Every Matching Event',
				value: 'every',
				description:
					'Always receives what the filters match, also replies a Follow-up Wait took and messages of a contact handed over to a person: a logger, a CRM sync, a helpdesk forwarder',
			},
			{
				name: 'Fallback',
				value: 'fallback',
				description:
					'Receives a message no keyword flow took, no waiting Follow-up Wait took, from a contact not handed over to a person: the default bot. Several fallbacks all receive it.',
			},
			{
				name: 'Keyword Flow',
				value: 'keyword',
				description:
					'Receives a message only when one of its Keywords matches and it wins against the other keyword flows: exact over starts with over contains and regex, then the higher Keyword Priority',
			},
		],
	},
	{
		displayName: 'Keyword Priority',
		name: 'keywordPriority',
		type: 'number',
		default: 0,
		description:
			'Between keyword flows whose keywords match equally specifically, the higher priority wins (then the longer keyword)',
		displayOptions: { show: { routingRole: ['keyword'] } },
	},
	{
		displayName:
			'Several published workflows may use this trigger on the same account: each message goes to every "Every Matching Event" trigger, to the one keyword flow that matches best, or else to every fallback. The trigger Meta calls records it once and forwards it to the others.',
		name: 'routingNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Workflows on This Account Name or ID',
		name: 'accountWorkflows',
		type: 'options',
		default: '',
		typeOptions: { loadOptionsMethod: 'getAccountWorkflows' },
		description:
			'Open the list to see the published workflows whose WhatsApp Automation Trigger shares this account: each one’s role and keywords, and which one holds Meta’s callback (Meta calls it; it forwards each event to the others). For information only: choosing an entry changes nothing. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
];

export const registrationProperties: INodeProperties[] = [
	{
		displayName: 'Webhook Registration',
		name: 'registration',
		type: 'options',
		noDataExpression: true,
		default: 'accountOverride',
		description: 'How Meta learns where to send this workflow’s webhooks',
		options: [
			{
				name: 'Account Callback Override',
				value: 'accountOverride',
				description:
					'On activation, point this WhatsApp Business Account’s webhooks at this workflow (override_callback_uri). Several accounts or n8n instances can share one Meta app.',
			},
			{
				name: 'App Subscription',
				value: 'appSubscription',
				description:
					'On activation, set the Meta app’s webhook callback to this workflow (needs App ID and App Secret). One workflow per app, like n8n’s built-in WhatsApp Trigger.',
			},
			{
				name: 'Manual',
				value: 'manual',
				description:
					'Paste the Production URL and the Verify Token into the Meta App Dashboard yourself',
			},
			{
				name: 'Number Callback Override',
				value: 'numberOverride',
				description:
					'On activation, point the webhooks of the numbers under Filters → Phone Number IDs at this workflow, so each number can have its own workflow',
			},
		],
	},
	{
		displayName:
			'In the Meta App Dashboard → WhatsApp → Configuration, paste the Production URL shown above as Callback URL and the Verify Token below, then subscribe to the fields "messages" and "user_preferences". With several manual triggers on one account paste the URL of just one of them (any one works: it forwards to the others); if you unpublish that workflow, paste another published trigger’s URL and Verify Token, as Meta keeps calling the old URL until you do.',
		name: 'manualNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { registration: ['manual'] } },
	},
	{
		displayName: 'Verify Token',
		name: 'verifyToken',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		description:
			'Any random text of at least 16 characters; enter the same in Meta’s dashboard. Activating without one shows a freshly generated token to use.',
		displayOptions: { show: { registration: ['manual'] } },
	},
];

/** Shown while the trigger is told to accept unsigned deliveries: the risk must stay visible. */
export const unsignedDeliveriesNotice: INodeProperties = {
	displayName:
		'Unsigned deliveries are accepted while the credential has no App Secret: anyone who knows the webhook URL can forge messages and consent changes. Fill in the App Secret in the credential unless your provider cannot sign.',
	name: 'unsignedDeliveriesNotice',
	type: 'notice',
	default: '',
	displayOptions: { show: { '/options.acceptUnsignedDeliveries': [true] } },
};

export const filtersProperty: INodeProperties = {
	displayName: 'Filters',
	name: 'filters',
	type: 'collection',
	placeholder: 'Add Filter',
	default: {},
	options: [
		{
			displayName: 'Message Types',
			name: 'messageTypes',
			type: 'multiOptions',
			default: [],
			description: 'Start only for these message types; leave empty for all',
			options: [
				{ name: 'Audio', value: 'audio' },
				{ name: 'Button (Template Quick Reply)', value: 'button' },
				{ name: 'Contacts', value: 'contacts' },
				{ name: 'Document', value: 'document' },
				{ name: 'Image', value: 'image' },
				{ name: 'Interactive (Reply Button, List)', value: 'interactive' },
				{ name: 'Location', value: 'location' },
				{ name: 'Order', value: 'order' },
				{ name: 'Reaction', value: 'reaction' },
				{ name: 'Sticker', value: 'sticker' },
				{ name: 'System (E.g. Number Changed)', value: 'system' },
				{ name: 'Text', value: 'text' },
				{ name: 'Unsupported', value: 'unsupported' },
				{ name: 'Video', value: 'video' },
			],
		},
		{
			displayName: 'Phone Number IDs',
			name: 'phoneNumberIds',
			type: 'string',
			default: '',
			placeholder: '106540352242922, 106540352242923',
			description:
				'Start only for events of these business numbers (Phone Number IDs from WhatsApp Manager → API Setup), separated by commas. Events of other numbers are still recorded (window, consent), they just start nothing here.',
		},
	],
};

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	// No option may be called "binaryData": for version-1 webhook nodes n8n reads that name and
	// then skips reading the request body, which the signature check needs.
	options: [
		{
			displayName: 'Accept Unsigned Deliveries (Insecure)',
			name: 'acceptUnsignedDeliveries',
			type: 'boolean',
			default: false,
			description:
				'Whether to process webhook calls without a verifiable X-Hub-Signature-256 while the credential has no App Secret. Only for a provider that does not sign what it forwards (e.g. a BSP proxy) and only behind your own protection: anyone who learns the webhook URL can then forge messages, STOP/START consent changes and status updates, and fill the store. With an App Secret in the credential this option has no effect and every call must be signed.',
		},
		{
			displayName: 'Block Keywords',
			name: 'blockKeywords',
			type: 'string',
			default: DEFAULT_CONSENT_KEYWORDS.blockKeywords.join(', '),
			description:
				'Messages that stop ALL messages to the contact, separated by commas (whole message, case-insensitive)',
		},
		{
			displayName: 'Block Phrases',
			name: 'blockPhrases',
			type: 'string',
			typeOptions: { rows: 3 },
			default: DEFAULT_CONSENT_KEYWORDS.blockPhrases.join('\n'),
			placeholder: 'stop all messages\nkeine Nachrichten mehr schicken',
			description:
				'Phrases that stop ALL messages when a message contains them, one per line (or separated by commas); at least two words each. Matched as whole words, ignoring case, accents and punctuation, not right after a negation such as "don\'t" or "nicht". Empty by default: a sentence is read less surely than a keyword.',
		},
		{
			displayName: 'Confirm Opt-Out',
			name: 'confirmOptOut',
			type: 'boolean',
			default: false,
			description:
				'Whether to answer an opt-out keyword, phrase or button with a confirmation, unless a Confirmation Text is set: in German for the keywords ABMELDEN, ABMELDUNG, ABBESTELLEN, AUSTRAGEN and STOPP and for a phrase with German words ("bitte keine Nachrichten mehr"), in English otherwise',
		},
		{
			displayName: 'Confirmation Text',
			name: 'optOutConfirmationText',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder:
				'You will no longer receive promotional messages from us. Reply START to receive them again.',
			description: 'The opt-out confirmation; leave empty for the built-in English/German text',
		},
		{
			displayName: 'Download Media',
			name: 'downloadMedia',
			type: 'boolean',
			default: false,
			description:
				'Whether to download images, audio, video, documents and stickers into binary data (Meta’s media links expire after 5 minutes)',
		},
		{
			displayName: 'Media Binary Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			description: 'The binary field that receives a downloaded media file',
		},
		{
			displayName: 'Opt-in Keywords',
			name: 'optInKeywords',
			type: 'string',
			default: DEFAULT_CONSENT_KEYWORDS.optInKeywords.join(', '),
			description: 'Messages that allow marketing again, separated by commas',
		},
		{
			displayName: 'Opt-Out Button Payloads',
			name: 'optOutButtonPayloads',
			type: 'string',
			default: DEFAULT_CONSENT_KEYWORDS.optOutButtonPayloads.join(', '),
			description:
				'Template quick-reply payloads (or button texts) that stop marketing, separated by commas',
		},
		{
			displayName: 'Opt-Out Keywords',
			name: 'optOutKeywords',
			type: 'string',
			default: DEFAULT_CONSENT_KEYWORDS.optOutKeywords.join(', '),
			description: 'Messages that stop marketing messages only, separated by commas',
		},
		{
			displayName: 'Opt-Out Phrases',
			name: 'optOutPhrases',
			type: 'string',
			typeOptions: { rows: 4 },
			default: DEFAULT_CONSENT_KEYWORDS.optOutPhrases.join('\n'),
			description:
				'Phrases that stop marketing messages when a message contains them ("Hallo, bitte keine Nachrichten mehr. Danke"), one per line (or separated by commas); at least two words each. Matched as whole words, ignoring case, accents and punctuation (ä also matches a and ae), not right after a negation such as "don\'t" or "nicht". Review the defaults for your customers; empty turns phrases off.',
		},
		{
			displayName: 'Receive Replies a Follow-up Wait Consumed',
			name: 'receiveConsumedReplies',
			type: 'boolean',
			default: false,
			description:
				'Whether a Fallback trigger also runs for a reply that a waiting Follow-up Wait took (its Replied output runs either way). Off: the wait owns the conversation and the bot does not answer twice.',
		},
	],
};
