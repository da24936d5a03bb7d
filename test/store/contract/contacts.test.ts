/** The store contract, contacts: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, USER, describeContract } from '../support/contract';
import { HOUR, MINUTE, T0 } from '../support/storeEnvironment';

describeContract(undefined, (contract) => {
	it('reports its backend', () => {
		expect(contract.store.backend).toBe(contract.backend);
	});

	describe('contacts', () => {
		it('creates a contact and updates its profile name and last seen time', async () => {
			await contract.store.upsertContact({
				account: ACCOUNT,
				waId: WA,
				profileName: 'Ada',
				seenAt: T0,
			});
			const updated = await contract.store.upsertContact({
				account: ACCOUNT,
				waId: WA,
				profileName: 'Ada L.',
				seenAt: T0 + MINUTE,
			});
			expect(updated).toMatchObject({
				account: ACCOUNT,
				waId: WA,
				userId: null,
				profileName: 'Ada L.',
				lastSeenAt: new Date(T0 + MINUTE),
			});
			const older = await contract.store.upsertContact({
				account: ACCOUNT,
				waId: WA,
				seenAt: T0 - HOUR,
			});
			expect(older.lastSeenAt).toEqual(new Date(T0 + MINUTE));
			expect(older.profileName).toBe('Ada L.');
		});

		it('finds a contact by either identifier once a webhook links them', async () => {
			await contract.store.upsertContact({ account: ACCOUNT, waId: WA, userId: USER, seenAt: T0 });
			const byWa = await contract.store.getContact(ACCOUNT, `+${WA}`);
			const byUser = await contract.store.getContact(ACCOUNT, USER);
			expect(byWa).toEqual(byUser);
			expect(byWa).toMatchObject({ waId: WA, userId: USER });
		});

		it('keeps accounts apart', async () => {
			await contract.store.upsertContact({ account: ACCOUNT, waId: WA, seenAt: T0 });
			expect(await contract.store.getContact('waba-2', WA)).toBeNull();
		});
	});
});
