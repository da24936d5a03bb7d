/**
 * Meta's template management API: create (then review), get one, delete; and the status changes
 * of a template with their `message_template_status_update` webhook. Sends of a template are
 * checked in templates.ts; listing is in management.ts.
 */
import type { EmulatorCore } from '../core';
import { numericId } from '../ids';
import { isNonEmptyString, isRecord, type JsonRecord } from '../json';
import type { SeedTemplate, TemplateCategory, TemplateComponent } from '../seed';
import { graphErrors } from './errors';
import {
	ok,
	requestedFields,
	selectFields,
	type GraphRequest,
	type GraphResponse,
} from './request';

const categories: TemplateCategory[] = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];

/** Rejection reasons Meta documents for the webhook's `reason`. */
export const rejectionReasons = [
	'ABUSIVE_CONTENT',
	'CATEGORY_NOT_AVAILABLE',
	'INCORRECT_CATEGORY',
	'INVALID_FORMAT',
	'PROMOTIONAL',
	'SCAM',
	'TAG_CONTENT_MISMATCH',
];

/** The statuses the control API can force. */
export const forcibleStatuses = ['APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'] as const;
export type ForcibleStatus = (typeof forcibleStatuses)[number];

/** A template as the Graph API shows it: Meta's optional fields present, so `fields` may ask for them. */
export function templateNode(template: SeedTemplate): JsonRecord {
	return {
		...template,
		quality_score: template.quality_score ?? { score: 'UNKNOWN' },
		rejected_reason: template.rejected_reason ?? 'NONE',
		previous_category: undefined,
	} as unknown as JsonRecord;
}

const templateDefaultFields = ['id', 'name', 'language', 'status', 'category', 'components'];

/** GET /{version}/{template-id} */
export function getTemplate(
	_core: EmulatorCore,
	request: GraphRequest,
	template: SeedTemplate,
): GraphResponse {
	const fields = requestedFields(request, templateDefaultFields);
	return ok(selectFields(templateNode(template), fields, 'WhatsAppBusinessHSM'));
}

/** DELETE /{version}/{waba-id}/message_templates?name=…[&hsm_id=…] */
export function deleteTemplates(core: EmulatorCore, request: GraphRequest): GraphResponse {
	const name = request.params.name;
	if (!isNonEmptyString(name)) throw graphErrors.requiredParameter('name');
	const hsmId = request.params.hsm_id === undefined ? undefined : String(request.params.hsm_id);
	const doomed = core.state.templates.filter(
		(template) => template.name === name && (hsmId === undefined || template.id === hsmId),
	);
	if (doomed.length === 0) {
		throw graphErrors.templateInvalid(
			'Message template not found',
			hsmId === undefined
				? `There is no message template named ${name}.`
				: `There is no message template named ${name} with id ${hsmId}.`,
		);
	}
	for (const template of doomed) {
		core.state.templateReviews.get(template.id)?.cancel();
		core.state.templateReviews.delete(template.id);
	}
	core.state.templates = core.state.templates.filter((template) => !doomed.includes(template));
	core.log(`template ${name} deleted (${doomed.length} language(s))`);
	return ok({ success: true });
}

/** POST /{version}/{waba-id}/message_templates: checked as Meta checks before review, then PENDING. */
export function createTemplate(core: EmulatorCore, request: GraphRequest): GraphResponse {
	const template = checkCreation(core, request.params);
	core.state.templates.push(template);
	const review = core.scheduler.after(core.state.settings.templateReviewMs, () => {
		core.state.templateReviews.delete(template.id);
		const verdict = reviewVerdict(template);
		changeTemplateStatus(core, template, verdict.status, verdict.reason, verdict.rejectionInfo);
	});
	core.state.templateReviews.set(template.id, review);
	core.log(`template ${template.name} (${template.language}) created: PENDING review`);
	return ok({ id: template.id, status: template.status, category: template.category });
}

interface Verdict {
	status: 'APPROVED' | 'REJECTED';
	reason?: string;
	rejectionInfo?: { reason: string; recommendation: string };
}

const promotionalWords =
	/\b(sale|discount|offer|promo(tion)?|coupon|deal|% ?off|free gift|limited time)\b/i;
const variablePattern = /\{\{\s*[^{}]*?\s*\}\}/g;

/**
 * The emulator's review (documented in emulator/README.md): a name containing "reject" is
 * rejected (ABUSIVE_CONTENT), a UTILITY template that reads as a promotion is INCORRECT_CATEGORY,
 * a body with fewer than two words per variable is INVALID_FORMAT; everything else is approved.
 */
