/**
 * Another process (here: a connection of its own, as the sqlite3 shell or a second n8n would
 * hold it) keeps the SQLite store's write lock. The store must wait for it without freezing the
 * event loop — node:sqlite waits synchronously, so a long busy timeout would stop all of n8n —
 * succeed once the lock is released, and give up with a clear message when it never is.
 */
import { DatabaseSync } from 'node:sqlite';

import { createStore, type SqliteStoreConfig, type Store } from '../../lib/store';
import { isBusy, retryWhileBusy } from '../../lib/store/sqlite/busy';
import { T0, useStoreEnvironment } from './support/storeEnvironment';

jest.setTimeout(30_000);

const ACCOUNT = 'waba-1';
const CONTACT = '4915112345678';
/** Long enough that a store call starting now meets the lock, short against the store's 5 s limit. */
const HOLD_MS = 300;

/** Holds the file's write lock from a connection of its own until release() (or for good). */
function holdWriteLock(config: SqliteStoreConfig): { release(): void } {
	const other = new DatabaseSync(config.path);
	other.exec('BEGIN IMMEDIATE');
	let released = false;
	return {
		release() {
			if (released) return;
			released = true;
			other.exec('ROLLBACK');
			other.close();
		},
	};
}

/** Counts event-loop turns while `call` runs: a synchronous wait for the lock lets none through. */
async function countTicksDuring<T>(
	call: () => Promise<T>,
): Promise<{ ticks: number; outcome: PromiseSettledResult<T> }> {
	let ticks = 0;
	const interval = setInterval(() => (ticks += 1), 10);
	try {
		const [outcome] = await Promise.allSettled([call()]);
		return { ticks, outcome };
	} finally {
		clearInterval(interval);
	}
}

describe('SQLite store while another connection holds the write lock', () => {
	const env = useStoreEnvironment('sqlite');
	let config: SqliteStoreConfig;
	let store: Store;

	beforeEach(async () => {
		config = env.freshConfig() as SqliteStoreConfig;
		store = env.track(await createStore(config), config);
	});

	it.each<[string, (store: Store) => Promise<unknown>]>([
		['a single statement (markSeen)', (s) => s.markSeen('msg:wamid.1', T0)],
		[
			'an atomic call (recordConsent)',
			(s) =>
				s.recordConsent({
					account: ACCOUNT,
					contact: CONTACT,
					status: 'opted_out',
					source: 'keyword',
					eventAt: T0,
				}),
		],
		[
			'a transaction (store.transaction)',
			(s) =>
				s.transaction(async (tx) => {
					await tx.markSeen('msg:wamid.2', T0);
					return await tx.getConsent(ACCOUNT, CONTACT);
				}),
		],
	])(
		'%s waits without blocking the event loop and succeeds once the lock is released',
		async (_, call) => {
			const lock = holdWriteLock(config);
			// Released by a timer: if the store waited synchronously, this could not run before it gave up.
			const release = setTimeout(() => lock.release(), HOLD_MS);
			try {
				const { ticks, outcome } = await countTicksDuring(() => call(store));
				expect(outcome.status).toBe('fulfilled');
				expect(ticks).toBeGreaterThan(0);
			} finally {
				clearTimeout(release);
				lock.release();
			}
			expect(await store.markSeen('msg:after', T0)).toBe(true);
		},
	);

	it('gives up with a clear message when the lock is never released, and works afterwards', async () => {
		const lock = holdWriteLock(config);
		try {
			const { ticks, outcome } = await countTicksDuring(() => store.markSeen('msg:locked', T0));
			expect(outcome.status).toBe('rejected');
			expect((outcome as PromiseRejectedResult).reason.message).toMatch(
				/SQLite store .* is locked by another process: it waited 5 s .* changing nothing\. .*Let it finish or close it/,
			);
			expect(ticks).toBeGreaterThan(0);
		} finally {
			lock.release();
		}
		expect(await store.markSeen('msg:locked', T0)).toBe(true);
	});

	it('opens (and migrates) a new store while the lock is held, once it is released', async () => {
		const fresh = env.freshConfig() as SqliteStoreConfig;
		const first = await createStore(fresh);
		await first.close();
		const lock = holdWriteLock(fresh);
		const release = setTimeout(() => lock.release(), HOLD_MS);
		try {
			const { ticks, outcome } = await countTicksDuring(() => createStore(fresh));
			expect(outcome.status).toBe('fulfilled');
			expect(ticks).toBeGreaterThan(0);
			await (outcome as PromiseFulfilledResult<Store>).value.close();
		} finally {
			clearTimeout(release);
			lock.release();
		}
	});
});

describe('retryWhileBusy', () => {
	const env = useStoreEnvironment('sqlite');

	/** The error node:sqlite really throws for `sql` on a fresh database (a busy one while locked). */
	function realError(sql: string, lockFirst: boolean): unknown {
		const { path } = env.freshConfig() as SqliteStoreConfig;
		const holder = new DatabaseSync(path);
		const other = new DatabaseSync(path);
		other.exec('PRAGMA busy_timeout = 0');
		try {
			if (lockFirst) holder.exec('BEGIN IMMEDIATE');
			other.exec(sql);
			return undefined;
		} catch (error) {
			return error;
		} finally {
			holder.close();
			other.close();
		}
	}

	it('tries a busy statement again, and any other error only once', async () => {
		const busy = realError('BEGIN IMMEDIATE', true);
		const missingTable = realError('SELECT * FROM nowhere', false);
		expect(isBusy(busy)).toBe(true);
		expect(isBusy(missingTable)).toBe(false);

		let attempts = 0;
		const result = await retryWhileBusy('store.sqlite', Date.now() + 5_000, () => {
			attempts += 1;
			if (attempts < 3) throw busy;
			return 'done';
		});
		expect([result, attempts]).toEqual(['done', 3]);

		attempts = 0;
		const failing = retryWhileBusy('store.sqlite', Date.now() + 5_000, () => {
			attempts += 1;
			throw missingTable;
		});
		await expect(failing).rejects.toBe(missingTable);
		expect(attempts).toBe(1);
	});
});
