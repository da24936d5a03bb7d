/**
 * The WhatsApp Automation Trigger in the pinned n8n (one process, SQLite): it registers itself with
 * "Meta" (the emulator) on publishing, receives every webhook example Meta publishes through n8n's
 * real webhook server, signed by the emulator, refuses bad signatures with 401 without starting
 * anything, and starts one execution for a webhook delivered several times.
 */
import { randomUUID } from 'node:crypto';

import { signMetaPayload } from '../../lib/core/signature';
import type { WorkflowInput } from '../../scripts/harness';
import {
	accountOverrides,
	CREDENTIAL_NAMES,
	eventually,
	executionsOf,
	importWorkflow,
	outputOf,
	PACKAGE_NAME,
	settledExecutions,
	startWorld,
	unpublishTrigger,
	type World,
} from '../helpers/e2eWorld';
import { metaFixtures } from '../helpers/metaFixtures';

const TRIGGER = 'WhatsApp Automation Trigger';
const SYNC_POINT_TEXT = 'sync point';
const SHEENA = '16505551234';

interface Expected {
	event: string;
	type?: string;
	text?: string | null;
	status?: string;
}

/** What each of Meta's examples starts, through n8n: the items of one execution, or nothing. */
const EXPECTED: Record<string, Expected[]> = {
	'button-message.json': [
		{ event: 'messageReceived', type: 'button', text: 'Unsubscribe' },
		// The quick reply "Unsubscribe" is an opt-out keyword: the trigger records it and says so.
		{ event: 'consentChanged', status: 'opted_out' },
	],
	'contact-sharing-message.json': [
		{ event: 'messageReceived', type: 'contacts', text: 'Lucía Gómez' },
	],
	// Group events are another webhook field: recorded nowhere, they start nothing.
	'group-create-message.json': [],
	'group-remove-participants.json': [],
	'group-settings-update.json': [],
	'image-message.json': [{ event: 'messageReceived', type: 'image', text: 'Taj Mahal' }],
	'interactive-button-reply-message.json': [
		{ event: 'messageReceived', type: 'interactive', text: 'Cancel' },
	],
	'interactive-list-reply-message.json': [
		{ event: 'messageReceived', type: 'interactive', text: 'Priority Mail Express' },
	],
	'location-message.json': [{ event: 'messageReceived', type: 'location', text: 'Philz Coffee' }],
	'order-message.json': [{ event: 'messageReceived', type: 'order', text: null }],
	'reaction-message.json': [{ event: 'messageReceived', type: 'reaction', text: '👍' }],
	'system-message.json': [
		{
			event: 'messageReceived',
			type: 'system',
			text: 'User Sheena Nelson changed from 16505551234 to 12195555358',
		},
	],
	'text-message-from-click-to-whatsapp-ad.json': [
		{ event: 'messageReceived', type: 'text', text: 'Hello! Can I get more info on this?' },
	],
	'text-message-with-context-product-inquiry.json': [
		{ event: 'messageReceived', type: 'text', text: 'Is this still available?' },
	],
	'text-message.json': [
		{ event: 'messageReceived', type: 'text', text: 'Does it come in another color?' },
	],
	'unsupported-message.json': [{ event: 'messageReceived', type: 'unsupported', text: null }],
};

type Change = { field: string; value: Record<string, any> };

/**
 * Meta's examples reuse one wamid for different messages (text, image, reaction…); delivered to one
 * store they would rightly count as one message delivered again. Each gets its own id here.
 */
function changeOf(name: string, body: { entry: Array<{ changes: Change[] }> }): Change {
	const [change] = body.entry[0].changes;
	const value = structuredClone(change.value);
	for (const message of value.messages ?? []) message.id = `${message.id}-${name}`;
	return { field: change.field, value };
}

function exampleOf(messageId: unknown): string | undefined {
	return Object.keys(EXPECTED).find((name) => String(messageId).endsWith(`-${name}`));
}

