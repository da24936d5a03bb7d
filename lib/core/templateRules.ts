/**
 * Meta's rules for a new message template, checked before anything is sent, and the request
 * `POST /{waba-id}/message_templates` takes. Meta refuses a template that breaks them (or rejects
 * it at review) with a terse "Invalid parameter"; here each problem names the field, the value
 * and the fix. What a template becomes once approved, and how it is sent, is templates.ts.
 */
import { FieldError } from './fieldError';

const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;

const HEADER_FORMATS = ['NONE', 'TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const;
export type HeaderFormat = (typeof HEADER_FORMATS)[number];

export type DraftButtonType = 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE';

export interface DraftButton {
	type: DraftButtonType;
	/** The label (all but COPY_CODE, whose label Meta writes). */
	text?: string;
	url?: string;
	/** The URL's example: the whole URL with the variable filled in, or only the part the variable takes. */
	urlExample?: string;
	phoneNumber?: string;
	/** COPY_CODE: an example code. */
	example?: string;
}

export interface TemplateDraft {
	name: string;
	language: string;
	category: string;
	body?: string;
	/** Example per body variable: `{"1": "Anna"}` or `{"first_name": "Anna"}`. */
	bodyExamples?: Record<string, string>;
	header?: {
		format: HeaderFormat;
		text?: string;
		/** The header variable's example. */
		example?: string;
		/** IMAGE, VIDEO, DOCUMENT: a handle from Meta's resumable upload (or a sample URL). */
		mediaExample?: string;
	};
	footer?: string;
	buttons?: DraftButton[];
	/** AUTHENTICATION templates: Meta writes the text; these are the only choices. */
	authentication?: {
		addSecurityRecommendation?: boolean;
		codeExpirationMinutes?: number;
		/** The copy-code button's label. */
		buttonText?: string;
	};
}

/** Editor names of the Create fields, so every problem names what the user sees. */
export const DRAFT_FIELDS = {
	name: 'Name',
	language: 'Language',
	category: 'Category',
	body: 'Body',
	bodyExamples: 'Body Variable Examples',
	headerFormat: 'Header',
	headerText: 'Header Text',
	headerExample: 'Header Variable Example',
	headerMedia: 'Header Media Example',
	footer: 'Footer',
	buttons: 'Buttons',
	codeExpiration: 'Code Expiration (Minutes)',
} as const;

export const LIMITS = {
	name: 512,
	body: 1024,
	headerText: 60,
	footer: 60,
	buttonText: 25,
	buttons: 10,
	urlButtons: 2,
	phoneButtons: 1,
	copyCodeButtons: 1,
	url: 2000,
	phoneNumber: 20,
	couponCode: 15,
	codeExpirationMinutes: 90,
};

export interface RuleProblem {
	field: string;
	value: unknown;
	problem: string;
	fix: string;
}

const VARIABLE = /\{\{([^{}]*)\}\}/g;
const POSITIONAL = /^[1-9]\d*$/;
const NAMED = /^[a-z][a-z0-9_]*$/;

/** The variables of a text in order of appearance (repeats kept once), and what is wrong with them. */
export interface TextVariables {
	names: string[];
	format: 'POSITIONAL' | 'NAMED' | undefined;
	problems: Array<{ problem: string; fix: string }>;
}

export function textVariables(text: string): TextVariables {
	const names: string[] = [];
	const problems: TextVariables['problems'] = [];
	for (const match of text.matchAll(VARIABLE)) {
		const inner = match[1];
		if (!POSITIONAL.test(inner) && !NAMED.test(inner)) {
			problems.push({
				problem: `has a variable {{${inner}}} Meta does not accept`,
				fix: 'Write variables as {{1}}, {{2}}… or as {{first_name}} (lower case letters, digits and underscores, starting with a letter), without spaces.',
			});
			continue;
		}
		if (!names.includes(inner)) names.push(inner);
	}
	const rest = text.replace(VARIABLE, '');
	if (/\{\{|\}\}/.test(rest)) {
		problems.push({
			problem: 'has unbalanced braces: a "{{" or "}}" that is not part of a variable',
			fix: 'Close every variable as {{1}} or {{first_name}}, or remove the stray braces.',
		});
	}
	const positional = names.filter((n) => POSITIONAL.test(n));
	const named = names.filter((n) => !POSITIONAL.test(n));
	let format: TextVariables['format'];
	if (positional.length > 0 && named.length > 0) {
		problems.push({
			problem: `mixes numbered ({{${positional[0]}}}) and named ({{${named[0]}}}) variables`,
			fix: 'Use either {{1}}, {{2}}… or named variables such as {{first_name}} in the whole template.',
		});
	} else if (positional.length > 0) {
		format = 'POSITIONAL';
		const sorted = positional.map(Number).sort((a, b) => a - b);
		const expected = sorted.map((_, k) => k + 1);
		if (sorted.some((n, k) => n !== expected[k])) {
			problems.push({
				problem: `has variables ${sorted.map((n) => `{{${n}}}`).join(', ')}, which are not numbered 1, 2, 3… without gaps`,
				fix: `Number them ${expected.map((n) => `{{${n}}}`).join(', ')}.`,
			});
		}
	} else if (named.length > 0) {
		format = 'NAMED';
	}
	return { names, format, problems };
}

function checkLength(
	problems: RuleProblem[],
	field: string,
	value: string,
	max: number,
	what = 'characters',
) {
	if (value.length > max) {
		problems.push({
			field,
			value,
			problem: `is ${value.length} ${what} long; Meta allows ${max}`,
			fix: `Shorten it to ${max} ${what} or fewer.`,
		});
	}
}

function checkExamples(
	problems: RuleProblem[],
	field: string,
	names: string[],
	examples: Record<string, string>,
	where: string,
) {
	for (const name of names) {
		const example = examples[name];
		if (example === undefined || String(example).trim() === '') {
			problems.push({
				field,
				value: examples,
				problem: `has no example for {{${name}}} of the ${where}`,
				fix: `Add an example value for {{${name}}} (Meta reviews the template with it), e.g. a typical name, date or amount.`,
			});
		} else if (/[\n\r\t]/.test(example)) {
			problems.push({
				field,
				value: example,
				problem: `example for {{${name}}} contains a line break or tab`,
				fix: 'Give the example on one line, without tabs.',
			});
		}
	}
	for (const key of Object.keys(examples)) {
		if (!names.includes(key)) {
			problems.push({
				field,
				value: key,
				problem: `has an example for {{${key}}}, which the ${where} does not contain`,
				fix: names.length
					? `Give examples only for ${names.map((n) => `{{${n}}}`).join(', ')}.`
					: `Remove it: the ${where} has no variables.`,
			});
		}
	}
}

function bodyProblems(draft: TemplateDraft, problems: RuleProblem[]): TextVariables | undefined {
	const body = draft.body ?? '';
	const field = DRAFT_FIELDS.body;
	if (body.trim() === '') {
		problems.push({
			field,
			value: body,
			problem: 'is empty',
			fix: 'Write the message text; variables are {{1}}, {{2}}… or {{first_name}}.',
		});
		return undefined;
	}
	checkLength(problems, field, body, LIMITS.body);
	const variables = textVariables(body);
	for (const p of variables.problems) problems.push({ field, value: body, ...p });
	const trimmed = body.trim();
	if (/^\{\{[^{}]*\}\}/.test(trimmed)) {
		problems.push({
			field,
			value: body,
			problem: 'starts with a variable, which Meta does not accept',
			fix: 'Put text before the first variable, e.g. "Hello {{1}}, …".',
		});
	}
	if (/\{\{[^{}]*\}\}$/.test(trimmed)) {
		problems.push({
			field,
			value: body,
			problem: 'ends with a variable, which Meta does not accept',
			fix: 'Put text after the last variable, e.g. "… on {{2}}. See you!" (a final full stop is enough).',
		});
	}
	checkExamples(
		problems,
		DRAFT_FIELDS.bodyExamples,
		variables.names,
		draft.bodyExamples ?? {},
		'body',
	);
	return variables;
}

function headerProblems(
	draft: TemplateDraft,
	problems: RuleProblem[],
	bodyFormat: TextVariables['format'],
) {
	const header = draft.header;
	if (!header || header.format === 'NONE') return;
	if (!HEADER_FORMATS.includes(header.format)) {
		problems.push({
			field: DRAFT_FIELDS.headerFormat,
			value: header.format,
			problem: 'is not a header Meta knows',
			fix: `Use one of: ${HEADER_FORMATS.join(', ')}.`,
		});
		return;
	}
	if (header.format === 'TEXT') {
		const text = header.text ?? '';
		const field = DRAFT_FIELDS.headerText;
		if (text.trim() === '') {
			problems.push({
				field,
				value: text,
				problem: 'is empty while the header is TEXT',
				fix: 'Write the header text, or choose another header (or none).',
			});
			return;
		}
		checkLength(problems, field, text, LIMITS.headerText);
		const variables = textVariables(text);
		for (const p of variables.problems) problems.push({ field, value: text, ...p });
		if (variables.names.length > 1) {
			problems.push({
				field,
				value: text,
				problem: `has ${variables.names.length} variables; a header takes at most one`,
				fix: 'Keep one variable in the header and move the others to the body.',
			});
		}
		if (variables.format && bodyFormat && variables.format !== bodyFormat) {
			problems.push({
				field,
				value: text,
				problem: `uses ${variables.format.toLowerCase()} variables while the body uses ${bodyFormat.toLowerCase()} ones`,
				fix: 'Use the same kind of variables ({{1}} or {{first_name}}) in header and body.',
			});
		}
		const [name] = variables.names;
		if (name !== undefined) {
			checkExamples(
				problems,
				DRAFT_FIELDS.headerExample,
				[name],
				header.example ? { [name]: header.example } : {},
				'header',
			);
		}
		return;
	}
	if (header.format !== 'LOCATION' && !header.mediaExample?.trim()) {
		problems.push({
			field: DRAFT_FIELDS.headerMedia,
			value: header.mediaExample ?? '',
			problem: `is empty: Meta needs an example of the ${header.format.toLowerCase()} header to review the template`,
			fix: "Give the handle of a sample file uploaded with Meta's Resumable Upload API (e.g. 4::aW1hZ2U…), or a sample link.",
		});
	}
}

function footerProblems(draft: TemplateDraft, problems: RuleProblem[]) {
	const footer = draft.footer ?? '';
	if (footer === '') return;
	checkLength(problems, DRAFT_FIELDS.footer, footer, LIMITS.footer);
	if (/\{\{|\}\}/.test(footer)) {
		problems.push({
			field: DRAFT_FIELDS.footer,
			value: footer,
			problem: 'contains a variable; footers are fixed text',
			fix: 'Remove the variable from the footer (put it in the body).',
		});
	}
}

function buttonProblems(draft: TemplateDraft, problems: RuleProblem[]) {
	const buttons = draft.buttons ?? [];
	const field = DRAFT_FIELDS.buttons;
	const count = (type: DraftButtonType) => buttons.filter((b) => b.type === type).length;
	if (buttons.length > LIMITS.buttons) {
		problems.push({
			field,
			value: buttons.length,
			problem: `has ${buttons.length} buttons; Meta allows ${LIMITS.buttons}`,
			fix: `Keep at most ${LIMITS.buttons} buttons.`,
		});
	}
	for (const [type, max, label] of [
		['URL', LIMITS.urlButtons, 'URL'],
		['PHONE_NUMBER', LIMITS.phoneButtons, 'phone number'],
		['COPY_CODE', LIMITS.copyCodeButtons, 'copy code'],
	] as const) {
		if (count(type) > max) {
			problems.push({
				field,
				value: count(type),
				problem: `has ${count(type)} ${label} buttons; Meta allows ${max}`,
				fix: `Keep at most ${max} ${label} button${max > 1 ? 's' : ''}.`,
			});
		}
	}
	const quick = buttons.map((b) => b.type === 'QUICK_REPLY');
	const firstQuick = quick.indexOf(true);
	const lastQuick = quick.lastIndexOf(true);
	if (firstQuick >= 0 && quick.slice(firstQuick, lastQuick + 1).includes(false)) {
		problems.push({
			field,
			value: buttons.map((b) => b.type).join(', '),
			problem: 'has quick reply buttons separated by other buttons',
			fix: 'Put all quick reply buttons together, before or after the other buttons.',
		});
	}
	buttons.forEach((button, index) => {
		const where = `${field} (button ${index + 1}, ${button.type})`;
		if (button.type !== 'COPY_CODE') {
			const text = button.text ?? '';
			if (text.trim() === '') {
				problems.push({
					field: where,
					value: text,
					problem: 'has no text',
					fix: 'Give the button a label.',
				});
			} else checkLength(problems, where, text, LIMITS.buttonText);
		}
		if (button.type === 'URL') urlButtonProblems(button, where, problems);
		if (button.type === 'PHONE_NUMBER') {
			const phone = button.phoneNumber ?? '';
			if (!/^\+?\d{5,20}$/.test(phone.replace(/[\s-]/g, ''))) {
				problems.push({
					field: where,
					value: phone,
					problem: 'has no valid phone number',
					fix: 'Give the number in international format with the country code, e.g. +4930123456.',
				});
			}
		}
		if (button.type === 'COPY_CODE') {
			const example = button.example ?? '';
			if (example.trim() === '') {
				problems.push({
					field: where,
					value: example,
					problem: 'has no example code',
					fix: 'Give an example code, e.g. SUMMER25.',
				});
			} else checkLength(problems, where, example, LIMITS.couponCode);
		}
	});
}

function urlButtonProblems(button: DraftButton, where: string, problems: RuleProblem[]) {
	const url = button.url ?? '';
	let parsed: URL | undefined;
	try {
		parsed = new URL(url.replace(VARIABLE, 'x'));
	} catch {
		parsed = undefined;
	}
	if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
		problems.push({
			field: where,
			value: url,
			problem: 'has no valid web address',
			fix: 'Give a link such as https://shop.example.com/orders/{{1}} (a variable only at the end).',
		});
		return;
	}
	checkLength(problems, where, url, LIMITS.url);
	const variables = [...url.matchAll(VARIABLE)].map((m) => m[1]);
	if (variables.length === 0) return;
	if (variables.length > 1 || variables[0] !== '1' || !/\{\{1\}\}$/.test(url)) {
		problems.push({
			field: where,
			value: url,
			problem: 'has a variable that is not a single {{1}} at the end of the address',
			fix: 'Use one variable, {{1}}, as the last part of the address.',
		});
		return;
	}
	if (!button.urlExample?.trim()) {
		problems.push({
			field: where,
			value: url,
			problem: 'has a variable but no URL example',
			fix: 'Give an example of the full address or of the part {{1}} takes, e.g. https://shop.example.com/orders/123 or 123.',
		});
	}
}

