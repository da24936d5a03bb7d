/** The store contract, erasure: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, USER, PHONE, describeContract } from '../support/contract';
import { DAY, HOUR, MINUTE, T0 } from '../support/storeEnvironment';

describeContract('erasure', (contract) => {
	async function fillEverything(account = ACCOUNT): Promise<void> {
		await contract.store.upsertContact({
			account,
			waId: WA,
			userId: USER,
			profileName: 'Ada',
			seenAt: T0,
		});
		await contract.store.recordConsent({
			account,
			contact: WA,
			status: 'opted_in',
			source: 'import',
			eventAt: T0,
		});
		await contract.store.touchWindow({
			account,
			phoneNumberId: PHONE,
			contact: USER,
			inboundAt: T0 + MINUTE,
		});
		await contract.store.registerWait({
			account,
			phoneNumberId: PHONE,
			contact: WA,
			executionId: 'exec-1',
			resumeUrl: 'http://127.0.0.1/webhook-waiting/1',
			deadline: T0 + HOUR,
			matchRule: null,
		});
		await contract.store.logOutbound({
			wamid: 'wamid.E1',
			account: account,
			phoneNumberId: PHONE,
			recipient: WA,
			kind: 'text',
			text: 'hi',
			sentAt: T0,
		});
		await contract.store.recordOutboundStatus({ wamid: 'wamid.E1', status: 'sent', at: T0 + 1 });
		await contract.store.appendAiMessages({
			assistant: 'bot',
			customer: WA,
			messages: [{ role: 'user', content: 'hi', at: T0 }],
		});
		await contract.store.appendAiMessages({
			assistant: 'bot',
			customer: USER,
			messages: [{ role: 'user', content: 'hi', at: T0 }],
		});
	}

	it('deletes everything about an opted-out contact but keeps the opt-out honoured', async () => {
		await fillEverything();
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'opted_out',
			source: 'keyword',
			eventAt: T0 + HOUR,
		});
		const summary = await contract.store.eraseContact(ACCOUNT, WA);
		expect(summary).toEqual({
			contactFound: true,
			contactsFound: 1,
			suppressedAs: 'opted_out',
			deleted: {
				contacts: 1,
				consentHistory: 2,
				windows: 1,
				waits: 1,
				outboundMessages: 1,
				outboundStatuses: 1,
				aiConversations: 2,
				aiMessages: 2,
				dedupKeys: 0,
			},
		});
		const counts = await contract.env.countRows(contract.env.configOf(contract.store));
		expect(counts).toMatchObject({
			contacts: 0,
			consent_history: 0,
			conversation_windows: 0,
			waits: 0,
			outbound_messages: 0,
			outbound_statuses: 0,
			ai_messages: 0,
			ai_conversations: 0,
			consent_suppressions: 2,
		});
		for (const contact of [WA, USER]) {
			expect(await contract.store.getConsent(ACCOUNT, contact)).toEqual({
				status: 'opted_out',
				since: new Date(T0 + HOUR),
				source: 'keyword',
			});
			expect(await contract.store.getConsentHistory(ACCOUNT, contact)).toEqual([]);
		}
		expect(await contract.store.getContact(ACCOUNT, WA)).toBeNull();
	});

	it('keeps the opt-out when the erased contact writes again, until a newer opt-in', async () => {
		await contract.store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'blocked',
			source: 'keyword',
			eventAt: T0,
		});
		await contract.store.eraseContact(ACCOUNT, USER);
		await contract.store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: USER,
			inboundAt: T0 + DAY,
		});
		expect((await contract.store.getConsent(ACCOUNT, USER)).status).toBe('blocked');
		const older = await contract.store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'opted_in',
			source: 'api',
			eventAt: T0 - HOUR,
		});
		expect(older.applied).toBe(false);
		const newer = await contract.store.recordConsent({
			account: ACCOUNT,
			contact: USER,
			status: 'opted_in',
			source: 'keyword',
			eventAt: T0 + DAY,
		});
		expect(newer.applied).toBe(true);
		expect(await contract.store.eraseContact(ACCOUNT, USER)).toMatchObject({
			contactFound: true,
			suppressedAs: null,
		});
		expect((await contract.store.getConsent(ACCOUNT, USER)).status).toBe('unknown');
		expect(
			(await contract.env.countRows(contract.env.configOf(contract.store))).consent_suppressions,
		).toBe(0);
	});

	it('forgets an opted-in contact completely and touches no other account', async () => {
		await fillEverything();
		await contract.store.recordConsent({
			account: 'waba-2',
			contact: WA,
			status: 'opted_out',
			source: 'api',
			eventAt: T0,
		});
		expect(await contract.store.eraseContact(ACCOUNT, USER)).toMatchObject({
			contactFound: true,
			suppressedAs: null,
		});
		expect(await contract.store.getConsent(ACCOUNT, WA)).toEqual({
			status: 'unknown',
			since: null,
			source: null,
		});
		expect(
			(await contract.env.countRows(contract.env.configOf(contract.store))).consent_suppressions,
		).toBe(0);
		expect((await contract.store.getConsent('waba-2', WA)).status).toBe('opted_out');
		expect(await contract.store.eraseContact(ACCOUNT, '4915100000001')).toMatchObject({
			contactFound: false,
			suppressedAs: null,
		});
	});
});
