import type { INodeProperties } from 'n8n-workflow';

/**
 * The template picker of Send Template (with its fields in actions/message/sendTemplate.operation.ts);
 * the Consent Gate asks for its opt-in template with the same one.
 */
export const templateProperty: INodeProperties = {
	displayName: 'Template',
	name: 'template',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'An APPROVED message template of the account',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'searchTemplates', searchable: true },
		},
		{
			displayName: 'By Name and Language',
			name: 'name',
			type: 'string',
			placeholder: 'appointment_reminder|en_US',
			hint: 'name|language, e.g. appointment_reminder|en_US; the name alone works when the template has one language',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: '^[a-z0-9_]+(\\|[A-Za-z_]+)?$',
						errorMessage:
							'Use the template name in lower case, optionally followed by |language (e.g. |de)',
					},
				},
			],
		},
	],
};
