import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import { FieldError } from '../../../../lib/core/fieldError';
import { buildTemplateMessage } from '../../../../lib/core/messages';
import { buildTemplateComponents, type MessageTemplate } from '../../../../lib/core/templates';
import { readItemParameter } from '../../../helpers/itemParameter';
import { findTemplate } from '../../../helpers/templateLookup';
import type { FreeFormKind, PrepareContext, WindowClosedTemplate } from '../types';
import type { Addressing } from './addressing';

/** A template message of one item, checked: the definition, the request and what the customer reads. */
export interface TemplateMessage {
	template: MessageTemplate;
	body: Record<string, unknown>;
	renderedText: string;
	/** The request's components, with the mapped values (quick-reply payloads among them). */
	components: Array<Record<string, unknown>>;
}

/**
 * Reads the Template picker and its Variables mapper (`template`, `variables`) of item `i` and
 * builds the request: the template is looked up once per execution, every mapped value is checked
 * before anything is sent. Send Template and the window-closed template of the free-form
 * operations share it; `field` is the picker's name in the editor, for the errors.
 */
export async function prepareTemplateMessage(
	fn: IExecuteFunctions,
	{ client, once }: PrepareContext,
	i: number,
	common: Addressing['common'],
	field = 'Template',
): Promise<TemplateMessage> {
	const ref = String(readItemParameter(fn, 'template', i, '', { extractValue: true }) ?? '').trim();
	if (!ref) throw new FieldError(field, ref, 'is empty', 'Pick an approved template.');
	const template = await once(`template:${field}:${ref}`, () => findTemplate(client, ref, field));
	const values = (readItemParameter(fn, 'variables.value', i, {}) ?? {}) as IDataObject;
	const plan = buildTemplateComponents(template, values);
	if (plan.problems.length > 0) {
		const first = plan.problems[0];
		const variable = `Variable "${first.slotId}" of template "${template.name}" (${template.language})`;
		throw new FieldError(
			field === 'Template' ? variable : `${field}: ${variable}`,
			values[first.slotId] ?? '',
			first.message,
			plan.problems.length > 1
				? `Fix all ${plan.problems.length} variables: ${plan.problems.map((p) => `${p.slotId}: ${p.message}`).join('; ')}.`
				: 'Map a valid value for this variable.',
		);
	}
	return {
		template,
		renderedText: plan.rendered,
		components: plan.components,
		body: buildTemplateMessage(common, {
			name: template.name,
			language: template.language,
			components: plan.components,
		}),
	};
}

/** The editor's name of the window-closed template picker (descriptions/windowClosed.ts). */
const WINDOW_CLOSED_TEMPLATE_FIELD = 'Template Outside the Window';

/**
 * The template a free-form message (Send Text, Buttons, Media) is replaced by when the contact's
 * 24-hour window is closed, or undefined when a closed window fails the item ("Fail the Item",
 * the default). Prepared with the item, whatever its window, so a wrong variable fails before
 * anything is sent, as in Send Template; its purpose is the one Send Template would give it.
 */
export async function prepareWindowClosedTemplate(
	fn: IExecuteFunctions,
	context: PrepareContext,
	i: number,
	{ common, purposeSetting }: Pick<Addressing, 'common' | 'purposeSetting'>,
	freeForm: FreeFormKind,
): Promise<WindowClosedTemplate | undefined> {
	const choice = readItemParameter(fn, 'windowClosed', i, 'fail');
	if (choice === 'fail') return undefined;
	if (choice !== 'sendTemplate') {
		throw new FieldError(
			'When the Window Is Closed',
			choice,
			'is not a known choice',
			'Use "fail" (Fail the Item) or "sendTemplate" (Send a Template Instead).',
		);
	}
	const message = await prepareTemplateMessage(
		fn,
		context,
		i,
		common,
		WINDOW_CLOSED_TEMPLATE_FIELD,
	);
	return {
		...message,
		purpose: purposeOfSend(purposeSetting, message.template.category),
		freeForm,
	};
}
