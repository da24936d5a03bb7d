/**
 * The store contract, one business number's shared send timeline: every execution and process
 * sending from a number reserves its slots here, so together they stay within the number's rate.
 */
import { createStore } from '../../../lib/store';
import { ACCOUNT, describeContract, PHONE } from '../support/contract';
import { T0 } from '../support/storeEnvironment';

const slots = (count: number, intervalMs: number, now: number, phoneNumberId = PHONE) => ({
	account: ACCOUNT,
	phoneNumberId,
	count,
	intervalMs,
	now,
});

describeContract('shared send timeline', (contract) => {
	it('hands out runs of slots one after another, starting now on an idle number', async () => {
		const { store } = contract;
		expect(await store.reserveSendSlots(slots(10, 12.5, T0))).toBe(T0);
		// The next run starts where the first ends, although it asks at the same moment.
		expect(await store.reserveSendSlots(slots(4, 12.5, T0))).toBe(T0 + 125);
		expect(await store.reserveSendSlots(slots(1, 12.5, T0 + 10))).toBe(T0 + 175);
	});

	it('banks no burst: after an idle spell the next run starts at its own now', async () => {
		const { store } = contract;
		await store.reserveSendSlots(slots(10, 100, T0));
		expect(await store.reserveSendSlots(slots(10, 100, T0 + 60_000))).toBe(T0 + 60_000);
	});

	it('keeps a fractional spacing over many runs, never faster than asked (3 per second)', async () => {
		const { store } = contract;
		let first = 0;
		for (let run = 0; run < 30; run++) first = await store.reserveSendSlots(slots(1, 1000 / 3, T0));
		// 29 slots before the 30th, each 333.334 ms (the spacing in whole µs, rounded up).
		expect(first - T0).toBeCloseTo(29 * 333.334, 1);
		expect(first - T0).toBeGreaterThanOrEqual(29_000 / 3);
	});

	it('gives concurrent callers disjoint runs that leave no gap (two connections on PostgreSQL)', async () => {
		const config = contract.env.configOf(contract.store);
		// SQLite has one connection per file and process; other processes share it through the file.
		const other =
			contract.backend === 'postgres'
				? contract.env.track(await createStore(config), config)
				: contract.store;
		const firsts = await Promise.all(
			Array.from({ length: 20 }, (_, k) =>
				(k % 2 === 0 ? contract.store : other).reserveSendSlots(slots(5, 10, T0)),
			),
		);
		// Twenty runs of five slots 10 ms apart: each starts 50 ms after another one.
		expect([...firsts].sort((a, b) => a - b)).toEqual(
			Array.from({ length: 20 }, (_, k) => T0 + 50 * k),
		);
	});

	it('pauses the number: no run starts before the pause ends, and an earlier pause changes nothing', async () => {
		const { store } = contract;
		await store.reserveSendSlots(slots(10, 100, T0));
		await store.pauseSending(ACCOUNT, PHONE, T0 + 30_000);
		expect(await store.reserveSendSlots(slots(1, 100, T0 + 10))).toBe(T0 + 30_000);
		await store.pauseSending(ACCOUNT, PHONE, T0 + 1_000);
		expect(await store.reserveSendSlots(slots(1, 100, T0 + 20))).toBe(T0 + 30_100);
		// A pause on a number that never sent starts its timeline there.
		await store.pauseSending(ACCOUNT, 'phone-2', T0 + 5_000);
		expect(await store.reserveSendSlots(slots(1, 100, T0, 'phone-2'))).toBe(T0 + 5_000);
	});

	it('keeps each number and account on its own timeline', async () => {
		const { store } = contract;
		await store.reserveSendSlots(slots(100, 100, T0));
		expect(await store.reserveSendSlots(slots(1, 100, T0, 'phone-2'))).toBe(T0);
		expect(await store.reserveSendSlots({ ...slots(1, 100, T0), account: 'another-waba' })).toBe(
			T0,
		);
	});

	it('refuses a run that is empty, too long or unpaced, naming the field', async () => {
		const { store } = contract;
		await expect(store.reserveSendSlots(slots(0, 10, T0))).rejects.toThrow(/count/);
		await expect(store.reserveSendSlots(slots(10_001, 10, T0))).rejects.toThrow(/count/);
		await expect(store.reserveSendSlots(slots(1, 0, T0))).rejects.toThrow(/intervalMs/);
		await expect(store.reserveSendSlots(slots(1, Number.NaN, T0))).rejects.toThrow(/intervalMs/);
		await expect(
			store.reserveSendSlots({ ...slots(1, 10, T0), phoneNumberId: '' }),
		).rejects.toThrow(/phoneNumberId/);
	});
});
