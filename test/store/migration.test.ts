/**
 * Upgrading a store written by the first schema version: its waits survive, resolved ones lose
 * their resume URL and secret, pending ones keep them, and housekeeping can run.
 */
import { createStore, type StoreConfig } from '../../lib/store';
import { openPostgresBackend } from '../../lib/store/postgres/PostgresBackend';
import { MIGRATIONS, migrate } from '../../lib/store/sql/schema';
import type { SqlBackend } from '../../lib/store/sql/session';
import { SqlStore } from '../../lib/store/sql/SqlStore';
import { openSqliteBackend } from '../../lib/store/sqlite/SqliteBackend';
import { BACKENDS, HOUR, MINUTE, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';

async function openBackend(config: StoreConfig): Promise<SqlBackend> {
	return config.backend === 'sqlite'
		? await openSqliteBackend(config)
		: openPostgresBackend(config);
}

describe.each(BACKENDS)('%s store upgraded from schema version 1', (backend) => {
	const env = useStoreEnvironment(backend);

	it('keeps every wait, settles the resolved ones and can keep house', async () => {
		const config = env.freshConfig();
		const oldBackend = await openBackend(config);
		await migrate(oldBackend, MIGRATIONS.slice(0, 1));
		const old = new SqlStore(oldBackend);
		const register = (executionId: string) =>
			old.registerWait({
				account: ACCOUNT,
				phoneNumberId: 'phone-1',
				contact: WA,
				executionId,
				resumeUrl: `http://127.0.0.1:5678/webhook-waiting/${executionId}?signature=x`,
				secret: `secret-${executionId}`,
				deadline: T0 + HOUR,
				matchRule: { kind: 'anyMessage' },
				createdAt: T0,
			});
		const waiting = await register('waiting');
		const claimed = await register('claimed');
		await old.claimWait(claimed.id, 'claimed', T0 + MINUTE);
		const cancelled = await register('cancelled');
		await old.claimWait(cancelled.id, 'cancelled', T0 + MINUTE);
		await old.close();

		const store = env.track(await createStore(config), config);

		const versions = await env.rawQuery(config, 'SELECT version FROM schema_migrations');
		expect(versions.map((row) => Number(row.version)).sort()).toEqual(
			MIGRATIONS.map((migration) => migration.version),
		);
		expect(await store.getWait(waiting.id)).toEqual(waiting);
		for (const [wait, status] of [
			[claimed, 'claimed'],
			[cancelled, 'cancelled'],
		] as const) {
			expect(await store.getWait(wait.id)).toEqual({
				...wait,
				status,
				resolvedAt: new Date(T0 + MINUTE),
				resumeUrl: null,
				secret: null,
			});
		}
		// The rebuilt table takes a cleared resume URL.
		await store.claimWait(waiting.id, 'claimed', T0 + 2 * MINUTE);
		expect(await store.expireClaimedWait(waiting.id, T0 + 3 * MINUTE)).toMatchObject({
			status: 'expired',
			resumeUrl: null,
		});
		expect(await store.housekeeping(T0 + 2 * HOUR)).toMatchObject({ ran: true });
	});

	it('rebuilds the waits table with its indexes', async () => {
		const config = env.freshConfig();
		env.track(await createStore(config), config);

		const indexes = await env.rawQuery(
			config,
			backend === 'sqlite'
				? "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'waits' AND name NOT LIKE 'sqlite_%'"
				: "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'waits' AND indexname <> 'waits_pkey'",
		);
		expect(indexes.map((row) => row.name).sort()).toEqual([
			'waits_by_contact',
			'waits_by_deadline',
		]);
	});
});
