import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { marketingTemplateWarnings, purposeOfSend } from '../../../../lib/core/consentPolicy';
import { templateProperty, templateVariablesProperty } from '../../../helpers/template';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareTemplateMessage } from './templateMessage';

const show = { show: { operation: ['sendTemplate'] } };

export const option: SendOperation['option'] = {
	name: 'Send Template',
	value: 'sendTemplate',
	description:
		'Send an approved template with its variables mapped (works outside the 24-hour window)',
	action: 'Send a template',
};

export const description: INodeProperties[] = [
	{ ...templateProperty, displayOptions: show },
	{ ...templateVariablesProperty, required: true, displayOptions: show },
	{
		displayName:
			'A MARKETING template should have a quick-reply button that stops promotions (e.g. “Stop promotions”), which the trigger records as an opt-out. Without one, each output item gets a warning in <code>warnings</code>.',
		name: 'marketingOptOutNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['sendTemplate'], purpose: ['auto', 'marketing'] } },
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

export const sendsMessage = true;
/** Templates are how a business writes first, so they also reach customers outside the window. */
export const needsOpenWindow = false;

export async function prepare(
	this: IExecuteFunctions,
	context: PrepareContext,
	i: number,
): Promise<PreparedSend> {
	const { recipient, purposeSetting, unknownConsent, common } = readAddressing(this, i);
	const { template, renderedText, body, components } = await prepareTemplateMessage(
		this,
		context,
		i,
		common,
	);
	const name = (readItemParameter(this, 'recipientName', i, '') as string) || undefined;
	const warnings = marketingTemplateWarnings(template, components);
	return {
		itemIndex: i,
		sender: context.sender,
		recipient: { ...recipient, name },
		purpose: purposeOfSend(purposeSetting, template.category),
		unknownConsent,
		template,
		renderedText,
		body,
		...(warnings.length > 0 ? { warnings } : {}),
	};
}
