/**
 * What only the in-process tests (test/node) covered until now, in the pinned n8n (one process,
 * SQLite store) through the Cloud API emulator, one world for the file:
 *
 * - Conversation Started: fires for the first message after the 24-hour window closed, not for a
 *   message inside an open window; with Only First Message Ever, once per contact. Windows are
 *   aged through Meta's timestamps (customerWroteAt): the trigger keeps them by Meta's time.
 * - WhatsApp's in-app marketing stop and resume (Meta's `user_preferences` webhook, the payloads of
 *   test/fixtures/webhooks/, signed by the emulator): recorded by the trigger, seen by a Consent
 *   Gate in a workflow; the resume lifts only the in-app stop.
 * - The wa.me links the trigger offers for its keywords (getKeywordLinks, through n8n's editor
 *   endpoint): the text a link pre-fills, sent to the number it opens, starts the keyword flow.
 * - The send node refusing a sender the Graph API reports as not CONNECTED: the item's error names
 *   the number and its status, and nothing is sent.
 * - A template's life through the send node's Template resource: created (PENDING, refused by
 *   Send Template), approved through the emulator's control API, sent; paused by Meta, refused
 *   with its status.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { WorkflowInput } from '../../scripts/harness';
import {
	CREDENTIAL_NAMES,
	customer,
	customerWrites,
	customerWroteAt,
	eventually,
	executionsOf,
	importWorkflow,
	messagesTo,
	outputOf,
	PACKAGE_NAME,
	settledExecutions,
	startWorld,
	type Customer,
	type World,
} from '../helpers/e2eWorld';

const TRIGGER = 'WhatsApp Automation Trigger';
const DAY_MS = 24 * 60 * 60 * 1000;
const CREDENTIALS = { whatsAppCloudApi: { name: CREDENTIAL_NAMES.whatsAppCloudApi } };

type Item = Record<string, any>;

/** Meta's user_preferences payloads, as the in-process tests deliver them. */
function userPreferencesFixture(value: 'stop' | 'resume'): Item {
	const path = join(__dirname, '../fixtures/webhooks', `user-preferences-${value}.json`);
	return JSON.parse(readFileSync(path, 'utf8')) as Item;
}

