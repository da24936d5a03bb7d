import { isNonEmptyString, isRecord, type JsonRecord } from '../json';
import type { SeedTemplate, TemplateButton, TemplateComponent } from '../seed';
import type { ReplyOption } from '../state';
import { GraphError, graphErrors } from './errors';
import { checkHttpUrl } from './media-objects';

export interface CheckedTemplate {
	renderedText: string;
	replyOptions: ReplyOption[];
}

const positionalPlaceholder = /\{\{\s*(\d+)\s*\}\}/g;
const namedPlaceholder = /\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g;
const maxBodyLength = 1024;

/** Placeholder names in order: "1", "2"… for positional templates, "first_name"… for named ones. */
export function placeholderNames(
	text: string | undefined,
	format: SeedTemplate['parameter_format'],
): string[] {
	if (!text) return [];
	const pattern = format === 'NAMED' ? namedPlaceholder : positionalPlaceholder;
	const names = [...text.matchAll(pattern)].map((match) => match[1]);
	const unique = [...new Set(names)];
	return format === 'NAMED' ? unique : unique.sort((a, b) => Number(a) - Number(b));
}

function fill(
	text: string,
	values: Map<string, string>,
	format: SeedTemplate['parameter_format'],
): string {
	const pattern = format === 'NAMED' ? namedPlaceholder : positionalPlaceholder;
	return text.replace(pattern, (whole, name: string) => values.get(name) ?? whole);
}

interface GivenComponents {
	header?: JsonRecord[];
	body?: JsonRecord[];
	buttons: Map<number, { subType: string; parameters: JsonRecord[] }>;
}

function parameterList(component: JsonRecord, path: string): JsonRecord[] {
	const parameters = component.parameters ?? [];
	if (!Array.isArray(parameters) || parameters.some((parameter) => !isRecord(parameter))) {
		throw graphErrors.invalidParameter(
			`Param ${path}['parameters'] must be a list of parameter objects.`,
		);
	}
	return parameters as JsonRecord[];
}

function readComponents(components: unknown): GivenComponents {
	const given: GivenComponents = { buttons: new Map() };
	if (components === undefined) return given;
	if (!Array.isArray(components)) {
		throw graphErrors.invalidParameter("Param template['components'] must be a list.");
	}
	components.forEach((component, index) => {
		const path = `template['components'][${index}]`;
		if (!isRecord(component) || typeof component.type !== 'string') {
			throw graphErrors.requiredParameter(`${path}['type']`);
		}
		const type = component.type.toLowerCase();
		const parameters = parameterList(component, path);
		if (type === 'header' || type === 'body') {
			if (given[type])
				throw graphErrors.invalidParameter(`The template has more than one ${type} component.`);
			given[type] = parameters;
			return;
		}
		if (type !== 'button') {
			throw graphErrors.parameterValueNotValid(
				`Component type ${component.type} is not supported by the emulator; use header, body or button.`,
			);
		}
		const buttonIndex = Number(component.index);
		if (component.index === undefined || !Number.isInteger(buttonIndex) || buttonIndex < 0) {
			throw graphErrors.invalidParameter(
				`Param ${path}['index'] must be a button index such as "0".`,
			);
		}
		if (given.buttons.has(buttonIndex)) {
			throw graphErrors.invalidParameter(`Two button components use index ${buttonIndex}.`);
		}
		if (typeof component.sub_type !== 'string')
			throw graphErrors.requiredParameter(`${path}['sub_type']`);
		given.buttons.set(buttonIndex, { subType: component.sub_type.toLowerCase(), parameters });
	});
	return given;
}

function checkTextValue(parameter: JsonRecord, where: string): string {
	if (!isNonEmptyString(parameter.text)) {
		throw graphErrors.invalidParameter(
			`${where}: the text parameter needs a non-empty string in "text".`,
		);
	}
	if (/[\n\t]/.test(parameter.text) || / {5,}/.test(parameter.text)) {
		throw graphErrors.parameterFormat(
			`${where}: Param text cannot have new-line/tab characters or more than 4 consecutive spaces`,
		);
	}
	return parameter.text;
}

