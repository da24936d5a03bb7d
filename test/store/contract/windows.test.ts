/** The store contract, 24-hour windows: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, PHONE, USER, describeContract } from '../support/contract';
import { DAY, HOUR, MINUTE, T0 } from '../support/storeEnvironment';

describeContract('24-hour windows', (contract) => {
	const key = { account: ACCOUNT, phoneNumberId: PHONE, contact: WA };

	it('starts a conversation on the first message and keeps it while the window is open', async () => {
		const first = await contract.store.touchWindow({ ...key, inboundAt: T0 });
		expect(first).toMatchObject({
			isFirstEver: true,
			wasOpen: false,
			isNewConversation: true,
			previousInboundAt: null,
			conversationStartedAt: new Date(T0),
			expiresAt: new Date(T0 + DAY),
		});
		const second = await contract.store.touchWindow({ ...key, inboundAt: T0 + 23 * HOUR });
		expect(second).toMatchObject({
			isFirstEver: false,
			wasOpen: true,
			isNewConversation: false,
			conversationId: first.conversationId,
			previousInboundAt: new Date(T0),
			lastInboundAt: new Date(T0 + 23 * HOUR),
			expiresAt: new Date(T0 + 47 * HOUR),
		});
	});

	it('starts a new conversation when the window has closed (at exactly 24 hours)', async () => {
		const first = await contract.store.touchWindow({ ...key, inboundAt: T0 });
		const next = await contract.store.touchWindow({ ...key, inboundAt: T0 + DAY });
		expect(next).toMatchObject({ isFirstEver: false, wasOpen: false, isNewConversation: true });
		expect(next.conversationId).not.toBe(first.conversationId);
		expect(next.conversationStartedAt).toEqual(new Date(T0 + DAY));
	});

	it('changes nothing for a late-delivered older message', async () => {
		const latest = await contract.store.touchWindow({ ...key, inboundAt: T0 + 2 * DAY });
		const late = await contract.store.touchWindow({ ...key, inboundAt: T0 });
		expect(late).toMatchObject({
			isNewConversation: false,
			conversationId: latest.conversationId,
			lastInboundAt: new Date(T0 + 2 * DAY),
			previousInboundAt: new Date(T0 + 2 * DAY),
		});
	});

	it('answers whether the window is open at a time, per business number', async () => {
		await contract.store.touchWindow({ ...key, inboundAt: T0 });
		expect(await contract.store.isWindowOpen({ ...key, at: T0 + DAY - 1 })).toBe(true);
		expect(await contract.store.isWindowOpen({ ...key, at: T0 + DAY })).toBe(false);
		expect(
			await contract.store.isWindowOpen({ ...key, phoneNumberId: 'phone-2', at: T0 + MINUTE }),
		).toBe(false);
		expect(await contract.store.isWindowOpen({ ...key, contact: '4915100000001', at: T0 })).toBe(
			false,
		);
		expect(await contract.store.getWindow({ ...key, phoneNumberId: 'phone-2' })).toBeNull();
		expect(await contract.store.getWindow(key)).toMatchObject({
			firstInboundAt: new Date(T0),
			lastInboundAt: new Date(T0),
			expiresAt: new Date(T0 + DAY),
		});
	});

	it('looks up many windows in one call, answering as getWindow does for each', async () => {
		const other = '4915100000002';
		await contract.store.touchWindow({
			...key,
			contact: { waId: WA, userId: USER },
			inboundAt: T0,
		});
		await contract.store.touchWindow({ ...key, phoneNumberId: 'phone-2', inboundAt: T0 + HOUR });
		await contract.store.touchWindow({ ...key, contact: other, inboundAt: T0 + 2 * HOUR });
		expect(
			await contract.store.recordWindowClosed({ ...key, contact: other, at: T0 + 3 * HOUR }),
		).toBe(true);
		const lookups = [
			{ phoneNumberId: PHONE, contact: WA },
			{ phoneNumberId: PHONE, contact: USER },
			{ phoneNumberId: 'phone-2', contact: { waId: WA, userId: USER } },
			{ phoneNumberId: 'phone-3', contact: WA },
			{ phoneNumberId: PHONE, contact: other },
			{ phoneNumberId: PHONE, contact: '4915100000003' },
			// The number now belongs to someone else: not the window of the contact on record.
			{ phoneNumberId: PHONE, contact: { waId: WA, userId: 'DE.99999999999999999999' } },
			{ phoneNumberId: PHONE, contact: WA },
		];
		const many = await contract.store.getWindowMany(ACCOUNT, lookups);
		const one = await Promise.all(
			lookups.map((lookup) => contract.store.getWindow({ account: ACCOUNT, ...lookup })),
		);
		expect(many).toEqual(one);
		expect(many.map((window) => window?.lastInboundAt.getTime() ?? null)).toEqual([
			T0,
			T0,
			T0 + HOUR,
			null,
			T0 + 2 * HOUR,
			null,
			null,
			T0,
		]);
		expect(many[4]?.closedByMetaAt).toEqual(new Date(T0 + 3 * HOUR));
		expect(await contract.store.getWindowMany('waba-other', lookups.slice(0, 1))).toEqual([null]);
		expect(await contract.store.getWindowMany(ACCOUNT, [])).toEqual([]);
	});
});
