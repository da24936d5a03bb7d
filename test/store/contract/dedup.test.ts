/** The store contract, webhook deduplication: the same behaviour on SQLite and PostgreSQL. */
import { describeContract } from '../support/contract';
import { DAY, HOUR, MINUTE, T0 } from '../support/storeEnvironment';

describeContract('webhook deduplication', (contract) => {
	it('reports a key as new only the first time, until it is pruned', async () => {
		expect(await contract.store.markSeen('msg:wamid.A', T0)).toBe(true);
		expect(await contract.store.markSeen('msg:wamid.A', T0 + MINUTE)).toBe(false);
		expect(await contract.store.markSeen('msg:wamid.B', T0 + DAY)).toBe(true);
		expect(await contract.store.pruneSeen(T0 + HOUR)).toBe(1);
		expect(await contract.store.markSeen('msg:wamid.B', T0 + DAY)).toBe(false);
		expect(await contract.store.markSeen('msg:wamid.A', T0 + 2 * DAY)).toBe(true);
	});
});
