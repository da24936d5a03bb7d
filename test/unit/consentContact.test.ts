import { contactRef, parseContactIdentifier } from '../../lib/consent/contact';
import { FieldError } from '../../lib/core/messages';

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
		expect(contactRef(contact)).toEqual({ waId: '4915112345678', userId: 'DE.123456' });
		expect(contact.label).toBe('4915112345678');
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
		[{ name: 'Anna' }, 'neither a waId nor a userId'],
		[['4915112345678'], 'not a contact id'],
	])('refuses %p: names Contact, the value and the fix', (value, problem) => {
		const error = fieldErrorOf(() => parseContactIdentifier(value));
		expect(error.field).toBe('Contact');
		expect(error.message).toContain(problem);
		expect(error.fix).toContain('E.164');
	});

	it('names the part of a contact object that is wrong', () => {
		const error = fieldErrorOf(() => parseContactIdentifier({ waId: '12', userId: 'DE.1' }));
		expect(error.field).toBe('Contact.waId');
		expect(fieldErrorOf(() => parseContactIdentifier({ userId: 'not an id' })).field).toBe(
			'Contact.userId',
		);
	});
});
