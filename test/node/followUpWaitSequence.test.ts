/**
 * Follow-up sequences in the Follow-up Wait (version 1.2) against real SQLite and PostgreSQL
 * stores and a stand-in of n8n's waiting executions: the count and its cap (Limit Reached), the
 * reset when the contact writes, a deadline from an item field, Cancel Waits by sequence and
 * List Waits. Version 1 keeps waiting without a cap.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { Store } from '../../lib/store';
import {
	ACCOUNT,
	CUSTOMER,
	customerWrites,
	followUpWait,
	inboundMessage,
	NUMBER,
	OTHER_CUSTOMER,
	sentTemplateItem,
	waitParameters,
} from '../helpers/followUpWaitFixtures';
import { branchOf, FakeWaitingN8n, type WaitingExecutionSpec } from '../helpers/fakeWaitingN8n';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';
import { useWaitingWorld } from '../helpers/waitingWorld';
import { BACKENDS } from '../store/support/storeEnvironment';

const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;

describe.each(BACKENDS)('Follow-up Wait sequences with the %s store', (backend) => {
	const world = useWaitingWorld(backend);
	let n8n: FakeWaitingN8n;
	let store: Store;
	let credentials: Record<string, Record<string, unknown>>;

	beforeEach(() => {
		({ n8n, store, credentials } = world);
	});

	function spec(
		parameters: Record<string, ParameterValue> = {},
		items: INodeExecutionData[] = [sentTemplateItem()],
		typeVersion = 1.2,
	): WaitingExecutionSpec {
		return {
			node: followUpWait,
			parameters: waitParameters(parameters),
			items,
			credentials,
			typeVersion,
		};
	}

	async function pending(filter: { contact?: string; sequence?: string } = {}) {
		return await store.listWaits({ account: ACCOUNT, at: new Date(), limit: 100, ...filter });
	}

	it('counts each follow-up of the sequence and lets the one past the cap leave by Limit Reached without waiting', async () => {
		const onboarding = { sequence: 'onboarding', maxFollowUps: 2 };
		const first = await n8n.execute(spec(onboarding));
		expect(n8n.timeOut(first.id)).toBe(true);
		expect(first.outputs?.[0][0].json.followUp).toMatchObject({
			outcome: 'noReply',
			sequence: 'onboarding',
			count: 1,
			max: 2,
			limitReached: false,
		});
		const second = await n8n.execute(spec(onboarding));
		expect(second.status).toBe('waiting');
		n8n.timeOut(second.id);
		expect(second.outputs?.[0][0].json.followUp).toMatchObject({ count: 2 });

		// n8n's timeout settles nothing in the store before the deadline: the two are still listed.
		const listedBefore = await pending();
		const item = sentTemplateItem(CUSTOMER, { orderId: 'A-17' });
		const third = await n8n.execute(spec(onboarding, [item]));

		expect(third.status).toBe('finished');
		expect(branchOf(third)).toBe('limitReached');
		expect(third.outputs).toEqual([
			[],
			[],
			[],
			[
				{
					json: {
						...item.json,
						windowOpen: false,
						followUp: {
							outcome: 'limitReached',
							limitReached: true,
							sequence: 'onboarding',
							count: 2,
							max: 2,
						},
					},
					pairedItem: { item: 0 },
				},
			],
		]);
		expect(await pending()).toEqual(listedBefore);
		// Other sequences and other contacts are not capped by it.
		expect((await n8n.execute(spec({ sequence: 'winback', maxFollowUps: 2 }))).status).toBe(
			'waiting',
		);
		const other = await n8n.execute(spec(onboarding, [sentTemplateItem(OTHER_CUSTOMER)]));
		expect(other.status).toBe('waiting');
	});

	it('starts the count again once the contact writes, and resumes with the wait’s sequence and count', async () => {
		const onboarding = { sequence: 'onboarding', maxFollowUps: 2 };
		n8n.timeOut((await n8n.execute(spec(onboarding))).id);
		const second = await n8n.execute(spec(onboarding));

		expect(await customerWrites(store, inboundMessage({ text: 'Sorry, busy' }))).toMatchObject({
			resumed: 1,
		});

		expect(branchOf(second)).toBe('replied');
		expect(second.outputs).toHaveLength(4);
		expect(second.outputs?.[1][0].json.followUp).toMatchObject({
			outcome: 'replied',
			sequence: 'onboarding',
			count: 2,
		});
		const next = await n8n.execute(spec(onboarding));
		expect(next.status).toBe('waiting');
		expect((await pending())[0]).toMatchObject({ sequence: 'onboarding', followUp: 1 });
	});

	it('keeps the count across a reply when Reset Count When the Contact Replies is off', async () => {
		const strict = { sequence: 'onboarding', maxFollowUps: 1, resetOnReply: false };
		await n8n.execute(spec(strict));
		await customerWrites(store, inboundMessage());

		expect(branchOf(await n8n.execute(spec(strict)))).toBe('limitReached');
	});

	it('counts a pass whose deadline has already passed, which leaves by No Reply at once', async () => {
		await customerWrites(store, inboundMessage({ sentAt: new Date(Date.now() - 5 * HOUR) }));
		const overdue = { limit: 'afterLastInbound', amount: 1, unit: 'hours', maxFollowUps: 1 };

		const first = await n8n.execute(spec(overdue));
		expect(branchOf(first)).toBe('noReply');
		expect(first.outputs?.[0][0].json.followUp).toMatchObject({ count: 1, max: 1 });
		expect(branchOf(await n8n.execute(spec(overdue)))).toBe('limitReached');
	});

	it('names the workflow the sequence when Sequence is empty', async () => {
		await n8n.execute(spec());
		expect(await pending()).toEqual([
			expect.objectContaining({ sequence: 'test-workflow', followUp: 1 }),
		]);
	});

	it('waits without a cap at version 1, in its workflow’s sequence, with three outputs', async () => {
		for (let run = 0; run < 6; run++) {
			const execution = await n8n.execute(spec({}, [sentTemplateItem()], 1));
			expect(execution.status).toBe('waiting');
			n8n.timeOut(execution.id);
			expect(execution.outputs).toHaveLength(3);
			expect(execution.outputs?.[0][0].json.followUp).not.toHaveProperty('count');
		}
		const last = await n8n.execute(spec({}, [sentTemplateItem()], 1));
		expect((await pending())[0]).toMatchObject({ sequence: 'test-workflow', followUp: null });
		await customerWrites(store, inboundMessage());
		expect(last.outputs).toHaveLength(3);
		expect(last.outputs?.[1][0].json.followUp).not.toHaveProperty('sequence');
	});

	it('waits until the time an item field carries, kept between Earliest and Latest', async () => {
		const at = new Date(Date.now() + 2 * HOUR);
		const suggested = await n8n.execute(
			spec({ limit: 'fromField' }, [sentTemplateItem(CUSTOMER, { followUpAt: at.toISOString() })]),
		);
		expect(suggested.waitTill).toEqual(at);
		n8n.timeOut(suggested.id);
		expect(suggested.outputs?.[0][0].json.followUp).toMatchObject({
			deadline: at.toISOString(),
			deadlineClampedTo: null,
		});

		const before = Date.now();
		const tooSoon = await n8n.execute(
			spec({ limit: 'fromField', deadlineFrom: () => before }, [sentTemplateItem()]),
		);
		expect(tooSoon.waitTill?.getTime()).toBeGreaterThanOrEqual(before + 10 * MINUTE);
		expect(tooSoon.waitTill?.getTime()).toBeLessThanOrEqual(Date.now() + 10 * MINUTE);
	});

	it('names the mapped field and its value when the item has no date there', async () => {
		const run = (json: Record<string, unknown>) =>
			runNode({
				node: followUpWait,
				parameters: waitParameters({ limit: 'fromField' }),
				rawParameters: true,
				items: [{ json: { ...sentTemplateItem().json, ...json } }],
				credentials,
				typeVersion: 1.2,
				resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1?signature=x',
			});

		await expect(run({})).rejects.toThrow('Deadline ({{ $json.followUpAt }}) is empty');
		await expect(run({ followUpAt: 'next week' })).rejects.toMatchObject({
			message: 'Deadline ({{ $json.followUpAt }}) is not a date',
			description: expect.stringContaining('Value: "next week"'),
		});
		expect(await pending()).toEqual([]);
	});

	it('cancels a whole sequence, or one contact’s waits in it, and leaves other sequences waiting', async () => {
		const mine = await n8n.execute(spec({ sequence: 'onboarding' }));
		const theirs = await n8n.execute(
			spec({ sequence: 'onboarding' }, [sentTemplateItem(OTHER_CUSTOMER)]),
		);
		const winback = await n8n.execute(spec({ sequence: 'winback' }));

		const cancel = (parameters: Record<string, ParameterValue>) =>
			runNode({
				node: followUpWait,
				parameters: { operation: 'cancelWaits', phoneNumber: '', ...parameters },
				items: [{ json: { goal: 'paid' } }],
				credentials,
				typeVersion: 1.2,
			});
		const byContact = await cancel({
			cancel: 'contactInSequence',
			contact: OTHER_CUSTOMER,
			sequence: 'onboarding',
		});
		expect(byContact.output?.[0][0].json.cancelledWaits).toMatchObject({
			count: 1,
			resumed: 1,
			sequence: 'onboarding',
		});
		expect([branchOf(mine), branchOf(theirs), branchOf(winback)]).toEqual([
			null,
			'cancelled',
			null,
		]);

		const whole = await cancel({ cancel: 'sequence', sequence: 'onboarding' });
		expect(whole.output?.[0][0].json.cancelledWaits).toMatchObject({ count: 1, resumed: 1 });
		expect([branchOf(mine), winback.status]).toEqual(['cancelled', 'waiting']);
		expect(mine.outputs?.[2][0].json.followUp).toMatchObject({
			outcome: 'cancelled',
			sequence: 'onboarding',
			count: 1,
		});
		// Empty Sequence: this workflow's own.
		await n8n.execute(spec());
		const own = await cancel({ cancel: 'sequence', sequence: '' });
		expect(own.output?.[0][0].json.cancelledWaits).toMatchObject({
			count: 1,
			sequence: 'test-workflow',
		});
		expect(winback.status).toBe('waiting');
	});

	it('lists the pending waits, one item per wait, filtered and limited, without secrets', async () => {
		const first = await n8n.execute(spec({ sequence: 'onboarding', amount: 2 }));
		const second = await n8n.execute(
			spec({ sequence: 'onboarding', amount: 1 }, [sentTemplateItem(OTHER_CUSTOMER)]),
		);
		await n8n.execute(spec({ sequence: 'winback', amount: 3 }));
		const list = (filters: Record<string, unknown>, extra: Record<string, ParameterValue> = {}) =>
			runNode({
				node: followUpWait,
				parameters: { operation: 'listWaits', filters, ...extra },
				items: [{ json: { trigger: 'schedule' } }],
				credentials,
				typeVersion: 1.2,
			});

		const onboarding = (await list({ sequence: 'onboarding' })).output?.[0] ?? [];
		expect(onboarding.map((item) => item.json.executionId)).toEqual([second.id, first.id]);
		expect(onboarding[1]).toEqual({
			json: {
				waitId: expect.any(String),
				contact: { waId: CUSTOMER, userId: null },
				phoneNumberId: NUMBER,
				sequence: 'onboarding',
				followUpNumber: 1,
				deadline: first.waitTill?.toISOString(),
				startedAt: expect.any(String),
				executionId: first.id,
				workflowId: 'test-workflow',
			},
			pairedItem: { item: 0 },
		});
		expect(JSON.stringify(onboarding)).not.toMatch(/signature|secret/);
		expect((await list({ contact: `+${CUSTOMER}` })).output?.[0]).toHaveLength(2);
		expect((await list({}, { returnAll: true })).output?.[0]).toHaveLength(3);
		expect((await list({}, { maxWaits: 1 })).output?.[0]).toHaveLength(1);
		await expect(list({ contact: 'nobody' })).rejects.toThrow(/Contact|contact/);
	});
});
