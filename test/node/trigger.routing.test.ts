/**
 * Many published trigger workflows on one account (docs/nodes/trigger.md, "Many workflows on one
 * number"): the emulator delivers to the trigger holding Meta's callback, which records each
 * event once and forwards it, signed, to the other chosen triggers, all served by a fake n8n on
 * loopback that counts the runs of each workflow.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodePropertyOptions } from 'n8n-workflow';
import { Client } from 'pg';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { NEW_ROUTE_SETTLING_MS } from '../../lib/core/timeouts';
import { closeAllStores, openStore, type Store } from '../../lib/store';
import { registerFollowUpWait } from '../../lib/waits/register';
import { getAccountWorkflows } from '../../nodes/WhatsAppAutomationTrigger/methods';
import { FakeWebhookN8n } from '../helpers/fakeWebhookN8n';
import { runMethod } from '../helpers/nodeHarness';
import {
	jsonOf,
	PHONE_NUMBER_ID,
	tempSqlitePath,
	triggerCredentials,
	triggerFixture,
} from '../helpers/triggerSetup';
import { callTriggerWebhook, type TriggerFixture } from '../helpers/webhookHarness';

const CUSTOMER = '+4915112345678';
const CUSTOMER_WA_ID = '4915112345678';
const WORKFLOWS = ['promo', 'price', 'bot', 'logger'] as const;
type Workflow = (typeof WORKFLOWS)[number];

const PARAMETERS: Record<Workflow, Record<string, unknown>> = {
	// A trigger with keywords is a keyword flow by default.
	promo: { events: ['messageReceived'], keywords: 'PROMO' },
	price: { events: ['messageReceived'], keywords: 'PREIS', routingRole: 'keyword' },
	// No keywords: a fallback by default; it asks for opt-out confirmations.
	bot: { events: ['messageReceived'], options: { confirmOptOut: true } },
	logger: { events: ['messageReceived', 'consentChanged'], routingRole: 'every' },
};

let emulator: RunningEmulator;
let control: EmulatorControl;
let n8n: FakeWebhookN8n;
let store: Store;
let fixtures: Record<Workflow, TriggerFixture>;

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
});

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };
const PG_DATABASE = `wa_routing_${process.pid}_${Date.now()}`;
let schemas = 0;

beforeAll(async () => {
	const admin = new Client(PG);
	await admin.connect();
	await admin.query(`CREATE DATABASE ${PG_DATABASE}`);
	await admin.end();
});

afterAll(async () => {
	await closeAllStores();
	const admin = new Client(PG);
	await admin.connect();
	await admin.query(`DROP DATABASE IF EXISTS ${PG_DATABASE} WITH (FORCE)`);
	await admin.end();
});

/** Four trigger workflows on one credential, with a fresh store of the backend. */
async function setUp(backend: 'sqlite' | 'postgres'): Promise<void> {
	n8n = await FakeWebhookN8n.start();
	const info = emulator.info();
	const sqlitePath = tempSqlitePath();
	const schema = `routing_${++schemas}`;
	const storeSettings =
		backend === 'sqlite'
			? { sqlitePath }
			: {
					store: 'postgres',
					postgresHost: PG.host,
					postgresPort: PG.port,
					postgresDatabase: PG_DATABASE,
					postgresUser: PG.user,
					postgresPassword: '',
					postgresSchema: schema,
				};
	const credentials = triggerCredentials({
		accessToken: info.accessToken,
		businessAccountId: info.wabaId,
		appId: info.appId,
		appSecret: info.appSecret,
		baseUrl: info.baseUrl,
		graphApiVersion: info.graphVersion,
		...storeSettings,
	});
	fixtures = Object.fromEntries(
		WORKFLOWS.map((name) => [
			name,
			{
				...triggerFixture({ registration: 'accountOverride', ...PARAMETERS[name] }, credentials),
				workflowId: `wf-${name}`,
				workflowName: `${name} workflow`,
				nodeId: `node-${name}`,
				webhookId: `hook-${name}`,
			},
		]),
	) as Record<Workflow, TriggerFixture>;
	store =
		backend === 'sqlite'
			? await openStore({ backend: 'sqlite', path: sqlitePath })
			: await openStore({
					backend: 'postgres',
					host: PG.host,
					port: PG.port,
					database: PG_DATABASE,
					user: PG.user,
					password: '',
					ssl: 'disable',
					schema,
				});
}

