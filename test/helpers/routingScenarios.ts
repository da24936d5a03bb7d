/**
 * Many trigger workflows on one WhatsApp Business Account (docs/nodes/trigger.md, "Many workflows
 * on one number") in a real n8n, driven through the Cloud API emulator. Shared by the SQLite suite
 * (routing.test.ts) and the queue-mode suite (routingQueue.test.ts), which run the same checks on
 * five workflows published at once: the PROMO keyword opt-in (example 6), a second keyword flow,
 * the lead-qualification bot as fallback (example 2), a logger receiving every event and the
 * follow-up after silence (example 5). Each message must start exactly the workflows its routing
 * rules choose, counted through n8n's executions API; a chosen workflow that cannot be reached,
 * or a Follow-up Wait that cannot be resumed, must make Meta deliver again, and the redelivery
 * must finish only what is missing.
 */
import { randomUUID } from 'node:crypto';

import { FORWARD_HEADER } from '../../lib/inbound/forward';
import type { Execution, WorkflowInput } from '../../scripts/harness';
import {
	CREDENTIAL_NAMES,
	customer,
	customerTaps,
	customerWrites,
	eventually,
	eventuallyMessagesTo,
	executionError,
	executionsOf,
	finishedExecution,
	importWorkflow,
	messagesTo,
	nodesThatRan,
	outputOf,
	PACKAGE_NAME,
	patchParameters,
	readExample,
	settledExecutions,
	waitingExecutions,
	type Customer,
	type World,
} from './e2eWorld';
import { EXAMPLES } from './examples';

export const TRIGGER = 'WhatsApp Automation Trigger';
const OPT_IN_BUTTON = { id: 'consent:opt_in', title: 'Yes, please' };

/** Meta redelivers for hours; the emulator retries fast so that a lost message shows in time. */
export const FAST_REDELIVERY = { webhooks: { retryBaseMs: 300, maxAttempts: 8 } };

export type RegistrationMode = 'accountOverride' | 'appSubscription' | 'numberOverride';

