/**
 * Erasure on both backends: every contact row carrying a given identifier, the dedup keys that
 * embed one, and AI history kept under other customer identifiers all go.
 */
import type { Store } from '../../lib/store';
import { BACKENDS, HOUR, MINUTE, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const USER = 'DE.11815799212886844830';
const OTHER_WA = '4915100000009';
const PHONE = 'phone-1';

describe.each(BACKENDS)('%s erasure', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	/** A contact known by its number and, separately, by its user id: two rows never linked. */
	async function twoUnlinkedRows(): Promise<void> {
		await store.upsertContact({ account: ACCOUNT, waId: WA, profileName: 'Ada', seenAt: T0 });
		await store.upsertContact({ account: ACCOUNT, userId: USER, profileName: 'Ada', seenAt: T0 });
		await store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_out',
			source: 'keyword',
			evidence: { text: 'STOP' },
			eventAt: T0 + MINUTE,
		});
		await store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'opted_in',
			source: 'button',
			evidence: { text: 'Yes please' },
			eventAt: T0 + 2 * MINUTE,
		});
		for (const contact of [WA, USER]) {
			await store.touchWindow({ account: ACCOUNT, phoneNumberId: PHONE, contact, inboundAt: T0 });
			await store.registerWait({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact,
				executionId: `exec-${contact}`,
				resumeUrl: 'http://127.0.0.1/webhook-waiting/1',
				deadline: T0 + HOUR,
				matchRule: null,
			});
		}
	}

	it('deletes both rows when the wa_id and the user id sit on separate contacts', async () => {
		await twoUnlinkedRows();

		const summary = await store.eraseContact(ACCOUNT, { waId: WA, userId: USER });

		expect(summary).toMatchObject({
			contactFound: true,
			contactsFound: 2,
			suppressedAs: 'opted_out',
			deleted: { contacts: 2, consentHistory: 2, windows: 2, waits: 2 },
		});
		expect(await store.getContact(ACCOUNT, WA)).toBeNull();
		expect(await store.getContact(ACCOUNT, USER)).toBeNull();
		expect(await env.countRows(env.configOf(store))).toMatchObject({
			contacts: 0,
			consent_history: 0,
			conversation_windows: 0,
			waits: 0,
			// The number's opt-out stays honoured; the user id's opt-in is forgotten.
			consent_suppressions: 1,
		});
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('opted_out');
		expect((await store.getConsent(ACCOUNT, USER)).status).toBe('unknown');
	});

	it('keeps a suppression per identifier: an opt-out on one row is not lost to an opt-in on the other', async () => {
		await twoUnlinkedRows();
		await store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'blocked',
			source: 'api',
			eventAt: T0 + 3 * MINUTE,
		});

		const summary = await store.eraseContact(ACCOUNT, { waId: WA, userId: USER });

		expect(summary.suppressedAs).toBe('blocked');
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('opted_out');
		expect((await store.getConsent(ACCOUNT, USER)).status).toBe('blocked');
	});

	it('deletes the dedup keys that embed an identifier and keeps every other key', async () => {
		await store.upsertContact({ account: ACCOUNT, waId: WA, userId: USER, seenAt: T0 });
		const erased = [
			`pref:${WA}:marketing_messages:stop:1700000000`,
			`pref:${USER}:marketing_messages:resume:1`,
		];
		const kept = [`pref:${OTHER_WA}:marketing_messages:stop:1`, `pref:${WA}0:x:y:1`, 'msg:wamid.1'];
		for (const key of [...erased, ...kept]) await store.markSeen(key, T0);

		const summary = await store.eraseContact(ACCOUNT, WA);

		expect(summary.deleted.dedupKeys).toBe(2);
		for (const key of erased) expect(await store.markSeen(key, T0 + 1)).toBe(true);
		for (const key of kept) expect(await store.markSeen(key, T0 + 1)).toBe(false);
	});

	it('deletes AI history kept under the extra customer identifiers, and only that', async () => {
		const turn = [{ role: 'user' as const, content: 'Where is my order?', at: T0 }];
		for (const customer of [WA, 'ada@example.com', 'CRM-42', 'bob@example.com']) {
			await store.appendAiMessages({ assistant: 'support', customer, messages: turn });
		}

		const summary = await store.eraseContact(ACCOUNT, WA, {
			aiCustomers: ['ada@example.com', ' CRM-42 '],
		});

		expect(summary).toMatchObject({
			contactFound: false,
			contactsFound: 0,
			deleted: { aiConversations: 3, aiMessages: 3 },
		});
		for (const customer of [WA, 'ada@example.com', 'CRM-42']) {
			expect(
				(await store.getAiHistory({ assistant: 'support', customer, limit: 10 })).messages,
			).toEqual([]);
		}
		expect(
			(await store.getAiHistory({ assistant: 'support', customer: 'bob@example.com', limit: 10 }))
				.messages,
		).toHaveLength(1);
	});

	it('refuses extra identifiers that are not a list of ids, before deleting anything', async () => {
		await store.upsertContact({ account: ACCOUNT, waId: WA, seenAt: T0 });
		await expect(
			store.eraseContact(ACCOUNT, WA, { aiCustomers: ['ada@example.com', ''] }),
		).rejects.toThrow(/aiCustomers\[1\] is missing/);
		await expect(
			store.eraseContact(ACCOUNT, WA, { aiCustomers: 'ada@example.com' as unknown as string[] }),
		).rejects.toThrow(/aiCustomers is not a list/);
		expect(await store.getContact(ACCOUNT, WA)).not.toBeNull();
	});
});
