/** The store contract, reports from the message log: the same answers on SQLite and PostgreSQL. */
import type { OutboundMessageInput, RecipientListQuery, Store } from '../../../lib/store';
import { ACCOUNT, PHONE, USER, WA, describeContract } from '../support/contract';
import { HOUR, MINUTE, T0 } from '../support/storeEnvironment';

const CAMPAIGN = 'spring-sale';
const wa = (n: number) => `49151000000${String(n).padStart(2, '0')}`;

function sent(n: number, overrides: Partial<OutboundMessageInput> = {}): OutboundMessageInput {
	return {
		wamid: `wamid.R${n}`,
		account: ACCOUNT,
		phoneNumberId: PHONE,
		recipient: wa(n),
		kind: 'template',
		templateName: 'spring_offer',
		templateLanguage: 'en',
		category: 'MARKETING',
		callbackData: CAMPAIGN,
		purpose: 'marketing',
		sentAt: T0 + n * MINUTE,
		...overrides,
	};
}

async function status(store: Store, n: number, name: string, at: number, errorCode?: number) {
	await store.recordOutboundStatus({
		wamid: `wamid.R${n}`,
		status: name,
		at,
		...(errorCode === undefined ? {} : { errorCode, errorTitle: `error ${errorCode}` }),
	});
}

const WINDOWS = { replyWithinMs: 24 * HOUR, optOutWithinMs: 48 * HOUR };

/**
 * Ten recipients of one campaign: 0–5 delivered (1–4 read, 3 read without a delivered status),
 * 6 and 7 failed with 131026, 8 failed with 131049, 9 pending. 1 replied after 2 h, 2 after
 * 30 h; 4 sent STOP (blocked) after 1 h, 5 opted out after 3 days. Another campaign, another account and a message
 * without callback data stay out of the campaign's report.
 */
async function campaign(store: Store): Promise<void> {
	await store.logOutboundMany([
		...Array.from({ length: 10 }, (_, n) => sent(n, n === 0 ? { recipientName: 'Ada' } : {})),
		sent(20, { callbackData: 'other-campaign' }),
		sent(21, { account: 'waba-2' }),
		sent(22, { callbackData: undefined }),
	]);
	for (const n of [0, 1, 2, 4, 5]) await status(store, n, 'delivered', T0 + n * MINUTE + 1000);
	for (const n of [1, 2, 3, 4]) await status(store, n, 'read', T0 + n * MINUTE + 5000);
	await status(store, 6, 'failed', T0 + 7 * MINUTE, 131026);
	await status(store, 7, 'failed', T0 + 8 * MINUTE, 131026);
	await status(store, 8, 'failed', T0 + 9 * MINUTE, 131049);
	for (const n of [1, 2, 4, 5])
		await store.upsertContact({ account: ACCOUNT, waId: wa(n), seenAt: T0 });
	await store.recordReply({
		account: ACCOUNT,
		phoneNumberId: PHONE,
		contact: wa(1),
		at: T0 + 2 * HOUR,
	});
	await store.recordReply({
		account: ACCOUNT,
		phoneNumberId: PHONE,
		contact: wa(2),
		at: T0 + 30 * HOUR,
	});
	await store.recordConsent({
		account: ACCOUNT,
		contact: wa(4),
		status: 'blocked',
		source: 'keyword',
		eventAt: T0 + 4 * MINUTE + HOUR,
	});
	await store.recordConsent({
		account: ACCOUNT,
		contact: wa(5),
		status: 'opted_out',
		source: 'button',
		eventAt: T0 + 3 * 24 * HOUR,
	});
}