/** A workflow of the trigger (with these parameters) and a No Operation node. */
function triggerWorkflow(name: string, parameters: Record<string, unknown>): WorkflowInput {
	return {
		name,
		nodes: [
			{
				name: TRIGGER,
				type: `${PACKAGE_NAME}.whatsAppAutomationTrigger`,
				typeVersion: 1.1,
				position: [0, 0],
				webhookId: randomUUID(),
				credentials: CREDENTIALS,
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

/** A webhook that answers with the items of the last node that ran. */
function webhookNode(path: string) {
	return {
		name: 'Request',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0] as [number, number],
		webhookId: randomUUID(),
		parameters: {
			httpMethod: 'POST',
			path,
			responseMode: 'lastNode',
			responseData: 'allEntries',
			options: {},
		},
	};
}

const CONSENT_CHECK_PATH = 'consent-check-e2e';
const ROUTES = ['allowed', 'needsOptIn', 'blocked'] as const;
type Route = (typeof ROUTES)[number];

/**
 * `{waId, purpose}` → Consent Gate (Check) → one Set node per output that names the output, so the
 * webhook's answer says where the contact was routed.
 */
function consentCheckWorkflow(): WorkflowInput {
	const gate = 'Consent Gate';
	const routeNode = (route: Route, index: number) => ({
		name: route,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: [480, index * 160 - 160] as [number, number],
		parameters: {
			mode: 'manual',
			assignments: {
				assignments: [{ id: randomUUID(), name: 'route', value: route, type: 'string' }],
			},
			includeOtherFields: true,
			options: {},
		},
	});
	return {
		name: 'Consent check (test)',
		nodes: [
			webhookNode(CONSENT_CHECK_PATH),
			{
				name: gate,
				type: `${PACKAGE_NAME}.whatsAppConsentGate`,
				typeVersion: 1,
				position: [240, 0],
				credentials: CREDENTIALS,
				parameters: {
					operation: 'check',
					contact: '={{ $json.body.waId }}',
					purpose: '={{ $json.body.purpose }}',
					unknownConsent: 'needsOptIn',
				},
			},
			...ROUTES.map(routeNode),
		],
		connections: {
			Request: { main: [[{ node: gate, type: 'main', index: 0 }]] },
			[gate]: { main: ROUTES.map((route) => [{ node: route, type: 'main', index: 0 }]) },
		},
		settings: { executionOrder: 'v1' },
	};
}

const SEND_PATH = 'send-text-e2e';

/** `{sender, to, text}` → Send Text, with Continue On Fail (error items instead of a failed run). */
function sendTextWorkflow(): WorkflowInput {
	return {
		name: 'Send text (test)',
		nodes: [
			webhookNode(SEND_PATH),
			{
				name: 'Send Text',
				type: `${PACKAGE_NAME}.whatsAppAutomation`,
				typeVersion: 1,
				position: [240, 0],
				credentials: CREDENTIALS,
				onError: 'continueRegularOutput',
				parameters: {
					operation: 'sendText',
					sender: { __rl: true, mode: 'id', value: '={{ $json.body.sender }}' },
					recipientPhone: '={{ $json.body.to }}',
					purpose: 'service',
					text: '={{ $json.body.text }}',
				},
			},
		],
		connections: { Request: { main: [[{ node: 'Send Text', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

const CREATE_TEMPLATE_PATH = 'create-template-e2e';
const SEND_TEMPLATE_PATH = 'send-template-e2e';

/** `{name, text, example}` → Template → Create (UTILITY, en_US, one body variable). */
function createTemplateWorkflow(): WorkflowInput {
	return {
		name: 'Create template (test)',
		nodes: [
			webhookNode(CREATE_TEMPLATE_PATH),
			{
				name: 'Create Template',
				type: `${PACKAGE_NAME}.whatsAppAutomation`,
				typeVersion: 1,
				position: [240, 0],
				credentials: CREDENTIALS,
				onError: 'continueRegularOutput',
				parameters: {
					resource: 'template',
					operation: 'create',
					templateName: '={{ $json.body.name }}',
					templateLanguage: 'en_US',
					templateCategory: 'UTILITY',
					bodyText: '={{ $json.body.text }}',
					bodyExamples: { example: [{ variable: '1', value: '={{ $json.body.example }}' }] },
				},
			},
		],
		connections: { Request: { main: [[{ node: 'Create Template', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** `{sender, to, template, name}` → Send Template (by name, `{{1}}` mapped), Continue On Fail. */
function sendTemplateWorkflow(): WorkflowInput {
	return {
		name: 'Send template (test)',
		nodes: [
			webhookNode(SEND_TEMPLATE_PATH),
			{
				name: 'Send Template',
				type: `${PACKAGE_NAME}.whatsAppAutomation`,
				typeVersion: 1,
				position: [240, 0],
				credentials: CREDENTIALS,
				onError: 'continueRegularOutput',
				parameters: {
					operation: 'sendTemplate',
					sender: { __rl: true, mode: 'id', value: '={{ $json.body.sender }}' },
					recipientPhone: '={{ $json.body.to }}',
					template: { __rl: true, mode: 'name', value: '={{ $json.body.template }}' },
					variables: {
						mappingMode: 'defineBelow',
						value: { body_1: '={{ $json.body.name }}' },
						matchingColumns: [],
						schema: [],
					},
				},
			},
		],
		connections: { Request: { main: [[{ node: 'Send Template', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

const KEYWORD_PARAMETERS = {
	events: ['messageReceived'],
	// A space and an ampersand: a link must encode both for the tap to send the keyword whole.
	keywords: 'SPRING SALE\nQ&A',
	keywordMatch: 'exact',
	routingRole: 'keyword',
};

describe('conversations, in-app consent, keyword links and an offline sender in a real n8n (SQLite)', () => {
	let world: World;
	const ids = {} as Record<'conversations' | 'firstEver' | 'consentLog' | 'keyword', string>;
	let syncCount = 0;

	beforeAll(async () => {
		world = await startWorld();
		const triggers = {
			conversations: triggerWorkflow('Conversations (test)', {
				events: ['conversationStarted'],
				routingRole: 'every',
			}),
			firstEver: triggerWorkflow('First message ever (test)', {
				events: ['conversationStarted'],
				onlyFirstEver: true,
				routingRole: 'every',
			}),
			consentLog: triggerWorkflow('Consent changes (test)', {
				events: ['consentChanged'],
				routingRole: 'every',
			}),
			keyword: triggerWorkflow('Keyword flow (test)', KEYWORD_PARAMETERS),
		};
		for (const key of Object.keys(triggers) as Array<keyof typeof triggers>) {
			ids[key] = await importWorkflow(world, triggers[key], { publish: true });
		}
		await importWorkflow(world, consentCheckWorkflow(), { publish: true });
		await importWorkflow(world, sendTextWorkflow(), { publish: true });
		await importWorkflow(world, createTemplateWorkflow(), { publish: true });
		await importWorkflow(world, sendTemplateWorkflow(), { publish: true });
	});

	afterAll(async () => {
		await world?.stop();
	});

	/**
	 * A new contact's first message, awaited until both Conversation Started workflows ran for it: the
	 * messages delivered before it have started their runs by then (one callback, delivered in order,
	 * each answered after its forwards were taken), so what the workflows did for them can be counted.
	 */
	async function syncPoint(): Promise<void> {
		syncCount += 1;
		const marker = customer(
			`Sync ${syncCount}`,
			`+49176899000${String(syncCount).padStart(2, '0')}`,
		);
		await customerWrites(world, marker, 'sync point');
		for (const key of ['conversations', 'firstEver'] as const) {
			await eventually(
				async () => ((await triggerItems(key, marker)).length > 0 ? true : undefined),
				`the ${key} run of ${marker.name}`,
			);
		}
	}

	/** The items the trigger of one of the workflows emitted for this contact, oldest first. */
	async function triggerItems(key: keyof typeof ids, who: Customer): Promise<Item[]> {
		const count = (await executionsOf(world, ids[key])).length;
		const runs = await settledExecutions(world, ids[key], count);
		return runs
			.flatMap((run) => outputOf(run, TRIGGER))
			.filter((item) => (item.contact as { waId?: string } | undefined)?.waId === who.waId);
	}

	async function consentRoute(who: Customer, purpose: 'marketing' | 'service'): Promise<Item> {
		const reply = await world.n8n.webhook(CONSENT_CHECK_PATH, {
			body: { waId: who.waId, purpose },
		});
		expect({ status: reply.status, body: reply.text }).toEqual({
			status: 200,
			body: expect.any(String),
		});
		const [item] = reply.json as Item[];
		return { route: item.route, status: item.consent?.status, source: item.consent?.source };
	}

	describe('Conversation Started', () => {
		it('fires for the first message after the 24-hour window closed, not for messages inside an open window', async () => {
			const olga = customer('Olga', '+4917680000001');
			const now = Date.now();
			await customerWroteAt(world, olga, 'Hello (3 days ago)', new Date(now - 3 * DAY_MS));
			await customerWroteAt(
				world,
				olga,
				'Are you there? (10 minutes later)',
				new Date(now - 3 * DAY_MS + 10 * 60_000),
			);
			// Her window closed two days ago: a new conversation.
			await customerWroteAt(world, olga, 'Hello again (a minute ago)', new Date(now - 60_000));
			// Inside the window the previous message opened.
			await customerWrites(world, olga, 'One more thing (now)');
			await syncPoint();

			const started = await triggerItems('conversations', olga);
			expect(
				started.map((item) => ({
					event: item.event,
					text: item.message?.text,
					conversation: {
						isNew: item.conversation?.isNew,
						isFirstEver: item.conversation?.isFirstEver,
						windowWasOpen: item.conversation?.windowWasOpen,
					},
				})),
			).toEqual([
				{
					event: 'conversationStarted',
					text: 'Hello (3 days ago)',
					conversation: { isNew: true, isFirstEver: true, windowWasOpen: false },
				},
				{
					event: 'conversationStarted',
					text: 'Hello again (a minute ago)',
					conversation: { isNew: true, isFirstEver: false, windowWasOpen: false },
				},
			]);
			expect(started[1].conversation.id).not.toBe(started[0].conversation.id);
		});

		it('with Only First Message Ever, fires once per contact: not for a later new conversation', async () => {
			const pia = customer('Pia', '+4917680000002');
			const ravi = customer('Ravi', '+4917680000003');
			await customerWroteAt(world, pia, 'Hi, first time here', new Date(Date.now() - 2 * DAY_MS));
			await customerWrites(world, pia, 'Hi, back again');
			await customerWrites(world, ravi, 'Hello from Ravi');
			await syncPoint();

			const texts = async (key: keyof typeof ids, who: Customer) =>
				(await triggerItems(key, who)).map((item) => item.message?.text);
			// Both of Pia's messages start a conversation; only her very first is her first ever.
			expect(await texts('conversations', pia)).toEqual(['Hi, first time here', 'Hi, back again']);
			expect({
				pia: await texts('firstEver', pia),
				ravi: await texts('firstEver', ravi),
			}).toEqual({ pia: ['Hi, first time here'], ravi: ['Hello from Ravi'] });
		});
	});

	describe('WhatsApp’s in-app marketing stop and resume', () => {
		/**
		 * Meta's user_preferences webhook (the payload of test/fixtures/webhooks/) for this contact at
		 * this time, delivered and signed by the emulator.
		 */
		async function inAppPreference(
			who: Customer,
			value: 'stop' | 'resume',
			atSeconds: number,
		): Promise<void> {
			const [change] = userPreferencesFixture(value).entry[0].changes;
			const [preference] = change.value.user_preferences;
			expect(preference.value).toBe(value);
			// The emulator adds the metadata of its own number; Sheena's identifiers become the contact's.
			const { delivery } = await world.control.webhook({
				field: change.field,
				value: {
					messaging_product: change.value.messaging_product,
					contacts: [{ profile: { name: who.name }, wa_id: who.waId }],
					user_preferences: [
						{
							wa_id: who.waId,
							detail: preference.detail,
							category: preference.category,
							value,
							timestamp: atSeconds,
						},
					],
				},
				waitForDelivery: true,
			});
			expect(delivery).toMatchObject({ delivered: true, httpStatus: 200 });
		}

		it('the stop is recorded and blocks marketing only; the resume gives back the opt-in the stop replaced', async () => {
			const tina = customer('Tina', '+4917680000011');
			await customerWrites(world, tina, 'START');
			const at = Math.floor(Date.now() / 1000) + 1;

			await inAppPreference(tina, 'stop', at);
			expect(await world.store.getConsent(world.account, tina.waId)).toMatchObject({
				status: 'opted_out',
				source: 'in_app',
			});
			expect(await consentRoute(tina, 'marketing')).toEqual({
				route: 'blocked',
				status: 'opted_out',
				source: 'in_app',
			});
			expect(await consentRoute(tina, 'service')).toMatchObject({ route: 'allowed' });

			await inAppPreference(tina, 'resume', at + 1);
			expect(await world.store.getConsent(world.account, tina.waId)).toMatchObject({
				status: 'opted_in',
				source: 'keyword',
			});
			expect(await consentRoute(tina, 'marketing')).toEqual({
				route: 'allowed',
				status: 'opted_in',
				source: 'keyword',
			});

			// Every change reached the workflow that asks for Consent Changed, with Meta's detail.
			const changes = await eventually(async () => {
				const items = await triggerItems('consentLog', tina);
				return items.length >= 3 ? items : undefined;
			}, 'three Consent Changed runs for Tina');
			expect(
				changes.map((item) => [item.previousStatus, item.status, item.source, item.matched]),
			).toEqual([
				['unknown', 'opted_in', 'keyword', 'START'],
				['opted_in', 'opted_out', 'in_app', 'stop'],
				['opted_out', 'opted_in', 'in_app', 'resume'],
			]);
			expect(changes[1].evidence).toMatchObject({
				text: 'User requested to stop marketing messages',
			});
		});

		it('the resume does not lift an opt-out the contact typed (INFOSTOP)', async () => {
			const sam = customer('Sam', '+4917680000012');
			await customerWrites(world, sam, 'INFOSTOP');
			const at = Math.floor(Date.now() / 1000) + 1;

			await inAppPreference(sam, 'stop', at);
			await inAppPreference(sam, 'resume', at + 1);

			expect(await world.store.getConsent(world.account, sam.waId)).toMatchObject({
				status: 'opted_out',
				source: 'keyword',
			});
			expect(await consentRoute(sam, 'marketing')).toEqual({
				route: 'blocked',
				status: 'opted_out',
				source: 'keyword',
			});
			const history = await world.store.getConsentHistory(world.account, sam.waId);
			expect(history.map((entry) => [entry.newStatus, entry.source, entry.applied])).toEqual([
				['opted_out', 'keyword', true],
				['opted_out', 'in_app', true],
				['opted_out', 'in_app', true],
			]);
		});
	});

	it('the wa.me links offered for the keywords, tapped and sent, start the keyword flow', async () => {
		const { phoneNumbers } = world.emulator.info();
		const reply = await world.n8n.api.request('POST', '/rest/dynamic-node-parameters/options', {
			nodeTypeAndVersion: { name: `${PACKAGE_NAME}.whatsAppAutomationTrigger`, version: 1.1 },
			path: 'keywordLinks',
			methodName: 'getKeywordLinks',
			currentNodeParameters: KEYWORD_PARAMETERS,
			credentials: { whatsAppCloudApi: world.credentials.whatsAppCloudApi },
		});
		expect({ status: reply.status, text: reply.text }).toEqual({
			status: 200,
			text: expect.any(String),
		});
		const links = (reply.json as { data: Array<{ value: string }> }).data.map(({ value }) => value);
		// One link per business number and keyword.
		expect(links).toHaveLength(phoneNumbers.length * 2);

		const lena = customer('Lena', '+4917680000021');
		const clicked = [];
		for (const link of links) {
			// What WhatsApp does with the link: opens the chat with the number, the text pre-filled.
			const url = new URL(link);
			expect(url.origin).toBe('https://wa.me');
			const number = phoneNumbers.find(
				(phone) => phone.displayPhoneNumber.replace(/\D/g, '') === url.pathname.slice(1),
			);
			if (!number) throw new Error(`${link} opens no business number of the account`);
			const text = url.searchParams.get('text') ?? '';
			const sent = await world.control.inbound({
				phoneNumberId: number.id,
				from: lena.phone,
				name: lena.name,
				text,
				waitForDelivery: true,
			});
			expect(sent.delivery).toMatchObject({ delivered: true, httpStatus: 200 });
			clicked.push({ link, phoneNumberId: number.id, text });
		}

		// Each link pre-fills its keyword whole (a space, an ampersand), for each number.
		expect(clicked.map(({ text }) => text).sort()).toEqual(
			phoneNumbers.flatMap(() => ['Q&A', 'SPRING SALE']).sort(),
		);
		const runs = await settledExecutions(world, ids.keyword, links.length);
		const started = runs.flatMap((run) => outputOf(run, TRIGGER)) as Item[];
		expect(
			started
				.map((item) => ({
					link: item.keyword?.link,
					phoneNumberId: item.business?.phoneNumberId,
					text: item.message?.text,
				}))
				.sort((a, b) => a.link.localeCompare(b.link)),
		).toEqual([...clicked].sort((a, b) => a.link.localeCompare(b.link)));
		expect(new Set(started.map((item) => item.keyword?.matched))).toEqual(
			new Set(['SPRING SALE', 'Q&A']),
		);
	});

	it('the send node refuses a sender that is not CONNECTED: the item error names the number and its status', async () => {
		const quinn = customer('Quinn', '+4917680000031');
		await customerWrites(world, quinn, 'Is my order on its way?');
		const { displayPhoneNumber } = world.emulator.info().phoneNumbers[0];
		const body = { sender: world.phoneNumberId, to: quinn.phone, text: 'Yes, it left today.' };

		await world.control.setPhoneNumber(world.phoneNumberId, { status: 'DISCONNECTED' });
		let refused;
		try {
			refused = await world.n8n.webhook(SEND_PATH, { body });
		} finally {
			await world.control.setPhoneNumber(world.phoneNumberId, { status: 'CONNECTED' });
		}
		expect(refused.status).toBe(200);
		const [item] = refused.json as Item[];
		expect(item.error).toMatchObject({
			message: `Sender ${displayPhoneNumber} (${world.phoneNumberId}) is offline: status DISCONNECTED`,
			field: 'Sender',
			fix: expect.stringMatching(/^Sender offline: reconnect or register the number/),
		});
		expect(item.messageId).toBeUndefined();
		expect(await messagesTo(world, quinn)).toEqual([]);

		// Connected again, the same request sends: the status was the only reason.
		const sent = await world.n8n.webhook(SEND_PATH, { body });
		const [sentItem] = sent.json as Item[];
		expect({ error: sentItem.error, messageId: sentItem.messageId }).toEqual({
			error: undefined,
			messageId: expect.any(String),
		});
		expect((await messagesTo(world, quinn)).map((message) => message.renderedText)).toEqual([
			'Yes, it left today.',
		]);
	});

	it('a template created through the node is sent once approved, and refused with its status once Meta pauses it', async () => {
		// Meta's review would take its time: the control API decides it.
		await world.control.settings({ templateReviewMs: 24 * 60 * 60 * 1000 });
		const created = await world.n8n.webhook(CREATE_TEMPLATE_PATH, {
			body: {
				name: 'delivery_slot_e2e',
				text: 'Hello {{1}}, your delivery slot is confirmed for tomorrow morning.',
				example: 'Anna',
			},
		});
		const [template] = created.json as Item[];
		expect(template).toEqual({
			id: expect.stringMatching(/^\d+$/),
			name: 'delivery_slot_e2e',
			language: 'en_US',
			status: 'PENDING',
			category: 'UTILITY',
		});

		const rosa = customer('Rosa', '+4917680000041');
		const body = {
			sender: world.phoneNumberId,
			to: rosa.phone,
			template: 'delivery_slot_e2e|en_US',
			name: 'Rosa',
		};
		const pending = await world.n8n.webhook(SEND_TEMPLATE_PATH, { body });
		expect((pending.json as Item[])[0].error).toMatchObject({
			field: 'Template',
			message: expect.stringContaining('is PENDING, not APPROVED'),
		});

		await world.control.templateStatus({ id: template.id, status: 'APPROVED' });
		const sent = await world.n8n.webhook(SEND_TEMPLATE_PATH, { body });
		const [sentItem] = sent.json as Item[];
		expect({ error: sentItem.error, messageId: sentItem.messageId }).toEqual({
			error: undefined,
			messageId: expect.any(String),
		});
		expect((await messagesTo(world, rosa)).map((message) => message.renderedText)).toEqual([
			'Hello Rosa, your delivery slot is confirmed for tomorrow morning.',
		]);

		await world.control.templateStatus({ id: template.id, status: 'PAUSED' });
		const paused = await world.n8n.webhook(SEND_TEMPLATE_PATH, { body });
		expect((paused.json as Item[])[0].error).toMatchObject({
			field: 'Template',
			message: expect.stringContaining(
				'is PAUSED: Meta paused template "delivery_slot_e2e" (en_US): quality RED',
			),
			fix: expect.stringContaining('wait until it is APPROVED again'),
		});
		expect(await messagesTo(world, rosa)).toHaveLength(1);
	});
});