export function reviewVerdict(template: SeedTemplate): Verdict {
	if (template.name.includes('reject')) return { status: 'REJECTED', reason: 'ABUSIVE_CONTENT' };
	const body = template.components.find((component) => component.type === 'BODY')?.text ?? '';
	if (template.category === 'UTILITY' && promotionalWords.test(body)) {
		return { status: 'REJECTED', reason: 'INCORRECT_CATEGORY' };
	}
	const variables = body.match(variablePattern)?.length ?? 0;
	const words = body.replace(variablePattern, ' ').split(/\s+/).filter(Boolean).length;
	if (variables > 0 && words < 2 * variables) {
		return {
			status: 'REJECTED',
			reason: 'INVALID_FORMAT',
			rejectionInfo: {
				reason: `The template has ${variables} variable(s) but only ${words} word(s) of fixed text: too many variables for its length.`,
				recommendation: 'Add more fixed text around the variables, or use fewer variables.',
			},
		};
	}
	return { status: 'APPROVED' };
}

/**
 * Sets a template's status and tells the webhook, in the shape of Meta's
 * `message_template_status_update` reference: event, id (a number), name, language, reason,
 * category; `disable_info` when disabled, `other_info` when paused or unpaused, `rejection_info`
 * for INVALID_FORMAT.
 */
export function changeTemplateStatus(
	core: EmulatorCore,
	template: SeedTemplate,
	status: ForcibleStatus,
	reason?: string,
	rejectionInfo?: { reason: string; recommendation: string },
) {
	const now = core.clock.unixSeconds();
	const previous = template.status;
	template.status = status;
	template.rejected_reason = status === 'REJECTED' ? (reason ?? 'INVALID_FORMAT') : 'NONE';
	if (status === 'PAUSED' || status === 'DISABLED')
		template.quality_score = { score: 'RED', date: now };
	else if (previous === 'PAUSED') template.quality_score = { score: 'YELLOW', date: now };
	core.state.templateReviews.get(template.id)?.cancel();
	core.state.templateReviews.delete(template.id);
	const value: JsonRecord = {
		event: status,
		message_template_id: Number(template.id),
		message_template_name: template.name,
		message_template_language: template.language,
		reason: status === 'REJECTED' ? template.rejected_reason : 'NONE',
		message_template_category: template.category,
	};
	if (status === 'DISABLED') value.disable_info = { disable_date: now };
	if (status === 'PAUSED') {
		value.other_info = {
			title: 'FIRST_PAUSE',
			description:
				'Your WhatsApp message template has been paused for 3 hours because of low quality.',
		};
	} else if (status === 'APPROVED' && previous === 'PAUSED') {
		value.other_info = {
			title: 'UNPAUSE',
			description: 'Your WhatsApp message template has been unpaused.',
		};
	}
	if (status === 'REJECTED' && template.rejected_reason === 'INVALID_FORMAT') {
		value.rejection_info = rejectionInfo ?? {
			reason: 'The template does not follow the formatting rules.',
			recommendation: 'Review the template guidelines and submit it again.',
		};
	}
	core.log(`template ${template.name} (${template.language}): ${previous} → ${status}`);
	core.changes.notify();
	return core.dispatcher.dispatch({
		field: 'message_template_status_update',
		value,
		time: now,
	});
}

function invalid(title: string, message: string): never {
	throw graphErrors.templateInvalid(title, message);
}

const positional = /^[1-9]\d*$/;
const named = /^[a-z][a-z0-9_]*$/;

function variablesOf(text: string, where: string): string[] {
	const names: string[] = [];
	for (const match of text.matchAll(/\{\{([^{}]*)\}\}/g)) {
		const inner = match[1];
		if (!positional.test(inner) && !named.test(inner)) {
			invalid(
				'Invalid variable format',
				`The ${where} has the variable {{${inner}}}; use {{1}} or a name such as {{first_name}}.`,
			);
		}
		if (!names.includes(inner)) names.push(inner);
	}
	if (/\{\{|\}\}/.test(text.replace(/\{\{([^{}]*)\}\}/g, ''))) {
		invalid('Invalid variable format', `The ${where} has unbalanced braces.`);
	}
	return names;
}

function checkFormat(names: string[], format: SeedTemplate['parameter_format'], where: string) {
	const wrong = names.find((name) =>
		format === 'NAMED' ? !named.test(name) : !positional.test(name),
	);
	if (wrong !== undefined) {
		invalid(
			'Parameter format does not match',
			`The ${where} has {{${wrong}}} but parameter_format is ${format}.`,
		);
	}
	if (format === 'POSITIONAL') {
		const sorted = names.map(Number).sort((a, b) => a - b);
		if (sorted.some((n, k) => n !== k + 1)) {
			invalid(
				'Variable parameters are not sequential',
				`The ${where} has variables ${sorted.map((n) => `{{${n}}}`).join(', ')}; number them {{1}}, {{2}}… without gaps.`,
			);
		}
	}
}

