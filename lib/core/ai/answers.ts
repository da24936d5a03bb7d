/**
 * Reading the structured answers of Check Stop Condition and Suggest Follow-up Delay. Models wrap
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
		const stop = readBoolean(pick(json, ['stop', 'shouldStop', 'should_stop', 'stopFollowUps']));
		if (stop !== undefined) return { stop, reason: readReason(json) };
		throw new UnusableAnswerError('Check Stop Condition', answer, STOP_EXPECTED);
	}
	const bare = readBoolean(text.replace(/[.!\s]+$/, ''));
	if (bare !== undefined) return { stop: bare, reason: '' };
	throw new UnusableAnswerError('Check Stop Condition', answer, STOP_EXPECTED);
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

function readBoolean(value: unknown): boolean | undefined {
	if (typeof value === 'boolean') return value;
	if (typeof value !== 'string') return undefined;
	const word = value.trim().toLowerCase();
	if (['true', 'yes', 'stop'].includes(word)) return true;
	if (['false', 'no', 'continue'].includes(word)) return false;
	return undefined;
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
