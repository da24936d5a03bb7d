/**
 * The one contact identifier (lib/core/contact.ts): what the Consent Gate, the Follow-up Wait and
 * the store accept as a contact, and what they refuse.
 */
import fc from 'fast-check';

import {
	contactLabel,
	isBusinessScopedUserId,
	parseContactIdentifier,
	parseRecipientPhone,
	parseWaId,
} from '../../lib/core/contact';
import { FieldError } from '../../lib/core/fieldError';

function fieldErrorOf(run: () => unknown): FieldError {
	let caught: unknown;
	try {
		run();
	} catch (error) {
		caught = error;
	}
	expect(caught).toBeInstanceOf(FieldError);
	return caught as FieldError;
}

describe('parseContactIdentifier', () => {
	it('turns E.164 and wa_id digits into the same wa_id', () => {
		expect(parseContactIdentifier('+4915112345678')).toEqual({
			waId: '4915112345678',
			label: '4915112345678',
		});
		expect(parseContactIdentifier(' 4915112345678 ')).toEqual({
			waId: '4915112345678',
			label: '4915112345678',
		});
		expect(parseContactIdentifier(4915112345678)).toMatchObject({ waId: '4915112345678' });
	});

	it('keeps a business-scoped user id as it is', () => {
		expect(parseContactIdentifier('US.13491208655302741918')).toEqual({
			userId: 'US.13491208655302741918',
			label: 'US.13491208655302741918',
		});
	});

	it("takes the trigger's contact object with both ids", () => {
		const contact = parseContactIdentifier({ waId: '4915112345678', userId: 'DE.123456' });
		expect(contact).toEqual({
			waId: '4915112345678',
			userId: 'DE.123456',
			label: '4915112345678',
		});
	});

	// What the Follow-up Wait reads: the trigger's and the send node's outputs and typed numbers.
	it.each([
		['4915112345678', '4915112345678'],
		['+4915112345678', '4915112345678'],
		[' 16505551234 ', '16505551234'],
		[4915112345678, '4915112345678'],
		['US.13491208655302741918', 'US.13491208655302741918'],
		[{ waId: '4915112345678', userId: 'US.1349' }, '4915112345678'],
		[{ waId: null, userId: 'US.13491208655302741918' }, 'US.13491208655302741918'],
	])('labels %j as %s', (input, expected) => {
		expect(parseContactIdentifier(input).label).toBe(expected);
	});

	it.each([
		['', 'is empty'],
		[undefined, 'is empty'],
		['   ', 'is empty'],
		['015112345678', 'starts with 0'],
		['0049 151 12345678', 'not a WhatsApp number'],
		['+49 151 12345678', 'spaces'],
		['+123', 'digits'],
		['anna@example.com', 'not a WhatsApp number'],
		['Sheena', 'is not a WhatsApp number'],
		[{ name: 'Anna' }, 'neither a waId nor a userId'],
		[{ waId: null, userId: null }, 'neither a waId nor a userId'],
		[['4915112345678'], 'not a contact id'],
	])('refuses %p: names Contact, the value and the fix', (value, problem) => {
		const error = fieldErrorOf(() => parseContactIdentifier(value));
		expect(error.field).toBe('Contact');
		expect(error.message).toContain(problem);
		expect(error.fix).toContain('E.164');
		expect(error.fix).toContain('{{ $json.contact.waId }}');
		expect(error.fix).toContain('{{ $json.recipient.waId }}');
	});

	it('names the part of a contact object that is wrong', () => {
		const error = fieldErrorOf(() => parseContactIdentifier({ waId: '12', userId: 'DE.1' }));
		expect(error.field).toBe('Contact.waId');
		expect(fieldErrorOf(() => parseContactIdentifier({ userId: 'not an id' })).field).toBe(
			'Contact.userId',
		);
	});
});