function examples(
	component: JsonRecord,
	names: string[],
	format: SeedTemplate['parameter_format'],
	kind: 'body' | 'header',
): void {
	if (names.length === 0) return;
	const example = isRecord(component.example) ? component.example : {};
	const missing = () =>
		invalid(
			'Message template is missing examples',
			`The ${kind} has ${names.length} variable(s); give an example for each in example.${kind}_text${format === 'NAMED' ? '_named_params' : ''}.`,
		);
	if (format === 'NAMED') {
		const list = example[`${kind}_text_named_params`];
		if (!Array.isArray(list)) missing();
		for (const name of names) {
			const entry = (list as unknown[]).find(
				(item) => isRecord(item) && item.param_name === name,
			) as JsonRecord | undefined;
			if (!entry || !isNonEmptyString(entry.example)) missing();
		}
		return;
	}
	const raw = example[`${kind}_text`];
	const values = kind === 'body' && Array.isArray(raw) ? raw[0] : raw;
	if (
		!Array.isArray(values) ||
		values.length !== names.length ||
		values.some((value) => !isNonEmptyString(value))
	) {
		missing();
	}
}

function checkBody(component: JsonRecord, format: SeedTemplate['parameter_format']) {
	const text = component.text;
	if (!isNonEmptyString(text)) throw graphErrors.requiredParameter("components['BODY']['text']");
	if (text.length > 1024) {
		invalid('Body text is too long', `The body has ${text.length} characters; the limit is 1024.`);
	}
	const names = variablesOf(text, 'body');
	checkFormat(names, format, 'body');
	const trimmed = text.trim();
	if (/^\{\{[^{}]*\}\}/.test(trimmed) || /\{\{[^{}]*\}\}$/.test(trimmed)) {
		invalid(
			"Variables can't be at the start or end of the template",
			'Variables can’t be at the start or end of the message body. Add text before the first variable and after the last one.',
		);
	}
	examples(component, names, format, 'body');
}

function checkHeader(component: JsonRecord, format: SeedTemplate['parameter_format']) {
	const headerFormat = String(component.format ?? '');
	if (!['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'].includes(headerFormat)) {
		throw graphErrors.invalidParameter(
			`Param components['HEADER']['format'] must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.`,
		);
	}
	if (headerFormat === 'TEXT') {
		const text = component.text;
		if (!isNonEmptyString(text))
			throw graphErrors.requiredParameter("components['HEADER']['text']");
		if (text.length > 60) invalid('Header text is too long', 'The header allows 60 characters.');
		const names = variablesOf(text, 'header');
		if (names.length > 1) invalid('Too many variables', 'The header allows one variable.');
		checkFormat(names, format, 'header');
		examples(component, names, format, 'header');
		return;
	}
	if (headerFormat === 'LOCATION') return;
	const example = isRecord(component.example) ? component.example.header_handle : undefined;
	if (!Array.isArray(example) || !isNonEmptyString(example[0])) {
		invalid(
			'Message template is missing examples',
			`A ${headerFormat} header needs example.header_handle: the handle of a sample file.`,
		);
	}
}

