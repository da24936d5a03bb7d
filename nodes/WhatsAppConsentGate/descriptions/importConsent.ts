import type { INodeProperties } from 'n8n-workflow';

const importOperation = { show: { operation: ['import'] } };

export const importProperties: INodeProperties[] = [
	{
		displayName: 'Status',
		name: 'importStatus',
		type: 'string',
		default: 'opted_in',
		required: true,
		description:
			'Opted_in, opted_out or blocked (stop all). Map the status column of your export, e.g. {{ $JSON.whatsappConsent }}.',
		displayOptions: importOperation,
	},
	{
		displayName: 'Consent Time',
		name: 'consentTime',
		type: 'string',
		default: '',
		required: true,
		placeholder: '={{ $json.consentDate }}',
		description:
			'When the contact gave or withdrew consent (ISO date or Unix time). Required: importing with today’s date would override a STOP the contact sent after the export.',
		displayOptions: importOperation,
	},
	{
		displayName: 'Consent Text',
		name: 'consentText',
		type: 'string',
		default: '',
		description:
			'Proof kept with each record: what the contact agreed to, e.g. the signup form’s checkbox text',
		displayOptions: importOperation,
	},
];
