import { FieldError } from '../../lib/core/messages';
import { toWaitContact } from '../../lib/waits/contact';

describe('toWaitContact', () => {
	it.each([
		['4915112345678', '4915112345678'],
		['+4915112345678', '4915112345678'],
		[' 16505551234 ', '16505551234'],
		[4915112345678, '4915112345678'],
		['US.13491208655302741918', 'US.13491208655302741918'],
		[{ waId: '4915112345678', userId: 'US.1349' }, '4915112345678'],
		[{ waId: null, userId: 'US.13491208655302741918' }, 'US.13491208655302741918'],
	])('reads %j as %s', (input, expected) => {
		expect(toWaitContact(input)).toBe(expected);
	});

	it.each([
		['', /is empty/],
		[undefined, /is empty/],
		['Sheena', /is not a WhatsApp contact/],
		['+49 151 12345678', /is not a WhatsApp contact/],
		['015112345678', /is not a WhatsApp contact/],
		[{ waId: null, userId: null }, /is empty/],
		[['4915112345678'], /is empty/],
	])('refuses %j, naming the field and the fix', (input, problem) => {
		let error: unknown;
		try {
			toWaitContact(input);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(FieldError);
		expect((error as FieldError).message).toMatch(problem);
		expect((error as FieldError).field).toBe('Contact');
		expect((error as FieldError).fix).toMatch(/\{\{ \$json\.contact\.waId \}\}/);
	});
});
