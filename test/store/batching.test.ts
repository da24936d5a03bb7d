/**
 * Batch lookups are batched queries: one query per 10,000 contacts, never one per contact.
 */
import type { StoreConfig } from '../../lib/store';
import { CONSENT_BATCH_SIZE, getConsentMany } from '../../lib/store/sql/consent';
import { migrate, tablesFor } from '../../lib/store/sql/schema';
import type { SqlBackend, SqlSession } from '../../lib/store/sql/session';
import { openPostgresBackend } from '../../lib/store/postgres/PostgresBackend';
import { openSqliteBackend } from '../../lib/store/sqlite/SqliteBackend';
import { requireContact } from '../../lib/store/validate';
import { BACKENDS, useStoreEnvironment } from './support/storeEnvironment';

async function openBackend(config: StoreConfig): Promise<SqlBackend> {
	return config.backend === 'sqlite'
		? await openSqliteBackend(config)
		: openPostgresBackend(config);
}

describe.each(BACKENDS)('%s consent lookups', (backend) => {
	const env = useStoreEnvironment(backend);

	it(`send one query per ${CONSENT_BATCH_SIZE} contacts`, async () => {
		const sql = await openBackend(env.freshConfig());
		try {
			await migrate(sql);
			const keys = Array.from({ length: 2 * CONSENT_BATCH_SIZE + 1 }, (_, index) =>
				requireContact('contact', index % 2 === 0 ? `49151${index + 10_000_000}` : `DE.${index}`),
			);
			const statements: string[] = [];
			const states = await sql.run(async (session) => {
				const counting: SqlSession = {
					query: async (text, params) => {
						statements.push(text);
						return await session.query(text, params);
					},
					execute: async (text, params) => {
						statements.push(text);
						return await session.execute(text, params);
					},
				};
				return await getConsentMany(
					{
						session: counting,
						dialect: sql.dialect,
						tables: tablesFor(sql.dialect),
						suppressionKeyOf: () => null,
					},
					'waba-1',
					keys,
				);
			});
			expect(states).toHaveLength(keys.length);
			expect(statements).toHaveLength(3);
		} finally {
			await sql.close();
		}
	});
});
