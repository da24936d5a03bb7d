/**
 * Many trigger workflows on one WhatsApp Business Account, in the pinned n8n (one process, SQLite
 * store), driven through the Cloud API emulator (docs/nodes/trigger.md, "Many workflows on one
 * number"). Five workflows are published at once: the PROMO keyword opt-in (example 6), a second
 * keyword flow, the lead-qualification bot as fallback (example 2), a logger receiving every event
 * and the follow-up after silence (example 5). Each message must start exactly the workflows its
 * routing rules choose, counted through n8n's executions API; unpublishing the workflow that holds
 * Meta's callback, in each automatic registration mode, must not cost the others a message.
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowInput } from '../../scripts/harness';
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
	type World,
	startWorld,
} from '../helpers/e2eWorld';
import { EXAMPLES } from '../helpers/examples';

const TRIGGER = 'WhatsApp Automation Trigger';
const OPT_IN_BUTTON = { id: 'consent:opt_in', title: 'Yes, please' };

type Mode = 'accountOverride' | 'appSubscription' | 'numberOverride';

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

/** The CRM logger: every message and consent change, whatever the other workflows do. */
const loggerWorkflow = (extra: Record<string, unknown> = {}) =>
	triggerWorkflow('Logger: every event (test)', {
		events: ['messageReceived', 'consentChanged'],
		routingRole: 'every',
		...extra,
	});

/** A second keyword campaign beside example 6's PROMO. */
const ordersWorkflow = (extra: Record<string, unknown> = {}) =>
	triggerWorkflow('Keyword ORDER (test)', {
		events: ['messageReceived'],
		keywords: 'ORDER',
		keywordMatch: 'startsWith',
		routingRole: 'keyword',
		...extra,
	});

/** A default bot without the model, for the registration-mode checks. */
const fallbackWorkflow = (extra: Record<string, unknown> = {}) =>
	triggerWorkflow('Fallback (test)', {
		events: ['messageReceived'],
		routingRole: 'fallback',
		...extra,
	});

/** The trigger's production URL: n8n's webhook base, the node's webhookId, the path `webhook`. */
function productionUrlOf(world: World, workflow: WorkflowInput): string {
	const trigger = workflow.nodes.find(
		(node) => node.type === `${PACKAGE_NAME}.whatsAppAutomationTrigger`,
	);
	if (!trigger?.webhookId) throw new Error(`workflow "${workflow.name}" has no trigger`);
	return `${world.n8n.webhookBaseUrl}/webhook/${trigger.webhookId}/webhook`;
}

