import type { INodeProperties } from 'n8n-workflow';

const check = { show: { operation: ['check'] } };

export const checkProperties: INodeProperties[] = [
	{
		displayName: 'Purpose',
		name: 'purpose',
		type: 'options',
		default: 'marketing',
		description: 'What the next messages are for; it decides which consent they need',
		displayOptions: check,
		options: [
			{
				name: 'Marketing',
				value: 'marketing',
				description:
					'Newsletters, offers: needs an opt-in; an opt-out (INFOSTOP) or stop-all (STOP) blocks',
			},
			{
				name: 'Service / Bot Automation',
				value: 'service',
				description:
					'Answers, reminders, bots: anyone except contacts who stopped all messages (STOP)',
			},
		],
	},
	{
		displayName: 'When Consent Is Unknown',
		name: 'unknownConsent',
		type: 'options',
		default: 'needsOptIn',
		description: 'Where marketing goes for contacts who never opted in or out',
		displayOptions: { show: { operation: ['check'], purpose: ['marketing'] } },
		options: [
			{
				name: 'Route to Needs Opt-In',
				value: 'needsOptIn',
				description: 'Ask first (Request Opt-in); only opted-in contacts are Allowed',
			},
			{
				name: 'Route to Allowed (Opted-In or Unknown)',
				value: 'allow',
				description:
					'The “push to opted-in or unknown” policy some platforms use for scheduled newsletters',
			},
		],
	},
];
