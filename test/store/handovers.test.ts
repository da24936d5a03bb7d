/** Human handover: automation paused for one contact, on SQLite and PostgreSQL. */
import { StoreInputError, type Store } from '../../lib/store';
import { BACKENDS, DAY, HOUR, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const USER = 'DE.11815799212886844830';

describe.each(BACKENDS)('%s store: handovers', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	it('is active until released when started without an end', async () => {
		expect(await store.getHandover(ACCOUNT, WA, T0)).toBeNull();
		expect(
			await store.startHandover({
				account: ACCOUNT,
				contact: WA,
				reason: 'asked for a person',
				by: 'Ada',
				at: T0,
			}),
		).toEqual({
			since: new Date(T0),
			until: null,
			reason: 'asked for a person',
			by: 'Ada',
			active: true,
		});
		expect(await store.getHandover(ACCOUNT, WA, T0 + 30 * DAY)).toMatchObject({ active: true });
		expect(await store.getHandover('waba-2', WA, T0)).toBeNull();
		expect(await store.endHandover(ACCOUNT, WA)).toBe(true);
		expect(await store.endHandover(ACCOUNT, WA)).toBe(false);
		expect(await store.getHandover(ACCOUNT, WA, T0)).toBeNull();
	});

	it('ends by itself at its until, and a new start replaces it', async () => {
		await store.startHandover({ account: ACCOUNT, contact: WA, until: T0 + HOUR, at: T0 });
		expect(await store.getHandover(ACCOUNT, WA, T0 + HOUR - 1)).toMatchObject({ active: true });
		expect(await store.getHandover(ACCOUNT, WA, T0 + HOUR)).toEqual({
			since: new Date(T0),
			until: new Date(T0 + HOUR),
			reason: null,
			by: null,
			active: false,
		});
		await store.startHandover({ account: ACCOUNT, contact: WA, until: null, at: T0 + 2 * HOUR });
		expect(await store.getHandover(ACCOUNT, WA, T0 + 3 * HOUR)).toMatchObject({
			since: new Date(T0 + 2 * HOUR),
			until: null,
			active: true,
		});
	});

	it('finds the contact by either identifier once linked', async () => {
		await store.upsertContact({ account: ACCOUNT, waId: WA, userId: USER, seenAt: T0 });
		await store.startHandover({ account: ACCOUNT, contact: USER, at: T0 });
		expect(await store.getHandover(ACCOUNT, WA, T0)).toMatchObject({ active: true });
	});

	it.each([
		['until', { until: T0 - 1 }, /until is not after the start/],
		['contact', { contact: 'nobody' }, /contact is neither a WhatsApp id/],
		['reason', { reason: 'x'.repeat(2000) }, /reason is larger than 1024 bytes/],
	])('refuses a bad %s, naming it', async (field, change, message) => {
		const error = await store
			.startHandover({ account: ACCOUNT, contact: WA, at: T0, ...change })
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(StoreInputError);
		expect((error as StoreInputError).field).toBe(field);
		expect((error as Error).message).toMatch(message);
	});

	it('is erased with the contact', async () => {
		await store.startHandover({ account: ACCOUNT, contact: WA, at: T0 });
		await store.eraseContact(ACCOUNT, WA);
		expect((await env.countRows(env.configOf(store))).handovers).toBe(0);
		expect(await store.getHandover(ACCOUNT, WA, T0)).toBeNull();
	});

	it('is pruned by retention with its inactive contact', async () => {
		const now = T0 + 100 * DAY;
		await store.startHandover({ account: ACCOUNT, contact: WA, until: T0 + HOUR, at: T0 });
		const result = await store.housekeeping(now, {
			retention: {
				account: ACCOUNT,
				outboundDays: null,
				windowDays: null,
				contactDays: 30,
				aiHistoryDays: null,
			},
		});
		expect(result.retention).toMatchObject({ ran: true, deletedContacts: 1 });
		expect((await env.countRows(env.configOf(store))).handovers).toBe(0);
	});
});