/** The callback Meta would use at this level for the first business number, as Graph lists it. */
async function callbackOf(world: World, mode: Mode): Promise<string | null> {
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

/** Publishes and waits until n8n's publication is done (registration included). */
async function publish(world: World, workflowId: string): Promise<void> {
	await world.n8n.api.publishWorkflow(workflowId);
}

/**
 * Unpublishes the workflow and waits until Meta's callback at this level no longer points at its
 * URL (n8n 2.41 deactivates asynchronously): moved to another published trigger, or removed.
 */
async function unpublish(
	world: World,
	workflowId: string,
	url: string,
	mode: Mode,
): Promise<string | null> {
	await world.n8n.api.unpublishWorkflow(workflowId);
	return await eventually(async () => {
		const now = await callbackOf(world, mode);
		return now === url ? undefined : { now };
	}, `workflow ${workflowId} to give Meta's ${mode} callback away`).then(({ now }) => now);
}

/** The delivery attempts of one message, oldest first: [httpStatus or error, ...]. */
async function attemptsOf(world: World, messageId: string): Promise<Array<number | string>> {
	return (await world.control.deliveries())
		.filter((delivery) => !delivery.duplicate && JSON.stringify(delivery.body).includes(messageId))
		.map((delivery) => delivery.httpStatus ?? delivery.error ?? 'no answer');
}

/** The text of the message each execution's trigger emitted (first item), per execution. */
function textsOf(executions: Awaited<ReturnType<typeof settledExecutions>>): string[] {
	return executions.map(
		(execution) =>
			((outputOf(execution, TRIGGER)[0]?.message as { text?: string } | undefined)?.text ??
				'') as string,
	);
}

describe('many trigger workflows on one account in a real n8n (SQLite)', () => {
	let world: World;

	beforeAll(async () => {
		world = await startWorld();
		// Meta redelivers for hours; the emulator retries fast so that a lost message shows in time.
		await world.control.settings({ webhooks: { retryBaseMs: 300, maxAttempts: 8 } });
	});

	afterAll(async () => {
		await world?.stop();
	});

	describe('five workflows published at once (Account Callback Override)', () => {
		const FLOWS = ['promo', 'orders', 'bot', 'logger', 'followUp'] as const;
		type Flow = (typeof FLOWS)[number];
		const ids = {} as Record<Flow, string>;
		const urls = {} as Record<Exclude<Flow, 'followUp'>, string>;

		beforeAll(async () => {
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
			// One after another, PROMO first: it takes Meta's callback, the others leave Meta alone.
			for (const flow of FLOWS) {
				ids[flow] = await importWorkflow(world, workflows[flow], { publish: true });
				if (flow !== 'followUp') urls[flow] = productionUrlOf(world, workflows[flow]);
			}
		});

		async function counts(): Promise<Record<Flow, number>> {
			const entries = await Promise.all(
				FLOWS.map(async (flow) => [flow, (await executionsOf(world, ids[flow])).length] as const),
			);
			return Object.fromEntries(entries) as Record<Flow, number>;
		}

		/**
		 * Waits until each workflow has started `expected` more executions than `before` (0 when not
		 * named) and checks that none started more. The trigger Meta calls answers only after every
		 * chosen workflow took its forward, so once the expected runs exist, no late one can appear.
		 */
		async function expectStarted(
			before: Record<Flow, number>,
			expected: Partial<Record<Flow, number>>,
		): Promise<void> {
			const want = Object.fromEntries(
				FLOWS.map((flow) => [flow, before[flow] + (expected[flow] ?? 0)]),
			) as Record<Flow, number>;
			let now = before;
			await eventually(
				async () => {
					now = await counts();
					return FLOWS.every((flow) => now[flow] >= want[flow]) ? true : undefined;
				},
				() => `executions ${JSON.stringify(want)} (have ${JSON.stringify(now)})`,
			);
			expect(await counts()).toEqual(want);
		}

		/** The trigger item of the workflow's newest execution, once it finished or waits. */
		async function lastTriggerItem(flow: Flow, count: number) {
			const executions = await settledOrWaiting(flow, count);
			// Example 6 names its trigger after the keyword.
			const trigger = flow === 'promo' ? 'PROMO Keyword' : TRIGGER;
			return outputOf(executions[executions.length - 1], trigger)[0];
		}

		async function settledOrWaiting(flow: Flow, count: number) {
			return await eventually(async () => {
				const executions = await executionsOf(world, ids[flow]);
				if (executions.length < count) return undefined;
				if (executions.some((e) => e.status === 'running' || e.status === 'new')) return undefined;
				return await Promise.all(
					executions.map(async ({ id }) => await world.n8n.api.getExecution(id)),
				);
			}, `${count} started executions of ${flow}`);
		}

		it('the first published trigger holds Meta’s callback; the others only stored their routes', async () => {
			expect(await callbackOf(world, 'accountOverride')).toBe(urls.promo);
		});

		it('PROMO starts the keyword flow and the logger only; the opt-in tap resumes the wait, not the bot', async () => {
			const zoe = customer('Zoe', '+4917670000001');
			const before = await counts();
			await customerWrites(world, zoe, 'PROMO');
			await expectStarted(before, { promo: 1, logger: 1 });
			expect(await lastTriggerItem('promo', before.promo + 1)).toMatchObject({
				routing: { role: 'keyword', rule: 'keyword', keyword: 'PROMO' },
			});
			expect(await lastTriggerItem('logger', before.logger + 1)).toMatchObject({
				message: { text: 'PROMO' },
				routing: { role: 'every', rule: 'every' },
			});

			// Zoe is unknown: asked first; her tap is the reply the keyword flow's wait consumes.
			const [promoRun] = await waitingExecutions(world, ids.promo, 1);
			const [question] = await eventuallyMessagesTo(world, zoe, 1);
			const afterPromo = await counts();
			await customerTaps(world, zoe, OPT_IN_BUTTON, question.id);
			const resumed = await finishedExecution(world, promoRun);
			expect({ status: resumed.status, error: executionError(resumed) }).toEqual({
				status: 'success',
				error: 'null',
			});
			expect(outputOf(resumed, 'Opted In Now?', 0)).toHaveLength(1);
			await expectStarted(afterPromo, { logger: 1 });
			expect(await lastTriggerItem('logger', afterPromo.logger + 1)).toMatchObject({
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
			const before = await counts();
			await customerWrites(world, ben, 'ORDER 4711 where is it?');
			await expectStarted(before, { orders: 1, logger: 1 });
			expect(await lastTriggerItem('orders', before.orders + 1)).toMatchObject({
				routing: { role: 'keyword', rule: 'keyword', keyword: 'ORDER' },
			});
		});

		it('"hello" starts the bot (the fallback) and the logger; the bot answers', async () => {
			const carla = customer('Carla', '+4917670000003');
			const before = await counts();
			await customerWrites(world, carla, 'hello');
			await expectStarted(before, { bot: 1, logger: 1 });
			const [botRun] = (await settledExecutions(world, ids.bot, before.bot + 1)).slice(-1);
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
			const order = {
				orderId: 'R-2001',
				name: rita.name,
				phone: rita.phone,
				total: '€49.00',
				delivery: 'Monday, May 11',
			};
			expect((await world.n8n.webhook('order-placed', { body: order })).status).toBe(200);
			const [followUpRun] = await waitingExecutions(world, ids.followUp, 1);
			await eventuallyMessagesTo(world, rita, 1);

			const before = await counts();
			await customerWrites(world, rita, 'Can I pay by invoice?');
			const replied = await finishedExecution(world, followUpRun);
			expect({ status: replied.status, error: executionError(replied) }).toEqual({
				status: 'success',
				error: 'null',
			});
			expect(nodesThatRan(replied)).toEqual(expect.arrayContaining(['AI Reply', 'Send AI Answer']));
			expect(nodesThatRan(replied)).not.toContain('Send Reminder');
			await expectStarted(before, { logger: 1 });
			expect(await lastTriggerItem('logger', before.logger + 1)).toMatchObject({
				message: { text: 'Can I pay by invoice?' },
				routing: { role: 'every', consumedReply: true },
			});
			// Answered once: the order assistant, not the bot as well.
			const toRita = await eventuallyMessagesTo(world, rita, 2);
			expect(toRita).toHaveLength(2);
		});

		it('STOP is recorded once and confirmed once; the bot runs without answering', async () => {
			const walt = customer('Walt', '+4917670000005');
			const before = await counts();
			const stopId = await customerWrites(world, walt, 'STOP');
			await expectStarted(before, { bot: 1, logger: 1 });
			const [stopped] = (await settledExecutions(world, ids.bot, before.bot + 1)).slice(-1);
			expect(nodesThatRan(stopped)).not.toContain('AI Reply');
			// The logger gets the message and the consent change, in one run.
			const [logged] = (await settledExecutions(world, ids.logger, before.logger + 1)).slice(-1);
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
			await settledExecutions(world, ids.bot, before.bot + 1);
			expect((await messagesTo(world, walt)).map((message) => message.renderedText)).toEqual([
				'You will not receive any more messages from us. Reply START if you change your mind.',
			]);
		});

		it('unpublishing the callback holder hands Meta’s callback on; the others keep receiving; published again, it receives again', async () => {
			const holder = (await callbackOf(world, 'accountOverride')) as string;
			const holderFlow = (Object.keys(urls) as Array<keyof typeof urls>).find(
				(flow) => urls[flow] === holder,
			);
			expect(holderFlow).toBe('promo');

			const successor = await unpublish(world, ids.promo, urls.promo, 'accountOverride');
			// The oldest other published trigger now holds the callback.
			expect(successor).toBe(urls.orders);

			// PROMO has no keyword flow now: the bot takes it as fallback.
			const dan = customer('Dan', '+4917670000006');
			const eve = customer('Eve', '+4917670000007');
			let before = await counts();
			const danId = await customerWrites(world, dan, 'PROMO');
			const eveId = await customerWrites(world, eve, 'ORDER 99');
			await expectStarted(before, { bot: 1, orders: 1, logger: 2 });

			await publish(world, ids.promo);
			// The callback stays where it is: the republished trigger is one route among others.
			expect(await callbackOf(world, 'accountOverride')).toBe(urls.orders);
			const finn = customer('Finn', '+4917670000008');
			before = await counts();
			const finnId = await customerWrites(world, finn, 'PROMO');
			await expectStarted(before, { promo: 1, logger: 1 });

			// Each message delivered once, at the first attempt: none lost, none redelivered.
			for (const id of [danId, eveId, finnId]) {
				expect({ id, attempts: await attemptsOf(world, id) }).toEqual({ id, attempts: [200] });
			}
		});

		afterAll(async () => {
			// Leave the account free for the registration-mode checks below.
			for (const flow of FLOWS) await world.n8n.api.unpublishWorkflow(ids[flow]);
			await eventually(
				async () => ((await callbackOf(world, 'accountOverride')) === null ? true : undefined),
				'the account override to be removed',
			);
		});
	});

	describe.each<[Mode]>([['appSubscription'], ['numberOverride']])(
		'three workflows in %s mode',
		(mode) => {
			const ids = {} as Record<'keyword' | 'fallback' | 'logger', string>;
			const urls = {} as Record<'keyword' | 'fallback' | 'logger', string>;
			/** The texts each run of the flow got, once at least `count` runs have finished. */
			const texts =
				(flow: keyof typeof ids, count = 0) =>
				async () =>
					textsOf(await settledExecutions(world, ids[flow], count));

			beforeAll(async () => {
				const extra = {
					registration: mode,
					...(mode === 'numberOverride'
						? { filters: { phoneNumberIds: world.phoneNumberId } }
						: {}),
				};
				const workflows = {
					keyword: ordersWorkflow(extra),
					fallback: fallbackWorkflow(extra),
					logger: loggerWorkflow(extra),
				};
				for (const flow of ['keyword', 'fallback', 'logger'] as const) {
					ids[flow] = await importWorkflow(world, workflows[flow], { publish: true });
					urls[flow] = productionUrlOf(world, workflows[flow]);
				}
			});

			afterAll(async () => {
				for (const flow of ['keyword', 'fallback', 'logger'] as const)
					await world.n8n.api.unpublishWorkflow(ids[flow]);
				await eventually(
					async () => ((await callbackOf(world, mode)) === null ? true : undefined),
					`Meta's ${mode} callback to be removed`,
				);
			});

			it('unpublishing the holder hands the callback on; nothing is lost; published again, it receives again', async () => {
				expect(await callbackOf(world, mode)).toBe(urls.keyword);
				const who = customer(
					'Hugo',
					mode === 'appSubscription' ? '+4917672000001' : '+4917672000002',
				);
				const first = await customerWrites(world, who, `ORDER ${mode} 1`);
				await eventually(
					async () => ((await texts('keyword')()).length === 1 ? true : undefined),
					'the keyword flow to run once',
				);

				expect(await unpublish(world, ids.keyword, urls.keyword, mode)).toBe(urls.fallback);
				const second = await customerWrites(world, who, `ORDER ${mode} 2`);
				const hello = await customerWrites(world, who, 'hello');

				await publish(world, ids.keyword);
				expect(await callbackOf(world, mode)).toBe(urls.fallback);
				const third = await customerWrites(world, who, `ORDER ${mode} 3`);

				// A forwarded run is saved after Meta got its 200: wait for each flow's runs to finish.
				expect({
					keyword: await texts('keyword', 2)(),
					fallback: await texts('fallback', 2)(),
					logger: await texts('logger', 4)(),
				}).toEqual({
					keyword: [`ORDER ${mode} 1`, `ORDER ${mode} 3`],
					// Without the keyword flow, its keyword is a message like any other: the fallback's.
					fallback: [`ORDER ${mode} 2`, 'hello'],
					logger: [`ORDER ${mode} 1`, `ORDER ${mode} 2`, 'hello', `ORDER ${mode} 3`],
				});
				for (const id of [first, second, hello, third]) {
					expect({ id, attempts: await attemptsOf(world, id) }).toEqual({ id, attempts: [200] });
				}
			});
		},
	);
});
