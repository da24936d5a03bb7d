import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import { FieldError } from '../../../../lib/core/fieldError';
import { buildTemplateMessage } from '../../../../lib/core/messages';
import { buildTemplateComponents } from '../../../../lib/core/templates';
import { templateProperty, templateVariablesProperty } from '../../../helpers/template';
import { findTemplate } from '../../../helpers/templateLookup';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';

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
	{ client, sender, once }: PrepareContext,
	i: number,
): Promise<PreparedSend> {
	const { recipient, purposeSetting, unknownConsent, common } = readAddressing(this, i);
	const ref = String(
		readItemParameter(this, 'template', i, '', { extractValue: true }) ?? '',
	).trim();
	if (!ref) throw new FieldError('Template', ref, 'is empty', 'Pick an approved template.');
	const template = await once(`template:${ref}`, () => findTemplate(client, ref));
	const values = (readItemParameter(this, 'variables.value', i, {}) ?? {}) as IDataObject;
	const plan = buildTemplateComponents(template, values);
	if (plan.problems.length > 0) {
		const first = plan.problems[0];
		throw new FieldError(
			`Variable "${first.slotId}" of template "${template.name}" (${template.language})`,
			values[first.slotId] ?? '',
			first.message,
			plan.problems.length > 1
				? `Fix all ${plan.problems.length} variables: ${plan.problems.map((p) => `${p.slotId}: ${p.message}`).join('; ')}.`
				: 'Map a valid value for this variable.',
		);
	}
	const name = (readItemParameter(this, 'recipientName', i, '') as string) || undefined;
	return {
		itemIndex: i,
		sender,
		recipient: { ...recipient, name },
		purpose: purposeOfSend(purposeSetting, template.category),
		unknownConsent,
		template,
		renderedText: plan.rendered,
		body: buildTemplateMessage(common, {
			name: template.name,
			language: template.language,
			components: plan.components,
		}),
	};
}
