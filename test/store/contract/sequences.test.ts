/**
 * The store contract, follow-up sequences: the count per contact and sequence with its cap and
 * reset, cancelling and listing waits by contact and sequence, on SQLite and PostgreSQL.
 */
import { ACCOUNT, WA, USER, PHONE, describeContract } from '../support/contract';
import { DAY, HOUR, MINUTE, T0 } from '../support/storeEnvironment';

const OTHER = '4915100000002';

describeContract('follow-up sequences', (contract) => {
	const count = (overrides: Record<string, unknown> = {}) =>
		contract.store.countFollowUp({
			account: ACCOUNT,
			contact: WA,
			sequence: 'onboarding',
			max: 2,
			resetOnReply: true,
			at: T0,
			...overrides,
		});
	const wait = {
		account: ACCOUNT,
		phoneNumberId: PHONE,
		contact: WA,
		executionId: 'exec-1',
		workflowId: 'wf-1',
		resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1?signature=secret-token',
		secret: 'wait-secret',
		deadline: T0 + HOUR,
		matchRule: { kind: 'anyMessage' },
		createdAt: T0,
		sequence: 'onboarding',
	};

	it('counts follow-ups per contact and sequence up to the cap, then refuses without counting', async () => {
		expect(await count()).toEqual({ counted: true, followUps: 1 });
		expect(await count({ at: T0 + MINUTE })).toEqual({ counted: true, followUps: 2 });
		expect(await count({ at: T0 + 2 * MINUTE })).toEqual({ counted: false, followUps: 2 });
		expect(await count({ at: T0 + 3 * MINUTE })).toEqual({ counted: false, followUps: 2 });
		// A higher cap lets the next one through; other sequences and contacts count on their own.
		expect(await count({ max: 3, at: T0 + 4 * MINUTE })).toEqual({ counted: true, followUps: 3 });
		expect(await count({ sequence: 'winback' })).toEqual({ counted: true, followUps: 1 });
		expect(await count({ contact: OTHER })).toEqual({ counted: true, followUps: 1 });
		// The same person by their other identifier once both are linked.
		await contract.store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: { waId: WA, userId: USER },
			inboundAt: T0 - DAY,
		});
		expect(await count({ contact: USER, max: 3 })).toEqual({ counted: false, followUps: 3 });
	});

	it('starts the count again when the contact wrote after the last follow-up, unless told not to', async () => {
		await count();
		await count({ at: T0 + MINUTE });
		// A message before the last follow-up's second changes nothing.
		await contract.store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			inboundAt: T0 + MINUTE - 1000,
		});
		expect(await count({ at: T0 + 2 * MINUTE })).toEqual({ counted: false, followUps: 2 });
		// A reply on any number of the account after it does.
		await contract.store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: 'phone-2',
			contact: WA,
			inboundAt: T0 + 3 * MINUTE,
		});
		expect(await count({ at: T0 + 4 * MINUTE, resetOnReply: false })).toEqual({
			counted: false,
			followUps: 2,
		});
		expect(await count({ at: T0 + 5 * MINUTE })).toEqual({ counted: true, followUps: 1 });
		expect(await count({ at: T0 + 6 * MINUTE })).toEqual({ counted: true, followUps: 2 });
		expect(await count({ at: T0 + 7 * MINUTE })).toEqual({ counted: false, followUps: 2 });
	});

	it('lets exactly the cap through when many count at once', async () => {
		const results = await Promise.all(
			Array.from({ length: 8 }, (_, index) => count({ max: 3, at: T0 + index })),
		);
		expect(results.filter((result) => result.counted)).toHaveLength(3);
		expect(
			results
				.filter((result) => result.counted)
				.map((result) => result.followUps)
				.sort(),
		).toEqual([1, 2, 3]);
	});

	it('forgets the count with the contact when the contact is erased', async () => {
		await count();
		await count({ at: T0 + MINUTE });
		await contract.store.eraseContact(ACCOUNT, WA);
		expect(await count({ at: T0 + 2 * MINUTE })).toEqual({ counted: true, followUps: 1 });
	});

	it('refuses a cap below 1, an empty sequence and an unknown account shape', async () => {
		await expect(count({ max: 0 })).rejects.toThrow(/max/);
		await expect(count({ max: 2.5 })).rejects.toThrow(/max/);
		await expect(count({ sequence: ' ' })).rejects.toThrow(/sequence/);
		await expect(count({ contact: 'not a contact' })).rejects.toThrow(/contact/);
	});

	it('cancels a contact’s waits in one sequence, or a whole sequence of the account, and nothing else', async () => {
		const mine = await contract.store.registerWait(wait);
		const mineElsewhere = await contract.store.registerWait({
			...wait,
			executionId: 'exec-2',
			sequence: 'winback',
		});
		const theirs = await contract.store.registerWait({
			...wait,
			executionId: 'exec-3',
			contact: OTHER,
		});
		const otherAccount = await contract.store.registerWait({
			...wait,
			executionId: 'exec-4',
			account: 'waba-2',
		});

		const inSequence = await contract.store.cancelWaits({
			account: ACCOUNT,
			contact: WA,
			sequence: 'onboarding',
			at: T0 + MINUTE,
		});
		expect(inSequence.map((w) => w.id)).toEqual([mine.id]);
		expect(inSequence[0]).toMatchObject({ status: 'cancelled', secret: 'wait-secret' });
		expect((await contract.store.getWait(mineElsewhere.id))?.status).toBe('waiting');

		const whole = await contract.store.cancelWaits({
			account: ACCOUNT,
			sequence: 'onboarding',
			at: T0 + 2 * MINUTE,
		});
		expect(whole.map((w) => w.id)).toEqual([theirs.id]);
		expect((await contract.store.getWait(otherAccount.id))?.status).toBe('waiting');
		expect((await contract.store.getWait(mineElsewhere.id))?.status).toBe('waiting');
		// On one number only.
		expect(
			await contract.store.cancelWaits({
				account: ACCOUNT,
				sequence: 'winback',
				phoneNumberId: 'phone-2',
				at: T0 + 3 * MINUTE,
			}),
		).toEqual([]);
		await expect(
			contract.store.cancelWaits({ account: ACCOUNT, at: T0 + 3 * MINUTE }),
		).rejects.toThrow(/contact is missing, and so is sequence/);
	});

	it('lists pending waits with their contact, soonest deadline first, by contact and/or sequence, up to a limit', async () => {
		await contract.store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: { waId: WA, userId: USER },
			inboundAt: T0 - DAY,
		});
		const late = await contract.store.registerWait({
			...wait,
			deadline: T0 + 3 * HOUR,
			followUp: 2,
		});
		const soon = await contract.store.registerWait({
			...wait,
			executionId: 'exec-2',
			contact: OTHER,
			deadline: T0 + 2 * HOUR,
			followUp: 1,
		});
		const winback = await contract.store.registerWait({
			...wait,
			executionId: 'exec-3',
			sequence: 'winback',
			deadline: T0 + 4 * HOUR,
		});
		const claimed = await contract.store.registerWait({ ...wait, executionId: 'exec-4' });
		await contract.store.claimWait(claimed.id, 'claimed', T0 + MINUTE);
		await contract.store.registerWait({ ...wait, executionId: 'exec-5', deadline: T0 + MINUTE });
		await contract.store.registerWait({ ...wait, executionId: 'exec-6', account: 'waba-2' });
		const list = (filter: Record<string, unknown> = {}) =>
			contract.store.listWaits({ account: ACCOUNT, at: T0 + 2 * MINUTE, limit: 100, ...filter });

		const all = await list();
		expect(all.map((w) => w.id)).toEqual([soon.id, late.id, winback.id]);
		expect(all[1]).toEqual({
			id: late.id,
			phoneNumberId: PHONE,
			executionId: 'exec-1',
			workflowId: 'wf-1',
			deadline: new Date(T0 + 3 * HOUR),
			matchRule: { kind: 'anyMessage' },
			status: 'waiting',
			createdAt: new Date(T0),
			resolvedAt: null,
			sequence: 'onboarding',
			followUp: 2,
			contact: { waId: WA, userId: USER },
		});
		expect(JSON.stringify(all)).not.toMatch(/secret|signature/);
		expect((await list({ sequence: 'onboarding' })).map((w) => w.id)).toEqual([soon.id, late.id]);
		expect((await list({ contact: USER })).map((w) => w.id)).toEqual([late.id, winback.id]);
		expect((await list({ contact: WA, sequence: 'winback' })).map((w) => w.id)).toEqual([
			winback.id,
		]);
		expect((await list({ limit: 1 })).map((w) => w.id)).toEqual([soon.id]);
		expect(await list({ contact: '4915100000099' })).toEqual([]);
		expect(await list({ phoneNumberId: 'phone-2' })).toEqual([]);
		await expect(list({ limit: 0 })).rejects.toThrow(/limit/);
	});
});
