import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import { buildButtonsMessage, LIMITS } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import { withInteractiveOptOut } from '../consent';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['sendButtons'] } };

export const option: SendOperation['option'] = {
	name: 'Send Buttons',
	value: 'sendButtons',
	description: 'Send a message with up to 3 reply buttons (within the 24-hour window)',
	action: 'Send reply buttons',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Body Text',
		name: 'buttonsBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		description: 'The text above the buttons (up to 1,024 characters)',
		displayOptions: show,
	},
	{
		displayName: 'Buttons',
		name: 'buttons',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, maxAllowedFields: 3 },
		default: {},
		placeholder: 'Add Button',
		description:
			'One to three reply buttons; the customer’s tap arrives in the trigger with the button ID',
		displayOptions: show,
		options: [
			{
				displayName: 'Button',
				name: 'button',
				values: [
					{
						displayName: 'Title',
						name: 'title',
						type: 'string',
						default: '',
						description: 'Up to 20 characters',
					},
					{
						displayName: 'ID',
						name: 'id',
						type: 'string',
						default: '',
						description: 'Returned when tapped (defaults to the title)',
					},
				],
			},
		],
	},
	{
		displayName: 'Header Text',
		name: 'buttonsHeader',
		type: 'string',
		default: '',
		description: 'Optional bold line above the body (up to 60 characters)',
		displayOptions: show,
	},
	{
		displayName: 'Footer',
		name: 'buttonsFooter',
		type: 'string',
		default: '',
		description: 'Optional grey line below the body (up to 60 characters)',
		displayOptions: show,
	},
];

export const sendsMessage = true;
export const needsOpenWindow = true;

export async function prepare(
	this: IExecuteFunctions,
	context: PrepareContext,
	i: number,
): Promise<PreparedSend> {
	const addressing = readAddressing(this, i);
	const { recipient, purposeSetting, unknownConsent, common } = addressing;
	const buttons = ((readItemParameter(this, 'buttons.button', i, []) ?? []) as IDataObject[]).map(
		(b) => ({
			title: String(b.title ?? ''),
			id: b.id ? String(b.id) : undefined,
		}),
	);
	const purpose = purposeOfSend(purposeSetting, null);
	const { body: bodyText, footer } = withInteractiveOptOut(this, i, purpose, {
		body: readItemParameter(this, 'buttonsBody', i),
		footer: (readItemParameter(this, 'buttonsFooter', i, '') as string) || undefined,
		bodyMax: LIMITS.interactiveBody,
	});
	const body = buildButtonsMessage(common, {
		body: bodyText,
		buttons,
		headerText: (readItemParameter(this, 'buttonsHeader', i, '') as string) || undefined,
		footer,
	});
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
			...buttons.map((b) => `[${b.title}]`),
		].join('\n'),
		windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'buttons'),
	};
}