function checkButtons(component: JsonRecord) {
	const buttons = component.buttons;
	if (!Array.isArray(buttons) || buttons.length === 0) {
		throw graphErrors.requiredParameter("components['BUTTONS']['buttons']");
	}
	if (buttons.length > 10) {
		invalid('Too many buttons', `The template has ${buttons.length} buttons; the limit is 10.`);
	}
	const types = buttons.map((button) => (isRecord(button) ? String(button.type) : ''));
	const count = (type: string) => types.filter((t) => t === type).length;
	for (const [type, max] of [
		['URL', 2],
		['PHONE_NUMBER', 1],
		['COPY_CODE', 1],
	] as const) {
		if (count(type) > max) {
			invalid(
				'Too many buttons',
				`The template has ${count(type)} ${type} buttons; the limit is ${max}.`,
			);
		}
	}
	const first = types.indexOf('QUICK_REPLY');
	const last = types.lastIndexOf('QUICK_REPLY');
	if (first >= 0 && types.slice(first, last + 1).some((t) => t !== 'QUICK_REPLY')) {
		invalid(
			'Invalid button order',
			'Quick reply buttons must be grouped together, before or after the other buttons.',
		);
	}
	buttons.forEach((button, index) => {
		if (!isRecord(button)) throw graphErrors.invalidParameter(`Button ${index} is not an object.`);
		const type = String(button.type);
		if (!['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP'].includes(type)) {
			throw graphErrors.invalidParameter(`Button ${index} has the unknown type ${type}.`);
		}
		if (type !== 'COPY_CODE' && type !== 'OTP') {
			if (!isNonEmptyString(button.text) || button.text.length > 25) {
				invalid('Invalid button text', `Button ${index} needs a text of 1 to 25 characters.`);
			}
		}
		if (type === 'URL') {
			const url = String(button.url ?? '');
			if (!/^https?:\/\/\S+$/.test(url))
				invalid('Invalid URL', `Button ${index} needs a web address.`);
			if (/\{\{/.test(url)) {
				if (!/\{\{1\}\}$/.test(url) || (url.match(/\{\{/g) ?? []).length > 1) {
					invalid('Invalid URL', `Button ${index}: one variable {{1}}, at the end of the address.`);
				}
				if (!Array.isArray(button.example) || !isNonEmptyString(button.example[0])) {
					invalid(
						'Message template is missing examples',
						`Button ${index}'s URL variable needs an example.`,
					);
				}
			}
		}
		if (type === 'PHONE_NUMBER' && !/^\+?\d{5,20}$/.test(String(button.phone_number ?? ''))) {
			invalid(
				'Invalid phone number',
				`Button ${index} needs a phone number with its country code.`,
			);
		}
		if (type === 'COPY_CODE' && !isNonEmptyString(button.example)) {
			invalid(
				'Message template is missing examples',
				`Button ${index} (copy code) needs an example code.`,
			);
		}
	});
}

function checkCreation(core: EmulatorCore, params: JsonRecord): SeedTemplate {
	const { name, language, category, components } = params;
	if (!isNonEmptyString(name)) throw graphErrors.requiredParameter('name');
	if (!isNonEmptyString(language)) throw graphErrors.requiredParameter('language');
	if (!isNonEmptyString(category)) throw graphErrors.requiredParameter('category');
	if (components === undefined) throw graphErrors.requiredParameter('components');
	if (!/^[a-z0-9_]+$/.test(name) || name.length > 512) {
		invalid(
			'Invalid template name',
			'Template names can only contain lowercase letters, numbers and underscores, up to 512 characters.',
		);
	}
	if (!/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/.test(language)) {
		throw graphErrors.invalidParameter(
			`Param language "${language}" is not a supported language code.`,
		);
	}
	if (!categories.includes(category as TemplateCategory)) {
		throw graphErrors.invalidParameter(
			`Param category must be one of ${categories.join(', ')} (got ${category}).`,
		);
	}
	if (core.state.templates.some((t) => t.name === name && t.language === language)) {
		throw graphErrors.templateInvalid(
			'Content in This Language Already Exists',
			`There's already ${language} content for this template. You can create a new template and try again.`,
			2388024,
		);
	}
	if (!Array.isArray(components) || components.some((c) => !isRecord(c))) {
		throw graphErrors.invalidParameter('Param components must be a list of component objects.');
	}
	const format: SeedTemplate['parameter_format'] =
		params.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL';
	const list = (components as JsonRecord[]).map((component): JsonRecord & { type: string } => ({
		...component,
		type: String(component.type ?? '').toUpperCase(),
	}));
	const byType = (type: string) => list.filter((component) => component.type === type);
	const unknown = list.find((c) => !['HEADER', 'BODY', 'FOOTER', 'BUTTONS'].includes(c.type));
	if (unknown) throw graphErrors.invalidParameter(`Unknown component type ${unknown.type}.`);
	for (const type of ['HEADER', 'BODY', 'FOOTER', 'BUTTONS']) {
		if (byType(type).length > 1)
			throw graphErrors.invalidParameter(`More than one ${type} component.`);
	}
	const [body] = byType('BODY');
	if (!body) throw graphErrors.requiredParameter("components['BODY']");
	if (category !== 'AUTHENTICATION') {
		checkBody(body, format);
		const [header] = byType('HEADER');
		if (header) checkHeader(header, format);
		const [footer] = byType('FOOTER');
		if (footer) {
			if (!isNonEmptyString(footer.text) || footer.text.length > 60 || /\{\{/.test(footer.text)) {
				invalid(
					'Invalid footer',
					'The footer is fixed text of 1 to 60 characters, without variables.',
				);
			}
		}
	}
	const [buttons] = byType('BUTTONS');
	if (buttons) checkButtons(buttons);
	return {
		id: numericId(),
		name,
		language,
		category: category as TemplateCategory,
		status: 'PENDING',
		parameter_format: format,
		components: list as unknown as TemplateComponent[],
		quality_score: { score: 'UNKNOWN' },
		rejected_reason: 'NONE',
	};
}