function authenticationProblems(draft: TemplateDraft, problems: RuleProblem[]) {
	const misplaced: Array<[string, unknown]> = [
		[DRAFT_FIELDS.body, draft.body],
		[DRAFT_FIELDS.footer, draft.footer],
	];
	for (const [field, value] of misplaced) {
		if (typeof value === 'string' && value.trim() !== '') {
			problems.push({
				field,
				value,
				problem: 'is set for an AUTHENTICATION template, whose text Meta writes',
				fix: 'Leave it empty; choose the security recommendation and the code expiry instead.',
			});
		}
	}
	if (draft.header && draft.header.format !== 'NONE') {
		problems.push({
			field: DRAFT_FIELDS.headerFormat,
			value: draft.header.format,
			problem: 'is set for an AUTHENTICATION template, which has no header',
			fix: 'Choose no header.',
		});
	}
	if ((draft.buttons ?? []).length > 0) {
		problems.push({
			field: DRAFT_FIELDS.buttons,
			value: draft.buttons?.length,
			problem: 'are set for an AUTHENTICATION template, which gets one copy-code button',
			fix: 'Remove the buttons.',
		});
	}
	const minutes = draft.authentication?.codeExpirationMinutes;
	if (
		minutes !== undefined &&
		(!Number.isInteger(minutes) || minutes < 1 || minutes > LIMITS.codeExpirationMinutes)
	) {
		problems.push({
			field: DRAFT_FIELDS.codeExpiration,
			value: minutes,
			problem: 'is not a whole number of minutes from 1 to 90',
			fix: 'Give 1 to 90, or leave it empty for no expiry note.',
		});
	}
}

