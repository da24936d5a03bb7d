/* eslint-disable @n8n/community-nodes/require-node-api-error -- n8n-free like lib/core: the node shell turns a FieldError into a NodeOperationError */
/**
 * The trigger's configuration as plain data, checked once: which events start a run, which
 * deliveries pass the filters, and how consent keywords, phrases and opt-out confirmations behave.
 */
import {
	assertValidConsentKeywordOptions,
	type ConsentKeywordOptions,
} from '../core/consentKeywords';
import {
	MESSAGE_STATUSES,
	MESSAGE_TYPES,
	TRIGGER_EVENTS,
	compileKeywordFilter,
	KeywordFilterError,
	type EventFilters,
	type KeywordFilter,
} from '../core/eventFilters';
import { KEYWORD_MATCH_MODES, type KeywordMatchMode } from '../core/keywords';
import { FieldError } from '../core/fieldError';

export {
	MESSAGE_STATUSES,
	MESSAGE_TYPES,
	TRIGGER_EVENTS,
	matchKeyword,
	type KeywordFilter,
	type TriggerEvent,
} from '../core/eventFilters';

/** The node's parameters as n8n hands them over (lists may come as arrays or separated text). */
export interface TriggerParameters {
	events?: unknown;
	onlyFirstEver?: unknown;
	statuses?: unknown;
	phoneNumberIds?: unknown;
	messageTypes?: unknown;
	keywords?: unknown;
	keywordMatch?: unknown;
	blockKeywords?: unknown;
	optOutKeywords?: unknown;
	optInKeywords?: unknown;
	optOutButtonPayloads?: unknown;
	blockPhrases?: unknown;
	optOutPhrases?: unknown;
	confirmOptOut?: unknown;
	optOutConfirmationText?: unknown;
}

export interface TriggerSettings extends EventFilters {
	consentKeywords: ConsentKeywordOptions;
	optOutConfirmation: { enabled: boolean; customText: string | null };
}

/** Throws a FieldError naming the parameter when a setting cannot work. */
export function resolveTriggerSettings(parameters: TriggerParameters): TriggerSettings {
	const events = choices('Events', parameters.events, TRIGGER_EVENTS);
	if (events.size === 0) {
		throw new FieldError(
			'Events',
			parameters.events ?? [],
			'is empty',
			'Choose at least one event, e.g. Message Received.',
		);
	}
	return {
		events,
		onlyFirstEver: parameters.onlyFirstEver === true,
		statuses: choices('Statuses', parameters.statuses, MESSAGE_STATUSES),
		phoneNumberIds: phoneNumberIds(parameters.phoneNumberIds),
		messageTypes: choices('Message Types', parameters.messageTypes, MESSAGE_TYPES),
		keywordFilter: keywordFilter(parameters.keywords, parameters.keywordMatch),
		consentKeywords: consentKeywords(parameters),
		optOutConfirmation: {
			enabled: parameters.confirmOptOut === true,
			customText: optionalText(parameters.optOutConfirmationText),
		},
	};
}

/** Keywords one per line; a line may hold a regular expression, so commas are kept. */
export function keywordLines(value: unknown): string[] {
	if (Array.isArray(value))
		return value
			.map(String)
			.map((line) => line.trim())
			.filter(Boolean);
	if (typeof value !== 'string') return [];
	return value
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter(Boolean);
}

function keywordFilter(keywordsValue: unknown, modeValue: unknown): KeywordFilter | null {
	const keywords = keywordLines(keywordsValue);
	if (keywords.length === 0) return null;
	const mode = (modeValue ?? 'exact') as KeywordMatchMode;
	if (!KEYWORD_MATCH_MODES.includes(mode)) {
		throw new FieldError(
			'Keyword Match',
			modeValue,
			'is not a match mode',
			`Choose one of: ${KEYWORD_MATCH_MODES.join(', ')}.`,
		);
	}
	try {
		return compileKeywordFilter(keywords, mode);
	} catch (error) {
		if (!(error instanceof KeywordFilterError)) throw error;
		throw new FieldError('Keywords', error.keyword, 'cannot be used', error.message);
	}
}

function consentKeywords(parameters: TriggerParameters): ConsentKeywordOptions {
	const options: ConsentKeywordOptions = {};
	// Keywords are short: commas separate them. Phrases are sentences: a line each, or commas
	// (punctuation never matters inside a phrase, so a comma cannot be part of one).
	const lists = [
		['blockKeywords', 'Block Keywords', /,/],
		['optOutKeywords', 'Opt-out Keywords', /,/],
		['optInKeywords', 'Opt-in Keywords', /,/],
		['optOutButtonPayloads', 'Opt-out Button Payloads', /,/],
		['blockPhrases', 'Block Phrases', /[,\r\n]/],
		['optOutPhrases', 'Opt-out Phrases', /[,\r\n]/],
	] as const;
	for (const [name, label, separator] of lists) {
		const value = parameters[name];
		if (value === undefined || value === null) continue;
		if (typeof value !== 'string' && !Array.isArray(value)) {
			throw new FieldError(
				label,
				value,
				'is not a list',
				name.endsWith('Phrases')
					? 'Enter the phrases one per line (or separated by commas).'
					: 'Enter the keywords separated by commas.',
			);
		}
		options[name] = Array.isArray(value)
			? value.map(String)
			: value
					.split(separator)
					.map((entry) => entry.trim())
					.filter(Boolean);
	}
	try {
		assertValidConsentKeywordOptions(options);
	} catch (error) {
		throw new FieldError('Consent Keywords', options, 'cannot be used', (error as Error).message);
	}
	return options;
}

function choices<T extends string>(
	field: string,
	value: unknown,
	allowed: readonly T[],
): ReadonlySet<T> {
	if (value === undefined || value === null || value === '') return new Set();
	const list = Array.isArray(value) ? value : String(value).split(',');
	const chosen = new Set<T>();
	for (const entry of list) {
		const choice = String(entry).trim();
		if (choice === '') continue;
		if (!(allowed as readonly string[]).includes(choice)) {
			throw new FieldError(
				field,
				choice,
				'is not a known choice',
				`Use one of: ${allowed.join(', ')}.`,
			);
		}
		chosen.add(choice as T);
	}
	return chosen;
}

function phoneNumberIds(value: unknown): ReadonlySet<string> {
	const list = Array.isArray(value)
		? value.map(String)
		: typeof value === 'string'
			? value.split(/[\s,]+/)
			: [];
	const ids = new Set<string>();
	for (const entry of list) {
		const id = entry.trim();
		if (id === '') continue;
		if (!/^\d{5,20}$/.test(id)) {
			throw new FieldError(
				'Phone Number IDs',
				id,
				'is not a phone number ID',
				'Use the numeric Phone Number ID from WhatsApp Manager → API Setup (e.g. 106540352242922), not the phone number itself; separate several with commas.',
			);
		}
		ids.add(id);
	}
	return ids;
}

function optionalText(value: unknown): string | null {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
