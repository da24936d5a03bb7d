import { FieldError } from '../../lib/core/fieldError';
import { haltedTemplate, type MessageTemplate, parseTemplateRef } from '../../lib/core/templates';
import type { GraphClient } from '../../lib/transport/graphApi';

/**
 * Finds one template by `name|language` (or a bare name with a single language). Throws a
 * FieldError naming what exists, so "template not found" tells the user what to pick instead;
 * `field` is the picker's name in the editor (the send node has a second one, for closed windows).
 */
export async function findTemplate(
	client: GraphClient,
	ref: string,
	field = 'Template',
): Promise<MessageTemplate> {
	const { name, language } = parseTemplateRef(ref);
	const sameName = (await client.listTemplates({ name })).filter((t) => t.name === name);
	return pickTemplate(sameName, ref, name, language, field);
}

/**
 * A template Meta paused or disabled: an input error (it names the template, its status and the
 * reason) that the send node may turn into a skipped item ("When the Template Is Paused").
 */
export class HaltedTemplateError extends FieldError {
	constructor(
		field: string,
		ref: string,
		readonly template: MessageTemplate,
		readonly status: string,
		readonly reason: string,
		fix: string,
	) {
		super(field, ref, `is ${status}: ${reason}`, fix);
		this.name = 'HaltedTemplateError';
	}
}

/** The one template `name` (in `language`, or its only language) among `sameName`, whatever its status. */
export function matchTemplate(
	sameName: MessageTemplate[],
	ref: string,
	name: string,
	language: string | undefined,
	field = 'Template',
): MessageTemplate {
	if (sameName.length === 0) {
		throw new FieldError(
			field,
			ref,
			`not found: the account has no template named "${name}"`,
			'Pick an approved template from the list, or check the spelling (names are lower case with underscores).',
		);
	}
	const candidates = language ? sameName.filter((t) => t.language === language) : sameName;
	if (candidates.length === 0) {
		throw new FieldError(
			field,
			ref,
			`not found in language "${language}"`,
			`Use one of its languages: ${sameName.map((t) => t.language).join(', ')}.`,
		);
	}
	if (candidates.length > 1) {
		throw new FieldError(
			field,
			ref,
			'exists in several languages',
			`Add the language: ${candidates.map((t) => `${name}|${t.language}`).join(' or ')}.`,
		);
	}
	return candidates[0];
}

/** As `matchTemplate`, and the template must be APPROVED (a paused or disabled one: HaltedTemplateError). */
export function pickTemplate(
	sameName: MessageTemplate[],
	ref: string,
	name: string,
	language: string | undefined,
	field = 'Template',
): MessageTemplate {
	const template = matchTemplate(sameName, ref, name, language, field);
	const halted = haltedTemplate(template);
	if (halted) {
		throw new HaltedTemplateError(field, ref, template, halted.status, halted.reason, halted.fix);
	}
	if (template.status.toUpperCase() !== 'APPROVED') {
		throw new FieldError(
			field,
			ref,
			`is ${template.status}, not APPROVED`,
			'Only approved templates can be sent; wait for approval or pick another template.',
		);
	}
	return template;
}