afterEach(async () => {
	await n8n.close();
	await control.reset();
});

afterAll(async () => {
	await emulator.stop();
});

async function publishAll(order: readonly Workflow[] = WORKFLOWS): Promise<void> {
	for (const name of order) {
		await n8n.publish(name, fixtures[name]);
		// Routes are ordered by publication time (ties by id): one millisecond apart, the order
		// of publication is the order the store reports, however fast the machine.
		const publishedAt = Date.now();
		while (Date.now() === publishedAt) await new Promise((resolve) => setTimeout(resolve, 1));
	}
}

async function customerWrites(text: string) {
	return await control.inbound({ from: CUSTOMER, name: 'Lena', text, waitForDelivery: true });
}

/** Runs per workflow so far. */
const runCounts = () => Object.fromEntries(WORKFLOWS.map((name) => [name, n8n.runs(name).length]));

const counts = (expected: Partial<Record<Workflow, number>>) =>
	Object.fromEntries(WORKFLOWS.map((name) => [name, expected[name] ?? 0]));

describe.each(['sqlite', 'postgres'] as const)('%s store', (backend) => {
	beforeEach(async () => {
		await setUp(backend);
	});

	describe('each message goes to the workflows that should get it, once', () => {
		it.each([
			['publishing the logger first', ['logger', 'bot', 'price', 'promo'] as const],
			['publishing the keyword flow first', ['promo', 'price', 'bot', 'logger'] as const],
			['publishing the bot first', ['bot', 'logger', 'promo', 'price'] as const],
		])(
			'PROMO → keyword flow + logger; hello → bot + logger; STOP → one consent change, one confirmation (%s)',
			async (_, order) => {
				await publishAll(order);
				// Only the first published trigger holds Meta's callback; the others left Meta alone.
				const promo = await customerWrites('PROMO');
				expect(promo.delivery).toMatchObject({
					delivered: true,
					httpStatus: 200,
					url: fixtures[order[0]].webhookUrl,
				});
				expect(runCounts()).toEqual(counts({ promo: 1, logger: 1 }));
				expect(jsonOf(n8n.runs('promo')[0])).toEqual([
					expect.objectContaining({
						messageId: promo.messageId,
						routing: {
							role: 'keyword',
							rule: 'keyword',
							keyword: 'PROMO',
							consumedReply: false,
							duringHandover: false,
						},
					}),
				]);
				expect(jsonOf(n8n.runs('logger')[0])[0]).toMatchObject({
					messageId: promo.messageId,
					conversation: { isNew: true },
					routing: { role: 'every', rule: 'every' },
				});

				const hello = await customerWrites('hello');
				expect(hello.delivery).toMatchObject({ httpStatus: 200 });
				expect(runCounts()).toEqual(counts({ promo: 1, bot: 1, logger: 2 }));
				expect(jsonOf(n8n.runs('bot')[0])[0]).toMatchObject({
					messageId: hello.messageId,
					routing: { role: 'fallback', rule: 'fallback' },
				});

				await customerWrites('STOP');
				expect(runCounts()).toEqual(counts({ promo: 1, bot: 2, logger: 3 }));
				expect(jsonOf(n8n.runs('logger')[2]).map((item) => item.event)).toEqual([
					'messageReceived',
					'consentChanged',
				]);
				expect(await store.getConsentHistory(emulator.info().wabaId, CUSTOMER_WA_ID)).toHaveLength(
					1,
				);
				// The bot asked for confirmations: sent once, by whichever trigger Meta called.
				expect(await control.messages({ to: CUSTOMER_WA_ID })).toHaveLength(1);
			},
		);

		it('a consent keyword of any published trigger counts, recorded once by the trigger Meta calls', async () => {
			fixtures.logger.parameters = {
				...fixtures.logger.parameters,
				options: { optOutKeywords: 'ABBESTELLEN' },
			};
			// The bot holds the callback and has only the default keywords.
			await publishAll(['bot', 'promo', 'price', 'logger']);
			await customerWrites('abbestellen');
			const history = await store.getConsentHistory(emulator.info().wabaId, CUSTOMER_WA_ID);
			expect(history).toEqual([
				expect.objectContaining({
					newStatus: 'opted_out',
					evidence: expect.objectContaining({ matched: 'ABBESTELLEN' }),
				}),
			]);
			expect(jsonOf(n8n.runs('logger')[0]).map((item) => item.event)).toEqual([
				'messageReceived',
				'consentChanged',
			]);
			// The bot asks for opt-out confirmations: one is sent.
			expect(await control.messages({ to: CUSTOMER_WA_ID })).toHaveLength(1);
		});

		it('an opt-out phrase of any published trigger counts too, with the phrase as evidence', async () => {
			fixtures.logger.parameters = {
				...fixtures.logger.parameters,
				options: { optOutPhrases: 'bitte nicht mehr anschreiben' },
			};
			// The bot holds the callback and has only the default phrases.
			await publishAll(['bot', 'promo', 'price', 'logger']);
			await customerWrites('Hallo, bitte nicht mehr anschreiben. Danke');
			expect(await store.getConsentHistory(emulator.info().wabaId, CUSTOMER_WA_ID)).toEqual([
				expect.objectContaining({
					newStatus: 'opted_out',
					evidence: expect.objectContaining({
						text: 'Hallo, bitte nicht mehr anschreiben. Danke',
						matched: 'phrase:bitte nicht mehr anschreiben',
					}),
				}),
			]);
			expect(jsonOf(n8n.runs('logger')[0])[1]).toMatchObject({
				event: 'consentChanged',
				matched: 'phrase:bitte nicht mehr anschreiben',
			});
			// The bot confirms, in German for a German phrase.
			const [confirmation] = await control.messages({ to: CUSTOMER_WA_ID });
			expect(confirmation.renderedText).toMatch(/^Sie erhalten keine Werbenachrichten mehr/);
			// The default phrases still count: the bot leaves its list unset.
			await customerWrites('ok, stop messaging me');
			expect(
				(await store.getConsentHistory(emulator.info().wabaId, CUSTOMER_WA_ID)).map(
					(entry) => entry.evidence?.matched,
				),
			).toEqual(['phrase:bitte nicht mehr anschreiben', 'phrase:stop messaging me']);
		});

		it('two keyword flows: the most specific match wins, then the priority', async () => {
			fixtures.price.parameters = {
				...fixtures.price.parameters,
				keywords: 'PROMO',
				keywordMatch: 'startsWith',
				keywordPriority: 100,
			};
			await publishAll();
			await customerWrites('promo');
			// Exact (promo) beats starts-with (price), whatever price's priority.
			expect(runCounts()).toEqual(counts({ promo: 1, logger: 1 }));
			await customerWrites('PROMO2025');
			expect(runCounts()).toEqual(counts({ promo: 1, price: 1, logger: 2 }));
		});
	});

	describe('a reply a waiting Follow-up Wait consumes', () => {
		let waitingN8n: Server;
		let resumed: string[];

		beforeEach(async () => {
			resumed = [];
			waitingN8n = createServer((request, response) => {
				resumed.push(request.url ?? '');
				request.resume();
				request.on('end', () => response.writeHead(200).end('{}'));
			});
			await new Promise<void>((resolve) => waitingN8n.listen(0, '127.0.0.1', resolve));
		});

		afterEach(async () => {
			await new Promise<void>((resolve) => waitingN8n.close(() => resolve()));
		});

		it('goes to the wait and the logger, not to the fallback bot', async () => {
			await publishAll();
			const { port } = waitingN8n.address() as AddressInfo;
			await registerFollowUpWait(store, {
				account: emulator.info().wabaId,
				phoneNumberId: PHONE_NUMBER_ID,
				contact: CUSTOMER_WA_ID,
				executionId: '4711',
				resumeUrl: `http://127.0.0.1:${port}/webhook-waiting/4711?signature=secret-token`,
				deadline: new Date(Date.now() + 3600_000),
				rule: { kind: 'anyMessage' },
				now: new Date(Date.now() - 60_000),
			});
			await customerWrites('Ja, gerne');
			expect(resumed).toEqual(['/webhook-waiting/4711?signature=secret-token']);
			expect(runCounts()).toEqual(counts({ logger: 1 }));
			expect(jsonOf(n8n.runs('logger')[0])[0]).toMatchObject({
				routing: { role: 'every', consumedReply: true },
			});
		});
	});

	describe('a contact handed over to a person', () => {
		it('reaches only the every-matching-event workflows, flagged, until released', async () => {
			await publishAll();
			await store.startHandover({
				account: emulator.info().wabaId,
				contact: CUSTOMER_WA_ID,
				reason: 'asked for a person',
				at: Date.now(),
			});
			await customerWrites('PROMO');
			await customerWrites('hello');
			expect(runCounts()).toEqual(counts({ logger: 2 }));
			expect(jsonOf(n8n.runs('logger')[1])[0]).toMatchObject({
				routing: { role: 'every', duringHandover: true },
				handover: { since: expect.any(String), until: null, reason: 'asked for a person' },
			});

			await store.endHandover(emulator.info().wabaId, CUSTOMER_WA_ID);
			await customerWrites('hello');
			expect(runCounts()).toEqual(counts({ bot: 1, logger: 3 }));
			expect(jsonOf(n8n.runs('logger')[2])[0]).toMatchObject({
				routing: { duringHandover: false },
				handover: null,
			});
		});
	});

	describe('what Meta says about the account (no contact, no phone number id)', () => {
		it('a phone number quality update reaches every workflow that chose it, whatever its role or numbers, once', async () => {
			fixtures.logger.parameters = {
				...fixtures.logger.parameters,
				events: ['messageReceived', 'phoneNumberQualityChanged'],
			};
			// A keyword flow limited to another number still hears about the account.
			fixtures.price.parameters = {
				...fixtures.price.parameters,
				events: ['messageReceived', 'phoneNumberQualityChanged', 'accountUpdate'],
				phoneNumberIds: emulator.info().phoneNumbers[1].id,
			};
			// The bot, which chose none of them, holds Meta's callback and forwards.
			await publishAll(['bot', 'promo', 'price', 'logger']);
			const update = await control.phoneNumberQualityUpdate({
				phoneNumberId: PHONE_NUMBER_ID,
				event: 'FLAGGED',
				waitForDelivery: true,
			});
			expect(update.delivery).toMatchObject({ httpStatus: 200, url: fixtures.bot.webhookUrl });
			expect(runCounts()).toEqual(counts({ price: 1, logger: 1 }));
			for (const name of ['price', 'logger'] as const) {
				expect(jsonOf(n8n.runs(name)[0])).toEqual([
					expect.objectContaining({
						event: 'phoneNumberQualityChanged',
						metaEvent: 'FLAGGED',
						lowQuality: true,
						displayPhoneNumber: '15550783881',
						routing: expect.objectContaining({ rule: 'every' }),
					}),
				]);
			}
			await control.accountUpdate({
				event: 'ACCOUNT_VIOLATION',
				violationType: 'SPAM',
				waitForDelivery: true,
			});
			expect(runCounts()).toEqual(counts({ price: 2, logger: 1 }));
			expect(jsonOf(n8n.runs('price')[1])[0]).toMatchObject({
				event: 'accountUpdate',
				violation: { type: 'SPAM' },
			});
		});
	});

	describe('the editor’s list of the workflows on the account', () => {
		it('shows each published trigger workflow: name, role, keywords, who holds Meta’s callback, this one', async () => {
			const list = () =>
				runMethod<INodePropertyOptions[]>(
					{
						node: fixtures.bot.node,
						parameters: {},
						credentials: fixtures.bot.credentials,
						workflowId: 'wf-bot',
					},
					getAccountWorkflows as never,
				);
			expect(await list()).toEqual([
				expect.objectContaining({ name: 'No Published Trigger Workflow on This Account Yet' }),
			]);

			await publishAll(['promo', 'price', 'bot', 'logger']);
			const options = await list();
			expect(options.map(({ name, value }) => ({ name, value }))).toEqual([
				{
					name: 'promo workflow · Keyword Flow · keywords: PROMO · holds Meta’s callback',
					value: 'wf-promo/node-promo',
				},
				{ name: 'price workflow · Keyword Flow · keywords: PREIS', value: 'wf-price/node-price' },
				{ name: 'bot workflow (this workflow) · Fallback', value: 'wf-bot/node-bot' },
				{ name: 'logger workflow · Every Matching Event', value: 'wf-logger/node-logger' },
			]);
			expect(options[0].description).toContain('Meta calls it (account)');

			// Unpublishing the holder hands the callback on; the list says so.
			await n8n.unpublish(fixtures.promo);
			expect((await list()).map(({ name }) => name)).toEqual([
				'price workflow · Keyword Flow · keywords: PREIS · holds Meta’s callback',
				'bot workflow (this workflow) · Fallback',
				'logger workflow · Every Matching Event',
			]);
		});
	});

	describe('a workflow that cannot be started', () => {
		it('makes Meta deliver again, and the redelivery starts only that workflow', async () => {
			await control.settings({ webhooks: { retryBaseMs: 3600_000 } });
			// The keyword flow holds the callback: the bot's and the logger's runs are both forwards.
			await publishAll(['promo', 'price', 'bot', 'logger']);
			n8n.down('logger');
			const hello = await customerWrites('hello');
			expect(hello.delivery).toMatchObject({ delivered: false, httpStatus: 503 });
			expect(runCounts()).toEqual(counts({ bot: 1 }));

			n8n.up('logger');
			await control.advanceClock(3600);
			expect(await deliveryAttempt(2)).toMatchObject({ httpStatus: 200 });
			expect(runCounts()).toEqual(counts({ bot: 1, logger: 1 }));
			expect(jsonOf(n8n.runs('logger')[0])[0]).toMatchObject({ messageId: hello.messageId });
		});
	});

	describe('a workflow whose URL answers 404', () => {
		afterEach(() => jest.useRealTimers());

		it('just after publishing (n8n not serving it yet): Meta delivers again and the redelivery starts it', async () => {
			await control.settings({ webhooks: { retryBaseMs: 3600_000 } });
			await publishAll(['promo', 'price', 'bot', 'logger']);
			n8n.down('logger', 404);
			const hello = await customerWrites('hello');
			expect(hello.delivery).toMatchObject({ delivered: false, httpStatus: 503 });
			expect(runCounts()).toEqual(counts({ bot: 1 }));

			n8n.up('logger');
			await control.advanceClock(3600);
			expect(await deliveryAttempt(2)).toMatchObject({ httpStatus: 200 });
			expect(runCounts()).toEqual(counts({ bot: 1, logger: 1 }));
		});

		it('long after publishing (a workflow gone): logged and not waited for, the others run', async () => {
			await publishAll(['promo', 'price', 'bot', 'logger']);
			n8n.down('logger', 404);
			// Only Date moves past the settling time; servers and the store keep real timers.
			jest.useFakeTimers({
				now: Date.now() + NEW_ROUTE_SETTLING_MS + 60_000,
				doNotFake: [
					'hrtime',
					'nextTick',
					'performance',
					'queueMicrotask',
					'setImmediate',
					'clearImmediate',
					'setInterval',
					'clearInterval',
					'setTimeout',
					'clearTimeout',
				],
			});
			const hello = await customerWrites('hello');
			expect(hello.delivery).toMatchObject({ delivered: true, httpStatus: 200 });
			expect(runCounts()).toEqual(counts({ bot: 1 }));
		});
	});

	describe('forwards between workflows', () => {
		it('a replayed forward starts nothing; an unsigned or forged one is refused with 401', async () => {
			await publishAll(['bot', 'promo', 'price', 'logger']);
			await customerWrites('hello');
			expect(runCounts()).toEqual(counts({ bot: 1, logger: 1 }));
			const forward = n8n.calls.find(
				({ name, request }) => name === 'logger' && request.headers['x-wa-automation-forward'],
			)!;

			const replay = await callTriggerWebhook(fixtures.logger, {
				rawBody: forward.request.rawBody,
				headers: forward.request.headers as Record<string, string>,
			});
			expect(replay).toMatchObject({ status: 200, workflowData: undefined });

			const forged = Buffer.from(forward.request.rawBody.toString().replace('hello', 'HELLO'));
			const tampered = await callTriggerWebhook(fixtures.logger, {
				rawBody: forged,
				headers: forward.request.headers as Record<string, string>,
			});
			expect(tampered).toMatchObject({ status: 401, workflowData: undefined });

			// Sent to another route than the one it was signed for.
			const misrouted = await callTriggerWebhook(fixtures.price, {
				rawBody: forward.request.rawBody,
				headers: forward.request.headers as Record<string, string>,
			});
			expect(misrouted).toMatchObject({ status: 401, workflowData: undefined });

			const unsigned = { ...forward.request.headers };
			delete unsigned['x-wa-automation-forward'];
			const withoutHeader = await callTriggerWebhook(fixtures.logger, {
				rawBody: forward.request.rawBody,
				headers: unsigned as Record<string, string>,
			});
			expect(withoutHeader).toMatchObject({ status: 401, workflowData: undefined });
			expect(runCounts()).toEqual(counts({ bot: 1, logger: 1 }));
		});
	});

	describe('unpublishing the workflow that holds Meta’s callback', () => {
		it('points Meta at the oldest other published trigger, which receives and forwards from then on', async () => {
			await publishAll(['bot', 'logger', 'promo', 'price']);
			expect((await customerWrites('hello')).delivery).toMatchObject({
				url: fixtures.bot.webhookUrl,
			});
			await n8n.unpublish(fixtures.bot);
			const next = await customerWrites('PROMO');
			expect(next.delivery).toMatchObject({
				delivered: true,
				httpStatus: 200,
				url: fixtures.logger.webhookUrl,
			});
			expect(runCounts()).toEqual(counts({ bot: 1, promo: 1, logger: 2 }));

			// Published again, the bot receives without taking the callback back.
			await n8n.publish('bot', fixtures.bot);
			expect((await customerWrites('noch da?')).delivery).toMatchObject({
				url: fixtures.logger.webhookUrl,
			});
			expect(runCounts()).toEqual(counts({ bot: 2, promo: 1, logger: 3 }));

			// The last one unpublished hands the account back: nothing is delivered any more.
			for (const name of ['bot', 'promo', 'price', 'logger'] as const) {
				await n8n.unpublish(fixtures[name]);
			}
			expect((await customerWrites('hallo?')).delivery).toMatchObject({ delivered: false });
		});
	});

	describe('listening for a test event in the editor', () => {
		it('receives the next matching message without cutting off the published workflows', async () => {
			await publishAll(['bot', 'logger']);
			const listening = await n8n.listenForTestEvent('promo', fixtures.promo);
			const promo = await customerWrites('PROMO');
			// Meta still calls the published holder, which forwards to the test URL as well.
			expect(promo.delivery).toMatchObject({ httpStatus: 200, url: fixtures.bot.webhookUrl });
			expect(jsonOf(n8n.runs('promo')[0])).toEqual([
				expect.objectContaining({ messageId: promo.messageId, routing: expect.any(Object) }),
			]);
			// The listening trigger does not compete: the published bot still answers (no keyword flow).
			expect(runCounts()).toEqual(counts({ promo: 1, bot: 1, logger: 1 }));

			await n8n.stopListening(listening);
			await customerWrites('PROMO');
			expect(runCounts()).toEqual(counts({ promo: 1, bot: 2, logger: 2 }));
		});

		it('stopping to listen in the editor of a published workflow leaves its published trigger alone', async () => {
			await publishAll();
			const listening = await n8n.listenForTestEvent('promo', fixtures.promo);
			await customerWrites('PROMO');
			// The published keyword flow and the editor's test listener each got it once.
			expect(runCounts()).toEqual(counts({ promo: 2, logger: 1 }));
			// n8n deletes a test webhook in the same mode as a published one: only the URL differs.
			await n8n.stopListening(listening);
			await customerWrites('PROMO');
			expect(runCounts()).toEqual(counts({ promo: 3, logger: 2 }));
			expect((await store.listRoutes(emulator.info().wabaId)).map((route) => route.id)).toContain(
				'wf-promo/node-promo',
			);
		});

		it('with no published trigger it takes Meta’s callback while listening and gives it back', async () => {
			const listening = await n8n.listenForTestEvent('promo', fixtures.promo);
			expect((await customerWrites('PROMO')).delivery).toMatchObject({
				httpStatus: 200,
				url: listening.webhookUrl,
			});
			expect(runCounts()).toEqual(counts({ promo: 1 }));
			await n8n.stopListening(listening);
			expect((await customerWrites('PROMO')).delivery).toMatchObject({ delivered: false });
		});
	});
});

/** The emulator's delivery log entry of this attempt, once it has an answer. */
async function deliveryAttempt(attempt: number) {
	for (let poll = 0; poll < 200; poll++) {
		const found = (await control.deliveries()).find((entry) => entry.attempt === attempt);
		if (found) return found;
		await new Promise((resolve) => setImmediate(resolve));
	}
	throw new Error(`no delivery attempt ${attempt}`);
}