/** Every problem Meta would refuse (or reject at review) in the draft, in the order of the form. */
export function templateDraftProblems(draft: TemplateDraft): RuleProblem[] {
	const problems: RuleProblem[] = [];
	if (!/^[a-z0-9_]+$/.test(draft.name)) {
		problems.push({
			field: DRAFT_FIELDS.name,
			value: draft.name,
			problem:
				draft.name === ''
					? 'is empty'
					: 'may contain only lower case letters, digits and underscores',
			fix: `Use e.g. "${suggestName(draft.name)}".`,
		});
	}
	checkLength(problems, DRAFT_FIELDS.name, draft.name, LIMITS.name);
	if (!/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/.test(draft.language)) {
		problems.push({
			field: DRAFT_FIELDS.language,
			value: draft.language,
			problem: 'is not a language code Meta uses',
			fix: 'Use a code such as en_US, en_GB, de, es_MX or pt_BR.',
		});
	}
	const category = draft.category.toUpperCase();
	if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(category)) {
		problems.push({
			field: DRAFT_FIELDS.category,
			value: draft.category,
			problem: 'is not a template category',
			fix: `Use one of: ${TEMPLATE_CATEGORIES.join(', ')}.`,
		});
		return problems;
	}
	if (category === 'AUTHENTICATION') {
		authenticationProblems(draft, problems);
		return problems;
	}
	const body = bodyProblems(draft, problems);
	headerProblems(draft, problems, body?.format);
	footerProblems(draft, problems);
	buttonProblems(draft, problems);
	return problems;
}

