import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { marketingTemplateWarnings, purposeOfSend } from '../../../../lib/core/consentPolicy';
import { templateProperty, templateVariablesProperty } from '../../../helpers/template';
import { FieldError } from '../../../../lib/core/fieldError';
import { readItemParameter } from '../../../helpers/itemParameter';
import { HaltedTemplateError } from '../../../helpers/templateLookup';
import { triggerConsentKeywords } from '../consent';
import { SkipBeforeSending } from '../items';
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
	{
		displayName: 'When the Template Is Paused',
		name: 'whenTemplatePaused',
		type: 'options',
		default: 'fail',
		description:
			'What happens to an item whose template Meta paused (low quality) or disabled: Meta would refuse the send',
		options: [
			{
				name: 'Fail the Item',
				value: 'fail',
				description: 'An error naming the template, its status and the reason',
			},
			{
				name: 'Skip the Item',
				value: 'skip',
				description: 'An output item with skipped: true and the reason; the other items go on',
			},
		],
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
	const name = (readItemParameter(this, 'recipientName', i, '') as string) || undefined;
	const whenPaused = readItemParameter(this, 'whenTemplatePaused', i, 'fail');
	if (whenPaused !== 'fail' && whenPaused !== 'skip') {
		throw new FieldError(
			'When the Template Is Paused',
			whenPaused,
			'is not a known choice',
			'Use "fail" (Fail the Item) or "skip" (Skip the Item).',
		);
	}
	const prepared = await prepareTemplateMessage(this, context, i, common).then(
		(message) => ({ message }),
		(error: unknown) => ({ error }),
	);
	if ('error' in prepared) {
		const { error } = prepared;
		if (!(error instanceof HaltedTemplateError) || whenPaused !== 'skip') throw error;
		throw new SkipBeforeSending(
			`Not sent: ${error.reason}. ${error.fix}`,
			{
				itemIndex: i,
				sender: context.sender,
				recipient: { ...recipient, name },
				body: { type: 'template' },
				template: error.template,
				purpose: purposeOfSend(purposeSetting, error.template.category),
			},
			{ templateStatus: error.status },
		);
	}
	const { template, renderedText, body, components } = prepared.message;
	const keywords =
		template.category.toUpperCase() === 'MARKETING'
			? await context.once('triggerConsentKeywords', () =>
					triggerConsentKeywords(context.client.credentials, this.logger),
				)
			: undefined;
	const warnings = marketingTemplateWarnings(template, components, keywords);
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