describeContract('reports from the message log', (contract) => {
	it('keeps the account, callback data, recipient name and purpose of a send', async () => {
		await contract.store.logOutbound(sent(0, { recipientName: 'Ada Lovelace' }));
		expect(await contract.store.getOutbound('wamid.R0')).toMatchObject({
			account: ACCOUNT,
			callbackData: CAMPAIGN,
			recipientName: 'Ada Lovelace',
			purpose: 'marketing',
			repliedAt: null,
		});
	});

	it('marks the first reply after each send, by any linked id, on the same number only', async () => {
		await contract.store.upsertContact({ account: ACCOUNT, waId: WA, userId: USER, seenAt: T0 });
		await contract.store.logOutboundMany([
			sent(1, { wamid: 'wamid.A', recipient: WA, sentAt: T0 }),
			sent(2, { wamid: 'wamid.B', recipient: USER, sentAt: T0 + HOUR }),
			sent(3, { wamid: 'wamid.C', recipient: WA, phoneNumberId: 'phone-2', sentAt: T0 }),
			sent(4, { wamid: 'wamid.D', recipient: WA, sentAt: T0 + 3 * HOUR }),
			sent(5, { wamid: 'wamid.E', recipient: WA, sentAt: T0 - 31 * 24 * HOUR }),
			sent(6, { wamid: 'wamid.F', recipient: WA, account: 'waba-2', sentAt: T0 }),
		]);
		const reply = (at: number) =>
			contract.store.recordReply({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: { waId: WA },
				at,
			});

		expect(await reply(T0 + 2 * HOUR)).toBe(2);
		expect(await reply(T0 + 4 * HOUR)).toBe(1);
		const repliedAt = async (wamid: string) =>
			(await contract.store.getOutbound(wamid))?.repliedAt?.getTime() ?? null;
		expect(await repliedAt('wamid.A')).toBe(T0 + 2 * HOUR);
		expect(await repliedAt('wamid.B')).toBe(T0 + 2 * HOUR);
		expect(await repliedAt('wamid.D')).toBe(T0 + 4 * HOUR);
		// Another number, older than the longest reply window, another account: untouched.
		expect(await repliedAt('wamid.C')).toBeNull();
		expect(await repliedAt('wamid.E')).toBeNull();
		expect(await repliedAt('wamid.F')).toBeNull();
	});

	it('counts a reply and an opt-out stamped in the second of the send (Meta’s times are whole seconds)', async () => {
		await contract.store.logOutbound(sent(1, { sentAt: T0 + 457 }));
		await contract.store.logOutbound(sent(2, { recipient: wa(1), sentAt: T0 + 1000 }));
		expect(
			await contract.store.recordReply({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: wa(1),
				at: T0,
			}),
		).toBe(1);
		expect((await contract.store.getOutbound('wamid.R1'))?.repliedAt).toEqual(new Date(T0));
		expect((await contract.store.getOutbound('wamid.R2'))?.repliedAt).toBeNull();
		// The same for an opt-out stamped in that second.
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: wa(1),
			status: 'opted_out',
			source: 'in_app',
			eventAt: T0,
		});
		expect(
			await contract.store.campaignReport({ account: ACCOUNT, callbackData: CAMPAIGN, ...WINDOWS }),
		).toMatchObject({ sent: 2, replied: 1, optedOut: 1 });
	});

	it('counts a campaign: delivered, read, failed by code, pending, replied and opted out within the windows', async () => {
		await campaign(contract.store);

		expect(
			await contract.store.campaignReport({ account: ACCOUNT, callbackData: CAMPAIGN, ...WINDOWS }),
		).toEqual({
			sent: 10,
			recipients: 10,
			delivered: 6,
			read: 4,
			failed: 3,
			pending: 1,
			replied: 1,
			optedOut: 1,
			failures: [
				{ code: 131026, title: 'error 131026', messages: 2 },
				{ code: 131049, title: 'error 131049', messages: 1 },
			],
			firstSentAt: new Date(T0),
			lastSentAt: new Date(T0 + 9 * MINUTE),
		});
		// Wider windows count the late reply and the late opt-out.
		expect(
			await contract.store.campaignReport({
				account: ACCOUNT,
				callbackData: CAMPAIGN,
				replyWithinMs: 48 * HOUR,
				optOutWithinMs: 4 * 24 * HOUR,
			}),
		).toMatchObject({ replied: 2, optedOut: 2 });
	});

	it('selects by sender and time range, and answers zeros for nothing', async () => {
		await campaign(contract.store);
		await contract.store.logOutbound(
			sent(30, { phoneNumberId: 'phone-2', callbackData: undefined }),
		);

		const range = await contract.store.campaignReport({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			sentFrom: T0 + 2 * MINUTE,
			sentUntil: T0 + 9 * MINUTE,
			...WINDOWS,
		});
		expect(range).toMatchObject({ sent: 7, delivered: 4, read: 3, failed: 3, pending: 0 });
		// The account's whole log on that number: the other campaign and the message without one too.
		expect(
			await contract.store.campaignReport({ account: ACCOUNT, phoneNumberId: PHONE, ...WINDOWS }),
		).toMatchObject({ sent: 12, recipients: 12 });
		expect(
			await contract.store.campaignReport({ account: ACCOUNT, callbackData: 'none', ...WINDOWS }),
		).toEqual({
			sent: 0,
			recipients: 0,
			delivered: 0,
			read: 0,
			failed: 0,
			pending: 0,
			replied: 0,
			optedOut: 0,
			failures: [],
			firstSentAt: null,
			lastSentAt: null,
		});
	});

	it('lists recipients per filter, one row per recipient by their latest message', async () => {
		await campaign(contract.store);
		// Recipient 0 got a second message of the campaign later, not read yet.
		await contract.store.logOutbound(sent(0, { wamid: 'wamid.R0b', sentAt: T0 + HOUR }));
		await contract.store.recordOutboundStatus({
			wamid: 'wamid.R0b',
			status: 'delivered',
			at: T0 + HOUR + 1000,
		});
		const list = async (
			filter: RecipientListQuery['filter'],
			extra: Partial<RecipientListQuery> = {},
		) =>
			(
				await contract.store.reportRecipients({
					account: ACCOUNT,
					callbackData: CAMPAIGN,
					...WINDOWS,
					filter,
					now: T0 + 26 * HOUR,
					unreadForMs: 24 * HOUR,
					limit: 100,
					...extra,
				})
			).map((row) => row.recipient);

		expect(await list('all')).toHaveLength(10);
		expect(await list('notRead')).toEqual([wa(5), wa(9), wa(0)]);
		// Recipient 0's latest message was delivered 25 h before `now`; 5's 26 h.
		expect(await list('deliveredNotRead')).toEqual([wa(5), wa(0)]);
		expect(await list('deliveredNotRead', { unreadForMs: 25 * HOUR + 30 * MINUTE })).toEqual([
			wa(5),
		]);
		expect(await list('notDelivered')).toEqual([wa(9)]);
		expect(await list('failed')).toEqual([wa(6), wa(7), wa(8)]);
		expect(await list('read')).toEqual([wa(1), wa(2), wa(3), wa(4)]);
		expect(await list('replied')).toEqual([wa(1)]);
		expect(await list('notReplied')).toEqual([wa(2), wa(3), wa(4), wa(5), wa(9), wa(0)]);
		// Until the reply window of recipient 0's latest message is over, it is not "not replied".
		expect(await list('notReplied', { now: T0 + 24 * HOUR + 30 * MINUTE })).toEqual([
			wa(2),
			wa(3),
			wa(4),
			wa(5),
			wa(9),
		]);
		expect(await list('optedOut')).toEqual([wa(4)]);
		expect(await list('all', { limit: 3, offset: 2 })).toEqual([wa(3), wa(4), wa(5)]);
	});

	it('shows each recipient’s latest message with its facts and a name', async () => {
		await campaign(contract.store);
		await contract.store.upsertContact({
			account: ACCOUNT,
			waId: wa(8),
			profileName: 'Grace',
			seenAt: T0,
		});
		const rows = await contract.store.reportRecipients({
			account: ACCOUNT,
			callbackData: CAMPAIGN,
			...WINDOWS,
			filter: 'all',
			now: T0 + 26 * HOUR,
			limit: 100,
		});
		const byRecipient = new Map(rows.map((row) => [row.recipient, row]));
		expect(byRecipient.get(wa(0))).toMatchObject({ name: 'Ada', status: 'delivered', messages: 1 });
		expect(byRecipient.get(wa(8))).toEqual({
			recipient: wa(8),
			name: 'Grace',
			wamid: 'wamid.R8',
			phoneNumberId: PHONE,
			messages: 1,
			sentAt: new Date(T0 + 8 * MINUTE),
			status: 'failed',
			deliveredAt: null,
			readAt: null,
			failedAt: new Date(T0 + 9 * MINUTE),
			errorCode: 131049,
			errorTitle: 'error 131049',
			repliedAt: null,
			optedOutAt: null,
			templateName: 'spring_offer',
			templateLanguage: 'en',
			callbackData: CAMPAIGN,
			purpose: 'marketing',
		});
		expect(byRecipient.get(wa(3))).toMatchObject({
			status: 'read',
			deliveredAt: new Date(T0 + 3 * MINUTE + 5000),
			readAt: new Date(T0 + 3 * MINUTE + 5000),
		});
		expect(byRecipient.get(wa(1))?.repliedAt).toEqual(new Date(T0 + 2 * HOUR));
		expect(byRecipient.get(wa(4))?.optedOutAt).toEqual(new Date(T0 + 4 * MINUTE + HOUR));
	});

	it('refuses a report without windows, a reversed range and an unknown filter', async () => {
		await expect(
			contract.store.campaignReport({ account: ACCOUNT, replyWithinMs: 0, optOutWithinMs: HOUR }),
		).rejects.toThrow(/replyWithinMs is not a whole number in range/);
		await expect(
			contract.store.campaignReport({
				account: ACCOUNT,
				sentFrom: T0,
				sentUntil: T0,
				...WINDOWS,
			}),
		).rejects.toThrow(/sentUntil is not after sentFrom/);
		await expect(
			contract.store.reportRecipients({
				account: ACCOUNT,
				...WINDOWS,
				filter: 'unread' as never,
				now: T0,
				limit: 10,
			}),
		).rejects.toThrow(/filter/);
		await expect(
			contract.store.reportRecipients({
				account: ACCOUNT,
				...WINDOWS,
				filter: 'deliveredNotRead',
				now: T0,
				limit: 10,
			}),
		).rejects.toThrow(/unreadForMs is missing/);
	});
});
