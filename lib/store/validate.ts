import { isBusinessScopedUserId, parseWaId, USER_ID_MAX_LENGTH } from '../core/contact';
import type { ContactIds, ContactRef, JsonValue, Timestamp } from './types';

/** Bad input to the store: names the field, shows the value (never a secret) and says the fix. */
export class StoreInputError extends Error {
	readonly field: string;

	constructor(field: string, shownValue: string, problem: string, fix: string) {
		super(`${field} ${problem} (got ${shownValue}). ${fix}`);
		this.name = 'StoreInputError';
		this.field = field;
	}
}

export const MAX_TEXT_BYTES = 64 * 1024;
const MAX_ID_LENGTH = 256;
const EARLIEST_TIMESTAMP = Date.UTC(2000, 0, 1);
const LATEST_AHEAD_MS = 366 * 24 * 60 * 60 * 1000;

export function describeValue(value: unknown): string {
	if (value === undefined) return 'nothing';
	if (value === null) return 'null';
	if (typeof value === 'string') {
		const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
		return `${JSON.stringify(shown)}${value.length > 60 ? ` (${value.length} characters)` : ''}`;
	}
	if (value instanceof Date)
		return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

export function requireId(field: string, value: unknown, maxLength = MAX_ID_LENGTH): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is missing',
			`Pass a non-empty ${field}.`,
		);
	}
	const id = value.trim();
	if (id.length > maxLength) {
		throw new StoreInputError(
			field,
			describeValue(value),
			`is longer than ${maxLength} characters`,
			`Pass the ${field} itself, not a longer text.`,
		);
	}
	return id;
}

function isAbsent(value: unknown): boolean {
	return value === undefined || value === null || value === '';
}

export function optionalId(
	field: string,
	value: unknown,
	maxLength = MAX_ID_LENGTH,
): string | null {
	return isAbsent(value) ? null : requireId(field, value, maxLength);
}

/** Accepts a Date or epoch milliseconds between 2000-01-01 and one year from now. */
export function requireTimestamp(field: string, value: Timestamp | undefined): number {
	const millis = value instanceof Date ? value.getTime() : value;
	if (typeof millis !== 'number' || !Number.isFinite(millis)) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not a valid time',
			'Pass a Date or epoch milliseconds.',
		);
	}
	if (millis < EARLIEST_TIMESTAMP) {
		const looksLikeSeconds = millis * 1000 >= EARLIEST_TIMESTAMP;
		throw new StoreInputError(
			field,
			describeValue(value),
			'is before 2000-01-01',
			looksLikeSeconds
				? 'It looks like Unix seconds: multiply by 1000 (the store takes milliseconds or a Date).'
				: 'Pass the real time of the event as a Date or epoch milliseconds.',
		);
	}
	if (millis > Date.now() + LATEST_AHEAD_MS) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is more than a year in the future',
			'Pass the real time as a Date or epoch milliseconds (not microseconds).',
		);
	}
	return Math.trunc(millis);
}

export function optionalTimestamp(field: string, value: Timestamp | undefined): number | null {
	return value === undefined ? null : requireTimestamp(field, value);
}

export function optionalText(
	field: string,
	value: unknown,
	maxBytes = MAX_TEXT_BYTES,
): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string') {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not text',
			`Pass ${field} as a string.`,
		);
	}
	return requireWithinSize(field, value, maxBytes);
}

export function requireText(field: string, value: unknown, maxBytes = MAX_TEXT_BYTES): string {
	if (typeof value !== 'string') {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is missing',
			`Pass ${field} as a string.`,
		);
	}
	return requireWithinSize(field, value, maxBytes);
}

/** Like requireText for values that must never appear in a message (resume URLs, secrets). */
export function requireSecretText(field: string, value: unknown): string {
	if (typeof value !== 'string' || value === '') {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is missing',
			`Pass ${field} as a string.`,
		);
	}
	if (Buffer.byteLength(value) > MAX_TEXT_BYTES) {
		throw new StoreInputError(
			field,
			'a hidden value',
			`is larger than ${MAX_TEXT_BYTES} bytes`,
			`Pass the ${field} itself.`,
		);
	}
	return value;
}

function requireWithinSize(field: string, value: string, maxBytes: number): string {
	const bytes = Buffer.byteLength(value);
	if (bytes > maxBytes) {
		throw new StoreInputError(
			field,
			`${bytes} bytes`,
			`is larger than ${maxBytes} bytes`,
			`Shorten ${field} or keep large content outside the store.`,
		);
	}
	return value;
}

export function requireOneOf<T extends string>(
	field: string,
	value: unknown,
	allowed: readonly T[],
): T {
	if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not allowed',
			`Use one of: ${allowed.join(', ')}.`,
		);
	}
	return value as T;
}

export function requireCount(field: string, value: unknown, max: number): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not a whole number in range',
			`Pass a whole number from 1 to ${max}.`,
		);
	}
	return value;
}

