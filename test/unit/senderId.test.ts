/**
 * One check for the phone number ID a number picker holds, shared by the send node and the
 * Consent Gate (Sender, required) and the Follow-up Wait (Business Phone Number, may be empty).
 */
import { FieldError } from '../../lib/core/fieldError';
import { readPhoneNumberId, readSenderId } from '../../nodes/helpers/sender';

function failure(read: () => unknown): FieldError {
	try {
		read();
	} catch (error) {
		if (error instanceof FieldError) return error;
		throw error;
	}
	throw new Error('expected a FieldError');
}

describe('the phone number ID of a number picker', () => {
	it('is the digits, trimmed; a number mapped by an expression counts too', () => {
		expect(readSenderId(' 106540352242922 ')).toBe('106540352242922');
		expect(readSenderId(106540352242922)).toBe('106540352242922');
		expect(readPhoneNumberId('106540352242922', 'Business Phone Number', 'fix')).toBe(
			'106540352242922',
		);
	});

	it('is null when a picker that may be empty is empty', () => {
		for (const empty of ['', '  ', null, undefined]) {
			expect(readPhoneNumberId(empty, 'Business Phone Number', 'fix')).toBeNull();
		}
	});

	it('names the field, the value and the fix when it is not digits, or the Sender is empty', () => {
		const display = failure(() =>
			readPhoneNumberId('+1 555 0783', 'Business Phone Number', 'Pick it.'),
		);
		expect(display.message).toBe('Business Phone Number is not a phone number ID');
		expect(display.describe()).toBe('Value: "+1 555 0783". Fix: Pick it.');

		const empty = failure(() => readSenderId(''));
		expect(empty.message).toBe('Sender is not a phone number ID');
		expect(empty.describe()).toBe(
			'Value: "". Fix: Pick the sender from the list or enter its numeric phone number ID.',
		);
		expect(failure(() => readSenderId({ id: 1 })).message).toBe('Sender is not a phone number ID');
	});
});