/** A body or text-header parameter as the text it puts in the message. */
function textOf(parameter: JsonRecord, where: string): string {
	switch (parameter.type) {
		case 'text':
			return checkTextValue(parameter, where);
		case 'currency':
		case 'date_time': {
			const value = parameter[parameter.type];
			if (!isRecord(value) || !isNonEmptyString(value.fallback_value)) {
				throw graphErrors.invalidParameter(`${where}: ${parameter.type} needs a fallback_value.`);
			}
			if (
				parameter.type === 'currency' &&
				(typeof value.amount_1000 !== 'number' || !isNonEmptyString(value.code))
			) {
				throw graphErrors.invalidParameter(`${where}: currency needs code and amount_1000.`);
			}
			return value.fallback_value;
		}
		default:
			throw graphErrors.parameterFormat(
				`${where}: parameter type ${String(parameter.type)} does not fit a text placeholder; use text, currency or date_time.`,
			);
	}
}

/** Maps parameters to placeholder names, positional (in order) or named (by parameter_name). */
function bindParameters(
	parameters: JsonRecord[],
	names: string[],
	format: SeedTemplate['parameter_format'],
	component: string,
): Map<string, string> {
	if (parameters.length !== names.length) {
		throw graphErrors.parameterCount(component, parameters.length, names.length);
	}
	const values = new Map<string, string>();
	parameters.forEach((parameter, index) => {
		const where = `${component} parameter ${index + 1}`;
		const name = parameter.parameter_name;
		if (format === 'POSITIONAL') {
			if (name !== undefined) {
				throw graphErrors.parameterFormat(
					`${where}: parameter_name "${String(name)}" given, but the template uses positional parameters ({{1}}, {{2}}…); remove parameter_name.`,
				);
			}
			values.set(names[index], textOf(parameter, where));
			return;
		}
		if (typeof name !== 'string' || !names.includes(name)) {
			throw graphErrors.parameterFormat(
				`${where}: the template uses named parameters; parameter_name must be one of ${names.join(', ')} (got ${name === undefined ? 'none' : JSON.stringify(name)}).`,
			);
		}
		if (values.has(name))
			throw graphErrors.parameterFormat(`${where}: parameter_name "${name}" is given twice.`);
		values.set(name, textOf(parameter, where));
	});
	return values;
}

function checkHeader(
	template: SeedTemplate,
	header: TemplateComponent | undefined,
	given: JsonRecord[] = [],
): string | undefined {
	if (!header) {
		if (given.length > 0) throw graphErrors.parameterCount('header', given.length, 0);
		return undefined;
	}
	if (header.format === 'TEXT') {
		const names = placeholderNames(header.text, template.parameter_format);
		return fill(
			header.text ?? '',
			bindParameters(given, names, template.parameter_format, 'header'),
			template.parameter_format,
		);
	}
	if (given.length !== 1) throw graphErrors.parameterCount('header', given.length, 1);
	const [parameter] = given;
	const expectedType = String(header.format).toLowerCase();
	if (parameter.type !== expectedType) {
		throw graphErrors.parameterFormat(
			`header: the template has a ${header.format} header, so the parameter type must be ${expectedType} (got ${String(parameter.type)}).`,
		);
	}
	const value = parameter[expectedType];
	if (expectedType === 'location') {
		if (
			!isRecord(value) ||
			typeof value.latitude !== 'number' ||
			typeof value.longitude !== 'number'
		) {
			throw graphErrors.invalidParameter('header: location needs numeric latitude and longitude.');
		}
		return `[location ${value.latitude},${value.longitude}]`;
	}
	if (!isRecord(value) || (value.link === undefined && value.id === undefined)) {
		throw graphErrors.invalidParameter(`header: ${expectedType} needs a link or an id.`);
	}
	if (value.link !== undefined) checkHttpUrl(value.link, `header ${expectedType} link`);
	return `[${expectedType} ${String(value.link ?? value.id)}]`;
}

const subTypeOf: Record<TemplateButton['type'], string | undefined> = {
	QUICK_REPLY: 'quick_reply',
	URL: 'url',
	COPY_CODE: 'copy_code',
	FLOW: 'flow',
	CATALOG: 'catalog',
	OTP: 'url',
	PHONE_NUMBER: undefined,
};

interface CheckedButton {
	line: string;
	replyOption?: ReplyOption;
}

