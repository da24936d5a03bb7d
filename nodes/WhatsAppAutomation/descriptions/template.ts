import type { INodeProperties } from 'n8n-workflow';

const show = { show: { operation: ['sendTemplate'] } };

/** The template picker; the Consent Gate asks for its opt-in template with the same one. */
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

export const templateProperties: INodeProperties[] = [
	{ ...templateProperty, displayOptions: show },
	{
		displayName: 'Variables',
		name: 'variables',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		required: true,
		displayOptions: show,
		typeOptions: {
			loadOptionsDependsOn: ['template.value'],
			resourceMapper: {
				resourceMapperMethod: 'getTemplateVariables',
				mode: 'add',
				fieldWords: { singular: 'variable', plural: 'variables' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: false,
				noFieldsError: 'This template has no variables: nothing to map.',
			},
		},
	},
	{
		displayName: 'Recipient Name',
		name: 'recipientName',
		type: 'string',
		default: '',
		description: 'Optional; kept in the output and the message log for your reference',
		displayOptions: show,
	},
];
