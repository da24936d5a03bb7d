/**
 * Who a contact is: the one place that says what a contact identifier looks like. The store's
 * validation, the trigger's records and every node that takes a contact use it.
 *
 * A contact is known by its wa_id, its business-scoped user id (BSUID), or both:
 * - **wa_id**: the contact's phone number as E.164 digits — 8 to 15 digits, the first not 0 —
 *   with or without a leading "+" (Meta's webhooks send bare digits, people write "+…"); a number
 *   value is read as its digits. Nothing is cleaned up: spaces, punctuation, a trunk 0 or a 00
 *   prefix are refused, because guessing a country code records consent for (or writes to) a
 *   stranger. This is E.164's own length, so every wa_id Meta sends passes; before it was shared,
 *   the store took 5 to 20 digits, which no WhatsApp number has.
 * - **business-scoped user id**: two capital letters, then dot-separated letters and digits, at
 *   most 128 characters, e.g. `US.13491208655302741918`. A bare text is read as a user id only in
 *   this shape. (The store keeps a user id that Meta's data names as such — a `userId` field — as
 *   Meta sent it, see lib/store/validate.ts, so a new id format from Meta is still recorded.)
 *
 * A typed phone number field (the send node's Recipient Phone) asks more: the "+" must be written,
 * because a person typing a number is where a forgotten country code happens (`parseE164`).
 */
import { FieldError } from './fieldError';
import { parseE164 } from './phone';

/** The identifiers of one contact; null or absent ids are ignored, so a webhook contact can be passed as it is. */
export interface ContactIds {
	waId?: string | null;
	userId?: string | null;
}

/** A parsed contact: at least one id, and what to show for it. */
export interface ContactIdentifier {
	waId?: string;
	userId?: string;
	/** What to show in outputs and messages: the wa_id, else the user id. */
	label: string;
}

const BUSINESS_SCOPED_USER_ID = /^[A-Z]{2}(\.[A-Za-z0-9]+)+$/;
export const USER_ID_MAX_LENGTH = 128;

export function isBusinessScopedUserId(text: string): boolean {
	return text.length <= USER_ID_MAX_LENGTH && BUSINESS_SCOPED_USER_ID.test(text);
}

export type WaIdParseResult = { ok: true; waId: string } | { ok: false; reason: string };

/** The wa_id rule (see the module comment): E.164 digits, the "+" optional. Trims the text. */
export function parseWaId(value: unknown): WaIdParseResult {
	if (typeof value === 'number' && Number.isSafeInteger(value)) return parseWaId(String(value));
	if (typeof value !== 'string') return parseE164(value) as { ok: false; reason: string };
	const text = value.trim();
	if (/^0\d*$/.test(text)) {
		return {
			ok: false,
			reason:
				'it starts with 0: a national number or a 00 dialling prefix has no country code WhatsApp can use',
		};
	}
	const parsed = parseE164(/^\d+$/.test(text) ? `+${text}` : text);
	return parsed.ok ? { ok: true, waId: parsed.waId } : { ok: false, reason: parsed.reason };
}

/** The label of known ids: the wa_id, else the user id; null when neither is known. */
export function contactLabel(ids: ContactIds): string | null {
	return ids.waId || ids.userId || null;
}

const FIX =
	'Map the customer’s number in E.164 (+4915112345678), the wa_id digits from the trigger ({{ $json.contact.waId }}) or after a send ({{ $json.recipient.waId }}), or a business-scoped user id (US.13491208655302741918).';

/**
 * Reads what a workflow typically holds for a contact: E.164 (`+4915112345678`), a wa_id
 * (`4915112345678`, also as a number), a business-scoped user id (`US.1349…`) or the trigger's
 * contact object `{waId, userId}` (both ids kept, so the store links them). Throws a FieldError
 * naming `field` (or `field.waId` / `field.userId`), the value and the fix.
 */
export function parseContactIdentifier(value: unknown, field = 'Contact'): ContactIdentifier {
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
		const given = value as { waId?: unknown; userId?: unknown };
		const waId = isBlank(given.waId) ? undefined : waIdOf(given.waId, `${field}.waId`);
		const userId = isBlank(given.userId) ? undefined : userIdOf(given.userId, `${field}.userId`);
		if (waId === undefined && userId === undefined) {
			throw new FieldError(field, value, 'has neither a waId nor a userId', FIX);
		}
		return { ...(waId ? { waId } : {}), ...(userId ? { userId } : {}), label: (waId ?? userId)! };
	}
	if (isBlank(value)) throw new FieldError(field, value ?? '', 'is empty', FIX);
	if (typeof value === 'string' && BUSINESS_SCOPED_USER_ID.test(value.trim())) {
		const userId = userIdOf(value, field);
		return { userId, label: userId };
	}
	if (typeof value !== 'string' && !(typeof value === 'number' && Number.isSafeInteger(value))) {
		throw new FieldError(field, value, 'is not a contact id', FIX);
	}
	const waId = waIdOf(value, field);
	return { waId, label: waId };
}

/**
 * A typed recipient phone number: strict E.164 with the "+" (see the module comment). Returns the
 * number and its wa_id, or throws a FieldError naming `field`.
 */
export function parseRecipientPhone(
	value: unknown,
	field: string,
): { phone: string; waId: string } {
	const parsed = parseE164(value);
	if (!parsed.ok) {
		throw new FieldError(
			field,
			value,
			`is invalid: ${parsed.reason}`,
			'Use E.164: "+", country code and number without spaces, e.g. +4915112345678.',
		);
	}
	return { phone: parsed.e164, waId: parsed.waId };
}

function waIdOf(value: unknown, field: string): string {
	const parsed = parseWaId(value);
	if (parsed.ok) return parsed.waId;
	const problem = parsed.reason.startsWith('it starts with 0')
		? parsed.reason.slice('it '.length)
		: `is not a WhatsApp number: ${parsed.reason}`;
	throw new FieldError(field, value, problem, FIX);
}

function userIdOf(value: unknown, field: string): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!isBusinessScopedUserId(text)) {
		throw new FieldError(
			field,
			value,
			'is not a business-scoped user id',
			'Pass the user_id from the webhook unchanged, e.g. US.13491208655302741918.',
		);
	}
	return text;
}

function isBlank(value: unknown): boolean {
	return (
		value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
	);
}
