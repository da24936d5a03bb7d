import fc from 'fast-check';

import { parseWaId } from '../../lib/core/contact';
import { parseE164, waMeLink } from '../../lib/core/phone';

const EXPECTED_FORM =
	'expected E.164 like +4915112345678: "+" then country code and number, no spaces, no leading 0';

/** Country code 1-9 first, 8 to 15 digits in all. */
const validDigits = fc.stringMatching(/^[1-9]\d{7,14}$/);

function reasonFor(input: unknown): string {
	const result = parseE164(input);
	if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
	return result.reason;
}

describe('parseE164', () => {
	it.each([
		['+4915112345678', '4915112345678'],
		['+436641234567', '436641234567'],
		['+16505551234', '16505551234'],
		['+12345678', '12345678'],
		['+123456789012345', '123456789012345'],
	])('accepts %s', (input, waId) => {
		expect(parseE164(input)).toEqual({ ok: true, e164: input, waId });
	});

	it.each([
		['0151/12345678', 'a national trunk 0 and has no country code', null],
		['+49 (0) 151 12345678', 'contains spaces', '+4915112345678'],
		['+49(0)15112345678', 'parentheses', '+4915112345678'],
		[
			'4915112345678',
			'the leading "+" is missing (if it starts with the country code, write +4915112345678)',
			null,
		],
		['004915112345678', 'dialling prefix 00', '+4915112345678'],
		['+0915112345678', 'a country code never starts with 0', null],
		['+1234567', 'it has 7 digits, E.164 numbers have 8 to 15', null],
		['+1234567890123456', 'it has 16 digits', null],
		['+49-151-12345678', 'characters other than digits', '+4915112345678'],
		['', 'it is empty', null],
		['+', 'it has 0 digits', null],
		[' +4915112345678', 'contains spaces', '+4915112345678'],
	])('refuses %j, saying why and showing the expected form', (input, problem, suggestion) => {
		const reason = reasonFor(input);
		expect(reason).toContain(JSON.stringify(input));
		expect(reason).toContain(problem);
		expect(reason).toContain(EXPECTED_FORM);
		if (suggestion === null) expect(reason).not.toContain('Did you mean');
		else expect(reason).toContain(`Did you mean ${suggestion}?`);
	});

	it.each([
		[4915112345678, 'The number 4915112345678 (write it as text with a leading "+")'],
		[null, 'An empty value'],
		[undefined, 'An empty value'],
		[['+4915112345678'], 'A value of type array'],
	])('refuses the non-string %j', (input, start) => {
		expect(reasonFor(input).startsWith(start)).toBe(true);
	});

	it('shortens a very long value in the reason', () => {
		const reason = reasonFor('+' + '1'.repeat(500));
		expect(reason.length).toBeLessThan(300);
	});

	describe('properties', () => {
		it('valid numbers are accepted and round-trip through their wa_id', () => {
			fc.assert(
				fc.property(validDigits, (digits) => {
					const parsed = parseE164(`+${digits}`);
					expect(parsed).toEqual({ ok: true, e164: `+${digits}`, waId: digits });
					if (parsed.ok) expect(parseWaId(parsed.waId)).toEqual({ ok: true, waId: digits });
				}),
			);
		});

		it('any string with a space, letter, parenthesis or separator is refused', () => {
			const intruder = fc.constantFrom(' ', '\t', 'a', 'Z', 'é', '(', ')', '-', '/', '.', '\u00a0');
			fc.assert(
				fc.property(validDigits, intruder, fc.nat(), (digits, char, at) => {
					const input = `+${digits}`;
					const position = 1 + (at % input.length);
					const polluted = input.slice(0, position) + char + input.slice(position);
					expect(parseE164(polluted).ok).toBe(false);
				}),
			);
		});

		it('a number without its "+" is refused', () => {
			fc.assert(fc.property(validDigits, (digits) => expect(parseE164(digits).ok).toBe(false)));
		});

		it('too short or too long digit strings are refused', () => {
			const wrongLength = fc.oneof(
				fc.stringMatching(/^[1-9]\d{0,6}$/),
				fc.stringMatching(/^[1-9]\d{15,30}$/),
			);
			fc.assert(
				fc.property(wrongLength, (digits) => expect(parseE164(`+${digits}`).ok).toBe(false)),
			);
		});

		it('never throws, whatever it is given', () => {
			fc.assert(
				fc.property(fc.anything(), (input) => {
					const result = parseE164(input);
					expect(typeof result.ok).toBe('boolean');
				}),
			);
		});

		it('a valid number written with separators, "(0)" or 00 is refused but suggested cleaned up', () => {
			const separator = fc.constantFrom(' ', '-', '/', '.', ' (0) ', '(0)');
			const decorations = fc.array(fc.tuple(fc.nat(), separator), { minLength: 1, maxLength: 4 });
			fc.assert(
				fc.property(validDigits, decorations, fc.boolean(), (digits, inserts, dialPrefix) => {
					// separators go between digits of the original, never splitting one another
					const after = new Map(inserts.map(([at, sep]) => [at % (digits.length - 1), sep]));
					const decorated = [...digits].map((digit, i) => digit + (after.get(i) ?? '')).join('');
					const input = (dialPrefix ? '00' : '+') + decorated;
					const result = parseE164(input);
					expect(result.ok).toBe(false);
					if (!result.ok) expect(result.reason).toContain(`Did you mean +${digits}?`);
				}),
			);
		});
	});
});

describe('waMeLink', () => {
	it.each([
		['15550783881', 'https://wa.me/15550783881'],
		['+1 555-078-3881', 'https://wa.me/15550783881'],
		['+4915112345678', 'https://wa.me/4915112345678'],
	])('builds a link from %j', (number, link) => {
		expect(waMeLink(number)).toBe(link);
	});

	it('url-encodes the prefilled text', () => {
		expect(waMeLink('+4915112345678', 'PROMO Sommer & Sonne ☀️')).toBe(
			'https://wa.me/4915112345678?text=PROMO%20Sommer%20%26%20Sonne%20%E2%98%80%EF%B8%8F',
		);
	});

	it('omits an empty text', () => {
		expect(waMeLink('+4915112345678', '')).toBe('https://wa.me/4915112345678');
	});

	it.each([
		['0151 12345678', 'needs the full international number'],
		['+49 151 CALLME', 'contains characters that are not part of a phone number'],
		['', 'needs the full international number'],
	])('refuses %j', (number, problem) => {
		expect(() => waMeLink(number)).toThrow(problem);
	});
});
