import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_OPT_OUT_THRESHOLD } from '../../../lib/core/ai';

export type AiOperation =
	| 'generateReply'
	| 'writeFollowUp'
	| 'checkStopCondition'
	| 'decideFollowUp'
	| 'suggestFollowUpDelay'
	| 'detectOptOut';

const DEFAULT_STOP_CONDITION =
	'The customer booked or bought, asked us to stop writing, or said they are not interested';

const DEFAULT_INSTRUCTIONS =
	'You are the friendly WhatsApp assistant of our business. Answer briefly and clearly, in the language the customer writes in. If you do not know something, say so and offer to connect the customer with a person.';

const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'generateReply',
	options: [
		{
			name: 'Check Stop Condition',
			value: 'checkStopCondition',
			description:
				'Ask the model whether follow-ups must stop (e.g. the customer booked or is not interested): returns stop and reason',
			action: 'Check whether follow ups must stop',
		},
		{
			name: 'Decide Follow-Up',
			value: 'decideFollowUp',
			description:
				'Ask the model whether to start a follow-up now, from the situation you describe and an optional stop condition: returns shouldFollowUp and reason',
			action: 'Decide whether to follow up',
		},
		{
			name: 'Detect Opt-Out',
			value: 'detectOptOut',
			description:
				"Classify a customer's message as an opt-out in their own words, with a confidence; optionally record a confident opt-out",
			action: 'Detect an opt out in a message',
		},
		{
			name: 'Generate Reply',
			value: 'generateReply',
			description:
				"Answer the customer's message as the assistant, with this customer's conversation as memory",
			action: 'Generate an AI reply',
		},
		{
			name: 'Suggest Follow-Up Delay',
			value: 'suggestFollowUpDelay',
			description: 'Ask the model how long to wait before the next follow-up, within your bounds',
			action: 'Suggest a follow up delay',
		},
		{
			name: 'Write Follow-Up',
			value: 'writeFollowUp',
			description:
				'Write a re-engagement message from the conversation so far and the purpose you describe',
			action: 'Write a follow up message',
		},
	],
};

const connectionNotice: INodeProperties = {
	displayName:
		'Connect a Chat Model below (OpenAI, Anthropic, Gemini, Ollama, Mistral…). Without a Memory sub-node, the conversation is kept in the State Store of the WhatsApp credential.',
	name: 'connectionNotice',
	type: 'notice',
	default: '',
};

const identityProperties: INodeProperties[] = [
	{
		displayName: 'Customer Identifier',
		name: 'customerId',
		type: 'string',
		required: true,
		default: '={{ $json.contact.waId }}',
		placeholder: '4915112345678',
		description:
			'Who the conversation is with: a phone number, an e-mail address or a CRM ID. Each customer has a separate conversation. The default takes contact.waId of the WhatsApp trigger’s item (contact.userId for contacts known only by their business-scoped ID).',
	},
	{
		displayName: 'Assistant Name',
		name: 'assistantName',
		type: 'string',
		default: '',
		placeholder: 'Sales Assistant',
		description:
			"Names this assistant's conversations. Two AI nodes with different names keep separate histories for the same customer; use the same name in every workflow that continues the same conversation (e.g. the follow-up workflow). Empty: the node's name.",
	},
];

const messageProperty: INodeProperties = {
	displayName: 'Message',
	name: 'message',
	type: 'string',
	required: true,
	default: '={{ $json.message.text }}',
	typeOptions: { rows: 3 },
	description:
		"The customer's message to answer. The default takes message.text of the WhatsApp trigger's item.",
	displayOptions: { show: { operation: ['generateReply'] } },
};

