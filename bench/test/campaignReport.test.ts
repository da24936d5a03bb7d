/**
 * The campaign-report benchmark's seed, small and on SQLite: the rows it writes are what it says
 * they are, so the benchmark's check of the report's answers (and its timing) means something.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createStore } from '../../lib/store';
import { openSqliteBackend } from '../../lib/store/sqlite/SqliteBackend';
import {
	ACCOUNT,
	CAMPAIGN,
	expectedCounts,
	PHONE,
	seedCampaign,
	sentAtOf,
} from '../lib/campaignReportSeed';

const MESSAGES = 400;
const WINDOWS = { replyWithinMs: 24 * 3_600_000, optOutWithinMs: 48 * 3_600_000 };

describe('the campaign-report benchmark’s seed', () => {
	const folder = mkdtempSync(path.join(tmpdir(), 'wa-report-seed-'));
	afterAll(() => rmSync(folder, { recursive: true, force: true }));

	it('writes a campaign the report counts as seeded, and lists its unread recipients', async () => {
		const config = { backend: 'sqlite' as const, path: path.join(folder, 'seed.sqlite') };
		const raw = await openSqliteBackend(config);
		await seedCampaign(raw, MESSAGES);
		await raw.close();
		const store = await createStore(config);
		try {
			const expected = expectedCounts(MESSAGES);
			expect(expected).toEqual({
				sent: 400,
				delivered: 388,
				read: 248,
				failed: 12,
				replied: 40,
				optedOut: 8,
			});
			expect(
				await store.campaignReport({ account: ACCOUNT, callbackData: CAMPAIGN, ...WINDOWS }),
			).toMatchObject({
				...expected,
				pending: 0,
				failures: [
					{ code: 131026, messages: 8 },
					{ code: 131049, messages: 4 },
				],
			});
			const unread = await store.reportRecipients({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				...WINDOWS,
				filter: 'deliveredNotRead',
				unreadForMs: 3_600_000,
				now: sentAtOf(MESSAGES) + 2 * 3_600_000,
				limit: MESSAGES,
			});
			expect(unread).toHaveLength(expected.delivered - expected.read);
		} finally {
			await store.close();
		}
	});
});