export function optionalInteger(field: string, value: unknown): number | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not a whole number',
			`Pass ${field} as an integer.`,
		);
	}
	return value;
}

/** Serialises JSON for storage, enforcing the same size limit as text. */
export function requireJson(field: string, value: JsonValue | undefined): string {
	let json: string | undefined;
	try {
		json = JSON.stringify(value);
	} catch {
		json = undefined;
	}
	if (json === undefined) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not JSON',
			`Pass ${field} as plain JSON data (objects, arrays, strings, numbers).`,
		);
	}
	return requireWithinSize(field, json, MAX_TEXT_BYTES);
}

export function optionalJson(field: string, value: JsonValue | object | undefined): string | null {
	return value === undefined ? null : requireJson(field, value as JsonValue);
}

export interface ContactKeys {
	waId: string | null;
	userId: string | null;
}

/**
 * Normalises a contact reference into its wa_id and business-scoped user id, by the rule of
 * lib/core/contact.ts. A user id given as a `userId` field is kept as Meta sent it (any text of at
 * most 128 characters without spaces); a bare text is a user id only in the BSUID shape.
 */
export function requireContact(field: string, ref: ContactRef | undefined): ContactKeys {
	if (typeof ref === 'string') {
		const trimmed = ref.trim();
		const wa = parseWaId(trimmed);
		if (wa.ok) return { waId: wa.waId, userId: null };
		if (isBusinessScopedUserId(trimmed)) return { waId: null, userId: trimmed };
		throw new StoreInputError(
			field,
			describeValue(ref),
			'is neither a WhatsApp id nor a business-scoped user id',
			'Pass the wa_id as 8 to 15 digits with the country code (e.g. 4915112345678, no spaces) or a user id like US.13491208655302741918, or an object {waId, userId}.',
		);
	}
	if (ref === null || typeof ref !== 'object') {
		throw new StoreInputError(
			field,
			describeValue(ref),
			'is missing',
			'Pass the contact as a wa_id, a business-scoped user id or {waId, userId}.',
		);
	}
	return requireContactIds(field, ref);
}

/** Validates waId/userId given as fields of their own (`field` is their parent, or '' for none). */
export function requireContactIds(field: string, ids: ContactIds): ContactKeys {
	const path = (name: string) => (field === '' ? name : `${field}.${name}`);
	const waId = isAbsent(ids.waId) ? null : normaliseWaId(path('waId'), ids.waId);
	const userId = optionalId(path('userId'), ids.userId);
	if (userId !== null && (userId.length > USER_ID_MAX_LENGTH || /\s/.test(userId))) {
		throw new StoreInputError(
			path('userId'),
			describeValue(ids.userId),
			'is not a business-scoped user id',
			'Pass the user_id from the webhook unchanged (e.g. US.13491208655302741918).',
		);
	}
	if (waId === null && userId === null) {
		throw new StoreInputError(
			field === '' ? 'waId' : field,
			describeValue(ids),
			'has neither waId nor userId',
			'Pass at least one of waId (digits) and userId (business-scoped user id).',
		);
	}
	return { waId, userId };
}

function normaliseWaId(field: string, value: unknown): string {
	const parsed = typeof value === 'string' ? parseWaId(value) : null;
	if (!parsed?.ok) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not a WhatsApp id',
			'Pass 8 to 15 digits with the country code, e.g. 4915112345678 (no spaces, no leading 0).',
		);
	}
	return parsed.waId;
}

/** Recipients and AI customers are stored as given, except a wa_id loses its leading `+`. */
export function normaliseRecipient(field: string, value: unknown): string {
	const id = requireId(field, value);
	const wa = parseWaId(id);
	return wa.ok ? wa.waId : id;
}

/** An absolute http(s) URL, e.g. a trigger's production webhook URL. */
export function requireHttpUrl(field: string, value: unknown): string {
	const text = requireId(field, value, 2048);
	let url: URL | null = null;
	try {
		url = new URL(text);
	} catch {
		url = null;
	}
	if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not an http(s) URL',
			'Pass the absolute URL, e.g. https://n8n.example.com/webhook/<id>/webhook.',
		);
	}
	return text;
}

export function optionalBoolean(field: string, value: unknown): boolean {
	if (value === undefined || value === null) return false;
	if (typeof value !== 'boolean') {
		throw new StoreInputError(
			field,
			describeValue(value),
			'is not true or false',
			`Pass ${field} as a boolean.`,
		);
	}
	return value;
}

/** A non-empty list of ids (at most `max`), duplicates dropped. */
export function requireIdList(field: string, value: unknown, max: number): string[] {
	if (!Array.isArray(value) || value.length === 0 || value.length > max) {
		throw new StoreInputError(
			field,
			describeValue(value),
			`is not a list of 1 to ${max} entries`,
			`Pass ${field} as an array of strings.`,
		);
	}
	return [...new Set(value.map((entry: unknown, index) => requireId(`${field}[${index}]`, entry)))];
}