/** Trigger (every event, every status) → No Operation: the executions show what the trigger emitted. */
function everyEventWorkflow(webhookId: string): WorkflowInput {
	return {
		name: 'Every WhatsApp event (test)',
		nodes: [
			{
				name: TRIGGER,
				type: `${PACKAGE_NAME}.whatsAppAutomationTrigger`,
				typeVersion: 1,
				position: [0, 0],
				webhookId,
				credentials: { whatsAppCloudApi: { name: CREDENTIAL_NAMES.whatsAppCloudApi } },
				parameters: {
					events: [
						'messageReceived',
						'messageStatus',
						'consentChanged',
						'phoneNumberQualityChanged',
					],
					statuses: [],
				},
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

/** A Meta-shaped text message from a fresh wamid, as the raw bytes Meta signs. */
function textMessageBody(world: World, text: string): { body: string; messageId: string } {
	const messageId = `wamid.e2e-${randomUUID()}`;
	const body = JSON.stringify({
		object: 'whatsapp_business_account',
		entry: [
			{
				id: world.account,
				changes: [
					{
						field: 'messages',
						value: {
							messaging_product: 'whatsapp',
							metadata: {
								display_phone_number: '15550783881',
								phone_number_id: world.phoneNumberId,
							},
							contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: SHEENA }],
							messages: [
								{
									from: SHEENA,
									id: messageId,
									timestamp: String(Math.floor(Date.now() / 1000)),
									type: 'text',
									text: { body: text },
								},
							],
						},
					},
				],
			},
		],
	});
	return { body, messageId };
}

describe('the WhatsApp Automation Trigger in a real n8n (SQLite)', () => {
	let world: World;
	let workflowId: string;
	let productionUrl: string;

	beforeAll(async () => {
		world = await startWorld();
		const webhookId = randomUUID();
		workflowId = await importWorkflow(world, everyEventWorkflow(webhookId), { publish: true });
		productionUrl = `${world.n8n.webhookBaseUrl}/webhook/${webhookId}/webhook`;
	});

	afterAll(async () => {
		await world?.stop();
	});

	/** POSTs straight to the trigger's production URL, as Meta does. */
	async function post(body: string, signature?: string): Promise<number> {
		const response = await fetch(productionUrl, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
			},
			body,
		});
		await response.text();
		return response.status;
	}

	/**
	 * A fresh, properly signed message, and its execution awaited: the webhooks answered before it
	 * have started their executions by then, so counting them is safe.
	 */
	async function syncPoint(): Promise<void> {
		const marker = textMessageBody(world, SYNC_POINT_TEXT);
		const secret = world.emulator.info().appSecret;
		expect(await post(marker.body, signMetaPayload(marker.body, secret))).toBe(200);
		await eventually(
			async () => ((await executionsFor(marker.messageId)).length > 0 ? true : undefined),
			`the execution of the sync-point message ${marker.messageId}`,
		);
		await settledExecutions(world, workflowId, (await executionsOf(world, workflowId)).length);
	}

	/** The executions whose trigger item carries this message id. */
	async function executionsFor(messageId: string) {
		const executions = await Promise.all(
			(await executionsOf(world, workflowId)).map(
				async ({ id }) => await world.n8n.api.getExecution(id),
			),
		);
		return executions.filter((execution) =>
			outputOf(execution, TRIGGER).some((item) => item.messageId === messageId),
		);
	}

	it('registers itself with Meta on publishing: the account’s webhooks go to its production URL', async () => {
		expect(await accountOverrides(world)).toEqual([productionUrl]);
	});

	it('receives every webhook example Meta publishes, signed by the emulator, and starts what each one should', async () => {
		const examples = metaFixtures('webhooks/post-request');
		expect(examples.map(([name]) => name).sort()).toEqual(Object.keys(EXPECTED).sort());
		const before = (await executionsOf(world, workflowId)).length;

		for (const [name, body] of examples) {
			const { delivery } = await world.control.webhook({
				...changeOf(name, body),
				waitForDelivery: true,
			});
			expect({ name, delivered: delivery?.delivered, status: delivery?.httpStatus }).toEqual({
				name,
				delivered: true,
				status: 200,
			});
		}

		await syncPoint();
		const starting = examples.filter(([name]) => EXPECTED[name].length > 0);
		const executions = (await settledExecutions(world, workflowId, before + starting.length + 1))
			.slice(before)
			.filter(
				(execution) =>
					(outputOf(execution, TRIGGER)[0]?.message as { text?: string } | undefined)?.text !==
					SYNC_POINT_TEXT,
			);
		expect(executions).toHaveLength(starting.length);
		const received = Object.fromEntries(
			executions.map((execution) => {
				expect(execution.status).toBe('success');
				const items = outputOf(execution, TRIGGER);
				return [exampleOf(items[0]?.messageId), items];
			}),
		);
		expect(Object.keys(received).sort()).toEqual(starting.map(([name]) => name).sort());
		for (const [name] of starting) {
			const items = received[name];
			expect({ name, items: items.map(summary) }).toEqual({ name, items: EXPECTED[name] });
			for (const item of items) {
				expect(item).toMatchObject({
					contact: { waId: SHEENA },
					business: { phoneNumberId: world.phoneNumberId },
					businessAccountId: world.account,
				});
			}
		}
		// Recorded as well as emitted: the opt-out button of Meta's example.
		expect(await world.store.getConsent(world.account, SHEENA)).toMatchObject({
			status: 'opted_out',
			source: 'button',
		});
	});

	it('answers 401 to a missing or wrong signature, records and starts nothing', async () => {
		const { body, messageId } = textMessageBody(world, 'Is this really Meta?');
		const secret = world.emulator.info().appSecret;

		expect(await post(body)).toBe(401);
		expect(await post(body, signMetaPayload(body, `${secret}-not`))).toBe(401);
		expect(await post(body, signMetaPayload(`${body} `, secret))).toBe(401);
		await syncPoint();
		expect(await executionsFor(messageId)).toEqual([]);

		// The same body, signed properly: accepted as new, so the refused calls recorded nothing.
		expect(await post(body, signMetaPayload(body, secret))).toBe(200);
		await syncPoint();
		expect(await executionsFor(messageId)).toHaveLength(1);
	});

	it('starts one execution for a webhook delivered again, one after another or at the same time', async () => {
		const secret = world.emulator.info().appSecret;
		const again = textMessageBody(world, 'Delivered twice');
		const atOnce = textMessageBody(world, 'Delivered five times at once');

		expect(await post(again.body, signMetaPayload(again.body, secret))).toBe(200);
		expect(await post(again.body, signMetaPayload(again.body, secret))).toBe(200);
		const statuses = await Promise.all(
			Array.from(
				{ length: 5 },
				async () => await post(atOnce.body, signMetaPayload(atOnce.body, secret)),
			),
		);
		expect(statuses).toEqual([200, 200, 200, 200, 200]);

		// Meta's own redelivery, played by the emulator: every webhook POSTed twice.
		await world.control.settings({ webhooks: { duplicates: 1 } });
		const customer = await world.control.inbound({
			from: '+4917699990001',
			text: 'Sent once, delivered twice',
			waitForDelivery: true,
		});
		await world.control.settings({ webhooks: { duplicates: 0 } });
		// The copy goes out after the first delivery was answered.
		const copies = await eventually(async () => {
			const delivered = (await world.control.deliveries()).filter((delivery) =>
				JSON.stringify(delivery.body).includes(customer.messageId),
			);
			return delivered.length >= 2 ? delivered : undefined;
		}, `the second copy of ${customer.messageId}`);
		expect(copies.map((copy) => [copy.duplicate, copy.httpStatus])).toEqual([
			[false, 200],
			[true, 200],
		]);

		await syncPoint();
		for (const messageId of [again.messageId, atOnce.messageId, customer.messageId]) {
			expect({ messageId, executions: (await executionsFor(messageId)).length }).toEqual({
				messageId,
				executions: 1,
			});
		}
	});

	it('starts a Phone Number Quality Changed run when Meta flags the number (no contact, no phone number id)', async () => {
		const update = await world.control.phoneNumberQualityUpdate({
			phoneNumberId: world.phoneNumberId,
			event: 'FLAGGED',
			currentLimit: 'TIER_10K',
			waitForDelivery: true,
		});
		expect(update.delivery).toMatchObject({ delivered: true, httpStatus: 200, url: productionUrl });
		const item = await eventually(async () => {
			for (const { id } of await executionsOf(world, workflowId)) {
				const found = outputOf(await world.n8n.api.getExecution(id), TRIGGER).find(
					(json) => json.event === 'phoneNumberQualityChanged',
				);
				if (found) return found;
			}
			return undefined;
		}, 'the Phone Number Quality Changed execution');
		expect(item).toMatchObject({
			event: 'phoneNumberQualityChanged',
			field: 'phone_number_quality_update',
			metaEvent: 'FLAGGED',
			lowQuality: true,
			displayPhoneNumber: '15550783881',
			phone: '+15550783881',
			currentLimit: 'TIER_10K',
			businessAccountId: world.account,
		});
	});

	it('hands the account’s webhooks back when unpublished', async () => {
		await unpublishTrigger(world, workflowId);

		expect(await accountOverrides(world)).toEqual([null]);
	});
});

function summary(item: Record<string, unknown>): Expected {
	if (item.event === 'consentChanged')
		return { event: 'consentChanged', status: item.status as string };
	return {
		event: item.event as string,
		type: item.type as string,
		text: (item.message as { text: string | null }).text,
	};
}
