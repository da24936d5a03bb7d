import type { INodeProperties } from 'n8n-workflow';

const setConsent = { show: { operation: ['setConsent'] } };

export const setConsentProperties: INodeProperties[] = [
	{
		displayName: 'Status',
		name: 'status',
		type: 'options',
		default: 'opted_in',
		displayOptions: setConsent,
		options: [
			{
				name: 'Opted In',
				value: 'opted_in',
				description: 'The contact agreed to marketing messages',
			},
			{
				name: 'Opted Out of Marketing',
				value: 'opted_out',
				description: 'No marketing (like INFOSTOP); service messages still allowed',
			},
			{
				name: 'Stop All Messages',
				value: 'blocked',
				description: 'No messages at all (like STOP)',
			},
		],
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		default: 'api',
		description: 'How the contact gave or withdrew consent',
		displayOptions: setConsent,
		options: [
			{ name: 'API / Workflow', value: 'api', description: 'A form, a CRM, another system' },
			{ name: 'Button', value: 'button', description: 'A tap on a WhatsApp button' },
			{ name: 'Import', value: 'import', description: 'A bulk import of earlier consent' },
			{
				name: 'In-App Setting',
				value: 'in_app',
				description: 'WhatsApp’s own stop/resume setting',
			},
			{ name: 'Keyword', value: 'keyword', description: 'A keyword the contact sent' },
		],
	},
	{
		displayName: 'Event Time',
		name: 'eventTime',
		type: 'dateTime',
		default: '',
		description:
			'When the contact acted; empty means now. The newest event wins, so a late-arriving older one never overrides a newer opt-out.',
		displayOptions: setConsent,
	},
	{
		displayName: 'Proof',
		name: 'evidence',
		type: 'collection',
		placeholder: 'Add Proof',
		default: {},
		displayOptions: setConsent,
		options: [
			{
				displayName: 'Consent Text',
				name: 'text',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description: 'The text the contact saw and agreed to, or the words they sent',
			},
			{
				displayName: 'Message IDs',
				name: 'messageIds',
				type: 'string',
				default: '',
				placeholder: 'wamid.HBgL…, wamid.HBgM…',
				description: 'WhatsApp message IDs involved (comma-separated)',
			},
			{
				displayName: 'Reference',
				name: 'reference',
				type: 'string',
				default: '',
				placeholder: 'https://example.com/signup or CRM-4711',
				description: 'Where the consent was given: a form URL, a CRM record, a ticket',
			},
		],
	},
];