function suggestName(name: string): string {
	const suggestion = name
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.slice(0, LIMITS.name);
	return suggestion || 'order_update';
}

/** Throws the first problem as a FieldError; its fix lists the others, so one run shows them all. */
export function assertTemplateDraft(draft: TemplateDraft): void {
	const problems = templateDraftProblems(draft);
	if (problems.length === 0) return;
	const [first, ...others] = problems;
	const more =
		others.length > 0 ? ` Also: ${others.map((p) => `${p.field} ${p.problem}`).join('; ')}.` : '';
	throw new FieldError(first.field, first.value, first.problem, `${first.fix}${more}`);
}

/** `{"1": "Anna"}` → `[["Anna"]]` in variable order, or Meta's named list. */
function exampleBlock(
	names: string[],
	examples: Record<string, string>,
	format: TextVariables['format'],
	kind: 'body' | 'header',
): Record<string, unknown> | undefined {
	if (names.length === 0) return undefined;
	if (format === 'NAMED') {
		return {
			[`${kind}_text_named_params`]: names.map((n) => ({ param_name: n, example: examples[n] })),
		};
	}
	const ordered = [...names].sort((a, b) => Number(a) - Number(b)).map((n) => examples[n]);
	return { [`${kind}_text`]: kind === 'body' ? [ordered] : ordered };
}

