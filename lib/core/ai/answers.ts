/**
 * Reading the structured answers of Check Stop Condition, Decide Follow-up, Suggest Follow-up
 * Delay and Detect Opt-Out. Models wrap
 * JSON in code fences, add prose around it, think aloud in <think> blocks, or answer "No." instead
 * of JSON; all of that is accepted. What cannot be read is an `UnusableAnswerError` that quotes the
 * answer, so the user sees what the model said.
 */
import { FieldError } from '../fieldError';
import type { DelayBounds } from './prompt';

/** The model answered, but not in a form the operation can use. */
export class UnusableAnswerError extends Error {
	readonly operation: string;

	readonly answer: string;

	readonly expected: string;

	readonly fix: string;

	constructor(operation: string, answer: string, expected: string) {
		super(`The model's answer to ${operation} is not usable: expected ${expected}`);
		this.name = 'UnusableAnswerError';
		this.operation = operation;
		this.answer = answer;
		this.expected = expected;
		this.fix =
			'Use a model that follows formatting instructions well, lower its temperature, or make the assistant instructions not contradict the requested JSON answer.';
	}

	describe(): string {
		const shown = this.answer.length > 300 ? `${this.answer.slice(0, 299)}…` : this.answer;
		return `The model answered: "${shown}". Expected ${this.expected}. Fix: ${this.fix}`;
	}
}

export interface StopDecision {
	stop: boolean;
	reason: string;
}

export interface FollowUpDecision {
	followUp: boolean;
	/** The stop condition was met (never true when no stop condition was given). */
	stop: boolean;
	reason: string;
}

export type OptOutDecision = 'opt_out' | 'not_opt_out' | 'unsure';

export interface OptOutClassification {
	decision: OptOutDecision;
	/** 0..1: how sure the model is of `decision`. */
	confidence: number;
	reason: string;
	/** The language of the customer's message as the model named it (e.g. "de"), or null. */
	language: string | null;
}

export interface DelaySuggestion {
	hours: number;
	reason: string;
}

export interface ClampedDelay {
	hours: number;
	/** The model's suggestion was outside the bounds and was moved to the nearest bound. */
	clamped: boolean;
}

const MAX_BRACE_CANDIDATES = 20;
const STOP_EXPECTED = 'JSON like {"stop": true, "reason": "…"}';
const DELAY_EXPECTED = 'JSON like {"delayHours": 24, "reason": "…"}';
const FOLLOW_UP_EXPECTED = 'JSON like {"followUp": true, "stop": false, "reason": "…"}';
const OPT_OUT_EXPECTED =
	'JSON like {"decision": "opt_out" | "not_opt_out" | "unsure", "confidence": 0.9, "reason": "…"}';

/** Removes the reasoning some models (DeepSeek R1, Qwen 3 on Ollama…) print before the answer. */
export function stripReasoning(text: string): string {
	return text.replace(/<(think|thinking|reasoning)>[\s\S]*?<\/\1>/gi, '').trim();
}

/** The first JSON object in the text: the whole text, a fenced block, or braces inside prose. */
export function extractJsonObject(text: string): Record<string, unknown> | undefined {
	const candidates = [text.trim(), ...fencedBlocks(text), ...braceSpans(text)];
	for (const candidate of candidates) {
		const parsed = tryParse(candidate);
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
			return parsed as Record<string, unknown>;
		}
	}
	return undefined;
}

export function parseStopDecision(answer: string): StopDecision {
	const text = stripReasoning(answer);
	const json = extractJsonObject(text);
	if (json) {
		const stop = readBoolean(
			pick(json, ['stop', 'shouldStop', 'should_stop', 'stopFollowUps']),
			['stop'],
			['continue'],
		);
		if (stop !== undefined) return { stop, reason: readReason(json) };
		throw new UnusableAnswerError('Check Stop Condition', answer, STOP_EXPECTED);
	}
	const bare = readBoolean(text.replace(/[.!\s]+$/, ''), ['stop'], ['continue']);
	if (bare !== undefined) return { stop: bare, reason: '' };
	throw new UnusableAnswerError('Check Stop Condition', answer, STOP_EXPECTED);
}

/**
 * Decide Follow-up's answer. With a stop condition, a bare "yes" is refused: it would not say
 * whether the condition that must stop follow-ups was met. A met stop condition always wins.
 */