/** A workflow of just the trigger (with these parameters) and a No Operation node. */
function triggerWorkflow(name: string, parameters: Record<string, unknown>): WorkflowInput {
	return {
		name,
		nodes: [
			{
				name: TRIGGER,
				type: `${PACKAGE_NAME}.whatsAppAutomationTrigger`,
				typeVersion: 1,
				position: [0, 0],
				webhookId: randomUUID(),
				credentials: { whatsAppCloudApi: { name: CREDENTIAL_NAMES.whatsAppCloudApi } },
				parameters,
			},
			{
				name: 'Received',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [240, 0],
				parameters: {},
			},
		],
		connections: { [TRIGGER]: { main: [[{ node: 'Received', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

const HELPDESK_PATH = 'helpdesk-handover-test';

/**
 * A helpdesk's button: a webhook `{contact, action, reason?}` hands the contact over to a person
 * (Hand Over to a Person) or gives them back (Return to Automation) through the send node.
 */
function helpdeskWorkflow(): WorkflowInput {
	const credentials = { whatsAppCloudApi: { name: CREDENTIAL_NAMES.whatsAppCloudApi } };
	const handover = (name: string, operation: string, y: number, extra: object = {}) => ({
		name,
		type: `${PACKAGE_NAME}.whatsAppAutomation`,
		typeVersion: 1,
		position: [480, y] as [number, number],
		credentials,
		parameters: { resource: 'handover', operation, contact: '={{ $json.body.contact }}', ...extra },
	});
	return {
		name: 'Helpdesk handover (test)',
		nodes: [
			{
				name: 'Helpdesk',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path: HELPDESK_PATH,
					responseMode: 'onReceived',
					options: {},
				},
			},
			{
				name: 'Which Action',
				type: 'n8n-nodes-base.if',
				typeVersion: 2.2,
				position: [240, 0],
				parameters: {
					conditions: {
						options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
						conditions: [
							{
								id: 'action-is-hand-over',
								leftValue: '={{ $json.body.action }}',
								rightValue: 'handOver',
								operator: { type: 'string', operation: 'equals' },
							},
						],
						combinator: 'and',
					},
					options: {},
				},
			},
			handover('Hand Over', 'handOver', -100, { handoverReason: '={{ $json.body.reason }}' }),
			handover('Return to Automation', 'returnToAutomation', 100),
		],
		connections: {
			Helpdesk: { main: [[{ node: 'Which Action', type: 'main', index: 0 }]] },
			'Which Action': {
				main: [
					[{ node: 'Hand Over', type: 'main', index: 0 }],
					[{ node: 'Return to Automation', type: 'main', index: 0 }],
				],
			},
		},
		settings: { executionOrder: 'v1' },
	};
}

/** The CRM logger: every message and consent change, whatever the other workflows do. */
export const loggerWorkflow = (extra: Record<string, unknown> = {}) =>
	triggerWorkflow('Logger: every event (test)', {
		events: ['messageReceived', 'consentChanged'],
		routingRole: 'every',
		...extra,
	});

/** A second keyword campaign beside example 6's PROMO. */
export const ordersWorkflow = (extra: Record<string, unknown> = {}) =>
	triggerWorkflow('Keyword ORDER (test)', {
		events: ['messageReceived'],
		keywords: 'ORDER',
		keywordMatch: 'startsWith',
		routingRole: 'keyword',
		...extra,
	});

/** A default bot without the model, for the registration-mode checks. */
export const fallbackWorkflow = (extra: Record<string, unknown> = {}) =>
	triggerWorkflow('Fallback (test)', {
		events: ['messageReceived'],
		routingRole: 'fallback',
		...extra,
	});

/** The trigger's production URL: n8n's webhook base, the node's webhookId, the path `webhook`. */
export function productionUrlOf(world: World, workflow: WorkflowInput): string {
	const trigger = workflow.nodes.find(
		(node) => node.type === `${PACKAGE_NAME}.whatsAppAutomationTrigger`,
	);
	if (!trigger?.webhookId) throw new Error(`workflow "${workflow.name}" has no trigger`);
	return `${world.n8n.webhookBaseUrl}/webhook/${trigger.webhookId}/webhook`;
}

/** The callback Meta would use at this level for the first business number, as Graph lists it. */
export async function callbackOf(world: World, mode: RegistrationMode): Promise<string | null> {
	const info = world.emulator.info();
	const response = await fetch(
		`${info.baseUrl}/${info.graphVersion}/${world.phoneNumberId}?fields=webhook_configuration`,
		{
			headers: { authorization: `Bearer ${info.accessToken}` },
		},
	);
	const phone = (await response.json()) as { webhook_configuration?: Record<string, string> };
	const level = {
		accountOverride: 'whatsapp_business_account',
		appSubscription: 'application',
		numberOverride: 'phone_number',
	}[mode];
	return phone.webhook_configuration?.[level] ?? null;
}

/**
 * Unpublishes the workflow and waits until Meta's callback at this level no longer points at its
 * URL (n8n 2.41 deactivates asynchronously): moved to another published trigger, or removed.
 */
export async function unpublish(
	world: World,
	workflowId: string,
	url: string,
	mode: RegistrationMode,
): Promise<string | null> {
	await world.n8n.api.unpublishWorkflow(workflowId);
	return await eventually(async () => {
		const now = await callbackOf(world, mode);
		return now === url ? undefined : { now };
	}, `workflow ${workflowId} to give Meta's ${mode} callback away`).then(({ now }) => now);
}

/** The delivery attempts of one message, oldest first: [httpStatus or error, ...]. */
export async function attemptsOf(world: World, messageId: string): Promise<Array<number | string>> {
	return (await world.control.deliveries())
		.filter((delivery) => !delivery.duplicate && JSON.stringify(delivery.body).includes(messageId))
		.map((delivery) => delivery.httpStatus ?? delivery.error ?? 'no answer');
}

// ---------------------------------------------------------------- five workflows on one account

export const FLOWS = ['promo', 'orders', 'bot', 'logger', 'followUp'] as const;
export type Flow = (typeof FLOWS)[number];
export type FlowCounts = Record<Flow, number>;

/** The five workflows of the scenario, published on the world's account, and what reads their runs. */
export class FiveWorkflows {
	private constructor(
		readonly world: World,
		readonly ids: Record<Flow, string>,
		/** The production URL of each workflow with the trigger (the follow-up has none). */
		readonly urls: Record<Exclude<Flow, 'followUp'>, string>,
	) {}

	/** Imports and publishes them one after another, PROMO first: it takes Meta's callback. */
	static async publish(world: World): Promise<FiveWorkflows> {
		const workflows: Record<Flow, WorkflowInput> = {
			promo: await readExample(EXAMPLES.promoOptIn),
			orders: ordersWorkflow(),
			bot: await readExample(EXAMPLES.leadQualification),
			logger: loggerWorkflow(),
			// The example waits 4 hours; long enough here that only a reply ends the wait.
			followUp: patchParameters(await readExample(EXAMPLES.followUpAfterSilence), {
				'Wait for Reply (4 h)': { amount: 10, unit: 'minutes' },
			}),
		};
		const ids = {} as Record<Flow, string>;
		const urls = {} as Record<Exclude<Flow, 'followUp'>, string>;
		for (const flow of FLOWS) {
			ids[flow] = await importWorkflow(world, workflows[flow], { publish: true });
			if (flow !== 'followUp') urls[flow] = productionUrlOf(world, workflows[flow]);
		}
		return new FiveWorkflows(world, ids, urls);
	}

	/** Unpublishes all five and waits until Meta's account callback is removed. */
	async unpublishAll(): Promise<void> {
		for (const flow of FLOWS) await this.world.n8n.api.unpublishWorkflow(this.ids[flow]);
		await eventually(
			async () => ((await callbackOf(this.world, 'accountOverride')) === null ? true : undefined),
			'the account override to be removed',
		);
	}

	/** Executions started so far, per workflow. */
	async counts(): Promise<FlowCounts> {
		const entries = await Promise.all(
			FLOWS.map(
				async (flow) => [flow, (await executionsOf(this.world, this.ids[flow])).length] as const,
			),
		);
		return Object.fromEntries(entries) as FlowCounts;
	}

	/**
	 * Waits until each workflow has started `expected` more executions than `before` (0 when not
	 * named) and checks that none started more. The trigger Meta calls answers only after every
	 * chosen workflow took its forward, so once the expected runs exist, no late one can appear.
	 */
	async expectStarted(
		before: FlowCounts,
		expected: Partial<FlowCounts>,
		timeoutMs?: number,
	): Promise<void> {
		const want = Object.fromEntries(
			FLOWS.map((flow) => [flow, before[flow] + (expected[flow] ?? 0)]),
		) as FlowCounts;
		let now = before;
		await eventually(
			async () => {
				now = await this.counts();
				return FLOWS.every((flow) => now[flow] >= want[flow]) ? true : undefined;
			},
			() => `executions ${JSON.stringify(want)} (have ${JSON.stringify(now)})`,
			timeoutMs,
		);
		expect(await this.counts()).toEqual(want);
	}

	/** The name of the workflow's trigger node: example 6 names its trigger after the keyword. */
	triggerOf(flow: Exclude<Flow, 'followUp'>): string {
		return flow === 'promo' ? 'PROMO Keyword' : TRIGGER;
	}

	/** The workflow's executions once `count` exist and none is new or running, with their data. */
	async settledOrWaiting(flow: Flow, count: number, timeoutMs?: number): Promise<Execution[]> {
		const executions = await eventually(
			async () => {
				const all = await executionsOf(this.world, this.ids[flow]);
				if (all.length < count) return undefined;
				if (all.some((e) => e.status === 'running' || e.status === 'new')) return undefined;
				return all;
			},
			`${count} started executions of ${flow}`,
			timeoutMs,
		);
		return await Promise.all(
			executions.map(async ({ id }) => await this.world.n8n.api.getExecution(id)),
		);
	}

	/** The trigger item of the workflow's newest execution, once it finished or waits. */
	async lastTriggerItem(flow: Exclude<Flow, 'followUp'>, count: number) {
		const executions = await this.settledOrWaiting(flow, count);
		return outputOf(executions[executions.length - 1], this.triggerOf(flow))[0];
	}

	/**
	 * The ids of the messages that started the workflow's executions after the first `from`,
	 * sorted: a message twice shows twice.
	 */
	async messagesReceived(
		flow: Exclude<Flow, 'followUp'>,
		from: number,
		count: number,
		timeoutMs?: number,
	): Promise<string[]> {
		const executions = (await this.settledOrWaiting(flow, count, timeoutMs)).slice(from);
		return executions
			.flatMap((execution) => outputOf(execution, this.triggerOf(flow)))
			.filter((item) => item.event === 'messageReceived')
			.map((item) => String(item.messageId))
			.sort();
	}

	/** A customer orders: the follow-up sends the confirmation and waits for the reply. */
	async orderPlaced(who: Customer, orderId: string): Promise<string> {
		const waitingBefore = (await executionsOf(this.world, this.ids.followUp)).filter(
			(execution) => execution.status === 'waiting',
		).length;
		const order = {
			orderId,
			name: who.name,
			phone: who.phone,
			total: '€49.00',
			delivery: 'Monday, May 11',
		};
		expect((await this.world.n8n.webhook('order-placed', { body: order })).status).toBe(200);
		const waiting = await waitingExecutions(this.world, this.ids.followUp, waitingBefore + 1);
		await eventuallyMessagesTo(this.world, who, 1);
		return waiting[waiting.length - 1];
	}
}

/** The follow-up run ended on Replied: the assistant answered, no reminder. */
export async function expectRepliedRun(world: World, executionId: string): Promise<void> {
	const replied = await finishedExecution(world, executionId);
	expect({ status: replied.status, error: executionError(replied) }).toEqual({
		status: 'success',
		error: 'null',
	});
	expect(nodesThatRan(replied)).toEqual(expect.arrayContaining(['AI Reply', 'Send AI Answer']));
	expect(nodesThatRan(replied)).not.toContain('Send Reminder');
}

/**
 * Declares the checks on five workflows published at once, in the caller's describe; `more`
 * declares tests of the caller that run after them on the same workflows, before they are
 * unpublished. The world must have a gateway (startWorld({ gateway: true })) and fast redelivery
 * (FAST_REDELIVERY).
 */
export function describeFiveWorkflows(
	getWorld: () => World,
	more?: (five: () => FiveWorkflows) => void,
): void {
	describe('five workflows published at once (Account Callback Override)', () => {
		let five: FiveWorkflows;
		let world: World;

		beforeAll(async () => {
			world = getWorld();
			five = await FiveWorkflows.publish(world);
		});

		afterAll(async () => {
			// Leave the account free for the checks that follow.
			await five?.unpublishAll();
		});

		it('the first published trigger holds Meta’s callback; the others only stored their routes', async () => {
			expect(await callbackOf(world, 'accountOverride')).toBe(five.urls.promo);
		});

		it('PROMO starts the keyword flow and the logger only; the opt-in tap resumes the wait, not the bot', async () => {
			const zoe = customer('Zoe', '+4917670000001');
			const before = await five.counts();
			await customerWrites(world, zoe, 'PROMO');
			await five.expectStarted(before, { promo: 1, logger: 1 });
			expect(await five.lastTriggerItem('promo', before.promo + 1)).toMatchObject({
				routing: { role: 'keyword', rule: 'keyword', keyword: 'PROMO' },
			});
			expect(await five.lastTriggerItem('logger', before.logger + 1)).toMatchObject({
				message: { text: 'PROMO' },
				routing: { role: 'every', rule: 'every' },
			});

			// Zoe is unknown: asked first; her tap is the reply the keyword flow's wait consumes.
			const [promoRun] = await waitingExecutions(world, five.ids.promo, 1);
			const [question] = await eventuallyMessagesTo(world, zoe, 1);
			const afterPromo = await five.counts();
			await customerTaps(world, zoe, OPT_IN_BUTTON, question.id);
			const resumed = await finishedExecution(world, promoRun);
			expect({ status: resumed.status, error: executionError(resumed) }).toEqual({
				status: 'success',
				error: 'null',
			});
			expect(outputOf(resumed, 'Opted In Now?', 0)).toHaveLength(1);
			await five.expectStarted(afterPromo, { logger: 1 });
			expect(await five.lastTriggerItem('logger', afterPromo.logger + 1)).toMatchObject({
				routing: { role: 'every', consumedReply: true },
			});
			const toZoe = await eventuallyMessagesTo(world, zoe, 2);
			expect(toZoe[1].renderedText).toContain('SPRING20');
			// The opt-in answer is recorded once, whatever the number of workflows.
			const history = await world.store.getConsentHistory(world.account, zoe.waId);
			expect(history.map((entry) => [entry.newStatus, entry.source])).toEqual([
				['opted_in', 'button'],
			]);
		});

		it('a message for the second keyword flow starts it and the logger only', async () => {
			const ben = customer('Ben', '+4917670000002');
			const before = await five.counts();
			await customerWrites(world, ben, 'ORDER 4711 where is it?');
			await five.expectStarted(before, { orders: 1, logger: 1 });
			expect(await five.lastTriggerItem('orders', before.orders + 1)).toMatchObject({
				routing: { role: 'keyword', rule: 'keyword', keyword: 'ORDER' },
			});
		});

		it('"hello" starts the bot (the fallback) and the logger; the bot answers', async () => {
			const carla = customer('Carla', '+4917670000003');
			const before = await five.counts();
			await customerWrites(world, carla, 'hello');
			await five.expectStarted(before, { bot: 1, logger: 1 });
			const [botRun] = (await settledExecutions(world, five.ids.bot, before.bot + 1)).slice(-1);
			expect({ status: botRun.status, error: executionError(botRun) }).toEqual({
				status: 'success',
				error: 'null',
			});
			expect(outputOf(botRun, TRIGGER)[0]).toMatchObject({
				routing: { role: 'fallback', rule: 'fallback' },
			});
			expect(nodesThatRan(botRun)).toContain('AI Reply');
			// The answer, then the one-time marketing opt-in question.
			const toCarla = await eventuallyMessagesTo(world, carla, 2);
			expect(toCarla.map((message) => message.type)).toEqual(['text', 'interactive']);
		});

		it('the reply to a waiting follow-up resumes the wait (Replied) and reaches the logger, not the bot', async () => {
			const rita = customer('Rita', '+4917670000004');
			const followUpRun = await five.orderPlaced(rita, 'R-2001');

			const before = await five.counts();
			await customerWrites(world, rita, 'Can I pay by invoice?');
			await expectRepliedRun(world, followUpRun);
			await five.expectStarted(before, { logger: 1 });
			expect(await five.lastTriggerItem('logger', before.logger + 1)).toMatchObject({
				message: { text: 'Can I pay by invoice?' },
				routing: { role: 'every', consumedReply: true },
			});
			// Answered once: the order assistant, not the bot as well.
			const toRita = await eventuallyMessagesTo(world, rita, 2);
			expect(toRita).toHaveLength(2);
		});

		it('STOP is recorded once and confirmed once; the bot runs without answering', async () => {
			const walt = customer('Walt', '+4917670000005');
			const before = await five.counts();
			const stopId = await customerWrites(world, walt, 'STOP');
			await five.expectStarted(before, { bot: 1, logger: 1 });
			const [stopped] = (await settledExecutions(world, five.ids.bot, before.bot + 1)).slice(-1);
			expect(nodesThatRan(stopped)).not.toContain('AI Reply');
			// The logger gets the message and the consent change, in one run.
			const [logged] = (await settledExecutions(world, five.ids.logger, before.logger + 1)).slice(
				-1,
			);
			expect(outputOf(logged, TRIGGER).map((item) => item.event)).toEqual([
				'messageReceived',
				'consentChanged',
			]);
			const history = await world.store.getConsentHistory(world.account, walt.waId);
			expect(history).toHaveLength(1);
			expect(history[0]).toMatchObject({ newStatus: 'blocked', source: 'keyword' });
			expect(history[0].evidence).toMatchObject({ messageIds: [stopId] });
			await eventuallyMessagesTo(world, walt, 1);
			// Nothing else comes: the confirmations of other routes would have arrived by now.
			await settledExecutions(world, five.ids.bot, before.bot + 1);
			expect((await messagesTo(world, walt)).map((message) => message.renderedText)).toEqual([
				'You will not receive any more messages from us. Reply START if you change your mind.',
			]);
		});

		it('a contact handed over to a person reaches only the logger, flagged; returned to automation, the bot answers again', async () => {
			const hana = customer('Hana', '+4917674000001');
			const helpdesk = await importWorkflow(world, helpdeskWorkflow(), { publish: true });
			try {
				const handOver = await world.n8n.webhook(HELPDESK_PATH, {
					body: { contact: hana.phone, action: 'handOver', reason: 'asked for a person' },
				});
				expect(handOver.status).toBe(200);
				await eventually(
					async () =>
						(await world.store.getHandover(world.account, hana.waId, Date.now()))?.active
							? true
							: undefined,
					'the handover to be recorded',
				);
				let before = await five.counts();
				await customerWrites(world, hana, 'I want to talk to someone');
				await five.expectStarted(before, { logger: 1 });
				expect(await five.lastTriggerItem('logger', before.logger + 1)).toMatchObject({
					routing: { role: 'every', duringHandover: true },
					handover: { reason: 'asked for a person' },
				});
				expect(await messagesTo(world, hana)).toEqual([]);

				const giveBack = await world.n8n.webhook(HELPDESK_PATH, {
					body: { contact: hana.phone, action: 'returnToAutomation' },
				});
				expect(giveBack.status).toBe(200);
				await eventually(
					async () =>
						(await world.store.getHandover(world.account, hana.waId, Date.now())) === null
							? true
							: undefined,
					'the handover to end',
				);
				before = await five.counts();
				await customerWrites(world, hana, 'hello again');
				await five.expectStarted(before, { bot: 1, logger: 1 });
				// The bot answers her again (its opt-in question is not this test's business).
				const [answer] = await eventuallyMessagesTo(world, hana, 1);
				expect(answer.renderedText).toContain('hello again');
			} finally {
				await world.n8n.api.unpublishWorkflow(helpdesk);
			}
		});

		describe('when a webhook call inside n8n fails (503 from the load balancer)', () => {
			// Meta's retry waits until the test moved the emulator's clock: the failure is undone first.
			const RETRY_AFTER_S = 600;

			beforeAll(async () => {
				await world.control.settings({ webhooks: { retryBaseMs: RETRY_AFTER_S * 1000 } });
			});

			afterAll(async () => {
				await world.control.settings(FAST_REDELIVERY);
			});

			/** Waits until Meta got a 5xx for the message; then heals, and lets Meta deliver again. */
			async function redeliverAfterFailure(
				messageId: string,
				refusal: { readonly count: number; stop(): void },
			): Promise<void> {
				await eventually(
					async () => ((await attemptsOf(world, messageId)).length > 0 ? true : undefined),
					`Meta's first delivery of ${messageId} to be answered`,
				);
				expect({
					refused: refusal.count > 0,
					attempts: await attemptsOf(world, messageId),
				}).toEqual({ refused: true, attempts: [503] });
				refusal.stop();
				await world.control.advanceClock(RETRY_AFTER_S);
				await eventually(
					async () => ((await attemptsOf(world, messageId)).length > 1 ? true : undefined),
					`Meta's second delivery of ${messageId}`,
				);
				expect(await attemptsOf(world, messageId)).toEqual([503, 200]);
			}

			it('a chosen workflow’s webhook failing: 503 to Meta, and the redelivery starts only that workflow', async () => {
				const gateway = world.gateway!;
				const logger = new URL(five.urls.logger).pathname;
				// The bot's forward passes; the logger's is refused, as if its n8n could not take it.
				const refusal = gateway.refuse(
					({ path, headers }) => path === logger && headers[FORWARD_HEADER] !== undefined,
				);
				const hugo = customer('Hugo', '+4917670000009');
				const before = await five.counts();
				try {
					const { messageId } = await world.control.inbound({
						from: hugo.phone,
						name: hugo.name,
						text: 'hello, is anyone there?',
					});
					await redeliverAfterFailure(messageId, refusal);
					await five.expectStarted(before, { bot: 1, logger: 1 });
					expect(await five.messagesReceived('logger', before.logger, before.logger + 1)).toEqual([
						messageId,
					]);
				} finally {
					refusal.stop();
				}
				// The bot ran once: one answer and one opt-in question, not two of each.
				await settledExecutions(world, five.ids.bot, before.bot + 1);
				expect((await messagesTo(world, hugo)).map((message) => message.type)).toEqual([
					'text',
					'interactive',
				]);
			});

			it('the Follow-up Wait hand-off failing: 503 to Meta, and the redelivery resumes the wait', async () => {
				const gateway = world.gateway!;
				const ida = customer('Ida', '+4917670000010');
				const followUpRun = await five.orderPlaced(ida, 'R-2002');
				// n8n's resume URL of the waiting run fails, however often the trigger retries it.
				const refusal = gateway.refuse(({ path }) =>
					path.startsWith(`/webhook-waiting/${followUpRun}`),
				);
				const before = await five.counts();
				try {
					const { messageId } = await world.control.inbound({
						from: ida.phone,
						name: ida.name,
						text: 'Can you deliver on Tuesday instead?',
					});
					await redeliverAfterFailure(messageId, refusal);
					await expectRepliedRun(world, followUpRun);
					// The logger got the reply with the first delivery, and not again; the bot never.
					await five.expectStarted(before, { logger: 1 });
					expect(await five.lastTriggerItem('logger', before.logger + 1)).toMatchObject({
						messageId,
						routing: { role: 'every', consumedReply: true },
					});
				} finally {
					refusal.stop();
				}
				// The confirmation and one answer.
				expect(await eventuallyMessagesTo(world, ida, 2)).toHaveLength(2);
			});
		});

		it('unpublishing the callback holder hands Meta’s callback on; the others keep receiving; published again, it receives again', async () => {
			const holder = (await callbackOf(world, 'accountOverride')) as string;
			const holderFlow = (Object.keys(five.urls) as Array<keyof typeof five.urls>).find(
				(flow) => five.urls[flow] === holder,
			);
			expect(holderFlow).toBe('promo');

			const successor = await unpublish(world, five.ids.promo, five.urls.promo, 'accountOverride');
			// The oldest other published trigger now holds the callback.
			expect(successor).toBe(five.urls.orders);

			// PROMO has no keyword flow now: the bot takes it as fallback.
			const dan = customer('Dan', '+4917670000006');
			const eve = customer('Eve', '+4917670000007');
			let before = await five.counts();
			const danId = await customerWrites(world, dan, 'PROMO');
			const eveId = await customerWrites(world, eve, 'ORDER 99');
			await five.expectStarted(before, { bot: 1, orders: 1, logger: 2 });

			await world.n8n.api.publishWorkflow(five.ids.promo);
			// The callback stays where it is: the republished trigger is one route among others.
			expect(await callbackOf(world, 'accountOverride')).toBe(five.urls.orders);
			const finn = customer('Finn', '+4917670000008');
			before = await five.counts();
			const finnId = await customerWrites(world, finn, 'PROMO');
			await five.expectStarted(before, { promo: 1, logger: 1 });

			// Each message delivered once, at the first attempt: none lost, none redelivered.
			for (const id of [danId, eveId, finnId]) {
				expect({ id, attempts: await attemptsOf(world, id) }).toEqual({ id, attempts: [200] });
			}
		});

		more?.(() => five);
	});
}
