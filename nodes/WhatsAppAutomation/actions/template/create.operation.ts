import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { FieldError } from '../../../../lib/core/fieldError';
import {
	assertTemplateDraft,
	DRAFT_FIELDS,
	type DraftButton,
	type DraftButtonType,
	type HeaderFormat,
	type TemplateDraft,
	templateCreationRequest,
} from '../../../../lib/core/templateRules';
import type { GraphClient } from '../../../../lib/transport/graphApi';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { TemplateOperation } from '../types';
import { readText } from './run';

const operation = { resource: ['template'], operation: ['create'] };
const show = { show: operation };
/** Fields of the templates whose text the business writes (not AUTHENTICATION). */
const showWritten = { show: operation, hide: { templateCategory: ['AUTHENTICATION'] } };
const showAuthentication = { show: { ...operation, templateCategory: ['AUTHENTICATION'] } };

export const option: TemplateOperation['option'] = {
	name: 'Create',
	value: 'create',
	description:
		'Submit a new template for Meta’s review: it starts PENDING and becomes APPROVED or REJECTED (the trigger’s template events tell you)',
	action: 'Create a template',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Name',
		name: 'templateName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'order_update',
		description: 'Lower case letters, digits and underscores, up to 512 characters',
		displayOptions: show,
	},
	{
		displayName: 'Language',
		name: 'templateLanguage',
		type: 'string',
		default: 'en_US',
		required: true,
		placeholder: 'en_US',
		description: 'Meta’s language code, e.g. en_US, de, es_MX',
		displayOptions: show,
	},
	{
		displayName: 'Category',
		name: 'templateCategory',
		type: 'options',
		default: 'UTILITY',
		options: [
			{
				name: 'Authentication',
				value: 'AUTHENTICATION',
				description: 'One-time codes; Meta writes the text',
			},
			{
				name: 'Marketing',
				value: 'MARKETING',
				description: 'Offers, news, invitations: needs marketing consent',
			},
			{
				name: 'Utility',
				value: 'UTILITY',
				description: 'About an order, account or appointment the customer has',
			},
		],
		displayOptions: show,
	},
	{
		displayName: 'Header',
		name: 'headerFormat',
		type: 'options',
		default: 'NONE',
		options: [
			{ name: 'Document', value: 'DOCUMENT' },
			{ name: 'Image', value: 'IMAGE' },
			{ name: 'Location', value: 'LOCATION' },
			{ name: 'None', value: 'NONE' },
			{ name: 'Text', value: 'TEXT' },
			{ name: 'Video', value: 'VIDEO' },
		],
		displayOptions: showWritten,
	},
	{
		displayName: 'Header Text',
		name: 'headerText',
		type: 'string',
		default: '',
		placeholder: 'Your order {{1}}',
		description: 'Up to 60 characters, at most one variable',
		displayOptions: { ...showWritten, show: { ...operation, headerFormat: ['TEXT'] } },
	},
	{
		displayName: 'Header Variable Example',
		name: 'headerExample',
		type: 'string',
		default: '',
		placeholder: '#12345',
		description: 'An example for the header’s variable, which Meta’s review reads',
		displayOptions: { ...showWritten, show: { ...operation, headerFormat: ['TEXT'] } },
	},
	{
		displayName: 'Header Media Example',
		name: 'headerMedia',
		type: 'string',
		default: '',
		placeholder: '4::aW1hZ2UvanBlZw==:ARb…',
		description:
			'A sample of the header file for the review: the handle from Meta’s Resumable Upload API (or a sample link)',
		displayOptions: {
			...showWritten,
			show: { ...operation, headerFormat: ['IMAGE', 'VIDEO', 'DOCUMENT'] },
		},
	},
	{
		displayName: 'Body',
		name: 'bodyText',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		placeholder: 'Hi {{1}}, your order {{2}} ships today.',
		description:
			'Up to 1,024 characters. Variables: {{1}}, {{2}}… or named, e.g. {{first_name}}; not at the very start or end.',
		displayOptions: showWritten,
	},
	{
		displayName: 'Body Variable Examples',
		name: 'bodyExamples',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Example',
		default: {},
		description: 'One example per body variable: Meta reviews the template with them',
		displayOptions: showWritten,
		options: [
			{
				displayName: 'Example',
				name: 'example',
				values: [
					{
						displayName: 'Variable',
						name: 'variable',
						type: 'string',
						default: '',
						placeholder: '1 or first_name',
					},
					{
						displayName: 'Example',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'Anna',
					},
				],
			},
		],
	},
	{
		displayName: 'Footer',
		name: 'footerText',
		type: 'string',
		default: '',
		placeholder: 'Reply STOP to opt out',
		description: 'Optional fixed text under the body, up to 60 characters',
		displayOptions: showWritten,
	},
	{
		displayName: 'Buttons',
		name: 'templateButtons',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Button',
		default: {},
		description:
			'Up to 10: quick replies (kept together), up to 2 links, 1 phone number, 1 copy code',
		displayOptions: showWritten,
		options: [
			{
				displayName: 'Button',
				name: 'button',
				values: [
					{
						displayName: 'Code Example',
						name: 'example',
						type: 'string',
						default: '',
						placeholder: 'SUMMER25',
						description: 'For copy-code buttons: an example code, up to 15 characters',
					},
					{
						displayName: 'Phone Number',
						name: 'phoneNumber',
						type: 'string',
						default: '',
						placeholder: '+4930123456',
						description: 'For phone number buttons, with the country code',
					},
					{
						displayName: 'Text',
						name: 'text',
						type: 'string',
						default: '',
						placeholder: 'Stop promotions',
						description: 'The label, up to 25 characters (a copy-code button’s label is Meta’s)',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						default: 'QUICK_REPLY',
						options: [
							{ name: 'Copy Code', value: 'COPY_CODE' },
							{ name: 'Phone Number', value: 'PHONE_NUMBER' },
							{ name: 'Quick Reply', value: 'QUICK_REPLY' },
							{ name: 'URL', value: 'URL' },
						],
					},
					{
						displayName: 'URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'https://shop.example.com/orders/{{1}}',
						description: 'For URL buttons; one variable {{1}} allowed at the end',
					},
					{
						displayName: 'URL Example',
						name: 'urlExample',
						type: 'string',
						default: '',
						placeholder: 'https://shop.example.com/orders/12345',
						description: 'For a URL with {{1}}: an example address (or the part {{1}} takes)',
					},
				],
			},
		],
	},
	{
		displayName: 'Add Security Recommendation',
		name: 'addSecurityRecommendation',
		type: 'boolean',
		default: true,
		description: 'Whether the message adds “For your security, do not share this code.”',
		displayOptions: showAuthentication,
	},
	{
		displayName: 'Code Expiration (Minutes)',
		name: 'codeExpirationMinutes',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 90 },
		default: 0,
		description: 'Adds “This code expires in N minutes.” (1 to 90); 0 leaves it out',
		displayOptions: showAuthentication,
	},
	{
		displayName: 'Copy Code Button Text',
		name: 'copyCodeText',
		type: 'string',
		default: 'Copy code',
		description: 'The label of the button that copies the code, up to 25 characters',
		displayOptions: showAuthentication,
	},
];