export function parseFollowUpDecision(answer: string, hasStopCondition: boolean): FollowUpDecision {
	const text = stripReasoning(answer);
	const json = extractJsonObject(text);
	if (json) {
		const followUp = readBoolean(
			pick(json, ['followUp', 'follow_up', 'shouldFollowUp', 'should_follow_up', 'decision']),
		);
		const stopValue = pick(json, ['stop', 'shouldStop', 'should_stop', 'stopFollowUps']);
		const stop = stopValue === undefined ? false : readBoolean(stopValue, ['stop'], ['continue']);
		if (followUp === undefined || stop === undefined) {
			throw new UnusableAnswerError('Decide Follow-up', answer, FOLLOW_UP_EXPECTED);
		}
		const stopped = hasStopCondition && stop;
		return { followUp: followUp && !stopped, stop: stopped, reason: readReason(json) };
	}
	const bare = hasStopCondition ? undefined : readBoolean(text.replace(/[.!\s]+$/, ''));
	if (bare !== undefined) return { followUp: bare, stop: false, reason: '' };
	throw new UnusableAnswerError('Decide Follow-up', answer, FOLLOW_UP_EXPECTED);
}

/**
 * Detect Opt-Out's answer: a decision and a confidence, both required (the threshold needs the
 * confidence); "93%" and 93 are read as 0.93. Only JSON is accepted: a bare "yes" has no confidence.
 */
export function parseOptOutClassification(answer: string): OptOutClassification {
	const json = extractJsonObject(stripReasoning(answer));
	const decision = json ? readOptOutDecision(json) : undefined;
	const confidence = json
		? readConfidence(pick(json, ['confidence', 'certainty', 'probability']))
		: undefined;
	if (!json || decision === undefined || confidence === undefined) {
		throw new UnusableAnswerError('Detect Opt-Out', answer, OPT_OUT_EXPECTED);
	}
	const language = pick(json, ['language', 'lang']);
	return {
		decision,
		confidence,
		reason: readReason(json),
		language: typeof language === 'string' && language.trim() !== '' ? language.trim() : null,
	};
}

export function parseDelaySuggestion(answer: string): DelaySuggestion {
	const text = stripReasoning(answer);
	const json = extractJsonObject(text);
	const hours = json ? hoursFromObject(json) : parseDuration(text.replace(/\.$/, ''));
	if (hours === undefined || !Number.isFinite(hours) || hours < 0) {
		throw new UnusableAnswerError('Suggest Follow-up Delay', answer, DELAY_EXPECTED);
	}
	return { hours, reason: json ? readReason(json) : '' };
}

/** Checks the user's bounds; a mistake names the field to correct. */
export function validateDelayBounds(bounds: DelayBounds): DelayBounds {
	if (!Number.isFinite(bounds.minHours) || bounds.minHours < 0) {
		throw new FieldError(
			'Minimum Delay (Hours)',
			bounds.minHours,
			'is not a number of hours of 0 or more',
			'Enter the shortest wait you accept, e.g. 2.',
		);
	}
	if (!Number.isFinite(bounds.maxHours) || bounds.maxHours < bounds.minHours) {
		throw new FieldError(
			'Maximum Delay (Hours)',
			bounds.maxHours,
			`is smaller than the Minimum Delay (${bounds.minHours} hours)`,
			'Enter a maximum at least as large as the minimum, e.g. 72.',
		);
	}
	return bounds;
}

export function clampDelay(hours: number, bounds: DelayBounds): ClampedDelay {
	const clamped = Math.min(Math.max(hours, bounds.minHours), bounds.maxHours);
	return { hours: clamped, clamped: clamped !== hours };
}

const HOURS_PER_UNIT: Array<[RegExp, number]> = [
	[/^(w|wk|wks|weeks?)$/, 24 * 7],
	[/^(d|days?)$/, 24],
	[/^(h|hr|hrs|hours?)$/, 1],
	[/^(m|min|mins|minutes?)$/, 1 / 60],
];

function hoursFromObject(json: Record<string, unknown>): number | undefined {
	const fields: Array<[string[], number]> = [
		[['delayHours', 'delay_hours', 'hours'], 1],
		[['delayMinutes', 'delay_minutes', 'minutes'], 1 / 60],
		[['delayDays', 'delay_days', 'days'], 24],
	];
	for (const [names, factor] of fields) {
		const value = readNumber(pick(json, names));
		if (value !== undefined) return value * factor;
	}
	const delay = pick(json, ['delay', 'wait']);
	if (typeof delay === 'number') return delay;
	if (typeof delay === 'string') return parseDuration(delay);
	return undefined;
}

