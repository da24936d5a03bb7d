/**
 * Ideas with one home: the package-wide input error has its own module (not the message builders'),
 * the consent status is one type in the core that the store re-exports, and the consent JSON of the
 * send node and Consent Gate is named for what it shows (a state), apart from the trigger's change.
 */
import * as consentHelpers from '../../lib/consent';
import { CONSENT_STATUSES as coreStatuses } from '../../lib/core/consentPolicy';
import { FieldError } from '../../lib/core/fieldError';
import * as messages from '../../lib/core/messages';
import { CONSENT_STATUSES as storeStatuses } from '../../lib/store';

describe('one home for each idea', () => {
	it('FieldError lives in lib/core/fieldError.ts, not among the message builders', () => {
		expect(Object.keys(messages)).not.toContain('FieldError');
		const error = new FieldError('Recipient', 'abc', 'is not a phone number', 'use +4915112345678');
		expect(error.describe()).toBe('Value: "abc". Fix: use +4915112345678');
	});

	it("the store's consent statuses are the core's, not a copy", () => {
		expect(storeStatuses).toBe(coreStatuses);
	});

	it('the consent state JSON is not named like the trigger’s consent change JSON', () => {
		expect(Object.keys(consentHelpers)).not.toContain('consentJson');
		expect(Object.keys(consentHelpers)).toContain('consentStateJson');
	});
});
