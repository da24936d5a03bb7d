import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import {
	buildListMessage,
	DEFAULT_ROW_FIELDS,
	LIMITS,
	type ListRow,
	listRowsFrom,
	type RowFieldNames,
} from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import { withInteractiveOptOut } from '../consent';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['sendList'] } };

export const option: SendOperation['option'] = {
	name: 'Send List',
	value: 'sendList',
	description:
		'Send a button that opens a list of up to 10 choices in sections (within the 24-hour window)',
	action: 'Send a list message',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Body Text',
		name: 'listBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		description: 'The text above the list button (up to 4,096 characters)',
		displayOptions: show,
	},
	{
		displayName: 'Button Label',
		name: 'listButton',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'Choose',
		description: 'The button that opens the list (up to 20 characters)',
		displayOptions: show,
	},
	{
		displayName: 'Rows Source',
		name: 'listRowsSource',
		type: 'options',
		default: 'fields',
		displayOptions: show,
		options: [
			{ name: 'Define Below', value: 'fields', description: 'Enter each row' },
			{
				name: 'From an Array (JSON)',
				value: 'json',
				description: 'Map an array of the item (e.g. its products), one row per entry',
			},
		],
	},
	{
		displayName: 'Rows',
		name: 'listRows',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, maxAllowedFields: 10 },
		default: {},
		placeholder: 'Add Row',
		description:
			'Up to 10 rows in all; rows with the same section title form one section, in their order. The customer’s pick arrives in the trigger with the row ID.',
		displayOptions: { show: { operation: ['sendList'], listRowsSource: ['fields'] } },
		options: [
			{
				displayName: 'Row',
				name: 'row',
				values: [
					{
						displayName: 'Title',
						name: 'title',
						type: 'string',
						default: '',
						description: 'Up to 24 characters',
					},
					{
						displayName: 'ID',
						name: 'id',
						type: 'string',
						default: '',
						description: 'Returned when picked, up to 200 characters (defaults to the title)',
					},
					{
						displayName: 'Description',
						name: 'description',
						type: 'string',
						default: '',
						description: 'Optional grey line under the title (up to 72 characters)',
					},
					{
						displayName: 'Section',
						name: 'section',
						type: 'string',
						default: '',
						description:
							'Optional section title (up to 24 characters); needed on every row when there is more than one section',
					},
				],
			},
		],
	},
	{
		displayName: 'Rows (JSON)',
		name: 'listRowsJson',
		type: 'json',
		default: '[]',
		required: true,
		description:
			'An array with one object per row, e.g. an expression for the item’s products; the fields of each entry are named below. Meta’s own sections (a title and rows) work too.',
		displayOptions: { show: { operation: ['sendList'], listRowsSource: ['json'] } },
	},
	{
		displayName: 'Row Fields',
		name: 'listRowFields',
		type: 'collection',
		placeholder: 'Add Field Name',
		default: {},
		description:
			'Which field of each array entry holds the row’s ID, title, description and section',
		displayOptions: { show: { operation: ['sendList'], listRowsSource: ['json'] } },
		options: [
			{
				displayName: 'Description Field',
				name: 'description',
				type: 'string',
				default: 'description',
			},
			{ displayName: 'ID Field', name: 'id', type: 'string', default: 'id' },
			{ displayName: 'Section Field', name: 'section', type: 'string', default: 'section' },
			{ displayName: 'Title Field', name: 'title', type: 'string', default: 'title' },
		],
	},
	{
		displayName: 'Header Text',
		name: 'listHeader',
		type: 'string',
		default: '',
		description: 'Optional bold line above the body (up to 60 characters)',
		displayOptions: show,
	},
	{
		displayName: 'Footer',
		name: 'listFooter',
		type: 'string',
		default: '',
		description: 'Optional grey line below the body (up to 60 characters)',
		displayOptions: show,
	},
];

export const sendsMessage = true;
export const needsOpenWindow = true;

function readRows(fn: IExecuteFunctions, i: number): ListRow[] {
	if (readItemParameter(fn, 'listRowsSource', i, 'fields') === 'json') {
		const names = (readItemParameter(fn, 'listRowFields', i, {}) ?? {}) as IDataObject;
		const fields: RowFieldNames = { ...DEFAULT_ROW_FIELDS };
		for (const key of Object.keys(fields) as Array<keyof RowFieldNames>) {
			const name = typeof names[key] === 'string' ? (names[key] as string).trim() : '';
			if (name) fields[key] = name;
		}
		return listRowsFrom(readItemParameter(fn, 'listRowsJson', i, []), fields);
	}
	return ((readItemParameter(fn, 'listRows.row', i, []) ?? []) as IDataObject[]).map((row) => ({
		id: row.id,
		title: row.title,
		description: row.description,
		section: row.section,
	}));
}

export async function prepare(
	this: IExecuteFunctions,
	context: PrepareContext,
	i: number,
): Promise<PreparedSend> {
	const addressing = readAddressing(this, i);
	const { recipient, purposeSetting, unknownConsent, common } = addressing;
	const purpose = purposeOfSend(purposeSetting, null);
	const { body: bodyText, footer } = withInteractiveOptOut(this, i, purpose, {
		body: readItemParameter(this, 'listBody', i),
		footer: (readItemParameter(this, 'listFooter', i, '') as string) || undefined,
		bodyMax: LIMITS.listBody,
	});
	const button = readItemParameter(this, 'listButton', i);
	const body = buildListMessage(common, {
		body: bodyText,
		button,
		rows: readRows(this, i),
		headerText: (readItemParameter(this, 'listHeader', i, '') as string) || undefined,
		footer,
	});
	const sections = ((body.interactive as IDataObject).action as IDataObject).sections as Array<{
		rows: Array<{ title: string }>;
	}>;
	return {
		itemIndex: i,
		sender: context.sender,
		recipient,
		purpose,
		unknownConsent,
		body,
		renderedText: [
			String(bodyText),
			...(footer ? [footer] : []),
			`[${String(button)}: ${sections.flatMap((s) => s.rows.map((r) => r.title)).join(' | ')}]`,
		].join('\n'),
		windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'list'),
	};
}