function checkButton(
	button: TemplateButton,
	index: number,
	given: { subType: string; parameters: JsonRecord[] } | undefined,
): CheckedButton {
	const component = `button[${index}]`;
	const expectedSubType = subTypeOf[button.type];
	if (given && given.subType !== expectedSubType) {
		throw graphErrors.parameterFormat(
			`${component}: the template's button ${index} is ${button.type}, so sub_type must be ${expectedSubType ?? '(none: it takes no parameters)'} (got ${given.subType}).`,
		);
	}
	const parameters = given?.parameters ?? [];
	if (button.type === 'URL' || button.type === 'OTP') {
		const dynamic = placeholderNames(button.url, 'POSITIONAL').length > 0;
		if (parameters.length !== (dynamic ? 1 : 0)) {
			throw graphErrors.parameterCount(component, parameters.length, dynamic ? 1 : 0);
		}
		const suffix = dynamic ? checkTextValue(parameters[0], component) : '';
		const url = (button.url ?? '').replace(positionalPlaceholder, suffix);
		return { line: `[${button.text} → ${url}]` };
	}
	if (button.type === 'QUICK_REPLY') {
		if (parameters.length > 1) throw graphErrors.parameterCount(component, parameters.length, 1);
		const [parameter] = parameters;
		if (parameter && (parameter.type !== 'payload' || typeof parameter.payload !== 'string')) {
			throw graphErrors.parameterFormat(
				`${component}: a quick reply button takes one parameter {"type":"payload","payload":"…"}.`,
			);
		}
		const payload = parameter ? String(parameter.payload) : button.text;
		return {
			line: `[${button.text}]`,
			replyOption: { kind: 'quick_reply', id: payload, title: button.text },
		};
	}
	if (button.type === 'COPY_CODE') {
		const [parameter] = parameters;
		if (parameters.length !== 1) throw graphErrors.parameterCount(component, parameters.length, 1);
		if (parameter.type !== 'coupon_code' || !isNonEmptyString(parameter.coupon_code)) {
			throw graphErrors.parameterFormat(
				`${component}: a copy code button takes {"type":"coupon_code","coupon_code":"…"}.`,
			);
		}
		return { line: `[${button.text}: ${parameter.coupon_code}]` };
	}
	if (parameters.length > 1) throw graphErrors.parameterCount(component, parameters.length, 1);
	return { line: `[${button.text}]` };
}

/**
 * Checks a send against the template as Meta does (component by component: count 132000, format
 * 132012) and renders the text the customer would see.
 */
export function checkTemplateSend(template: SeedTemplate, components: unknown): CheckedTemplate {
	const given = readComponents(components);
	const find = (type: TemplateComponent['type']) =>
		template.components.find((component) => component.type === type);
	const body = find('BODY') as TemplateComponent;
	const footer = find('FOOTER');
	const templateButtons = find('BUTTONS')?.buttons ?? [];

	const headerText = checkHeader(template, find('HEADER'), given.header);
	const bodyNames = placeholderNames(body.text, template.parameter_format);
	const bodyText = fill(
		body.text ?? '',
		bindParameters(given.body ?? [], bodyNames, template.parameter_format, 'body'),
		template.parameter_format,
	);
	if (bodyText.length > maxBodyLength) throw graphErrors.hydratedTextTooLong(bodyText.length);

	for (const index of given.buttons.keys()) {
		if (index >= templateButtons.length) {
			throw graphErrors.invalidParameter(
				`button index ${index}: template ${template.name} has ${templateButtons.length} button(s).`,
			);
		}
	}
	const buttons = templateButtons.map((button, index) =>
		checkButton(button, index, given.buttons.get(index)),
	);

	const lines = [headerText, bodyText, footer?.text, ...buttons.map((button) => button.line)];
	return {
		renderedText: lines.filter((line): line is string => line !== undefined).join('\n'),
		replyOptions: buttons.flatMap((button) => (button.replyOption ? [button.replyOption] : [])),
	};
}

/** The refusal for a template that cannot be sent: unknown name or language, not approved, paused, disabled. */
export function templateRefusal(
	candidates: SeedTemplate[],
	name: string,
	language: string,
): GraphError | undefined {
	const match = candidates.find((candidate) => candidate.language === language);
	if (!match) {
		const languages = candidates.map((candidate) => candidate.language);
		const reason = languages.length > 0 ? ` (it exists in: ${languages.join(', ')})` : '';
		return graphErrors.templateNotFound(name, language, reason);
	}
	switch (match.status) {
		case 'APPROVED':
			return undefined;
		case 'PAUSED':
			return graphErrors.templatePaused(name);
		case 'DISABLED':
			return graphErrors.templateDisabled(name);
		default:
			return graphErrors.templateNotFound(
				name,
				language,
				` (status ${match.status}, not APPROVED)`,
			);
	}
}
