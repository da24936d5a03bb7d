import { FieldError } from '../core/messages';
import { parseE164 } from '../core/phone';

/** Meta's business-scoped user id, e.g. US.13491208655302741918. */
const BUSINESS_SCOPED_USER_ID = /^[A-Z]{2}(\.[A-Za-z0-9]+)+$/;

/**
 * The contact a wait is for, in the form the store keys contacts by: the wa_id digits, or the
 * business-scoped user id. Accepts what the trigger and the send node output (`contact.waId`,
 * `recipient.waId`, `recipient.phone`, or the whole `contact` object) and a typed E.164 number.
 */
export function toWaitContact(value: unknown): string {
	const given = isContactObject(value) ? (value.waId ?? value.userId) : value;
	const text =
		typeof given === 'number' ? String(given) : typeof given === 'string' ? given.trim() : '';
	if (BUSINESS_SCOPED_USER_ID.test(text)) return text;
	const phone = parseE164(/^\d+$/.test(text) ? `+${text}` : text);
	if (phone.ok) return phone.waId;
	throw new FieldError(
		'Contact',
		value ?? '',
		text === '' ? 'is empty' : 'is not a WhatsApp contact',
		'Map the contact’s wa_id, e.g. {{ $json.contact.waId }} from the trigger or {{ $json.recipient.waId }} after a send, or enter the number in E.164 like +4915112345678.',
	);
}

function isContactObject(value: unknown): value is { waId?: unknown; userId?: unknown } {
	return value !== null && typeof value === 'object' && ('waId' in value || 'userId' in value);
}
