/**
 * Meta's 131047 closes a window the store thought open, until the contact's next inbound message;
 * a report older than that message closes nothing. On both backends, and on a store upgraded from
 * schema version 2.
 */
import { createStore, type Store, type StoreConfig } from '../../lib/store';
import { openPostgresBackend } from '../../lib/store/postgres/PostgresBackend';
import { MIGRATIONS, migrate } from '../../lib/store/sql/schema';
import type { SqlBackend } from '../../lib/store/sql/session';
import { SqlStore } from '../../lib/store/sql/SqlStore';
import { openSqliteBackend } from '../../lib/store/sqlite/SqliteBackend';
import { BACKENDS, HOUR, MINUTE, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const USER = 'DE.1349912345678';
const PHONE = 'phone-1';
const key = { account: ACCOUNT, phoneNumberId: PHONE, contact: WA };

async function openBackend(config: StoreConfig): Promise<SqlBackend> {
	return config.backend === 'sqlite'
		? await openSqliteBackend(config)
		: openPostgresBackend(config);
}

describe.each(BACKENDS)('%s window closed by Meta (131047)', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	const openAt = (at: number) => store.isWindowOpen({ ...key, at });

	it('closes an open window until the next inbound message reopens it', async () => {
		await store.touchWindow({ ...key, inboundAt: T0 });
		expect(await store.recordWindowClosed({ ...key, at: T0 + HOUR })).toBe(true);
		expect(await openAt(T0 + HOUR)).toBe(false);
		expect(await store.getWindow(key)).toMatchObject({
			lastInboundAt: new Date(T0),
			expiresAt: new Date(T0 + 24 * HOUR),
			closedByMetaAt: new Date(T0 + HOUR),
		});
		// Another business number keeps its own window.
		await store.touchWindow({ ...key, phoneNumberId: 'phone-2', inboundAt: T0 });
		expect(await store.isWindowOpen({ ...key, phoneNumberId: 'phone-2', at: T0 + HOUR })).toBe(
			true,
		);

		await store.touchWindow({ ...key, inboundAt: T0 + 2 * HOUR });
		expect(await openAt(T0 + 2 * HOUR + MINUTE)).toBe(true);
		expect((await store.getWindow(key))?.closedByMetaAt).toBeNull();
	});

	it('a report older than the latest inbound message closes nothing, also when it comes last', async () => {
		await store.touchWindow({ ...key, inboundAt: T0 });
		await store.touchWindow({ ...key, inboundAt: T0 + 2 * HOUR });
		expect(await store.recordWindowClosed({ ...key, at: T0 + HOUR })).toBe(false);
		expect(await openAt(T0 + 2 * HOUR + MINUTE)).toBe(true);
		// A newer report closes it; an older one arriving after it does not undo that.
		await store.recordWindowClosed({ ...key, at: T0 + 3 * HOUR });
		await store.recordWindowClosed({ ...key, at: T0 + HOUR });
		expect((await store.getWindow(key))?.closedByMetaAt).toEqual(new Date(T0 + 3 * HOUR));
	});

	it.each([
		['the wa_id', WA],
		['the user id', USER],
	])(
		'a closure on the row known by %s survives the merge of two contact rows',
		async (_name, closedOn) => {
			const other = closedOn === WA ? USER : WA;
			await store.touchWindow({ ...key, contact: other, inboundAt: T0 - HOUR });
			await store.touchWindow({ ...key, contact: closedOn, inboundAt: T0 });
			await store.recordWindowClosed({ ...key, contact: closedOn, at: T0 + HOUR });
			await store.upsertContact({ account: ACCOUNT, waId: WA, userId: USER, seenAt: T0 + HOUR });
			expect((await store.getWindow({ ...key, contact: WA }))?.closedByMetaAt).toEqual(
				new Date(T0 + HOUR),
			);
			expect(await openAt(T0 + 2 * HOUR)).toBe(false);
		},
	);

	it('without an inbound message there is no window to close', async () => {
		expect(await store.recordWindowClosed({ ...key, at: T0 })).toBe(false);
		expect(await store.getWindow(key)).toBeNull();
	});

	it('works inside a transaction, as the trigger records it', async () => {
		await store.touchWindow({ ...key, inboundAt: T0 });
		await store.transaction((tx) => tx.recordWindowClosed({ ...key, at: T0 + MINUTE }));
		expect(await openAt(T0 + 2 * MINUTE)).toBe(false);
	});

	it('an upgraded store (schema version 2) keeps its windows open and records closures', async () => {
		const config = env.freshConfig();
		const oldBackend = await openBackend(config);
		await migrate(oldBackend, MIGRATIONS.slice(0, 2));
		const old = new SqlStore(oldBackend);
		await old.touchWindow({ ...key, inboundAt: T0 });
		await old.close();

		const upgraded = env.track(await createStore(config), config);
		expect(await upgraded.isWindowOpen({ ...key, at: T0 + HOUR })).toBe(true);
		await upgraded.recordWindowClosed({ ...key, at: T0 + HOUR });
		expect(await upgraded.isWindowOpen({ ...key, at: T0 + HOUR })).toBe(false);
		// The history's new previous_source column lets a resume go back past an in-app stop.
		await upgraded.recordConsent({ ...key, status: 'opted_in', source: 'keyword', eventAt: T0 });
		await upgraded.recordConsent({
			...key,
			status: 'opted_out',
			source: 'in_app',
			eventAt: T0 + MINUTE,
		});
		await upgraded.recordInAppResume({ ...key, eventAt: T0 + 2 * MINUTE });
		expect((await upgraded.getConsent(ACCOUNT, WA)).status).toBe('opted_in');
	});
});
