import { readFileSync } from 'node:fs';

import { numericId } from './ids';
import { InputError } from './input-error';
import { isNonEmptyString, isRecord, parseJson, type JsonRecord } from './json';
import { applySettingsPatch, defaultSettings, type EmulatorSettings } from './settings';

/** A template as Meta's GET /{waba-id}/message_templates returns it; the seed uses the same shape. */
export interface TemplateButton {
	type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE' | 'FLOW' | 'CATALOG' | 'OTP';
	text: string;
	url?: string;
	phone_number?: string;
	example?: unknown;
}

export interface TemplateComponent {
	type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS';
	format?: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION';
	text?: string;
	buttons?: TemplateButton[];
	example?: unknown;
}

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

export interface SeedTemplate {
	id: string;
	name: string;
	language: string;
	category: TemplateCategory;
	/** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ... */
	status: string;
	parameter_format: 'POSITIONAL' | 'NAMED';
	components: TemplateComponent[];
	/** Meta's quality rating (GREEN, YELLOW, RED, UNKNOWN); UNKNOWN when the seed gives none. */
	quality_score?: { score: string; date?: number };
	/** Why review rejected it; NONE otherwise. */
	rejected_reason?: string;
}

export interface SeedPhoneNumber {
	id: string;
	displayPhoneNumber: string;
	verifiedName: string;
	/** CONNECTED, FLAGGED, RATE_LIMITED send; DISCONNECTED, RESTRICTED, BANNED, PENDING… are refused with 133010 (phone.ts). */
	status: string;
	qualityRating: string;
	/** Throughput cap for this number; defaults to settings.defaultMps. */
	mps?: number;
}

export interface SeedAppSubscription {
	callbackUrl: string;
	verifyToken: string;
	fields: string[];
}

export interface EmulatorSeed {
	accessToken: string;
	appId: string;
	appName: string;
	appSecret: string;
	wabaId: string;
	wabaName: string;
	/** The version printed on start and used in examples; every version >= settings.minGraphVersion is served. */
	graphVersion: string;
	phoneNumbers: SeedPhoneNumber[];
	templates: SeedTemplate[];
	/** Whether the app is subscribed to the WABA (POST /{waba-id}/subscribed_apps) from the start. */
	wabaSubscribed: boolean;
	/** An app-level webhook subscription present from the start (no verification request). */
	appSubscription?: SeedAppSubscription;
	settings: EmulatorSettings;
}

const positionalBody = 'Hi {{1}}, your order total is {{2}}. Delivery is scheduled for {{3}}.';
const positionalBodyExample = { body_text: [['Pablo', '$100.99', 'February 25, 1977']] };
const imageHeader: TemplateComponent = {
	type: 'HEADER',
	format: 'IMAGE',
	example: { header_handle: ['https://media.example.com/header.jpg'] },
};

function template(
	name: string,
	language: string,
	category: TemplateCategory,
	components: TemplateComponent[],
	extra: Partial<SeedTemplate> = {},
): Omit<SeedTemplate, 'id'> {
	return {
		name,
		language,
		category,
		status: 'APPROVED',
		parameter_format: 'POSITIONAL',
		components,
		...extra,
	};
}

