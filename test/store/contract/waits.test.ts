/** The store contract, follow-up waits: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, USER, PHONE, describeContract } from '../support/contract';
import { DAY, HOUR, MINUTE, T0 } from '../support/storeEnvironment';

describeContract('follow-up waits', (contract) => {
	const base = {
		account: ACCOUNT,
		phoneNumberId: PHONE,
		contact: WA,
		executionId: 'exec-1',
		workflowId: 'wf-1',
		resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1?signature=secret-token',
		deadline: T0 + HOUR,
		matchRule: { anyMessage: true, keywords: ['yes'] },
		createdAt: T0,
	};

	it('registers a wait and reads it back', async () => {
		const wait = await contract.store.registerWait({ ...base, secret: 's3cret' });
		expect(wait).toEqual({
			id: expect.any(String),
			phoneNumberId: PHONE,
			executionId: 'exec-1',
			workflowId: 'wf-1',
			resumeUrl: base.resumeUrl,
			secret: 's3cret',
			deadline: new Date(T0 + HOUR),
			matchRule: { anyMessage: true, keywords: ['yes'] },
			status: 'waiting',
			createdAt: new Date(T0),
			resolvedAt: null,
			sequence: null,
			followUp: null,
		});
		expect(await contract.store.getWait(wait.id)).toEqual(wait);
		expect(await contract.store.getWait('no-such-wait')).toBeNull();
		const inSequence = await contract.store.registerWait({
			...base,
			sequence: 'onboarding',
			followUp: 3,
		});
		expect(await contract.store.getWait(inSequence.id)).toMatchObject({
			sequence: 'onboarding',
			followUp: 3,
		});
	});

	it('finds the waiting waits of a contact on a number, by either identifier, before the deadline', async () => {
		const first = await contract.store.registerWait({
			...base,
			contact: { waId: WA, userId: USER },
		});
		const second = await contract.store.registerWait({
			...base,
			executionId: 'exec-2',
			createdAt: T0 + 1,
		});
		await contract.store.registerWait({ ...base, executionId: 'exec-3', phoneNumberId: 'phone-2' });
		await contract.store.registerWait({ ...base, executionId: 'exec-4', deadline: T0 + MINUTE });
		const found = await contract.store.findWaitingWaits({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: USER,
			at: T0 + 2 * MINUTE,
		});
		expect(found.map((wait) => wait.id)).toEqual([first.id, second.id]);
		await contract.store.claimWait(first.id, 'claimed', T0 + 3 * MINUTE);
		const after = await contract.store.findWaitingWaits({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			at: T0 + 3 * MINUTE,
		});
		expect(after.map((wait) => wait.id)).toEqual([second.id]);
		expect(
			await contract.store.findWaitingWaits({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: '4915100000001',
				at: T0,
			}),
		).toEqual([]);
	});

	it('lets a wait be claimed once, and not after its deadline', async () => {
		const wait = await contract.store.registerWait(base);
		const claimed = await contract.store.claimWait(wait.id, 'claimed', T0 + MINUTE);
		expect(claimed).toMatchObject({
			id: wait.id,
			status: 'claimed',
			resolvedAt: new Date(T0 + MINUTE),
			resumeUrl: base.resumeUrl,
		});
		expect(await contract.store.claimWait(wait.id, 'claimed', T0 + MINUTE)).toBeNull();
		expect(await contract.store.claimWait(wait.id, 'cancelled', T0 + MINUTE)).toBeNull();

		const late = await contract.store.registerWait({ ...base, executionId: 'exec-late' });
		expect(await contract.store.claimWait(late.id, 'claimed', T0 + HOUR)).toBeNull();
		expect(await contract.store.claimWait(late.id, 'cancelled', T0 + HOUR)).toMatchObject({
			status: 'cancelled',
		});
	});

	it('cancels the waiting waits of a contact, on one number or all', async () => {
		const a = await contract.store.registerWait(base);
		const b = await contract.store.registerWait({
			...base,
			executionId: 'exec-2',
			phoneNumberId: 'phone-2',
		});
		const done = await contract.store.registerWait({ ...base, executionId: 'exec-3' });
		await contract.store.claimWait(done.id, 'claimed', T0 + 1);
		const onPhone = await contract.store.cancelWaits({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			at: T0 + 2,
		});
		expect(onPhone.map((wait) => [wait.id, wait.status])).toEqual([[a.id, 'cancelled']]);
		const everywhere = await contract.store.cancelWaits({
			account: ACCOUNT,
			contact: WA,
			at: T0 + 3,
		});
		expect(everywhere.map((wait) => wait.id)).toEqual([b.id]);
		expect((await contract.store.getWait(done.id))?.status).toBe('claimed');
		expect(
			await contract.store.cancelWaits({ account: ACCOUNT, contact: '4915100000001', at: T0 }),
		).toEqual([]);
	});

	it('expires waits whose deadline has passed', async () => {
		const due = await contract.store.registerWait(base);
		const later = await contract.store.registerWait({
			...base,
			executionId: 'exec-2',
			deadline: T0 + DAY,
		});
		expect(await contract.store.expireWaits(T0 + HOUR)).toBe(1);
		expect(await contract.store.getWait(due.id)).toMatchObject({
			status: 'expired',
			resolvedAt: new Date(T0 + HOUR),
			resumeUrl: null,
			secret: null,
		});
		expect(await contract.store.getWait(later.id)).toMatchObject({
			status: 'waiting',
			resumeUrl: base.resumeUrl,
		});
		expect(await contract.store.expireWaits(T0 + HOUR)).toBe(0);
	});

	it('releases a claim whose hand-off failed for now, once, and only before the deadline', async () => {
		const wait = await contract.store.registerWait({ ...base, secret: 's3cret' });
		await contract.store.claimWait(wait.id, 'claimed', T0 + MINUTE);

		const released = await contract.store.releaseWait(wait.id, T0 + 2 * MINUTE);

		expect(released).toEqual({ ...wait, status: 'waiting', resolvedAt: null });
		expect(await contract.store.releaseWait(wait.id, T0 + 2 * MINUTE)).toBeNull();
		const query = { account: ACCOUNT, phoneNumberId: PHONE, contact: WA, at: T0 + 3 * MINUTE };
		expect((await contract.store.findWaitingWaits(query)).map((found) => found.id)).toEqual([
			wait.id,
		]);
		// The contact's next message claims it again.
		expect(await contract.store.claimWait(wait.id, 'claimed', T0 + 3 * MINUTE)).toMatchObject({
			status: 'claimed',
			secret: 's3cret',
		});
		// At the deadline n8n's timeout resumes the execution: the claim is not released.
		expect(await contract.store.releaseWait(wait.id, T0 + HOUR)).toBeNull();
		expect((await contract.store.getWait(wait.id))?.status).toBe('claimed');
	});

	it('releases neither a waiting, a cancelled nor a settled wait', async () => {
		const waiting = await contract.store.registerWait(base);
		const cancelled = await contract.store.registerWait({ ...base, executionId: 'exec-2' });
		await contract.store.claimWait(cancelled.id, 'cancelled', T0 + 1);
		const settled = await contract.store.registerWait({ ...base, executionId: 'exec-3' });
		await contract.store.claimWait(settled.id, 'claimed', T0 + 1);
		await contract.store.settleWait(settled.id);

		for (const wait of [waiting, cancelled, settled]) {
			expect(await contract.store.releaseWait(wait.id, T0 + MINUTE)).toBeNull();
		}
		expect(await contract.store.releaseWait('no-such-wait', T0 + MINUTE)).toBeNull();
		expect(
			await Promise.all(
				[waiting, cancelled, settled].map(
					async (wait) => (await contract.store.getWait(wait.id))?.status,
				),
			),
		).toEqual(['waiting', 'cancelled', 'claimed']);
	});

	it('expires a claim whose hand-off can never succeed, clearing its resume URL and secret', async () => {
		const wait = await contract.store.registerWait({ ...base, secret: 's3cret' });
		await contract.store.claimWait(wait.id, 'claimed', T0 + MINUTE);

		const expired = await contract.store.expireClaimedWait(wait.id, T0 + 2 * MINUTE);

		expect(expired).toEqual({
			...wait,
			status: 'expired',
			resolvedAt: new Date(T0 + 2 * MINUTE),
			resumeUrl: null,
			secret: null,
		});
		expect(await contract.store.getWait(wait.id)).toEqual(expired);
		expect(await contract.store.expireClaimedWait(wait.id, T0 + 2 * MINUTE)).toBeNull();
		expect(await contract.store.releaseWait(wait.id, T0 + 2 * MINUTE)).toBeNull();

		// After the deadline too: a 409 there means n8n's timeout won.
		const late = await contract.store.registerWait({ ...base, executionId: 'exec-late' });
		await contract.store.claimWait(late.id, 'claimed', T0 + HOUR - 1);
		expect(await contract.store.expireClaimedWait(late.id, T0 + HOUR + MINUTE)).toMatchObject({
			status: 'expired',
		});
	});

	it('expires only claims not yet settled', async () => {
		const waiting = await contract.store.registerWait(base);
		const cancelled = await contract.store.registerWait({ ...base, executionId: 'exec-2' });
		await contract.store.claimWait(cancelled.id, 'cancelled', T0 + 1);
		const delivered = await contract.store.registerWait({ ...base, executionId: 'exec-3' });
		await contract.store.claimWait(delivered.id, 'claimed', T0 + 1);
		await contract.store.settleWait(delivered.id);

		for (const wait of [waiting, cancelled, delivered]) {
			expect(await contract.store.expireClaimedWait(wait.id, T0 + MINUTE)).toBeNull();
		}
		expect(await contract.store.getWait(waiting.id)).toMatchObject({
			status: 'waiting',
			resumeUrl: base.resumeUrl,
		});
		expect((await contract.store.getWait(cancelled.id))?.status).toBe('cancelled');
		expect((await contract.store.getWait(delivered.id))?.status).toBe('claimed');
	});

	it('settles a claimed or cancelled wait once: status kept, resume URL and secret gone', async () => {
		const claimed = await contract.store.registerWait({ ...base, secret: 's3cret' });
		await contract.store.claimWait(claimed.id, 'claimed', T0 + MINUTE);
		const cancelled = await contract.store.registerWait({
			...base,
			executionId: 'exec-2',
			secret: 'other',
		});
		await contract.store.cancelWaits({ account: ACCOUNT, contact: WA, at: T0 + MINUTE });

		expect(await contract.store.settleWait(claimed.id)).toBe(true);
		expect(await contract.store.settleWait(cancelled.id)).toBe(true);

		expect(await contract.store.getWait(claimed.id)).toEqual({
			...claimed,
			status: 'claimed',
			resolvedAt: new Date(T0 + MINUTE),
			resumeUrl: null,
			secret: null,
		});
		expect(await contract.store.getWait(cancelled.id)).toMatchObject({
			status: 'cancelled',
			resumeUrl: null,
			secret: null,
		});
		expect(await contract.store.settleWait(claimed.id)).toBe(false);
		expect(await contract.store.settleWait('no-such-wait')).toBe(false);
	});

	it('does not settle a wait that is still waiting', async () => {
		const wait = await contract.store.registerWait({ ...base, secret: 's3cret' });

		expect(await contract.store.settleWait(wait.id)).toBe(false);

		expect(await contract.store.getWait(wait.id)).toEqual(wait);
	});
});