const optOutProperties: INodeProperties[] = [
	{
		displayName: 'Customer Message',
		name: 'optOutMessage',
		type: 'string',
		required: true,
		default: '={{ $json.message?.text }}',
		typeOptions: { rows: 3 },
		description:
			"The customer's message to classify. The default takes message.text of the WhatsApp trigger's item.",
		displayOptions: { show: { operation: ['detectOptOut'] } },
	},
	{
		displayName: 'Message ID',
		name: 'optOutMessageId',
		type: 'string',
		default: '={{ $json.messageId }}',
		description:
			"The message's WhatsApp ID (wamid), kept as evidence. The default takes messageId of the trigger's item.",
		displayOptions: { show: { operation: ['detectOptOut'] } },
	},
	{
		displayName: 'Message Time',
		name: 'optOutMessageTime',
		type: 'string',
		default: '={{ $json.timestamp }}',
		description:
			"When the customer wrote it (ISO 8601 or epoch seconds): the time a recorded opt-out takes effect, so a later START still wins. The default takes timestamp of the trigger's item; empty means now.",
		displayOptions: { show: { operation: ['detectOptOut'] } },
	},
];

const instructionsProperty: INodeProperties = {
	displayName: 'Assistant Instructions',
	name: 'instructions',
	type: 'string',
	default: DEFAULT_INSTRUCTIONS,
	typeOptions: { rows: 6 },
	description:
		'The system prompt: who the assistant is, its tone, what it may and may not say, what to ask for (e.g. to qualify a lead). Use the same instructions in the follow-up operations so follow-ups sound like the assistant.',
};

const followUpProperties: INodeProperties[] = [
	{
		displayName: 'Follow-Up Purpose',
		name: 'followUpPurpose',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 3 },
		placeholder: 'Remind the customer of the quote we sent and ask whether they have questions',
		description:
			'What this follow-up should achieve; the model writes the message from it and the conversation',
		displayOptions: { show: { operation: ['writeFollowUp'] } },
	},
	{
		displayName: 'Stop Condition',
		name: 'stopCondition',
		type: 'string',
		required: true,
		default: DEFAULT_STOP_CONDITION,
		typeOptions: { rows: 3 },
		description:
			'When follow-ups must stop, in plain words; the model judges it from the conversation',
		displayOptions: { show: { operation: ['checkStopCondition'] } },
	},
	{
		displayName: 'When to Follow Up',
		name: 'followUpWhen',
		type: 'string',
		required: true,
		default: '',
		typeOptions: { rows: 3 },
		placeholder: 'The customer asked about prices but did not book',
		description:
			'The situation in which a follow-up should start, in plain words; the model judges it from the conversation',
		displayOptions: { show: { operation: ['decideFollowUp'] } },
	},
	{
		displayName: 'Stop When',
		name: 'followUpStopWhen',
		type: 'string',
		default: DEFAULT_STOP_CONDITION,
		typeOptions: { rows: 2 },
		description:
			'When never to follow up, even if the situation above holds (as Check Stop Condition); it wins. Empty: no stop condition.',
		displayOptions: { show: { operation: ['decideFollowUp'] } },
	},
	{
		displayName: 'Minimum Delay (Hours)',
		name: 'minDelayHours',
		type: 'number',
		default: 4,
		typeOptions: { minValue: 0, numberPrecision: 2 },
		description: 'The shortest wait you accept; a shorter suggestion is raised to it',
		displayOptions: { show: { operation: ['suggestFollowUpDelay'] } },
	},
	{
		displayName: 'Maximum Delay (Hours)',
		name: 'maxDelayHours',
		type: 'number',
		default: 72,
		typeOptions: { minValue: 0, numberPrecision: 2 },
		description: 'The longest wait you accept; a longer suggestion is lowered to it',
		displayOptions: { show: { operation: ['suggestFollowUpDelay'] } },
	},
	{
		displayName: 'Delay Guidance',
		name: 'delayGuidance',
		type: 'string',
		default: '',
		typeOptions: { rows: 2 },
		placeholder: 'Hot leads within a day, undecided ones after 2–3 days; never at night',
		description: 'Optional rules for the model when it picks the delay',
		displayOptions: { show: { operation: ['suggestFollowUpDelay'] } },
	},
];

