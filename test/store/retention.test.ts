/**
 * Retention on both backends: housekeeping deletes each account's rows past the credential's
 * retention, in batches, at most once per hour per account; an opt-out outlives its contact as a
 * suppression record; contacts with a pending wait stay; rows not scoped by account follow the
 * shortest setting of the accounts sharing the store.
 */
import {
	deriveSuppressionKey,
	type AccountRetention,
	type RetentionResult,
	type Store,
} from '../../lib/store';
import { CONTACT_BATCH, RETENTION_BATCH } from '../../lib/store/sql/retention';
import { BACKENDS, DAY, HOUR, MINUTE, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const OTHER_ACCOUNT = 'waba-2';
const PHONE = 'phone-1';
const NOW = T0;
const FOREVER: Omit<AccountRetention, 'account'> = {
	outboundDays: null,
	windowDays: null,
	contactDays: null,
	aiHistoryDays: null,
};
const DEFAULTS: AccountRetention = {
	account: ACCOUNT,
	outboundDays: 90,
	windowDays: 30,
	contactDays: 365,
	aiHistoryDays: 365,
};

const wa = (n: number) => `49151${String(n).padStart(8, '0')}`;

describe.each(BACKENDS)('%s retention', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	const retentionRun = async (retention: AccountRetention, at = NOW): Promise<RetentionResult> =>
		(await store.housekeeping(at, { retention })).retention!;

	async function sent(wamid: string, recipient: string, sentAt: number): Promise<void> {
		await store.logOutbound({
			wamid,
			account: ACCOUNT,
			phoneNumberId: PHONE,
			recipient,
			kind: 'text',
			text: 'Your order shipped',
			sentAt,
		});
		await store.recordOutboundStatus({ wamid, status: 'sent', at: sentAt + 1000 });
		await store.recordOutboundStatus({ wamid, status: 'read', at: sentAt + HOUR });
	}

	async function inbound(account: string, waId: string, at: number): Promise<void> {
		await store.touchWindow({ account, phoneNumberId: PHONE, contact: waId, inboundAt: at });
	}

	it('deletes what is past each retention and keeps the rest', async () => {
		await sent('wamid.old', wa(1), NOW - 91 * DAY);
		await sent('wamid.recent', wa(1), NOW - 89 * DAY);
		await store.recordOutboundStatus({
			wamid: 'wamid.unlogged',
			status: 'sent',
			at: NOW - 95 * DAY,
		});
		await inbound(ACCOUNT, wa(2), NOW - 31 * DAY);
		await inbound(ACCOUNT, wa(3), NOW - 29 * DAY);
		await store.appendAiMessages({
			assistant: 'bot',
			customer: wa(3),
			messages: [
				{ role: 'user', content: 'last year', at: NOW - 400 * DAY },
				{ role: 'user', content: 'this month', at: NOW - 20 * DAY },
			],
		});

		const result = await retentionRun(DEFAULTS);

		expect(result).toEqual({
			ran: true,
			account: ACCOUNT,
			nextDueAt: new Date(NOW + HOUR),
			deletedOutboundMessages: 1,
			deletedOutboundStatuses: 3,
			deletedWindows: 1,
			deletedContacts: 0,
			suppressedContacts: 0,
			deletedAiMessages: 1,
		});
		expect(await store.getOutbound('wamid.old')).toBeNull();
		expect((await store.getOutbound('wamid.recent'))?.statuses).toHaveLength(2);
		const windowOf = (waId: string) =>
			store.getWindow({ account: ACCOUNT, phoneNumberId: PHONE, contact: waId });
		expect(await windowOf(wa(2))).toBeNull();
		expect(await windowOf(wa(3))).not.toBeNull();
		const history = await store.getAiHistory({ assistant: 'bot', customer: wa(3), limit: 10 });
		expect(history.messages.map((message) => message.content)).toEqual(['this month']);
	});

	it('runs once per hour per account, whoever calls, and never without a due row', async () => {
		await sent('wamid.old', wa(1), NOW - 91 * DAY);
		expect(await retentionRun(DEFAULTS)).toMatchObject({ ran: true, deletedOutboundMessages: 1 });
		await sent('wamid.old-2', wa(1), NOW - 91 * DAY);
		expect(await retentionRun(DEFAULTS, NOW + 59 * MINUTE)).toEqual({ ran: false });
		// Another account's run is due on its own schedule.
		expect(await retentionRun({ ...DEFAULTS, account: OTHER_ACCOUNT })).toMatchObject({
			ran: true,
			deletedOutboundMessages: 1,
		});
		expect(await retentionRun(DEFAULTS, NOW + HOUR)).toMatchObject({ ran: true });
		// Without retention settings only the store-wide steps run, and report no retention.
		expect(await store.housekeeping(NOW + 3 * HOUR)).not.toHaveProperty('retention');
	});

	it('keeps everything when every setting is forever', async () => {
		await sent('wamid.ancient', wa(1), T0);
		await inbound(ACCOUNT, wa(2), T0);
		await store.appendAiMessages({
			assistant: 'bot',
			customer: wa(2),
			messages: [{ role: 'user', content: 'long ago', at: T0 }],
		});

		expect(await retentionRun({ account: ACCOUNT, ...FOREVER })).toMatchObject({
			ran: true,
			deletedOutboundMessages: 0,
			deletedOutboundStatuses: 0,
			deletedWindows: 0,
			deletedContacts: 0,
			deletedAiMessages: 0,
		});
		expect(await store.getOutbound('wamid.ancient')).not.toBeNull();
		expect(await store.getContact(ACCOUNT, wa(2))).not.toBeNull();
	});

	describe('inactive contacts', () => {
		const longAgo = NOW - 400 * DAY;

		async function contact(n: number, status?: 'opted_in' | 'opted_out' | 'blocked') {
			await store.upsertContact({
				account: ACCOUNT,
				waId: wa(n),
				profileName: 'Ada',
				seenAt: longAgo,
			});
			if (status) {
				await store.recordConsent({
					account: ACCOUNT,
					contact: wa(n),
					status,
					source: 'keyword',
					evidence: { text: status === 'opted_in' ? 'START' : 'STOP' },
					eventAt: longAgo,
					recordedAt: longAgo,
				});
			}
		}

		it('deletes them with their history; an opt-out stays as a suppression record', async () => {
			await contact(1, 'opted_in');
			await contact(2, 'opted_out');
			await contact(3, 'blocked');
			await contact(4);

			expect(await retentionRun(DEFAULTS)).toMatchObject({
				deletedContacts: 4,
				suppressedContacts: 2,
			});

			for (const n of [1, 2, 3, 4]) {
				expect(await store.getContact(ACCOUNT, wa(n))).toBeNull();
				expect(await store.getConsentHistory(ACCOUNT, wa(n))).toEqual([]);
			}
			expect((await store.getConsent(ACCOUNT, wa(1))).status).toBe('unknown');
			expect(await store.getConsent(ACCOUNT, wa(2))).toEqual({
				status: 'opted_out',
				since: new Date(longAgo),
				source: 'keyword',
			});
			expect((await store.getConsent(ACCOUNT, wa(3))).status).toBe('blocked');
			// A returning contact starts opted out again.
			await store.upsertContact({ account: ACCOUNT, waId: wa(2), seenAt: NOW });
			expect((await store.getConsent(ACCOUNT, wa(2))).status).toBe('opted_out');
			const rows = await env.rawQuery(
				env.configOf(store),
				'SELECT identity_hash FROM consent_suppressions',
			);
			expect(JSON.stringify(rows)).not.toContain(wa(2));
		});

		it('keys the suppression record with the account key when one is registered', async () => {
			const key = deriveSuppressionKey({ appSecret: 'app-secret', account: ACCOUNT })!;
			await store.useSuppressionKey(ACCOUNT, key);
			await contact(1, 'opted_out');

			await retentionRun(DEFAULTS);

			const rows = await env.rawQuery(
				env.configOf(store),
				'SELECT key_version, key_fingerprint FROM consent_suppressions',
			);
			expect(rows.map((row) => [Number(row.key_version), row.key_fingerprint])).toEqual([
				[1, key.fingerprint],
			]);
			expect((await store.getConsent(ACCOUNT, wa(1))).status).toBe('opted_out');
		});

		it('keeps contacts with a pending wait, recent activity or a recent send', async () => {
			await contact(1, 'opted_in');
			await store.registerWait({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: wa(1),
				executionId: 'exec-1',
				resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/exec-1',
				deadline: NOW + DAY,
				matchRule: null,
				createdAt: longAgo,
			});
			await contact(2, 'opted_in');
			await inbound(ACCOUNT, wa(2), NOW - DAY);
			await contact(3, 'opted_in');
			await store.recordConsent({
				account: ACCOUNT,
				contact: wa(3),
				status: 'opted_out',
				source: 'api',
				eventAt: NOW - DAY,
				recordedAt: NOW - DAY,
			});
			await contact(4, 'opted_in');
			await sent('wamid.to-4', wa(4), NOW - 10 * DAY);
			await contact(5, 'opted_in');
			// A contact known for long, whose old opt-in proof was imported yesterday: kept for
			// the whole retention from the import.
			await contact(6);
			await store.recordConsent({
				account: ACCOUNT,
				contact: wa(6),
				status: 'opted_in',
				source: 'import',
				evidence: { text: 'signed form, 2024' },
				eventAt: longAgo,
				recordedAt: NOW - DAY,
			});

			expect(await retentionRun(DEFAULTS)).toMatchObject({ deletedContacts: 1 });
			for (const n of [1, 2, 3, 4, 6]) {
				expect(await store.getContact(ACCOUNT, wa(n))).not.toBeNull();
			}
			expect(await store.getContact(ACCOUNT, wa(5))).toBeNull();
		});

		it('deletes more than one batch, each in its own short transaction', async () => {
			for (let n = 0; n < CONTACT_BATCH + 5; n++) {
				await store.upsertContact({ account: ACCOUNT, waId: wa(n), seenAt: longAgo });
			}
			for (let n = 0; n < RETENTION_BATCH + 5; n++) {
				await store.logOutbound({
					wamid: `wamid.${n}`,
					account: ACCOUNT,
					phoneNumberId: PHONE,
					recipient: wa(n),
					kind: 'text',
					sentAt: longAgo,
				});
			}
			expect(await retentionRun(DEFAULTS)).toMatchObject({
				deletedOutboundMessages: RETENTION_BATCH + 5,
				deletedContacts: CONTACT_BATCH + 5,
			});
			const counts = await env.countRows(env.configOf(store));
			expect(counts).toMatchObject({ contacts: 0, outbound_messages: 0 });
		}, 30_000); // 1,200 rows written one by one first: seconds on a busy 2-core machine
	});

	describe('several credentials on one store', () => {
		it('prunes account rows by their own account, shared rows by the shortest setting', async () => {
			await inbound(ACCOUNT, wa(1), NOW - 20 * DAY);
			await inbound(OTHER_ACCOUNT, wa(1), NOW - 20 * DAY);
			await sent('wamid.40-days', wa(1), NOW - 40 * DAY);
			await sent('wamid.20-days', wa(1), NOW - 20 * DAY);

			// waba-1 keeps everything forever; waba-2 keeps windows 10 days and sends 30 days.
			await retentionRun({ account: ACCOUNT, ...FOREVER });
			expect(await store.getOutbound('wamid.40-days')).not.toBeNull();
			await retentionRun({ ...FOREVER, account: OTHER_ACCOUNT, windowDays: 10, outboundDays: 30 });

			const windowOf = (account: string) =>
				store.getWindow({ account, phoneNumberId: PHONE, contact: wa(1) });
			expect(await windowOf(ACCOUNT)).not.toBeNull();
			expect(await windowOf(OTHER_ACCOUNT)).toBeNull();
			expect(await store.getOutbound('wamid.40-days')).toBeNull();
			expect(await store.getOutbound('wamid.20-days')).not.toBeNull();
		});
	});

	it('deletes old messages of one AI conversation only, when asked for it', async () => {
		for (const customer of [wa(1), wa(2)]) {
			await store.appendAiMessages({
				assistant: 'bot',
				customer,
				messages: [
					{ role: 'user', content: 'old', at: NOW - 40 * DAY },
					{ role: 'user', content: 'new', at: NOW - DAY },
				],
			});
		}
		expect(
			await store.pruneAiHistory(NOW - 30 * DAY, { assistant: 'bot', customer: `+${wa(1)}` }),
		).toBe(1);
		const contents = async (customer: string) =>
			(await store.getAiHistory({ assistant: 'bot', customer, limit: 10 })).messages.map(
				(message) => message.content,
			);
		expect(await contents(wa(1))).toEqual(['new']);
		expect(await contents(wa(2))).toEqual(['old', 'new']);
	});
});
