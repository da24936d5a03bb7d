/** The store contract, transactions: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, PHONE, describeContract } from '../support/contract';
import { T0 } from '../support/storeEnvironment';

describeContract('transactions', (contract) => {
	it('commits all writes of a transaction together', async () => {
		const result = await contract.store.transaction(async (tx) => {
			await tx.markSeen('msg:tx', T0);
			await tx.touchWindow({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: WA,
				inboundAt: T0,
			});
			return await tx.transaction(async (nested) => await nested.markSeen('msg:nested', T0));
		});
		expect(result).toBe(true);
		expect(await contract.store.markSeen('msg:tx', T0)).toBe(false);
		expect(await contract.store.markSeen('msg:nested', T0)).toBe(false);
		expect(
			await contract.store.isWindowOpen({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: WA,
				at: T0,
			}),
		).toBe(true);
	});

	it('rolls back every write when the function throws', async () => {
		await expect(
			contract.store.transaction(async (tx) => {
				await tx.markSeen('msg:rolled-back', T0);
				await tx.recordConsent({
					account: ACCOUNT,
					contact: WA,
					status: 'opted_in',
					source: 'api',
					eventAt: T0,
				});
				throw new Error('side effect failed');
			}),
		).rejects.toThrow('side effect failed');
		expect(await contract.store.markSeen('msg:rolled-back', T0)).toBe(true);
		expect((await contract.store.getConsent(ACCOUNT, WA)).status).toBe('unknown');
	});

	it('refuses calls on the outer store from inside the transaction instead of deadlocking', async () => {
		await expect(
			contract.store.transaction(async () => await contract.store.markSeen('msg:outer', T0)),
		).rejects.toThrow(/use the tx argument/i);
		expect(await contract.store.markSeen('msg:outer', T0)).toBe(true);
		await expect(contract.store.transaction(async (tx) => await tx.close())).rejects.toThrow(
			/transaction handle/,
		);
	});
});