/** Covers positional and named parameters, a media header, URL and quick-reply buttons, both categories. */
export function defaultTemplates(): Array<Omit<SeedTemplate, 'id'>> {
	return [
		template('hello_world', 'en_US', 'UTILITY', [
			{ type: 'HEADER', format: 'TEXT', text: 'Hello World' },
			{
				type: 'BODY',
				text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API emulator. Thank you for taking the time to test with us.',
			},
			{ type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
		]),
		template('order_confirmation', 'en_US', 'UTILITY', [
			{ type: 'BODY', text: positionalBody, example: positionalBodyExample },
		]),
		template('order_confirmation_image', 'en_US', 'UTILITY', [
			imageHeader,
			{ type: 'BODY', text: positionalBody, example: positionalBodyExample },
		]),
		template('delivery_options', 'en_US', 'UTILITY', [
			imageHeader,
			{ type: 'BODY', text: positionalBody, example: positionalBodyExample },
			{
				type: 'BUTTONS',
				buttons: [
					{ type: 'QUICK_REPLY', text: 'Deliver today' },
					{ type: 'QUICK_REPLY', text: 'Pick up in store' },
				],
			},
		]),
		template('appointment_reminder', 'en_US', 'UTILITY', [
			{
				type: 'BODY',
				text: 'Hello {{1}}, your appointment with {{2}} on {{3}} is confirmed. Location: {{4}}',
				example: { body_text: [['Anna', 'Dr. Weber', 'May 4, 10:00', 'Main Street 1']] },
			},
		]),
		template('appointment_reminder', 'de', 'UTILITY', [
			{
				type: 'BODY',
				text: 'Hallo {{1}}, Ihr Termin bei {{2}} am {{3}} ist bestätigt. Ort: {{4}}',
				example: { body_text: [['Anna', 'Dr. Weber', '4. Mai, 10:00', 'Hauptstraße 1']] },
			},
		]),
		template(
			'welcome_named',
			'en_US',
			'UTILITY',
			[
				{
					type: 'BODY',
					text: 'Hi {{first_name}}, welcome to {{company}}! Reply to this message any time.',
					example: {
						body_text_named_params: [
							{ param_name: 'first_name', example: 'Pablo' },
							{ param_name: 'company', example: "Jasper's Market" },
						],
					},
				},
			],
			{ parameter_format: 'NAMED' },
		),
		template('spring_sale', 'en_US', 'MARKETING', [
			{ type: 'HEADER', format: 'TEXT', text: 'Spring Sale' },
			{
				type: 'BODY',
				text: 'Hi {{1}}, use code {{2}} for 20% off everything until Sunday.',
				example: { body_text: [['Pablo', 'SPRING20']] },
			},
			{ type: 'FOOTER', text: 'Not interested? Tap Stop promotions' },
			{
				type: 'BUTTONS',
				buttons: [
					{
						type: 'URL',
						text: 'Shop now',
						url: 'https://shop.example.com/sale/{{1}}',
						example: ['https://shop.example.com/sale/spring'],
					},
					{ type: 'QUICK_REPLY', text: 'Stop promotions' },
				],
			},
		]),
		// A MARKETING template without an opt-out quick reply: the send node warns about it.
		template('weekend_offer', 'en_US', 'MARKETING', [
			{
				type: 'BODY',
				text: 'Hi {{1}}, this weekend only: free delivery on every order.',
				example: { body_text: [['Pablo']] },
			},
			{
				type: 'BUTTONS',
				buttons: [{ type: 'URL', text: 'Shop now', url: 'https://shop.example.com/weekend' }],
			},
		]),
		template(
			'black_friday_preview',
			'en_US',
			'MARKETING',
			[
				{
					type: 'BODY',
					text: 'Black Friday starts soon, {{1}}!',
					example: { body_text: [['Pablo']] },
				},
			],
			{ status: 'PENDING' },
		),
		template(
			'instant_loan_offer',
			'en_US',
			'MARKETING',
			[{ type: 'BODY', text: 'Get a loan today, {{1}}!', example: { body_text: [['Pablo']] } }],
			{ status: 'REJECTED' },
		),
	];
}

function defaultSeedInput(): Omit<EmulatorSeed, 'templates' | 'settings'> & {
	templates: Array<Omit<SeedTemplate, 'id'>>;
} {
	return {
		accessToken: 'emulator-access-token',
		appId: '1234567890123456',
		appName: 'WhatsApp Emulator App',
		appSecret: 'emulator-app-secret',
		wabaId: '102290129340398',
		wabaName: 'Emulator Business',
		graphVersion: 'v24.0',
		phoneNumbers: [
			{
				id: '106540352242922',
				displayPhoneNumber: '+1 555-078-3881',
				verifiedName: 'Emulator Shop',
				status: 'CONNECTED',
				qualityRating: 'GREEN',
			},
			{
				id: '106540352242923',
				displayPhoneNumber: '+1 555-078-3882',
				verifiedName: 'Emulator Shop Support',
				status: 'CONNECTED',
				qualityRating: 'GREEN',
			},
		],
		templates: defaultTemplates(),
		wabaSubscribed: true,
	};
}

const digitsPattern = /^\d{5,20}$/;
const graphVersionPattern = /^v\d+\.\d+$/;
const templateNamePattern = /^[a-z0-9_]{1,512}$/;
const componentTypes = new Set(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']);
const headerFormats = new Set(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);
const buttonTypes = new Set([
	'QUICK_REPLY',
	'URL',
	'PHONE_NUMBER',
	'COPY_CODE',
	'FLOW',
	'CATALOG',
	'OTP',
]);
const categories = new Set(['MARKETING', 'UTILITY', 'AUTHENTICATION']);

function requireString(record: JsonRecord, key: string, field: string, fix: string): string {
	const value = record[key];
	if (!isNonEmptyString(value)) throw new InputError(`${field}.${key}`, value, fix);
	return value;
}

function checkPhoneNumber(value: unknown, field: string): SeedPhoneNumber {
	if (!isRecord(value))
		throw new InputError(field, value, 'use an object {id, displayPhoneNumber, ...}');
	const id = requireString(value, 'id', field, 'use the phone number id as a string of digits');
	if (!digitsPattern.test(id)) throw new InputError(`${field}.id`, id, 'use a string of digits');
	const displayPhoneNumber = requireString(
		value,
		'displayPhoneNumber',
		field,
		'use e.g. "+1 555-078-3881"',
	);
	const mps = value.mps;
	if (mps !== undefined && (typeof mps !== 'number' || !Number.isInteger(mps) || mps < 1)) {
		throw new InputError(`${field}.mps`, mps, 'use a whole number of messages per second >= 1');
	}
	return {
		id,
		displayPhoneNumber,
		verifiedName: typeof value.verifiedName === 'string' ? value.verifiedName : 'Emulator Business',
		status: typeof value.status === 'string' ? value.status : 'CONNECTED',
		qualityRating: typeof value.qualityRating === 'string' ? value.qualityRating : 'GREEN',
		...(mps === undefined ? {} : { mps }),
	};
}

function checkComponent(value: unknown, field: string): TemplateComponent {
	if (!isRecord(value) || !componentTypes.has(String(value.type))) {
		throw new InputError(field, value, 'use a component with type HEADER, BODY, FOOTER or BUTTONS');
	}
	const component = value as unknown as TemplateComponent;
	if (component.type === 'HEADER' && !headerFormats.has(String(component.format))) {
		throw new InputError(
			`${field}.format`,
			component.format,
			'use TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION',
		);
	}
	if (
		(component.type === 'BODY' || component.type === 'FOOTER') &&
		!isNonEmptyString(component.text)
	) {
		throw new InputError(`${field}.text`, component.text, 'give the component its text');
	}
	if (component.type === 'BUTTONS') {
		if (!Array.isArray(component.buttons) || component.buttons.length === 0) {
			throw new InputError(
				`${field}.buttons`,
				component.buttons,
				'give a non-empty list of buttons',
			);
		}
		component.buttons.forEach((button, index) => {
			if (
				!isRecord(button) ||
				!buttonTypes.has(String(button.type)) ||
				!isNonEmptyString(button.text)
			) {
				throw new InputError(
					`${field}.buttons[${index}]`,
					button,
					`use {type, text} with type one of ${[...buttonTypes].join(', ')}`,
				);
			}
		});
	}
	return component;
}

function checkTemplate(value: unknown, field: string): SeedTemplate {
	if (!isRecord(value))
		throw new InputError(field, value, 'use a template object as Meta returns it');
	const name = requireString(value, 'name', field, 'use lowercase letters, digits and _');
	if (!templateNamePattern.test(name)) {
		throw new InputError(`${field}.name`, name, 'use lowercase letters, digits and _ only');
	}
	const language = requireString(
		value,
		'language',
		field,
		'use a language code such as en_US or de',
	);
	const category = value.category;
	if (typeof category !== 'string' || !categories.has(category)) {
		throw new InputError(`${field}.category`, category, 'use MARKETING, UTILITY or AUTHENTICATION');
	}
	const format = value.parameter_format ?? 'POSITIONAL';
	if (format !== 'POSITIONAL' && format !== 'NAMED') {
		throw new InputError(`${field}.parameter_format`, format, 'use POSITIONAL or NAMED');
	}
	if (!Array.isArray(value.components)) {
		throw new InputError(`${field}.components`, value.components, 'give a list of components');
	}
	const components = value.components.map((component, index) =>
		checkComponent(component, `${field}.components[${index}]`),
	);
	if (components.filter((component) => component.type === 'BODY').length !== 1) {
		throw new InputError(
			`${field}.components`,
			value.components,
			'give exactly one BODY component',
		);
	}
	return {
		id: typeof value.id === 'string' && digitsPattern.test(value.id) ? value.id : numericId(),
		name,
		language,
		category: category as TemplateCategory,
		status: typeof value.status === 'string' ? value.status : 'APPROVED',
		parameter_format: format,
		components,
		...(isRecord(value.quality_score) && typeof value.quality_score.score === 'string'
			? { quality_score: { score: value.quality_score.score } }
			: {}),
		...(typeof value.rejected_reason === 'string' ? { rejected_reason: value.rejected_reason } : {}),
	};
}

function checkAppSubscription(value: unknown, field: string): SeedAppSubscription {
	if (!isRecord(value))
		throw new InputError(field, value, 'use {callbackUrl, verifyToken, fields}');
	const callbackUrl = requireString(value, 'callbackUrl', field, 'use an http(s) URL');
	const fields = value.fields ?? ['messages'];
	if (!Array.isArray(fields) || fields.some((item) => typeof item !== 'string')) {
		throw new InputError(
			`${field}.fields`,
			fields,
			'use a list of webhook field names, e.g. ["messages"]',
		);
	}
	return {
		callbackUrl,
		verifyToken: typeof value.verifyToken === 'string' ? value.verifyToken : '',
		fields: fields as string[],
	};
}

/** Merges a (partial) seed with the defaults and checks every field; throws InputError naming the field. */
export function resolveSeed(input: unknown = {}): EmulatorSeed {
	if (!isRecord(input)) throw new InputError('seed', input, 'use a JSON object');
	const defaults = defaultSeedInput();
	const known = new Set([...Object.keys(defaults), 'appSubscription', 'settings']);
	for (const key of Object.keys(input)) {
		if (!known.has(key))
			throw new InputError(
				`seed.${key}`,
				input[key],
				`unknown field; known: ${[...known].join(', ')}`,
			);
	}
	const merged = { ...defaults, ...input } as JsonRecord;
	for (const key of ['accessToken', 'appSecret', 'appName', 'wabaName']) {
		requireString(merged, key, 'seed', 'use a non-empty string');
	}
	for (const key of ['appId', 'wabaId']) {
		if (!digitsPattern.test(String(merged[key]))) {
			throw new InputError(`seed.${key}`, merged[key], 'use a string of digits, as Graph ids are');
		}
	}
	if (!graphVersionPattern.test(String(merged.graphVersion))) {
		throw new InputError(
			'seed.graphVersion',
			merged.graphVersion,
			'use a Graph version like "v24.0"',
		);
	}
	if (!Array.isArray(merged.phoneNumbers) || merged.phoneNumbers.length === 0) {
		throw new InputError(
			'seed.phoneNumbers',
			merged.phoneNumbers,
			'give at least one business phone number',
		);
	}
	if (!Array.isArray(merged.templates)) {
		throw new InputError('seed.templates', merged.templates, 'give a list of templates');
	}
	if (typeof merged.wabaSubscribed !== 'boolean') {
		throw new InputError('seed.wabaSubscribed', merged.wabaSubscribed, 'use true or false');
	}
	const phoneNumbers = merged.phoneNumbers.map((value, index) =>
		checkPhoneNumber(value, `seed.phoneNumbers[${index}]`),
	);
	const templates = merged.templates.map((value, index) =>
		checkTemplate(value, `seed.templates[${index}]`),
	);
	const seen = new Set<string>();
	templates.forEach((entry, index) => {
		const key = `${entry.name}/${entry.language}`;
		if (seen.has(key))
			throw new InputError(
				`seed.templates[${index}]`,
				key,
				'each name/language pair may appear once',
			);
		seen.add(key);
	});
	const ids = [
		String(merged.appId),
		String(merged.wabaId),
		...phoneNumbers.map((phone) => phone.id),
	];
	if (new Set(ids).size !== ids.length) {
		throw new InputError('seed', ids, 'app id, WABA id and phone number ids must all differ');
	}
	return {
		accessToken: String(merged.accessToken),
		appId: String(merged.appId),
		appName: String(merged.appName),
		appSecret: String(merged.appSecret),
		wabaId: String(merged.wabaId),
		wabaName: String(merged.wabaName),
		graphVersion: String(merged.graphVersion),
		phoneNumbers,
		templates,
		wabaSubscribed: merged.wabaSubscribed,
		...(merged.appSubscription === undefined
			? {}
			: { appSubscription: checkAppSubscription(merged.appSubscription, 'seed.appSubscription') }),
		settings: applySettingsPatch(defaultSettings(), merged.settings ?? {}, 'seed.settings'),
	};
}

export function loadSeedFile(path: string): EmulatorSeed {
	const read = readText(path);
	if ('problem' in read)
		throw new InputError('--seed', path, `cannot read the file (${read.problem})`);
	const parsed = parseJson(read.text);
	if ('problem' in parsed)
		throw new InputError('--seed', path, `the file is not valid JSON (${parsed.problem})`);
	return resolveSeed(parsed.value);
}

function readText(path: string): { text: string } | { problem: string } {
	try {
		return { text: readFileSync(path, 'utf8') };
	} catch (error) {
		return { problem: (error as Error).message };
	}
}