const BUTTON_TYPES: DraftButtonType[] = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE'];

/** A fixedCollection's entries, or a list mapped from an item. */
function entries(value: unknown, key: string): IDataObject[] {
	if (Array.isArray(value)) return value as IDataObject[];
	const list = (value as IDataObject | undefined)?.[key];
	if (list === undefined || list === null) return [];
	return (Array.isArray(list) ? list : [list]) as IDataObject[];
}

function readExamples(value: unknown): Record<string, string> {
	const examples: Record<string, string> = {};
	for (const entry of entries(value, 'example')) {
		const variable = readText(entry.variable).replace(/^\{\{\s*|\s*\}\}$/g, '');
		if (variable === '' && readText(entry.value) === '') continue;
		if (variable in examples) {
			throw new FieldError(
				DRAFT_FIELDS.bodyExamples,
				variable,
				`has two examples for {{${variable}}}`,
				'Keep one example per variable.',
			);
		}
		examples[variable] = readText(entry.value);
	}
	return examples;
}

function readButtons(value: unknown): DraftButton[] {
	return entries(value, 'button').map((entry, index) => {
		const type = readText(entry.type).toUpperCase() as DraftButtonType;
		if (!BUTTON_TYPES.includes(type)) {
			throw new FieldError(
				`${DRAFT_FIELDS.buttons} (button ${index + 1})`,
				entry.type,
				'has a type Meta does not know',
				`Use one of: ${BUTTON_TYPES.join(', ')}.`,
			);
		}
		return {
			type,
			text: readText(entry.text),
			url: readText(entry.url),
			urlExample: readText(entry.urlExample),
			phoneNumber: readText(entry.phoneNumber),
			example: readText(entry.example),
		};
	});
}

export async function run(
	this: IExecuteFunctions,
	client: GraphClient,
	i: number,
): Promise<IDataObject[]> {
	const read = (name: string, fallback: unknown = '') =>
		readItemParameter(this, name, i, fallback as never);
	const category = readText(read('templateCategory', 'UTILITY')).toUpperCase();
	const draft: TemplateDraft = {
		name: readText(read('templateName')),
		language: readText(read('templateLanguage', 'en_US')),
		category,
	};
	if (category === 'AUTHENTICATION') {
		const minutes = Number(read('codeExpirationMinutes', 0));
		draft.authentication = {
			addSecurityRecommendation: read('addSecurityRecommendation', true) !== false,
			...(minutes === 0 ? {} : { codeExpirationMinutes: minutes }),
			buttonText: readText(read('copyCodeText', 'Copy code')) || undefined,
		};
	} else {
		const body = read('bodyText');
		draft.body = body === undefined || body === null ? '' : String(body);
		draft.bodyExamples = readExamples(read('bodyExamples', {}));
		draft.header = {
			format: readText(read('headerFormat', 'NONE')).toUpperCase() as HeaderFormat,
			text: readText(read('headerText')),
			example: readText(read('headerExample')),
			mediaExample: readText(read('headerMedia')),
		};
		draft.footer = readText(read('footerText'));
		draft.buttons = readButtons(read('templateButtons', {}));
	}
	assertTemplateDraft(draft);
	const answer = await client.createTemplate(templateCreationRequest(draft));
	return [
		{
			id: answer.id,
			name: draft.name,
			language: draft.language,
			status: answer.status,
			category: answer.category ?? category,
		},
	];
}