/**
 * The body of `POST /{waba-id}/message_templates` for a checked draft (call
 * `assertTemplateDraft` first). `parameter_format` is NAMED when the variables are named.
 */
export function templateCreationRequest(draft: TemplateDraft): Record<string, unknown> {
	const category = draft.category.toUpperCase();
	const base = { name: draft.name, language: draft.language, category };
	if (category === 'AUTHENTICATION') {
		const auth = draft.authentication ?? {};
		const components: Array<Record<string, unknown>> = [
			{ type: 'BODY', add_security_recommendation: auth.addSecurityRecommendation ?? false },
		];
		if (auth.codeExpirationMinutes !== undefined) {
			components.push({ type: 'FOOTER', code_expiration_minutes: auth.codeExpirationMinutes });
		}
		components.push({
			type: 'BUTTONS',
			buttons: [
				{
					type: 'OTP',
					otp_type: 'COPY_CODE',
					...(auth.buttonText ? { text: auth.buttonText } : {}),
				},
			],
		});
		return { ...base, components };
	}
	const body = draft.body ?? '';
	const bodyVariables = textVariables(body);
	const headerVariables = textVariables(draft.header?.text ?? '');
	const format = bodyVariables.format ?? headerVariables.format;
	const components: Array<Record<string, unknown>> = [];
	const header = draft.header;
	if (header && header.format === 'TEXT') {
		const [name] = headerVariables.names;
		const example = exampleBlock(
			headerVariables.names,
			name === undefined ? {} : { [name]: header.example ?? '' },
			format,
			'header',
		);
		components.push({
			type: 'HEADER',
			format: 'TEXT',
			text: header.text,
			...(example ? { example } : {}),
		});
	} else if (header && header.format === 'LOCATION') {
		components.push({ type: 'HEADER', format: 'LOCATION' });
	} else if (header && header.format !== 'NONE') {
		components.push({
			type: 'HEADER',
			format: header.format,
			example: { header_handle: [header.mediaExample] },
		});
	}
	const bodyExample = exampleBlock(bodyVariables.names, draft.bodyExamples ?? {}, format, 'body');
	components.push({ type: 'BODY', text: body, ...(bodyExample ? { example: bodyExample } : {}) });
	if (draft.footer) components.push({ type: 'FOOTER', text: draft.footer });
	const buttons = (draft.buttons ?? []).map(buttonRequest);
	if (buttons.length > 0) components.push({ type: 'BUTTONS', buttons });
	return {
		...base,
		...(format === 'NAMED' ? { parameter_format: 'NAMED' } : {}),
		components,
	};
}

function buttonRequest(button: DraftButton): Record<string, unknown> {
	switch (button.type) {
		case 'QUICK_REPLY':
			return { type: 'QUICK_REPLY', text: button.text };
		case 'URL':
			return {
				type: 'URL',
				text: button.text,
				url: button.url,
				...(/\{\{1\}\}$/.test(button.url ?? '') ? { example: [button.urlExample] } : {}),
			};
		case 'PHONE_NUMBER':
			return {
				type: 'PHONE_NUMBER',
				text: button.text,
				phone_number: (button.phoneNumber ?? '').replace(/[\s-]/g, ''),
			};
		case 'COPY_CODE':
			return { type: 'COPY_CODE', example: button.example };
	}
}
