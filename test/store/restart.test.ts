/**
 * Restart: a store closed and opened again (n8n restarted) finds all its data, and running the
 * migrations again changes nothing.
 */
import { createStore } from '../../lib/store';
import { BACKENDS, HOUR, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const PHONE = 'phone-1';

describe.each(BACKENDS)('%s store across restarts', (backend) => {
	const env = useStoreEnvironment(backend);

	it('keeps every kind of data after close and reopen, and re-running migrations changes nothing', async () => {
		const config = env.freshConfig();
		const before = await createStore(config);
		await before.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_in',
			source: 'import',
			eventAt: T0,
		});
		const window = await before.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			inboundAt: T0,
		});
		const wait = await before.registerWait({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			executionId: 'exec-1',
			resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1',
			deadline: T0 + HOUR,
			matchRule: { anyMessage: true },
			createdAt: T0,
		});
		await before.markSeen('msg:wamid.R', T0);
		await before.logOutbound({
			wamid: 'wamid.R',
			account: ACCOUNT,
			phoneNumberId: PHONE,
			recipient: WA,
			kind: 'text',
			text: 'hi',
			sentAt: T0,
		});
		const ai = await before.appendAiMessages({
			assistant: 'bot',
			customer: WA,
			messages: [{ role: 'user', content: 'hello', at: T0 }],
		});
		await before.close();
		const countsBefore = await env.countRows(config);
		const migrationsBefore = await env.rawQuery(
			config,
			'SELECT version, name, applied_at FROM schema_migrations',
		);

		const after = env.track(await createStore(config), config);
		expect(await after.getConsent(ACCOUNT, WA)).toEqual({
			status: 'opted_in',
			since: new Date(T0),
			source: 'import',
		});
		expect(
			await after.getWindow({ account: ACCOUNT, phoneNumberId: PHONE, contact: WA }),
		).toMatchObject({
			conversationId: window.conversationId,
		});
		expect(await after.getWait(wait.id)).toEqual(wait);
		expect(await after.markSeen('msg:wamid.R', T0)).toBe(false);
		expect((await after.getOutbound('wamid.R'))?.text).toBe('hi');
		expect(
			(await after.getAiHistory({ assistant: 'bot', customer: WA, limit: 5 })).conversationId,
		).toBe(ai.conversationId);

		// Opening ran the migrations again: they must have found nothing to do.
		expect(
			await env.rawQuery(config, 'SELECT version, name, applied_at FROM schema_migrations'),
		).toEqual(migrationsBefore);
		expect(await env.countRows(config)).toEqual(countsBefore);
	});

	it('refuses a database migrated by a newer version of the package', async () => {
		const config = env.freshConfig();
		await (await createStore(config)).close();
		await env.rawQuery(
			config,
			"INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
		);
		await expect(createStore(config)).rejects.toThrow(
			/schema version 99, newer than this package understands/,
		);
	});
});
