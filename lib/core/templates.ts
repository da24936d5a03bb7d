/**
 * Message templates: which variables a template needs (its "slots"), how mapped values become the
 * `components` of a send request, and how the customer will read it (the rendered text).
 * Slot ids double as the field ids of the node's resource mapper, so they stay short and stable.
 */

export interface TemplateButton {
	type: string;
	text?: string;
	url?: string;
	phone_number?: string;
	example?: string[] | string;
	otp_type?: string;
}

export interface TemplateComponent {
	type: string;
	format?: string;
	text?: string;
	buttons?: TemplateButton[];
	example?: {
		body_text?: string[][];
		body_text_named_params?: Array<{ param_name: string; example: string }>;
		header_text?: string[];
		header_text_named_params?: Array<{ param_name: string; example: string }>;
		header_handle?: string[];
	};
	add_security_recommendation?: boolean;
	code_expiration_minutes?: number;
}

export interface MessageTemplate {
	id?: string;
	name: string;
	language: string;
	status: string;
	category: string;
	parameter_format?: string;
	components: TemplateComponent[];
	/** Meta's quality rating of the template: GREEN, YELLOW, RED or UNKNOWN (when asked for). */
	quality_score?: { score?: string; date?: number };
	/** Why Meta rejected it (NONE otherwise), when asked for. */
	rejected_reason?: string;
	previous_category?: string;
}

/** Statuses in which Meta refuses sends that an approved template once allowed. */
const HALTED_STATUSES = ['PAUSED', 'DISABLED'];

/**
 * Why a template Meta paused or disabled cannot be sent, and what to do; undefined for other
 * statuses. Meta pauses a template whose quality dropped (3 hours the first time, 6 the second)
 * and disables it after that (error 132015 / 132016 on a send).
 */
export function haltedTemplate(
	template: MessageTemplate,
): { status: string; reason: string; fix: string } | undefined {
	const status = template.status.toUpperCase();
	if (!HALTED_STATUSES.includes(status)) return undefined;
	const quality = template.quality_score?.score;
	const reasons = [
		quality && quality !== 'UNKNOWN' ? `quality ${quality}` : undefined,
		template.rejected_reason && template.rejected_reason !== 'NONE'
			? `reason ${template.rejected_reason}`
			: undefined,
	].filter(Boolean);
	const reason = `Meta ${status === 'PAUSED' ? 'paused' : 'disabled'} template "${template.name}" (${template.language})${
		reasons.length > 0 ? `: ${reasons.join(', ')}` : ''
	}`;
	const fix =
		status === 'PAUSED'
			? 'Meta pauses a template when customers block or report its messages (3 hours the first time, 6 hours the second); wait until it is APPROVED again, improve its content, or pick another template.'
			: 'Meta disabled it after repeated low-quality pauses; it cannot be sent again. Create a new template (Template → Create) and pick that one.';
	return { status, reason, fix };
}

export type SlotKind =
	| 'headerText'
	| 'headerMedia'
	| 'headerLocation'
	| 'bodyText'
	| 'urlSuffix'
	| 'quickReplyPayload'
	| 'otpCode';

