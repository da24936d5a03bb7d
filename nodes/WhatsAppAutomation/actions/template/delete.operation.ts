import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { FieldError } from '../../../../lib/core/fieldError';
import type { GraphClient } from '../../../../lib/transport/graphApi';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { TemplateOperation } from '../types';
import { readText } from './run';

const show = { show: { resource: ['template'], operation: ['delete'] } };

export const option: TemplateOperation['option'] = {
	name: 'Delete',
	value: 'delete',
	description:
		'Delete a template in all its languages, or only one of them by its ID. Meta keeps the name blocked for 30 days.',
	action: 'Delete a template',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Template Name',
		name: 'templateName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'order_update',
		displayOptions: show,
	},
	{
		displayName: 'Template ID',
		name: 'templateId',
		type: 'string',
		default: '',
		placeholder: '1689556908129832',
		description:
			'Optional: delete only this language version (its ID from List or Get); empty deletes every language of the name',
		displayOptions: show,
	},
];

export async function run(
	this: IExecuteFunctions,
	client: GraphClient,
	i: number,
): Promise<IDataObject[]> {
	const name = readText(readItemParameter(this, 'templateName', i, ''));
	const id = readText(readItemParameter(this, 'templateId', i, ''));
	if (!/^[a-z0-9_]+$/.test(name)) {
		throw new FieldError(
			'Template Name',
			name,
			name === '' ? 'is empty' : 'is not a template name (lower case letters, digits, underscores)',
			'Give the name of the template to delete, e.g. order_update.',
		);
	}
	if (id !== '' && !/^\d+$/.test(id)) {
		throw new FieldError(
			'Template ID',
			id,
			'is not a template ID (digits)',
			'Map the id from List or Get, or leave it empty to delete every language of the name.',
		);
	}
	const answer = await client.deleteTemplate(name, id || undefined);
	return [{ deleted: answer.success === true, name, id: id || null }];
}
