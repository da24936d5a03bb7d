/**
 * Upgrading a store written by the first schema version: its waits survive, resolved ones lose
 * their resume URL and secret, pending ones keep them, and housekeeping can run.
 */
import { createStore, type StoreConfig } from '../../lib/store';
import { openPostgresBackend } from '../../lib/store/postgres/PostgresBackend';
import { MIGRATIONS, migrate, tablesFor } from '../../lib/store/sql/schema';
import type { SqlBackend } from '../../lib/store/sql/session';
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
		// Written as the first version wrote them: its columns only (this code writes newer ones).
		const rowOf = (executionId: string, status: string, resolvedAt: number | null) => [
			`wait-${executionId}`,
			executionId,
			`http://127.0.0.1:5678/webhook-waiting/${executionId}?signature=x`,
			`secret-${executionId}`,
			status,
			resolvedAt,
		];
		const t = tablesFor(oldBackend.dialect);
		await oldBackend.run(async (session) => {
			await session.execute(
				`INSERT INTO ${t.contacts} (id, account, wa_id, created_at) VALUES ('contact-1', $1, $2, $3)`,
				[ACCOUNT, WA, T0],
			);
			for (const row of [
				rowOf('waiting', 'waiting', null),
				rowOf('claimed', 'claimed', T0 + MINUTE),
				rowOf('cancelled', 'cancelled', T0 + MINUTE),
			]) {
				await session.execute(
					`INSERT INTO ${t.waits} (id, contact_id, phone_number_id, execution_id, workflow_id, resume_url, secret, deadline, match_rule, status, created_at, resolved_at)
					VALUES ($1, 'contact-1', 'phone-1', $2, NULL, $3, $4, $5, '{"kind":"anyMessage"}', $6, $7, $8)`,
					[...row.slice(0, 4), T0 + HOUR, row[4], T0, row[5]],
				);
			}
		});
		await oldBackend.close();
		const waitOf = (executionId: string) => ({
			id: `wait-${executionId}`,
			phoneNumberId: 'phone-1',
			executionId,
			workflowId: null,
			resumeUrl: `http://127.0.0.1:5678/webhook-waiting/${executionId}?signature=x`,
			secret: `secret-${executionId}`,
			deadline: new Date(T0 + HOUR),
			matchRule: { kind: 'anyMessage' },
			status: 'waiting',
			createdAt: new Date(T0),
			resolvedAt: null,
			// Version 9's columns: older waits belong to no sequence and were not counted.
			sequence: null,
			followUp: null,
		});
		const [waiting, claimed, cancelled] = ['waiting', 'claimed', 'cancelled'].map(waitOf);

		const store = env.track(await createStore(config), config);

		const versions = await env.rawQuery(config, 'SELECT version FROM schema_migrations');
		expect(versions.map((row) => Number(row.version)).sort((a, b) => a - b)).toEqual(
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
			'waits_by_sequence',
		]);
	});
});

describe.each(BACKENDS)('%s store upgraded from schema version 9 (reports)', (backend) => {
	const env = useStoreEnvironment(backend);

	it('keeps older log rows without an account, out of reports, and indexes the new selections', async () => {
		const config = env.freshConfig();
		const oldBackend = await openBackend(config);
		await migrate(oldBackend, MIGRATIONS.slice(0, 9));
		const t = tablesFor(oldBackend.dialect);
		await oldBackend.run(async (session) => {
			await session.execute(
				`INSERT INTO ${t.outbound_messages} (wamid, phone_number_id, recipient, kind, template_name, sent_at)
				VALUES ('wamid.OLD', 'phone-1', $1, 'template', 'spring_offer', $2)`,
				[WA, T0],
			);
		});
		await oldBackend.close();

		const store = env.track(await createStore(config), config);

		expect(await store.getOutbound('wamid.OLD')).toMatchObject({
			account: null,
			callbackData: null,
			recipientName: null,
			purpose: null,
			repliedAt: null,
			templateName: 'spring_offer',
		});
		const windows = { replyWithinMs: HOUR, optOutWithinMs: HOUR };
		expect(
			await store.campaignReport({ account: ACCOUNT, phoneNumberId: 'phone-1', ...windows }),
		).toMatchObject({ sent: 0 });
		// A reply marks only rows with the account: the old row stays as it was.
		expect(
			await store.recordReply({
				account: ACCOUNT,
				phoneNumberId: 'phone-1',
				contact: WA,
				at: T0 + MINUTE,
			}),
		).toBe(0);
		const indexes = await env.rawQuery(
			config,
			backend === 'sqlite'
				? "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbound_messages' AND name NOT LIKE 'sqlite_%'"
				: "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'outbound_messages' AND indexname <> 'outbound_messages_pkey'",
		);
		expect(indexes.map((row) => row.name).sort()).toEqual([
			'outbound_messages_by_campaign',
			'outbound_messages_by_recipient_time',
			'outbound_messages_by_sender',
			'outbound_messages_by_time',
		]);
	});
});
