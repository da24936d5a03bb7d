/**
 * Phone numbers in the one form Meta accepts everywhere: E.164 ("+", country code, subscriber
 * number). Inbound webhooks carry the same number as digits without "+" (`wa_id`, `from`).
 */

export type E164ParseResult =
	{ ok: true; e164: string; waId: string } | { ok: false; reason: string };

const MIN_DIGITS = 8;
const MAX_DIGITS = 15;
const EXPECTED_FORM =
	'expected E.164 like +4915112345678: "+" then country code and number, no spaces, no leading 0';

/** Strict E.164: no cleaning up of user input, because guessing a country code sends to strangers. */
export function parseE164(input: unknown): E164ParseResult {
	if (typeof input !== 'string') {
		return {
			ok: false,
			reason: `${describeNonString(input)} is not a phone number; ${EXPECTED_FORM}`,
		};
	}
	const problem = findE164Problem(input);
	if (problem === null) return { ok: true, e164: input, waId: input.slice(1) };

	const suggestion = suggestE164(input);
	const hint = suggestion === null ? '' : `. Did you mean ${suggestion}?`;
	return {
		ok: false,
		reason: `${quote(input)} is not an E.164 phone number: ${problem}; ${EXPECTED_FORM}${hint}`,
	};
}

/**
 * A click-to-chat link (`https://wa.me/<digits>?text=…`) for a business number in any common
 * display form ("+1 555-078-3881", "15550783881", "+4915112345678").
 */
export function waMeLink(displayOrE164Number: string, text?: string): string {
	if (/[^\d\s+().\-/]/.test(displayOrE164Number)) {
		throw new Error(
			`Cannot build a wa.me link from ${quote(displayOrE164Number)}: it contains characters that are not part of a phone number; use the business number like +15550783881`,
		);
	}
	const digits = displayOrE164Number.replace(/\D/g, '');
	const parsed = parseE164(`+${digits}`);
	if (!parsed.ok) {
		throw new Error(
			`Cannot build a wa.me link from ${quote(displayOrE164Number)}: it needs the full international number (8 to 15 digits, country code first, no leading 0) like +15550783881`,
		);
	}
	const link = `https://wa.me/${parsed.waId}`;
	return text ? `${link}?text=${encodeURIComponent(text)}` : link;
}

function findE164Problem(input: string): string | null {
	if (input.trim() === '') return 'it is empty';
	if (/\s/.test(input)) return 'it contains spaces';
	if (/[()]/.test(input)) return 'it contains parentheses (drop a trunk "(0)")';
	if (!input.startsWith('+')) {
		if (input.startsWith('00')) return 'it starts with the dialling prefix 00 instead of "+"';
		if (input.startsWith('0')) return 'it starts with a national trunk 0 and has no country code';
		if (/^\d+$/.test(input)) {
			const plausible = input.length >= MIN_DIGITS && input.length <= MAX_DIGITS;
			return plausible
				? `the leading "+" is missing (if it starts with the country code, write +${input})`
				: 'the leading "+" is missing';
		}
		return 'it does not start with "+"';
	}
	const digits = input.slice(1);
	if (!/^\d*$/.test(digits)) return 'it contains characters other than digits after "+"';
	if (digits.startsWith('0')) return 'a country code never starts with 0';
	if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS) {
		return `it has ${digits.length} digits, E.164 numbers have ${MIN_DIGITS} to ${MAX_DIGITS}`;
	}
	return null;
}

/** Only offered when the country code is written out ("+" or "00"), so it never invents one. */
function suggestE164(input: string): string | null {
	let candidate = input
		.trim()
		.replace(/\(\s*0\s*\)/g, '')
		.replace(/[\s().\-/]/g, '');
	if (candidate.startsWith('00')) candidate = `+${candidate.slice(2)}`;
	if (!candidate.startsWith('+') || candidate === input) return null;
	return findE164Problem(candidate) === null ? candidate : null;
}

function describeNonString(value: unknown): string {
	if (value === null || value === undefined) return 'An empty value';
	if (typeof value === 'number') return `The number ${value} (write it as text with a leading "+")`;
	return `A value of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

function quote(value: string): string {
	const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
	return JSON.stringify(shown);
}
