/**
 * The Follow-up Wait node end to end in process: execute() registers and pauses, the hand-off
 * (as the trigger runs it) claims and POSTs to a stand-in of n8n's /webhook-waiting endpoint, and
 * webhook() routes the items — against real SQLite and PostgreSQL stores.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { Store } from '../../lib/store';
import { registerFollowUpWait } from '../../lib/waits/register';
import {
	ACCOUNT,
	CUSTOMER,
	customerWrites,
	followUpWait,
	inboundMessage,
	NUMBER,
	OTHER_CUSTOMER,
	OTHER_NUMBER,
	resumeHttp,
	sentTemplateItem,
	waitParameters,
} from '../helpers/followUpWaitFixtures';
import { branchOf, FakeWaitingN8n, type WaitingExecutionSpec } from '../helpers/fakeWaitingN8n';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';
import { useWaitingWorld } from '../helpers/waitingWorld';
import { BACKENDS } from '../store/support/storeEnvironment';

const HOUR = 60 * 60 * 1000;

describe.each(BACKENDS)('WhatsApp Follow-up Wait with the %s store', (backend) => {
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
	): WaitingExecutionSpec {
		return { node: followUpWait, parameters: waitParameters(parameters), items, credentials };
	}

	async function waitingFor(contact = CUSTOMER, number = NUMBER) {
		return await store.findWaitingWaits({
			account: ACCOUNT,
			phoneNumberId: number,
			contact,
			at: new Date(),
		});
	}

	it('registers the wait in the store and pauses the execution until the deadline', async () => {
		const before = Date.now();
		const execution = await n8n.execute(spec({ amount: 4, unit: 'hours' }));

		expect(execution.status).toBe('waiting');
		const waitTill = execution.waitTill?.getTime() ?? 0;
		expect(waitTill).toBeGreaterThanOrEqual(before + 4 * HOUR);
		expect(waitTill).toBeLessThanOrEqual(Date.now() + 4 * HOUR);
		const [wait] = await waitingFor();
		expect(wait).toMatchObject({
			executionId: execution.id,
			phoneNumberId: NUMBER,
			status: 'waiting',
			matchRule: { kind: 'anyMessage' },
		});
		expect(wait.deadline.getTime()).toBe(waitTill);
		expect(wait.resumeUrl).toContain(`/webhook-waiting/${execution.id}?signature=`);
		expect(wait.secret).toMatch(/^[\w-]{40,}$/);
	});

	it('waits for the trigger item’s contact on its number when Contact and Number are left at their defaults', async () => {
		const triggerItem = {
			json: {
				event: 'message',
				business: { phoneNumberId: OTHER_NUMBER },
				contact: { waId: OTHER_CUSTOMER, name: 'Ada' },
			},
		};
		const execution = await n8n.execute(spec({}, [triggerItem]));

		expect(execution.status).toBe('waiting');
		expect(await waitingFor(OTHER_CUSTOMER, OTHER_NUMBER)).toEqual([
			expect.objectContaining({ executionId: execution.id, status: 'waiting' }),
		]);
	});

	it('resumes on a reply before the deadline: Replied once, the reply merged into the item', async () => {
		const item = {
			...sentTemplateItem(CUSTOMER, { orderId: 'A-17' }),
			binary: { invoice: { data: 'JVBERi0=', mimeType: 'application/pdf', fileName: 'a.pdf' } },
		};
		const execution = await n8n.execute(spec({}, [item]));

		const result = await customerWrites(store, inboundMessage({ text: 'Yes, deliver tomorrow' }));

		expect(result).toEqual({ resumed: 1, failed: 0, failures: [] });
		expect(branchOf(execution)).toBe('replied');
		const [replied] = execution.outputs?.[1] ?? [];
		expect(replied.json).toMatchObject({
			orderId: 'A-17',
			template: { name: 'order_reminder' },
			event: 'message',
			type: 'text',
			message: { text: 'Yes, deliver tomorrow' },
			contact: { waId: CUSTOMER },
			windowOpen: true,
			followUp: { outcome: 'replied', deadline: execution.waitTill?.toISOString() },
		});
		expect(replied.binary).toEqual(item.binary);
		expect(replied.pairedItem).toEqual({ item: 0 });

		// Exactly once: a second message and the deadline find nothing left to resume.
		expect(await customerWrites(store, inboundMessage({ text: 'hello?' }))).toMatchObject({
			resumed: 0,
			failed: 0,
		});
		expect(n8n.timeOut(execution.id)).toBe(false);
		expect(execution.answers).toEqual([200]);
		expect(await waitingFor()).toEqual([]);
	});

	it('goes to No Reply with the input items and the window at the deadline when the time runs out, and ignores a later reply', async () => {
		const item = {
			...sentTemplateItem(CUSTOMER, { orderId: 'A-17' }),
			binary: { invoice: { data: 'JVBERi0=', mimeType: 'application/pdf', fileName: 'a.pdf' } },
		};
		const execution = await n8n.execute(spec({}, [item]));
		const [wait] = await waitingFor();

		expect(n8n.timeOut(execution.id)).toBe(true);
		const afterDeadline = new Date((execution.waitTill?.getTime() ?? 0) + 1000);
		const late = await customerWrites(store, inboundMessage({ sentAt: afterDeadline }), {
			now: afterDeadline,
		});

		expect(branchOf(execution)).toBe('noReply');
		expect(execution.outputs).toEqual([
			[
				{
					json: {
						...item.json,
						windowOpen: false,
						followUp: {
							outcome: 'noReply',
							waitId: wait.id,
							deadline: execution.waitTill?.toISOString(),
						},
					},
					binary: item.binary,
					pairedItem: { item: 0 },
				},
			],
			[],
			[],
		]);
		expect(item.json).not.toHaveProperty('followUp');
		expect(late).toEqual({ resumed: 0, failed: 0, failures: [] });
		expect(execution.answers).toEqual([]);
	});

	it.each([
		['open', 4, true],
		['closed', 30, false],
	])(
		'says on No Reply that the window is %s at a deadline %i hours after the contact’s last message',
		async (_state, hours, windowOpen) => {
			// The contact wrote just now, with the reply rule ignoring anything but a button.
			await customerWrites(store, inboundMessage({ text: 'Let me think about it' }));
			const execution = await n8n.execute(
				spec({ amount: hours, unit: 'hours', replyRule: 'buttonReply', buttonIds: 'yes' }),
			);

			expect(n8n.timeOut(execution.id)).toBe(true);

			expect(execution.outputs?.[0]).toEqual([
				expect.objectContaining({
					json: expect.objectContaining({ windowOpen, followUp: expect.anything() }),
				}),
			]);
		},
	);

	it('a Replied item keeps no trace of the No Reply preparation', async () => {
		const execution = await n8n.execute(spec());

		await customerWrites(store, inboundMessage({ text: 'Yes' }));

		const [replied] = execution.outputs?.[1] ?? [];
		expect(replied.json).toMatchObject({ windowOpen: true, followUp: { outcome: 'replied' } });
	});

	it('is not resumed by another contact, nor by its contact writing to another number', async () => {
		const execution = await n8n.execute(spec());

		await customerWrites(store, inboundMessage({ from: OTHER_CUSTOMER }));
		await customerWrites(store, inboundMessage({ to: OTHER_NUMBER }));

		expect(execution.status).toBe('waiting');
		expect(await waitingFor()).toHaveLength(1);
		await customerWrites(store, inboundMessage());
		expect(branchOf(execution)).toBe('replied');
	});

	it('counts only the configured keywords as the reply', async () => {
		const execution = await n8n.execute(
			spec({ replyRule: 'keywords', keywords: 'yes\nconfirm', keywordMatch: 'startsWith' }),
		);

		expect((await customerWrites(store, inboundMessage({ text: 'Who is this?' }))).resumed).toBe(0);
		expect(execution.status).toBe('waiting');
		expect((await customerWrites(store, inboundMessage({ text: 'Confirm, thanks' }))).resumed).toBe(
			1,
		);
		expect(execution.outputs?.[1][0].json.message).toMatchObject({ text: 'Confirm, thanks' });
	});

	it('counts only the listed button as the reply', async () => {
		const execution = await n8n.execute(
			spec({ replyRule: 'buttonReply', buttonIds: 'Unsubscribe' }),
		);

		await customerWrites(store, inboundMessage({ text: 'Unsubscribe' }));
		expect(execution.status).toBe('waiting');
		await customerWrites(store, inboundMessage({ fixture: 'button-message' }));
		expect(branchOf(execution)).toBe('replied');
		expect(execution.outputs?.[1][0].json).toMatchObject({
			type: 'button',
			message: { button: { payload: 'Unsubscribe' } },
		});
	});

	it('resumes two waits for the same contact in two workflows with one message', async () => {
		const first = await n8n.execute(spec());
		const second = await n8n.execute(spec({ amount: 2, unit: 'days' }));

		const result = await customerWrites(store, inboundMessage());

		expect(result).toMatchObject({ resumed: 2, failed: 0 });
		expect([branchOf(first), branchOf(second)]).toEqual(['replied', 'replied']);
	});

	it('lets several items of one contact wait together and resumes them all', async () => {
		const items = [
			sentTemplateItem(CUSTOMER, { line: 1 }),
			sentTemplateItem(CUSTOMER, { line: 2 }),
			sentTemplateItem(`+${CUSTOMER}`, { line: 3 }),
		];
		const execution = await n8n.execute(spec({}, items));

		expect(await waitingFor()).toHaveLength(1);
		await customerWrites(store, inboundMessage());
		const replied = execution.outputs?.[1] ?? [];
		expect(replied.map((item) => [item.json.line, item.pairedItem])).toEqual([
			[1, { item: 0 }],
			[2, { item: 1 }],
			[3, { item: 2 }],
		]);
	});

	it('refuses items of different contacts, telling how to run one execution per contact', async () => {
		const run = runNode({
			node: followUpWait,
			parameters: waitParameters(),
			items: [sentTemplateItem(CUSTOMER), sentTemplateItem(OTHER_CUSTOMER)],
			credentials,
			resumeUrl: `${n8n.baseUrl}/webhook-waiting/x?signature=y`,
		});

		await expect(run).rejects.toMatchObject({
			message: expect.stringContaining('2 different contacts'),
			description: expect.stringContaining('Run once for each item'),
		});
		expect(await waitingFor()).toEqual([]);
		expect(await waitingFor(OTHER_CUSTOMER)).toEqual([]);
	});

	it('names the item whose contact is unusable', async () => {
		const run = runNode({
			node: followUpWait,
			parameters: waitParameters(),
			items: [sentTemplateItem(CUSTOMER), sentTemplateItem('Sheena')],
			credentials,
			resumeUrl: `${n8n.baseUrl}/webhook-waiting/x?signature=y`,
		});

		await expect(run).rejects.toMatchObject({
			message:
				'Contact is not a WhatsApp number: "Sheena" is not an E.164 phone number: it does not start with "+"; expected E.164 like +4915112345678: "+" then country code and number, no spaces, no leading 0',
			context: { itemIndex: 1 },
		});
	});

	it('reads the credential once per execution, however many items it cancels for', async () => {
		const cancel = await runNode({
			node: followUpWait,
			parameters: {
				operation: 'cancelWaits',
				phoneNumber: '',
				contact: (_: number, item: INodeExecutionData) => item.json.contact,
			},
			items: [CUSTOMER, OTHER_CUSTOMER, CUSTOMER].map((waId) => ({
				json: { contact: `+${waId}` },
			})),
			credentials,
		});

		expect(cancel.output![0]).toHaveLength(3);
		expect(cancel.credentialReads).toBe(1);
	});

	it('cancels the contact’s waits: their executions continue on Cancelled', async () => {
		const first = await n8n.execute(spec());
		const second = await n8n.execute(spec({ limit: 'duration', amount: 1, unit: 'days' }));
		const other = await n8n.execute(spec({}, [sentTemplateItem(OTHER_CUSTOMER)]));

		const cancel = await runNode({
			node: followUpWait,
			parameters: { operation: 'cancelWaits', phoneNumber: '', contact: `+${CUSTOMER}` },
			items: [{ json: { goal: 'paid' } }],
			credentials,
		});

		expect(cancel.output).toEqual([
			[
				{
					json: { goal: 'paid', cancelledWaits: { count: 2, resumed: 2, failed: 0, failures: [] } },
					pairedItem: { item: 0 },
				},
			],
		]);
		expect([branchOf(first), branchOf(second), other.status]).toEqual([
			'cancelled',
			'cancelled',
			'waiting',
		]);
		expect(first.outputs?.[2][0].json).toMatchObject({
			recipient: { waId: CUSTOMER },
			windowOpen: false,
			followUp: { outcome: 'cancelled' },
		});
		expect((await customerWrites(store, inboundMessage())).resumed).toBe(0);
	});

	it('refuses a forged hand-off with 403 and keeps waiting', async () => {
		const execution = await n8n.execute(spec());
		const [wait] = await waitingFor();
		const event = inboundMessage();

		const forged = [
			{ waitId: wait.id, secret: 'guessed', outcome: 'replied', event },
			// The right secret, but nobody claimed the wait in the store.
			{ waitId: wait.id, secret: wait.secret, outcome: 'replied', event },
			{ waitId: 'no-such-wait', secret: wait.secret, outcome: 'cancelled' },
			{ hello: 'world' },
		];
		for (const body of forged)
			expect((await resumeHttp.post(wait.resumeUrl, body)).statusCode).toBe(403);

		expect(execution.status).toBe('waiting');
		await customerWrites(store, inboundMessage());
		expect(branchOf(execution)).toBe('replied');
	});

	it('refuses a hand-off for another execution’s wait', async () => {
		const target = await n8n.execute(spec());
		const bystander = await n8n.execute(spec({}, [sentTemplateItem(OTHER_CUSTOMER)]));
		const [claimable] = await waitingFor(OTHER_CUSTOMER);
		const claimed = await store.claimWait(claimable.id, 'claimed', new Date());
		const [targetWait] = await waitingFor();

		const answer = await resumeHttp.post(targetWait.resumeUrl, {
			waitId: claimed?.id,
			secret: claimed?.secret,
			outcome: 'replied',
			event: inboundMessage({ from: OTHER_CUSTOMER }),
		});

		expect(answer.statusCode).toBe(403);
		expect([target.status, bystander.status]).toEqual(['waiting', 'waiting']);
	});

	it('takes an amount mapped as text', async () => {
		const before = Date.now();
		const execution = await n8n.execute(spec({ amount: ' 2 ', unit: 'hours' }));

		expect(execution.waitTill?.getTime()).toBeGreaterThanOrEqual(before + 2 * HOUR);
		expect(execution.waitTill?.getTime()).toBeLessThanOrEqual(Date.now() + 2 * HOUR);
	});

	it('waits "after the contact’s last message" counting from the last inbound the store knows', async () => {
		const lastInboundAt = new Date(Date.now() - HOUR);
		await store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			inboundAt: lastInboundAt,
		});

		const execution = await n8n.execute(
			spec({ limit: 'afterLastInbound', amount: 4, unit: 'hours' }),
		);

		expect(execution.waitTill).toEqual(new Date(lastInboundAt.getTime() + 4 * HOUR));
	});

	it('goes to No Reply at once when "after the last message" is already past', async () => {
		await store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			inboundAt: new Date(Date.now() - 5 * HOUR),
		});
		const item = sentTemplateItem();

		const execution = await n8n.execute(
			spec({ limit: 'afterLastInbound', amount: 4, unit: 'hours' }, [item]),
		);

		expect(execution.status).toBe('finished');
		expect(execution.outputs?.[0]).toEqual([
			{
				json: {
					...item.json,
					windowOpen: true,
					followUp: { outcome: 'noReply', deadline: expect.any(String) },
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(await waitingFor()).toEqual([]);
	});

	it('moves a deadline outside business hours to the next opening', async () => {
		const execution = await n8n.execute(
			spec({
				limit: 'until',
				until: '2026-12-05T20:00:00+01:00', // a Saturday evening in Berlin
				businessHoursOnly: true,
				businessDays: [1, 2, 3, 4, 5],
				businessFrom: '08:30',
				businessTo: '18:00',
				businessTimeZone: 'Europe/Berlin',
			}),
		);

		expect(execution.waitTill?.toISOString()).toBe('2026-12-07T07:30:00.000Z');
	});

	it.each([
		[
			'a name as contact',
			{ contact: () => 'Sheena' },
			'Contact is not a WhatsApp number: "Sheena" is not an E.164 phone number: it does not start with "+"; expected E.164 like +4915112345678: "+" then country code and number, no spaces, no leading 0',
		],
		['no contact', { contact: () => '' }, 'Contact is empty'],
		['no number', { phoneNumber: () => '' }, 'Business Phone Number is empty'],
		[
			'a display number',
			{ phoneNumber: () => '+1 555 0783' },
			'Business Phone Number is not a phone number ID',
		],
		['no keywords', { replyRule: 'keywords', keywords: '' }, 'Keywords is empty'],
		['a zero amount', { amount: 0 }, 'Amount is not a positive number'],
		['a word as amount', { amount: 'four' }, 'Amount is not a positive number'],
		[
			'an unreadable date',
			{ limit: 'until', until: 'next Tuesday' },
			'Until is not a date and time',
		],
		[
			'no business day',
			{ businessHoursOnly: true, businessDays: [], businessFrom: '09:00', businessTo: '17:00' },
			'Business Days has no day selected',
		],
	])('refuses %s, naming the field, and registers nothing', async (_label, parameters, message) => {
		const run = runNode({
			node: followUpWait,
			parameters: waitParameters(parameters as Record<string, ParameterValue>),
			items: [sentTemplateItem()],
			credentials,
			resumeUrl: `${n8n.baseUrl}/webhook-waiting/x?signature=y`,
		});

		await expect(run).rejects.toMatchObject({
			message: expect.stringContaining(message),
			description: expect.stringContaining('Fix:'),
		});
		expect(await waitingFor()).toEqual([]);
	});

	it('tidies up waits whose time ran out when the next wait is registered', async () => {
		const past = new Date(Date.now() - 2 * HOUR);
		const stale = await registerFollowUpWait(store, {
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			executionId: 'stale',
			resumeUrl: `${n8n.baseUrl}/webhook-waiting/stale?signature=x`,
			deadline: new Date(past.getTime() + HOUR),
			rule: { kind: 'anyMessage' },
			now: past,
		});

		await n8n.execute(spec());

		expect((await store.getWait(stale.id))?.status).toBe('expired');
	});
});
