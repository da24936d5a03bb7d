import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { FieldError } from '../../../../lib/core/fieldError';
import type { GraphClient } from '../../../../lib/transport/graphApi';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { TemplateOperation } from '../types';
import { readText, templateJson } from './run';

const show = { show: { resource: ['template'], operation: ['list'] } };

const TEMPLATE_STATUSES = [
	'APPROVED',
	'ARCHIVED',
	'DISABLED',
	'IN_APPEAL',
	'LIMIT_EXCEEDED',
	'PAUSED',
	'PENDING',
	'PENDING_DELETION',
	'REJECTED',
];

export const option: TemplateOperation['option'] = {
	name: 'List',
	value: 'list',
	description:
		'List the account’s message templates with their status, category, quality and rejection reason',
	action: 'List templates',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: show,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { ...show.show, returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'templateFilters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Category',
				name: 'category',
				type: 'multiOptions',
				default: [],
				options: [
					{ name: 'Authentication', value: 'AUTHENTICATION' },
					{ name: 'Marketing', value: 'MARKETING' },
					{ name: 'Utility', value: 'UTILITY' },
				],
			},
			{
				displayName: 'Language',
				name: 'language',
				type: 'string',
				default: '',
				placeholder: 'en_US',
				description: 'Only templates in this language',
			},
			{
				displayName: 'Name Contains',
				name: 'name',
				type: 'string',
				default: '',
				placeholder: 'order',
				description: 'Only templates whose name contains this text',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'multiOptions',
				default: [],
				description: 'Only templates in one of these statuses',
				options: TEMPLATE_STATUSES.map((status) => ({
					name: status
						.toLowerCase()
						.split('_')
						.map((w) => w[0].toUpperCase() + w.slice(1))
						.join(' '),
					value: status,
				})),
			},
		],
	},
];

/** A multiOptions filter: a list, or a comma list mapped from an item. */
function listFilter(value: unknown, field: string, allowed: string[]): string | undefined {
	const list = (Array.isArray(value) ? value : readText(value).split(','))
		.map((entry) => readText(entry).toUpperCase())
		.filter((entry) => entry !== '');
	const unknown = list.find((entry) => !allowed.includes(entry));
	if (unknown !== undefined) {
		throw new FieldError(
			`Filters → ${field}`,
			unknown,
			'is not one Meta knows',
			`Use one of: ${allowed.join(', ')}.`,
		);
	}
	return list.length > 0 ? list.join(',') : undefined;
}

export async function run(
	this: IExecuteFunctions,
	client: GraphClient,
	i: number,
): Promise<IDataObject[]> {
	const returnAll = readItemParameter(this, 'returnAll', i, false) === true;
	let max: number | undefined;
	if (!returnAll) {
		const limit = Number(readItemParameter(this, 'limit', i, 50));
		if (!Number.isInteger(limit) || limit < 1) {
			throw new FieldError(
				'Limit',
				limit,
				'is not a whole number of 1 or more',
				'Give the most templates to return, or turn on Return All.',
			);
		}
		max = limit;
	}
	const filters = (readItemParameter(this, 'templateFilters', i, {}) ?? {}) as IDataObject;
	const templates = await client.listTemplates(
		{
			name: readText(filters.name) || undefined,
			language: readText(filters.language) || undefined,
			status: listFilter(filters.status, 'Status', TEMPLATE_STATUSES),
			category: listFilter(filters.category, 'Category', [
				'AUTHENTICATION',
				'MARKETING',
				'UTILITY',
			]),
		},
		max,
	);
	return templates.map(templateJson);
}
