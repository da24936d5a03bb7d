/** The store contract, consent: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, USER, PHONE, describeContract } from '../support/contract';
import { DAY, HOUR, T0 } from '../support/storeEnvironment';

describeContract('consent', (contract) => {
	it('is unknown for a contact never seen', async () => {
		expect(await contract.store.getConsent(ACCOUNT, WA)).toEqual({
			status: 'unknown',
			since: null,
			source: null,
		});
	});

	it('applies events in event-time order and keeps late older events in history only', async () => {
		const optIn = await contract.store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_in',
			source: 'button',
			evidence: { text: 'Yes, send me offers', messageIds: ['wamid.in1'] },
			eventAt: T0,
			recordedAt: T0 + 1000,
		});
		expect(optIn).toEqual({
			applied: true,
			current: { status: 'opted_in', since: new Date(T0), source: 'button' },
			previous: { status: 'unknown', since: null, source: null },
		});
		const optOut = await contract.store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_out',
			source: 'keyword',
			eventAt: T0 + 2 * HOUR,
		});
		expect(optOut.applied).toBe(true);
		const late = await contract.store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_in',
			source: 'api',
			eventAt: T0 + HOUR,
		});
		expect(late).toEqual({
			applied: false,
			current: { status: 'opted_out', since: new Date(T0 + 2 * HOUR), source: 'keyword' },
			previous: { status: 'opted_out', since: new Date(T0 + 2 * HOUR), source: 'keyword' },
		});
		expect(await contract.store.getConsent(ACCOUNT, WA)).toEqual(late.current);

		const history = await contract.store.getConsentHistory(ACCOUNT, WA);
		expect(history.map((entry) => [entry.previousStatus, entry.newStatus, entry.applied])).toEqual([
			['unknown', 'opted_in', true],
			['opted_out', 'opted_in', false],
			['opted_in', 'opted_out', true],
		]);
		expect(history[0]).toMatchObject({
			source: 'button',
			evidence: { text: 'Yes, send me offers', messageIds: ['wamid.in1'] },
			eventAt: new Date(T0),
			recordedAt: new Date(T0 + 1000),
		});
		expect(history[1].evidence).toBeNull();
	});

	it('lets the more restrictive status win at the same instant, whatever the arrival order', async () => {
		for (const [contact, order] of [
			['4915100000001', ['opted_in', 'blocked', 'opted_out']],
			['4915100000002', ['blocked', 'opted_out', 'opted_in']],
		] as const) {
			for (const status of order) {
				await contract.store.recordConsent({
					account: ACCOUNT,
					contact,
					status,
					source: 'api',
					eventAt: T0,
				});
			}
			expect((await contract.store.getConsent(ACCOUNT, contact)).status).toBe('blocked');
		}
	});

	it('follows a contact across identifiers and merges two rows proven to be one person', async () => {
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_in',
			source: 'import',
			eventAt: T0,
		});
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'opted_out',
			source: 'in_app',
			eventAt: T0 + HOUR,
		});
		await contract.store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: USER,
			inboundAt: T0 + 2 * HOUR,
		});
		// A webhook carrying both identifiers proves they are the same person.
		await contract.store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: { waId: WA, userId: USER },
			inboundAt: T0 + 3 * HOUR,
		});
		expect(await contract.store.getConsent(ACCOUNT, WA)).toEqual({
			status: 'opted_out',
			since: new Date(T0 + HOUR),
			source: 'in_app',
		});
		expect(await contract.store.getContact(ACCOUNT, WA)).toMatchObject({ waId: WA, userId: USER });
		const history = await contract.store.getConsentHistory(ACCOUNT, WA);
		expect(history.map((entry) => entry.newStatus)).toEqual(['opted_in', 'opted_out']);
		const window = await contract.store.getWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
		});
		expect(window?.lastInboundAt).toEqual(new Date(T0 + 3 * HOUR));
	});

	it('treats a phone number reassigned to another person as a new contact', async () => {
		const previousOwner = 'DE.1111';
		const newOwner = 'DE.2222';
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: { waId: WA, userId: previousOwner },
			status: 'opted_in',
			source: 'button',
			eventAt: T0,
		});
		await contract.store.upsertContact({
			account: ACCOUNT,
			waId: WA,
			userId: newOwner,
			seenAt: T0 + DAY,
		});
		expect((await contract.store.getConsent(ACCOUNT, WA)).status).toBe('unknown');
		expect((await contract.store.getConsent(ACCOUNT, previousOwner)).status).toBe('opted_in');
		expect(await contract.store.getContact(ACCOUNT, previousOwner)).toMatchObject({ waId: null });
	});

	it('looks up many contacts in input order, by either identifier, per account', async () => {
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: { waId: WA, userId: USER },
			status: 'opted_in',
			source: 'api',
			eventAt: T0,
		});
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: '4915100000009',
			status: 'blocked',
			source: 'keyword',
			eventAt: T0,
		});
		await contract.store.recordConsent({
			account: 'waba-2',
			contact: '4915100000007',
			status: 'opted_in',
			source: 'api',
			eventAt: T0,
		});
		const states = await contract.store.getConsentMany(ACCOUNT, [
			USER,
			'4915100000009',
			'4915100000007',
			`+${WA}`,
			USER,
		]);
		expect(states.map((state) => state.status)).toEqual([
			'opted_in',
			'blocked',
			'unknown',
			'opted_in',
			'opted_in',
		]);
		expect(await contract.store.getConsentMany(ACCOUNT, [])).toEqual([]);
	});

	it('answers a lookup larger than one batch', async () => {
		const contacts = Array.from(
			{ length: 10_050 },
			(_, index) => `49151${String(index).padStart(8, '0')}`,
		);
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: contacts[3],
			status: 'opted_in',
			source: 'api',
			eventAt: T0,
		});
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: contacts[10_040],
			status: 'opted_out',
			source: 'api',
			eventAt: T0,
		});
		const states = await contract.store.getConsentMany(ACCOUNT, contacts);
		expect(states).toHaveLength(10_050);
		expect(states[3].status).toBe('opted_in');
		expect(states[10_040].status).toBe('opted_out');
		expect(states.filter((state) => state.status === 'unknown')).toHaveLength(10_048);
	});
});
