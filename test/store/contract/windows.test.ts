/** The store contract, 24-hour windows: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, PHONE, describeContract } from '../support/contract';
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
});