export interface TemplateSlot {
	/** Resource-mapper field id, e.g. `body_1`, `body_first_name`, `header_media`, `button_0_url`. */
	id: string;
	kind: SlotKind;
	/** Placeholder name inside the template text (`1`, `first_name`); absent for media/buttons. */
	placeholder?: string;
	/** Human label for the mapper. */
	label: string;
	required: boolean;
	/** Meta's example value, shown as a hint. */
	example?: string;
	/** Button index for button slots. */
	buttonIndex?: number;
	/** HEADER format for media slots: IMAGE, VIDEO, DOCUMENT. */
	mediaFormat?: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

function placeholdersOf(text: string | undefined): string[] {
	const seen: string[] = [];
	for (const match of (text ?? '').matchAll(PLACEHOLDER)) {
		if (!seen.includes(match[1])) seen.push(match[1]);
	}
	return seen;
}

function componentOf(template: MessageTemplate, type: string): TemplateComponent | undefined {
	return template.components.find((c) => c.type.toUpperCase() === type);
}

/** NAMED when Meta says so or when the placeholders are not numbers. */
export function isNamedTemplate(template: MessageTemplate): boolean {
	if (template.parameter_format) return template.parameter_format.toUpperCase() === 'NAMED';
	const names = [
		...placeholdersOf(componentOf(template, 'BODY')?.text),
		...placeholdersOf(componentOf(template, 'HEADER')?.text),
	];
	return names.some((name) => !/^\d+$/.test(name));
}

function exampleFor(
	component: TemplateComponent,
	placeholder: string,
	position: number,
	header: boolean,
) {
	const named = header
		? component.example?.header_text_named_params
		: component.example?.body_text_named_params;
	const fromNamed = named?.find((p) => p.param_name === placeholder)?.example;
	if (fromNamed !== undefined) return fromNamed;
	const positional = header ? component.example?.header_text : component.example?.body_text?.[0];
	return positional?.[position];
}

function isAuthenticationTemplate(template: MessageTemplate): boolean {
	return template.category.toUpperCase() === 'AUTHENTICATION';
}

/** The variables a template needs, in the order a person reads them. */
export function planTemplate(template: MessageTemplate): TemplateSlot[] {
	if (isAuthenticationTemplate(template)) {
		return [
			{
				id: 'otp_code',
				kind: 'otpCode',
				label: 'One-Time Code',
				required: true,
				example: '123456',
			},
		];
	}
	const slots: TemplateSlot[] = [];
	const header = componentOf(template, 'HEADER');
	if (header) {
		const format = (header.format ?? 'TEXT').toUpperCase();
		if (format === 'TEXT') {
			placeholdersOf(header.text).forEach((placeholder, position) =>
				slots.push({
					id: `header_${placeholder}`,
					kind: 'headerText',
					placeholder,
					label: `Header {{${placeholder}}}`,
					required: true,
					example: exampleFor(header, placeholder, position, true),
				}),
			);
		} else if (format === 'LOCATION') {
			for (const part of ['latitude', 'longitude', 'name', 'address']) {
				slots.push({
					id: `header_location_${part}`,
					kind: 'headerLocation',
					placeholder: part,
					label: `Header Location ${part[0].toUpperCase()}${part.slice(1)}`,
					required: part === 'latitude' || part === 'longitude',
				});
			}
		} else {
			slots.push({
				id: 'header_media',
				kind: 'headerMedia',
				mediaFormat: format,
				label: `Header ${format[0]}${format.slice(1).toLowerCase()} (HTTPS Link or Media ID)`,
				required: true,
			});
		}
	}
	const body = componentOf(template, 'BODY');
	if (body) {
		placeholdersOf(body.text).forEach((placeholder, position) =>
			slots.push({
				id: `body_${placeholder}`,
				kind: 'bodyText',
				placeholder,
				label: `Body {{${placeholder}}}`,
				required: true,
				example: exampleFor(body, placeholder, position, false),
			}),
		);
	}
	const buttons = componentOf(template, 'BUTTONS')?.buttons ?? [];
	buttons.forEach((button, index) => {
		const type = button.type.toUpperCase();
		if (type === 'URL' && placeholdersOf(button.url).length > 0) {
			slots.push({
				id: `button_${index}_url`,
				kind: 'urlSuffix',
				buttonIndex: index,
				label: `Button "${button.text ?? index}" URL Suffix`,
				required: true,
				example: Array.isArray(button.example) ? button.example[0] : button.example,
			});
		} else if (type === 'QUICK_REPLY') {
			slots.push({
				id: `button_${index}_payload`,
				kind: 'quickReplyPayload',
				buttonIndex: index,
				label: `Button "${button.text ?? index}" Payload`,
				required: false,
				example: button.text,
			});
		} else if (type === 'COPY_CODE') {
			slots.push({
				id: `button_${index}_coupon`,
				kind: 'urlSuffix',
				buttonIndex: index,
				label: `Button "${button.text ?? index}" Coupon Code`,
				required: true,
			});
		}
	});
	return slots;
}

export interface MappingProblem {
	slotId: string;
	message: string;
}

/** The rules Meta enforces on body parameter text (error 132012 otherwise). */
function bodyTextProblem(value: string): string | undefined {
	if (/[\n\r]/.test(value)) return 'contains a line break (not allowed in body variables)';
	if (/\t/.test(value)) return 'contains a tab (not allowed in body variables)';
	if (/ {5,}/.test(value)) return 'contains more than 4 consecutive spaces';
	return undefined;
}

function mediaProblem(value: string): string | undefined {
	if (/^\d+$/.test(value)) return undefined;
	try {
		const url = new URL(value);
		if (url.protocol !== 'https:' && url.protocol !== 'http:')
			return 'must be an https link or a media ID';
		return undefined;
	} catch {
		return 'is neither a link (https://…) nor a media ID (digits)';
	}
}

export interface TemplateSendPlan {
	components: Array<Record<string, unknown>>;
	rendered: string;
	problems: MappingProblem[];
}

function asText(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return JSON.stringify(value);
}

/**
 * Turns mapped values into the send request's `components` and the text the customer sees.
 * Problems are collected, not thrown, so the caller can name every wrong field at once.
 */
export function buildTemplateComponents(
	template: MessageTemplate,
	rawValues: Record<string, unknown>,
): TemplateSendPlan {
	const slots = planTemplate(template);
	const named = isNamedTemplate(template);
	const problems: MappingProblem[] = [];
	const values: Record<string, string> = {};
	const known = new Set(slots.map((s) => s.id));

	for (const [id, value] of Object.entries(rawValues)) {
		if (!known.has(id)) {
			if (value === undefined || value === null || value === '') continue;
			problems.push({
				slotId: id,
				message: `is not a variable of template "${template.name}" (${template.language}); expected: ${
					[...known].join(', ') || 'none'
				}`,
			});
			continue;
		}
		values[id] = asText(value);
	}

	for (const slot of slots) {
		const value = values[slot.id];
		if (value === undefined || value.trim() === '') {
			if (slot.required) {
				problems.push({
					slotId: slot.id,
					message: `${slot.label} is empty: map a value${
						slot.example ? ` (Meta's example: "${slot.example}")` : ''
					}`,
				});
			}
			continue;
		}
		if (slot.kind === 'bodyText' || slot.kind === 'headerText') {
			const problem = bodyTextProblem(value);
			if (problem) problems.push({ slotId: slot.id, message: `${slot.label} ${problem}` });
		}
		if (slot.kind === 'headerMedia') {
			const problem = mediaProblem(value.trim());
			if (problem) problems.push({ slotId: slot.id, message: `${slot.label} ${problem}` });
		}
		if (
			slot.kind === 'headerLocation' &&
			(slot.placeholder === 'latitude' || slot.placeholder === 'longitude')
		) {
			if (!Number.isFinite(Number(value))) {
				problems.push({
					slotId: slot.id,
					message: `${slot.label} must be a number, got "${value}"`,
				});
			}
		}
	}

	const components: Array<Record<string, unknown>> = [];
	const textParameter = (slot: TemplateSlot) => ({
		type: 'text',
		...(named && slot.placeholder ? { parameter_name: slot.placeholder } : {}),
		text: values[slot.id] ?? '',
	});

	if (isAuthenticationTemplate(template)) {
		const code = values.otp_code ?? '';
		components.push({ type: 'body', parameters: [{ type: 'text', text: code }] });
		const buttons = componentOf(template, 'BUTTONS')?.buttons ?? [];
		buttons.forEach((button, index) => {
			if (button.type.toUpperCase() === 'OTP') {
				components.push({
					type: 'button',
					sub_type: 'url',
					index: String(index),
					parameters: [{ type: 'text', text: code }],
				});
			}
		});
		return { components, rendered: renderAuthentication(template, code), problems };
	}

	const headerSlots = slots.filter((s) => s.kind.startsWith('header'));
	if (headerSlots.length > 0) {
		const media = headerSlots.find((s) => s.kind === 'headerMedia');
		const location = headerSlots.filter((s) => s.kind === 'headerLocation');
		let parameters: Array<Record<string, unknown>>;
		if (media) {
			const type = (media.mediaFormat ?? 'IMAGE').toLowerCase();
			const value = (values[media.id] ?? '').trim();
			parameters = [{ type, [type]: /^\d+$/.test(value) ? { id: value } : { link: value } }];
		} else if (location.length > 0) {
			const part = (name: string) => values[`header_location_${name}`];
			parameters = [
				{
					type: 'location',
					location: {
						latitude: Number(part('latitude')),
						longitude: Number(part('longitude')),
						...(part('name') ? { name: part('name') } : {}),
						...(part('address') ? { address: part('address') } : {}),
					},
				},
			];
		} else {
			parameters = headerSlots.map(textParameter);
		}
		components.push({ type: 'header', parameters });
	}

	const bodySlots = slots.filter((s) => s.kind === 'bodyText');
	if (bodySlots.length > 0) {
		components.push({ type: 'body', parameters: bodySlots.map(textParameter) });
	}

	for (const slot of slots) {
		if (slot.kind === 'urlSuffix' && slot.id.endsWith('_coupon')) {
			components.push({
				type: 'button',
				sub_type: 'copy_code',
				index: String(slot.buttonIndex),
				parameters: [{ type: 'coupon_code', coupon_code: values[slot.id] ?? '' }],
			});
		} else if (slot.kind === 'urlSuffix') {
			components.push({
				type: 'button',
				sub_type: 'url',
				index: String(slot.buttonIndex),
				parameters: [{ type: 'text', text: values[slot.id] ?? '' }],
			});
		} else if (slot.kind === 'quickReplyPayload' && values[slot.id]) {
			components.push({
				type: 'button',
				sub_type: 'quick_reply',
				index: String(slot.buttonIndex),
				parameters: [{ type: 'payload', payload: values[slot.id] }],
			});
		}
	}

	return { components, rendered: renderTemplate(template, values), problems };
}

function fill(text: string | undefined, prefix: string, values: Record<string, string>): string {
	return (text ?? '').replace(
		PLACEHOLDER,
		(whole, name: string) => values[`${prefix}_${name}`] ?? whole,
	);
}

/** The message as the customer reads it: header, body, footer and button labels, one per line. */
export function renderTemplate(template: MessageTemplate, values: Record<string, string>): string {
	const lines: string[] = [];
	const header = componentOf(template, 'HEADER');
	if (header) {
		const format = (header.format ?? 'TEXT').toUpperCase();
		if (format === 'TEXT') lines.push(fill(header.text, 'header', values));
		else if (format === 'LOCATION')
			lines.push(`[location: ${values.header_location_name ?? ''}]`.trim());
		else lines.push(`[${format.toLowerCase()}]`);
	}
	const body = componentOf(template, 'BODY');
	if (body?.text) lines.push(fill(body.text, 'body', values));
	const footer = componentOf(template, 'FOOTER');
	if (footer?.text) lines.push(footer.text);
	for (const button of componentOf(template, 'BUTTONS')?.buttons ?? []) {
		if (button.text) lines.push(`[${button.text}]`);
	}
	return lines.filter((line) => line !== '').join('\n');
}

function renderAuthentication(template: MessageTemplate, code: string): string {
	const body = componentOf(template, 'BODY');
	const lines = [`${code} is your verification code.`];
	if (body?.add_security_recommendation) lines.push('For your security, do not share this code.');
	const footer = componentOf(template, 'FOOTER');
	if (footer?.code_expiration_minutes)
		lines.push(`This code expires in ${footer.code_expiration_minutes} minutes.`);
	return lines.join('\n');
}

/** `name|language` is how the node refers to one template; a bare name means "its only language". */
export function parseTemplateRef(ref: string): { name: string; language?: string } {
	const [name, language] = ref.split('|').map((part) => part.trim());
	return { name, language: language || undefined };
}

export function templateRef(template: Pick<MessageTemplate, 'name' | 'language'>): string {
	return `${template.name}|${template.language}`;
}