const contextProperties: INodeProperties[] = [
	{
		displayName: 'Context Variables',
		name: 'contextVariables',
		type: 'fixedCollection',
		placeholder: 'Add Variable',
		default: {},
		typeOptions: { multipleValues: true },
		description:
			'Facts the model should know for this customer, e.g. their name or open order; added to the prompt as "name: value"',
		options: [
			{
				displayName: 'Variable',
				name: 'variable',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'Customer name',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '{{ $json.contact.name }}',
					},
				],
			},
		],
	},
	{
		displayName: 'History Length',
		name: 'historyLength',
		type: 'number',
		default: 20,
		typeOptions: { minValue: 0, maxValue: 1000 },
		description:
			"How many earlier messages of this customer's conversation the model sees (customer and assistant messages count one each). 0 = none.",
	},
];

const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Add to Conversation',
			name: 'addToConversation',
			type: 'boolean',
			default: true,
			description:
				'Whether to add the written follow-up to the conversation as a message of the assistant, so later replies know it was sent',
			displayOptions: { show: { '/operation': ['writeFollowUp'] } },
		},
		{
			displayName: 'Confidence Threshold',
			name: 'confidenceThreshold',
			type: 'number',
			default: DEFAULT_OPT_OUT_THRESHOLD,
			typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
			description:
				'How sure the model must be (0 to 1) for its decision to be final. Below it, or when the model is unsure, the output asks to confirm with a question and two reply buttons.',
			displayOptions: { show: { '/operation': ['detectOptOut'] } },
		},
		{
			displayName: 'Confirmation Question',
			name: 'confirmationQuestion',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			placeholder:
				'Just to be sure: would you like to keep receiving news and offers from us on WhatsApp?',
			description:
				"The question sent with the two buttons when the decision is not final (up to 1,024 characters). Empty: a built-in question in the customer's language (German or English). Ask it so that the keep button means yes: that tap is recorded as an opt-in.",
			displayOptions: { show: { '/operation': ['detectOptOut'] } },
		},
		{
			displayName: 'History Retention (Days)',
			name: 'retentionDays',
			type: 'number',
			default: 30,
			typeOptions: { minValue: 0 },
			description:
				"Messages of this customer's conversation older than this are deleted from the built-in history when the node runs, so the model never sees them, and a customer who writes again after this time starts a new conversation. Only for the built-in history (no Memory sub-node). 0 = no limit here (the credential's Keep AI History still deletes older messages, 365 days by default).",
		},
		{
			displayName: 'Keep Button Label',
			name: 'keepButtonLabel',
			type: 'string',
			default: '',
			placeholder: 'Yes, keep them',
			description:
				'Label of the button that keeps the messages (up to 20 characters); its ID is consent:opt_in, recorded by the trigger as an opt-in. Empty: built-in label.',
			displayOptions: { show: { '/operation': ['detectOptOut'] } },
		},
		{
			displayName: 'Max Characters per Part',
			name: 'maxPartLength',
			type: 'number',
			default: 4096,
			typeOptions: { minValue: 100, maxValue: 4096 },
			description:
				"Long replies are split at sentence boundaries into parts of at most this many characters (WhatsApp's limit for one text message is 4096)",
			displayOptions: { show: { '/operation': ['generateReply', 'writeFollowUp'] } },
		},
		{
			displayName: 'Record Opt-Out',
			name: 'recordOptOut',
			type: 'boolean',
			default: false,
			description:
				"Whether to record a final opt-out (marketing) in the consent store of the WhatsApp credential, with the message and the model's decision as evidence. The Customer Identifier must then be the customer's WhatsApp number or user ID.",
			displayOptions: { show: { '/operation': ['detectOptOut'] } },
		},
		{
			displayName: 'Stop Button Label',
			name: 'stopButtonLabel',
			type: 'string',
			default: '',
			placeholder: 'No, stop them',
			description:
				'Label of the button that stops them (up to 20 characters); its ID is consent:decline, recorded by the trigger as a marketing opt-out. Empty: built-in label.',
			displayOptions: { show: { '/operation': ['detectOptOut'] } },
		},
	],
};

export const aiReplyProperties: INodeProperties[] = [
	connectionNotice,
	operationProperty,
	...identityProperties,
	messageProperty,
	...optOutProperties,
	instructionsProperty,
	...followUpProperties,
	...contextProperties,
	optionsProperty,
];
