/**
 * The template picker of the send node's Send Template (with its fields in
 * nodes/WhatsAppAutomation/actions/message/sendTemplate.operation.ts) and of the Consent Gate's
 * Request Opt-In: the property, the list of approved templates and the variable mapper.
 */
import type {
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodeProperties,
	ResourceMapperFields,
} from 'n8n-workflow';

import { planTemplate, templateRef } from '../../lib/core/templates';
import { GraphClient } from '../../lib/transport/graphApi';
import { matchesFilter } from './listSearch';
import { findTemplate } from './templateLookup';

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

/** The chosen template's variables, one mapper field each (`getTemplateVariables`). */
export const templateVariablesProperty: INodeProperties = {
	displayName: 'Variables',
	name: 'variables',
	type: 'resourceMapper',
	noDataExpression: true,
	default: { mappingMode: 'defineBelow', value: null },
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
};

/** The account's approved templates for the picker (`searchListMethod: 'searchTemplates'`). */
export async function searchTemplates(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const client = await GraphClient.create(this);
	const templates = await client.listTemplates({ status: 'APPROVED' });
	return {
		results: templates
			.filter((t) => t.status.toUpperCase() === 'APPROVED')
			.filter((t) => matchesFilter(filter, t.name, t.language, t.category))
			.sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language))
			.map((t) => ({
				name: `${t.name} (${t.language}) · ${t.category}`,
				value: templateRef(t),
			})),
	};
}

/** One mapper field per variable of the chosen template (`resourceMapperMethod: 'getTemplateVariables'`). */
export async function getTemplateVariables(
	this: ILoadOptionsFunctions,
): Promise<ResourceMapperFields> {
	const ref = this.getNodeParameter('template', undefined, { extractValue: true }) as string;
	if (!ref) return { fields: [], emptyFieldsNotice: 'Choose a template first.' };
	const client = await GraphClient.create(this);
	const template = await findTemplate(client, ref);
	return {
		fields: planTemplate(template).map((slot) => ({
			id: slot.id,
			displayName: slot.example ? `${slot.label} (e.g. ${slot.example})` : slot.label,
			required: slot.required,
			defaultMatch: false,
			canBeUsedToMatch: false,
			display: true,
			type: 'string',
		})),
		emptyFieldsNotice: `Template "${template.name}" has no variables.`,
	};
}
