import { FieldError } from '../core/messages';
import { parseE164 } from '../core/phone';
import type { ContactIds } from '../store/types';

/** One contact as the store knows it: the phone number's wa_id, a business-scoped user id, or both. */
export interface ContactIdentifier extends ContactIds {
	/** What to show in outputs and messages: the wa_id, else the user id. */
	label: string;
}

const BSUID = /^[A-Z]{2}(\.[A-Za-z0-9]+)+$/;
const FIX =
	'Map the customer’s number in E.164 (+4915112345678), the wa_id digits from the trigger ({{ $json.contact.waId }}) or a business-scoped user id (US.13491208655302741918).';

/**
 * Accepts what a workflow typically holds for a contact: E.164 (`+4915112345678`), a wa_id
 * (`4915112345678`), a business-scoped user id (`US.1349…`) or the trigger's `{waId, userId}`.
 * Digits are checked as a phone number, so a national number with a trunk 0 is refused instead
 * of being recorded for a stranger.
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
	if (typeof value === 'number' && Number.isSafeInteger(value)) {
		const waId = waIdOf(String(value), field);
		return { waId, label: waId };
	}
	if (typeof value !== 'string') {
		throw new FieldError(field, value, 'is not a contact id', FIX);
	}
	const text = value.trim();
	if (BSUID.test(text)) return { userId: userIdOf(text, field), label: text };
	const waId = waIdOf(text, field);
	return { waId, label: waId };
}

function waIdOf(value: unknown, field: string): string {
	const text = typeof value === 'string' ? value.trim() : String(value);
	if (/^0\d*$/.test(text)) {
		throw new FieldError(
			field,
			value,
			'starts with 0: a national number or a 00 dialling prefix has no country code WhatsApp can use',
			FIX,
		);
	}
	const parsed = parseE164(/^\d+$/.test(text) ? `+${text}` : text);
	if (!parsed.ok) {
		throw new FieldError(field, value, `is not a WhatsApp number: ${parsed.reason}`, FIX);
	}
	return parsed.waId;
}

function userIdOf(value: unknown, field: string): string {
	const text = typeof value === 'string' ? value.trim() : '';
	if (!BSUID.test(text) || text.length > 128) {
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

/** The store's reference for a parsed contact: both ids when both are known, so the store links them. */
export function contactRef(contact: ContactIdentifier): ContactIds {
	return {
		...(contact.waId ? { waId: contact.waId } : {}),
		...(contact.userId ? { userId: contact.userId } : {}),
	};
}