/** "4", "4 hours", "90 min", "2 days", "1.5h", or ISO 8601 like "PT4H" / "P2D" → hours. */
function parseDuration(text: string): number | undefined {
	const value = text.trim().toLowerCase();
	const plain = readNumber(value);
	if (plain !== undefined) return plain;
	const iso = /^p(?:(\d+(?:\.\d+)?)d)?(?:t(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?)?$/.exec(
		value,
	);
	if (iso && value !== 'p' && value !== 'pt') {
		const [, days, hours, minutes] = iso;
		return Number(days ?? 0) * 24 + Number(hours ?? 0) + Number(minutes ?? 0) / 60;
	}
	const withUnit = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(value);
	if (!withUnit) return undefined;
	const unit = HOURS_PER_UNIT.find(([pattern]) => pattern.test(withUnit[2]));
	return unit ? Number(withUnit[1]) * unit[1] : undefined;
}

function pick(json: Record<string, unknown>, names: string[]): unknown {
	for (const name of names) if (json[name] !== undefined && json[name] !== null) return json[name];
	return undefined;
}

/** true/false, "yes"/"no", and the operation's own words ("stop"/"continue" for a stop decision). */
function readBoolean(
	value: unknown,
	trueWords: string[] = [],
	falseWords: string[] = [],
): boolean | undefined {
	if (typeof value === 'boolean') return value;
	if (typeof value !== 'string') return undefined;
	const word = value.trim().toLowerCase();
	if (['true', 'yes', ...trueWords].includes(word)) return true;
	if (['false', 'no', ...falseWords].includes(word)) return false;
	return undefined;
}

const OPT_OUT_WORDS: Record<string, OptOutDecision> = {
	opt_out: 'opt_out',
	optout: 'opt_out',
	opted_out: 'opt_out',
	unsubscribe: 'opt_out',
	not_opt_out: 'not_opt_out',
	no_opt_out: 'not_opt_out',
	not_optout: 'not_opt_out',
	not_an_opt_out: 'not_opt_out',
	none: 'not_opt_out',
	unsure: 'unsure',
	uncertain: 'unsure',
	unclear: 'unsure',
	unknown: 'unsure',
};

/** "opt_out", "Opt-Out", "not opt out", "unsure"…; or a boolean `optOut` field. */
function readOptOutDecision(json: Record<string, unknown>): OptOutDecision | undefined {
	const value = pick(json, ['decision', 'classification', 'label', 'result']);
	if (typeof value === 'string') {
		return OPT_OUT_WORDS[
			value
				.trim()
				.toLowerCase()
				.replace(/[\s-]+/g, '_')
		];
	}
	const flag = readBoolean(pick(json, ['optOut', 'opt_out', 'isOptOut', 'is_opt_out']));
	return flag === undefined ? undefined : flag ? 'opt_out' : 'not_opt_out';
}

/** A share 0..1; a percentage (above 1, up to 100, or "85%") is divided by 100. */
function readConfidence(value: unknown): number | undefined {
	const percent = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(value);
	const number = percent ? Number(String(value).replace('%', '')) : readNumber(value);
	if (number === undefined || number < 0) return undefined;
	if (percent) return number <= 100 ? number / 100 : undefined;
	if (number > 1) return Number.isInteger(number) && number <= 100 ? number / 100 : undefined;
	return number;
}

function readNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
	return undefined;
}

function readReason(json: Record<string, unknown>): string {
	const reason = pick(json, ['reason', 'explanation', 'why']);
	return typeof reason === 'string' ? reason.trim() : '';
}

function tryParse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function fencedBlocks(text: string): string[] {
	return [...text.matchAll(/```[a-zA-Z]*\s*\n?([\s\S]*?)```/g)].map((m) => m[1].trim());
}

/** Balanced `{…}` spans, skipping braces inside JSON strings; bounded for brace-heavy prose. */
function braceSpans(text: string): string[] {
	const spans: string[] = [];
	for (
		let start = text.indexOf('{');
		start !== -1 && spans.length < MAX_BRACE_CANDIDATES;
		start = text.indexOf('{', start + 1)
	) {
		const end = matchingBrace(text, start);
		if (end !== -1) spans.push(text.slice(start, end + 1));
	}
	return spans;
}

function matchingBrace(text: string, start: number): number {
	let depth = 0;
	let inString = false;
	for (let i = start; i < text.length; i++) {
		const char = text[i];
		if (inString) {
			if (char === '\\') i++;
			else if (char === '"') inString = false;
		} else if (char === '"') inString = true;
		else if (char === '{') depth++;
		else if (char === '}' && --depth === 0) return i;
	}
	return -1;
}
