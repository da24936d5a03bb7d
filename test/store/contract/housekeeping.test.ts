/** The store contract, housekeeping: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, PHONE, describeContract } from '../support/contract';
import { DAY, HOUR, MINUTE, T0 } from '../support/storeEnvironment';

describeContract('housekeeping', (contract) => {
	const NOW = T0 + 10 * DAY;
	const waitAt = (executionId: string, createdAt: number, deadline: number) =>
		contract.store.registerWait({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			executionId,
			resumeUrl: `http://127.0.0.1:5678/webhook-waiting/${executionId}?signature=x`,
			secret: `secret-${executionId}`,
			deadline,
			matchRule: null,
			createdAt,
		});

	it('runs once per hour, whoever calls, and reports what it did', async () => {
		const overdue = await waitAt('overdue', NOW - 2 * HOUR, NOW - HOUR);
		const pending = await waitAt('pending', NOW - HOUR, NOW + DAY);
		const oldDone = await waitAt('old-done', NOW - 9 * DAY, NOW - 8 * DAY);
		await contract.store.claimWait(oldDone.id, 'claimed', NOW - 8 * DAY - HOUR);
		await contract.store.settleWait(oldDone.id);
		const recentDone = await waitAt('recent-done', NOW - 6 * DAY, NOW - 5 * DAY);
		await contract.store.claimWait(recentDone.id, 'claimed', NOW - 6 * DAY + HOUR);
		await contract.store.settleWait(recentDone.id);
		await contract.store.markSeen('msg:old', NOW - 8 * DAY);
		await contract.store.markSeen('msg:recent', NOW - DAY);

		const first = await contract.store.housekeeping(NOW);

		expect(first).toEqual({
			ran: true,
			nextDueAt: new Date(NOW + HOUR),
			expiredWaits: 1,
			releasedClaims: 0,
			settledHandOffs: 0,
			deletedWaits: 1,
			deletedSeenKeys: 1,
		});
		expect(await contract.store.getWait(overdue.id)).toMatchObject({
			status: 'expired',
			resumeUrl: null,
			secret: null,
		});
		expect(await contract.store.getWait(pending.id)).toEqual(pending);
		expect(await contract.store.getWait(oldDone.id)).toBeNull();
		expect((await contract.store.getWait(recentDone.id))?.status).toBe('claimed');
		expect(await contract.store.markSeen('msg:old', NOW)).toBe(true);
		expect(await contract.store.markSeen('msg:recent', NOW)).toBe(false);

		// Not due again within the hour, whatever is pending by then.
		await waitAt('overdue-2', NOW, NOW + MINUTE);
		expect(await contract.store.housekeeping(NOW + 59 * MINUTE)).toEqual({ ran: false });
		expect(await contract.store.housekeeping(NOW)).toEqual({ ran: false });
		expect(await contract.store.housekeeping(NOW + HOUR)).toMatchObject({
			ran: true,
			nextDueAt: new Date(NOW + 2 * HOUR),
			expiredWaits: 1,
		});
	});

	it('recovers hand-offs their resumer abandoned: a claim before its deadline is retried', async () => {
		const retry = await waitAt('retry', NOW - 3 * HOUR, NOW + HOUR);
		await contract.store.claimWait(retry.id, 'claimed', NOW - 2 * HOUR);
		const tooLate = await waitAt('too-late', NOW - 3 * HOUR, NOW - MINUTE);
		await contract.store.claimWait(tooLate.id, 'claimed', NOW - 2 * HOUR);
		const cancelled = await waitAt('cancelled', NOW - 3 * HOUR, NOW + HOUR);
		await contract.store.claimWait(cancelled.id, 'cancelled', NOW - 2 * HOUR);
		const inFlight = await waitAt('in-flight', NOW - 3 * HOUR, NOW + HOUR);
		await contract.store.claimWait(inFlight.id, 'claimed', NOW - MINUTE);

		const result = await contract.store.housekeeping(NOW);

		expect(result).toMatchObject({ ran: true, releasedClaims: 1, settledHandOffs: 2 });
		expect(await contract.store.getWait(retry.id)).toEqual(retry);
		for (const [wait, status] of [
			[tooLate, 'claimed'],
			[cancelled, 'cancelled'],
		] as const) {
			expect(await contract.store.getWait(wait.id)).toMatchObject({
				status,
				resumeUrl: null,
				secret: null,
			});
		}
		expect(await contract.store.getWait(inFlight.id)).toMatchObject({
			status: 'claimed',
			resumeUrl: inFlight.resumeUrl,
			secret: inFlight.secret,
		});
	});
});
