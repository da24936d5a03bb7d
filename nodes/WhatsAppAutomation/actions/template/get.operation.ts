import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { FieldError } from '../../../../lib/core/fieldError';
import type { GraphClient } from '../../../../lib/transport/graphApi';
import { readItemParameter } from '../../../helpers/itemParameter';
import { matchTemplate } from '../../../helpers/templateLookup';
import type { TemplateOperation } from '../types';
import { readText, templateJson } from './run';

const show = { show: { resource: ['template'], operation: ['get'] } };

export const option: TemplateOperation['option'] = {
	name: 'Get',
	value: 'get',
	description: 'Get one template by its ID, or by name and language, whatever its status',
	action: 'Get a template',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Get By',
		name: 'getBy',
		type: 'options',
		default: 'name',
		options: [
			{ name: 'Name and Language', value: 'name' },
			{ name: 'ID', value: 'id' },
		],
		displayOptions: show,
	},
	{
		displayName: 'Template ID',
		name: 'templateId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '1689556908129832',
		description: 'The template’s ID, as Create or List returns it',
		displayOptions: { show: { ...show.show, getBy: ['id'] } },
	},
	{
		displayName: 'Template Name',
		name: 'templateName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'order_update',
		displayOptions: { show: { ...show.show, getBy: ['name'] } },
	},
	{
		displayName: 'Language',
		name: 'templateLanguage',
		type: 'string',
		default: '',
		placeholder: 'en_US',
		description: 'Empty: the template’s only language',
		displayOptions: { show: { ...show.show, getBy: ['name'] } },
	},
];

export async function run(
	this: IExecuteFunctions,
	client: GraphClient,
	i: number,
): Promise<IDataObject[]> {
	if (readItemParameter(this, 'getBy', i, 'name') === 'id') {
		const id = readText(readItemParameter(this, 'templateId', i, ''));
		if (!/^\d+$/.test(id)) {
			throw new FieldError(
				'Template ID',
				id,
				'is not a template ID (digits)',
				'Map the id that Create or List returned, or get the template by name and language.',
			);
		}
		return [templateJson(await client.getTemplate(id))];
	}
	const name = readText(readItemParameter(this, 'templateName', i, ''));
	const language = readText(readItemParameter(this, 'templateLanguage', i, '')) || undefined;
	if (name === '') {
		throw new FieldError(
			'Template Name',
			name,
			'is empty',
			'Give the template’s name, e.g. order_update.',
		);
	}
	const sameName = (await client.listTemplates({ name })).filter((t) => t.name === name);
	const ref = language ? `${name}|${language}` : name;
	return [templateJson(matchTemplate(sameName, ref, name, language, 'Template Name'))];
}