describe('the wa_id rule', () => {
	it.each([
		['4915112345678', '4915112345678'],
		['+4915112345678', '4915112345678'],
		['12345678', '12345678'],
		['123456789012345', '123456789012345'],
	])('accepts %s', (input, waId) => {
		expect(parseWaId(input)).toEqual({ ok: true, waId });
	});

	// The store took 5 to 20 digits before the rule was shared; no WhatsApp number has those.
	it.each([
		'12345',
		'1234567',
		'1234567890123456',
		'12345678901234567890',
		'0151 12345678',
		'+0123456789',
	])('refuses %s', (input) => {
		expect(parseWaId(input).ok).toBe(false);
	});

	const waIds = fc
		.tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^\d{7,14}$/))
		.map(([first, rest]) => `${first}${rest}`);

	it('reads every E.164 number the same with or without "+", padded or as a number', () => {
		fc.assert(
			fc.property(waIds, fc.constantFrom('', ' ', '\t'), (waId, pad) => {
				const expected = { waId, label: waId };
				expect(parseContactIdentifier(waId)).toEqual(expected);
				expect(parseContactIdentifier(`${pad}+${waId}${pad}`)).toEqual(expected);
				expect(parseContactIdentifier({ waId: `+${waId}` })).toEqual(expected);
				if (Number.isSafeInteger(Number(waId))) {
					expect(parseContactIdentifier(Number(waId))).toEqual(expected);
				}
			}),
		);
	});

	it('never accepts a wa_id with a leading 0, a wrong length or anything but digits', () => {
		const junk = fc.oneof(
			fc.stringMatching(/^0\d{7,14}$/),
			fc.stringMatching(/^[1-9]\d{0,6}$/),
			fc.stringMatching(/^[1-9]\d{15,25}$/),
			fc
				.tuple(waIds, fc.constantFrom(' ', '-', '.', '(', ')', '/', 'a', '#'), fc.nat())
				.map(([waId, mark, at]) => {
					const cut = 1 + (at % (waId.length - 1));
					return `${waId.slice(0, cut)}${mark}${waId.slice(cut)}`;
				}),
		);
		fc.assert(
			fc.property(junk, (text) => {
				expect(parseWaId(text).ok).toBe(false);
				expect(parseWaId(`+${text}`).ok).toBe(false);
				expect(() => parseContactIdentifier(text)).toThrow(FieldError);
			}),
		);
	});

	it('keeps every business-scoped user id as it is, never as a wa_id', () => {
		const userIds = fc
			.tuple(
				fc.stringMatching(/^[A-Z]{2}$/),
				fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,20}$/), { minLength: 1, maxLength: 4 }),
			)
			.map(([country, parts]) => `${country}.${parts.join('.')}`);
		fc.assert(
			fc.property(userIds, (userId) => {
				expect(isBusinessScopedUserId(userId)).toBe(true);
				expect(parseWaId(userId).ok).toBe(false);
				expect(parseContactIdentifier(userId)).toEqual({ userId, label: userId });
			}),
		);
	});

	it('refuses a user id longer than 128 characters', () => {
		const long = `US.${'1'.repeat(126)}`;
		expect(isBusinessScopedUserId(long)).toBe(false);
		expect(() => parseContactIdentifier(long)).toThrow(/not a business-scoped user id/);
	});
});

describe('contactLabel', () => {
	it('shows the wa_id, else the user id, else nothing', () => {
		expect(contactLabel({ waId: '4915112345678', userId: 'US.1' })).toBe('4915112345678');
		expect(contactLabel({ waId: null, userId: 'US.1' })).toBe('US.1');
		expect(contactLabel({ waId: null, userId: null })).toBeNull();
	});
});

describe('parseRecipientPhone', () => {
	it('takes E.164 with the "+" and gives the wa_id', () => {
		expect(parseRecipientPhone('+4915112345678', 'Recipient Phone')).toEqual({
			phone: '+4915112345678',
			waId: '4915112345678',
		});
	});

	it('asks a typed number for its "+", unlike a wa_id from Meta', () => {
		const error = fieldErrorOf(() => parseRecipientPhone('4915112345678', 'Recipient Phone'));
		expect(error.field).toBe('Recipient Phone');
		expect(error.message).toMatch(/is invalid: .*leading "\+" is missing/);
		expect(error.fix).toContain('E.164');
	});
});
