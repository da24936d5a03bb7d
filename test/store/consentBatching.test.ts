/**
 * The send side's store work in batches (lib/consent/), on both backends: the consent re-check
 * reads a group of messages about to leave in one query, and the message log is written one
 * transaction per batch. The granularity is what the docs promise: an opt-out recorded after a
 * group was read stops the messages of later groups, not those of the group already read.
 */
import { ConsentRecheck, OutboundLogBatch } from '../../lib/consent';
import type { Store } from '../../lib/store';
import { BACKENDS, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const contactOf = (i: number) => `49151${String(30_000_000 + i)}`;

async function stop(store: Store, i: number, at: number): Promise<void> {
	await store.recordConsent({
		account: ACCOUNT,
		contact: contactOf(i),
		status: 'blocked',
		source: 'keyword',
		eventAt: at,
	});
}

describe.each(BACKENDS)('%s consent re-check and message log in batches', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;
	let now: number;

	beforeEach(async () => {
		store = await env.freshStore();
		now = T0;
	});

	function recheckFor(count: number, groupSize: number) {
		const recheck = new ConsentRecheck<number>(store, ACCOUNT, {
			groupSize,
			maxAgeMs: 1000,
			now: () => now,
		});
		for (let i = 0; i < count; i++) recheck.expect(i, contactOf(i));
		return recheck;
	}

	it('reads the next messages expected with the first that asks: one query per group', async () => {
		const recheck = recheckFor(10, 4);
		const statuses: string[] = [];
		for (let i = 0; i < 10; i++) statuses.push((await recheck.read(i, contactOf(i))).status);
		expect(statuses).toEqual(Array(10).fill('unknown'));
		expect(recheck.queries).toBe(3);
	});

	it('an opt-out recorded after a group was read stops the later groups, not that group', async () => {
		const recheck = recheckFor(8, 4);
		expect((await recheck.read(0, contactOf(0))).status).toBe('unknown');
		// Contacts 2 and 6 send STOP while the first group is going out.
		await stop(store, 2, T0);
		await stop(store, 6, T0);
		expect((await recheck.read(1, contactOf(1))).status).toBe('unknown');
		expect((await recheck.read(2, contactOf(2))).status).toBe('unknown');
		expect((await recheck.read(4, contactOf(4))).status).toBe('unknown');
		expect((await recheck.read(6, contactOf(6))).status).toBe('blocked');
		expect(recheck.queries).toBe(2);
	});

	it('reads again when a reading is older than its limit, or was already used', async () => {
		const recheck = recheckFor(4, 4);
		await recheck.read(0, contactOf(0));
		await stop(store, 1, T0);
		await stop(store, 2, T0);
		now += 1001;
		expect((await recheck.read(1, contactOf(1))).status).toBe('blocked');
		expect(recheck.queries).toBe(2);
		// A retry of message 1 reads again rather than reuse the reading of its first attempt.
		await recheck.read(1, contactOf(1));
		expect(recheck.queries).toBe(3);
		expect((await recheck.read(2, contactOf(2))).status).toBe('blocked');
	});

	it('a failed group query fails only the message that asked; the others read again', async () => {
		const recheck = recheckFor(4, 4);
		const getConsentMany = jest
			.spyOn(store, 'getConsentMany')
			.mockRejectedValueOnce(new Error('connection lost'));
		await expect(recheck.read(0, contactOf(0))).rejects.toThrow('connection lost');
		expect((await recheck.read(1, contactOf(1))).status).toBe('unknown');
		expect(getConsentMany).toHaveBeenCalledTimes(2);
		getConsentMany.mockRestore();
	});

	const message = (i: number) => ({
		wamid: `wamid.LOG${i}`,
		account: ACCOUNT,
		phoneNumberId: 'phone-1',
		recipient: contactOf(i),
		kind: 'template' as const,
		templateName: 'appointment_reminder',
		sentAt: T0 + i,
	});

	it('writes the log one transaction per full batch and the rest on flush', async () => {
		const logMany = jest.spyOn(store, 'logOutboundMany');
		const log = new OutboundLogBatch(store, 4);
		const problems: number[] = [];
		for (let i = 0; i < 10; i++) log.add(message(i), () => problems.push(i));
		// A full batch is on its way without a flush; the next one is written after it.
		await new Promise((resolve) => setImmediate(resolve));
		expect(logMany.mock.calls[0][0]).toHaveLength(4);
		await log.flush();
		expect(logMany.mock.calls.map(([batch]) => batch.length)).toEqual([4, 4, 2]);
		expect(log.batches).toBe(3);
		expect(problems).toEqual([]);
		for (let i = 0; i < 10; i++) expect(await store.getOutbound(`wamid.LOG${i}`)).not.toBeNull();
		await log.flush();
		expect(logMany).toHaveBeenCalledTimes(3);
	});

	it('writes at once when the last write began maxDelayMs ago or more: every message at a low rate', async () => {
		const logMany = jest.spyOn(store, 'logOutboundMany');
		let now = 0;
		const log = new OutboundLogBatch(store, 50, 100, () => now);
		// One message a second: each written as it comes, none waits for a batch.
		for (let i = 0; i < 3; i++) {
			log.add(message(i), () => {});
			now += 1000;
		}
		// Ten messages 20 ms apart: the first starts a write, the next ones wait about 100 ms.
		for (let i = 3; i < 13; i++) {
			log.add(message(i), () => {});
			now += 20;
		}
		await log.flush();
		expect(logMany.mock.calls.map(([batch]) => batch.length)).toEqual([1, 1, 1, 1, 5, 4]);
	});

	it('marks only the message the store refuses when a batch cannot be written', async () => {
		const log = new OutboundLogBatch(store, 3);
		const problems = new Map<number, string>();
		[0, 1, 2].forEach((i) =>
			log.add(i === 1 ? { ...message(i), recipient: '' } : message(i), (problem) =>
				problems.set(i, problem),
			),
		);
		await log.flush();
		expect([...problems.keys()]).toEqual([1]);
		expect(problems.get(1)).toMatch(/sent but not written to the message log/);
		expect(await store.getOutbound('wamid.LOG0')).not.toBeNull();
		expect(await store.getOutbound('wamid.LOG2')).not.toBeNull();
	});
});
