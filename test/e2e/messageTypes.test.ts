/**
 * The send node's list and location in the pinned n8n (one process, SQLite store) through the
 * Cloud API emulator: a workflow sends a list whose rows are mapped from an array of the request
 * and a location, and the customer's pick of a row comes back through the trigger with the row's
 * id, title and description.
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowInput } from '../../scripts/harness';
import {
	CREDENTIAL_NAMES,
	customer,
	customerWrites,
	eventually,
	executionsOf,
	importWorkflow,
	messagesTo,
	outputOf,
	PACKAGE_NAME,
	settledExecutions,
	startWorld,
	type World,
} from '../helpers/e2eWorld';

const TRIGGER = 'WhatsApp Automation Trigger';
const CREDENTIALS = { whatsAppCloudApi: { name: CREDENTIAL_NAMES.whatsAppCloudApi } };
const SEND_PATH = 'send-list-and-location-e2e';

type Item = Record<string, any>;

function triggerWorkflow(): WorkflowInput {
	return {
		name: 'Replies (test)',
		nodes: [
			{
				name: TRIGGER,
				type: `${PACKAGE_NAME}.whatsAppAutomationTrigger`,
				typeVersion: 1.1,
				position: [0, 0],
				webhookId: randomUUID(),
				credentials: CREDENTIALS,
				parameters: { events: ['messageReceived'], routingRole: 'every' },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

/** `{to, products}` → Send List (rows from the products) → Send Location. */
function sendWorkflow(): WorkflowInput {
	const send = (name: string, x: number, parameters: Record<string, unknown>) => ({
		name,
		type: `${PACKAGE_NAME}.whatsAppAutomation`,
		typeVersion: 1,
		position: [x, 0] as [number, number],
		credentials: CREDENTIALS,
		parameters: {
			sender: { __rl: true, mode: 'id', value: '={{ $("Request").item.json.body.sender }}' },
			recipientPhone: '={{ $("Request").item.json.body.to }}',
			purpose: 'service',
			...parameters,
		},
	});
	return {
		name: 'Send list and location (test)',
		nodes: [
			{
				name: 'Request',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path: SEND_PATH,
					responseMode: 'lastNode',
					responseData: 'allEntries',
					options: {},
				},
			},
			send('Send List', 240, {
				operation: 'sendList',
				listBody: 'How should we ship your order?',
				listButton: 'Shipping',
				listRowsSource: 'json',
				listRowsJson: '={{ $json.body.products }}',
				listRowFields: { id: 'code', title: 'name', description: 'eta' },
			}),
			send('Send Location', 480, {
				operation: 'sendLocation',
				latitude: '52.520008',
				longitude: '13.404954',
				locationName: 'Our shop',
				locationAddress: 'Alexanderplatz 1, Berlin',
			}),
		],
		connections: {
			Request: { main: [[{ node: 'Send List', type: 'main', index: 0 }]] },
			'Send List': { main: [[{ node: 'Send Location', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

describe('Send List and Send Location in a real n8n (SQLite), the list reply through the trigger', () => {
	let world: World;
	let triggerId: string;

	beforeAll(async () => {
		world = await startWorld();
		triggerId = await importWorkflow(world, triggerWorkflow(), { publish: true });
		await importWorkflow(world, sendWorkflow(), { publish: true });
	});

	afterAll(async () => {
		await world?.stop();
	});

	it('sends a list mapped from an array and a location; the picked row arrives in the trigger', async () => {
		const ida = customer('Ida', '+4917690000001');
		await customerWrites(world, ida, 'Hi, my order?');
		const reply = await world.n8n.webhook(SEND_PATH, {
			body: {
				sender: world.phoneNumberId,
				to: ida.phone,
				products: [
					{ code: 'std', name: 'Standard', eta: '3–5 days' },
					{ code: 'exp', name: 'Express', eta: 'Next day' },
				],
			},
		});
		expect(reply.status).toBe(200);
		const [located] = reply.json as Item[];
		expect(located).toMatchObject({
			type: 'location',
			messageId: expect.stringMatching(/^wamid\./),
		});

		const [list, location] = await messagesTo(world, ida);
		expect(list.request.interactive).toMatchObject({
			type: 'list',
			action: {
				button: 'Shipping',
				sections: [
					{
						rows: [
							{ id: 'std', title: 'Standard', description: '3–5 days' },
							{ id: 'exp', title: 'Express', description: 'Next day' },
						],
					},
				],
			},
		});
		expect(location.request.location).toEqual({
			latitude: 52.520008,
			longitude: 13.404954,
			name: 'Our shop',
			address: 'Alexanderplatz 1, Berlin',
		});

		const before = (await executionsOf(world, triggerId)).length;
		const picked = await world.control.inbound({
			from: ida.phone,
			name: ida.name,
			listReply: 'exp',
			waitForDelivery: true,
		});
		expect(picked.delivery).toMatchObject({ delivered: true, httpStatus: 200 });
		const item = await eventually(async () => {
			const runs = await settledExecutions(world, triggerId, before + 1);
			return runs
				.flatMap((run) => outputOf(run, TRIGGER))
				.find((candidate) => candidate.messageId === picked.messageId);
		}, 'the list reply in the trigger');
		expect(item).toMatchObject({
			type: 'interactive',
			message: {
				text: 'Express',
				interactive: { type: 'list_reply', id: 'exp', title: 'Express', description: 'Next day' },
			},
			context: { messageId: list.id },
		});
	});
});
