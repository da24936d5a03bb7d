/**
 * Meta's asynchronous 131047 ("re-engagement message") proves the 24-hour window is closed, even
 * when our clock says it is open: the trigger records it, the send node then refuses the next free
 * text without calling Meta, and the contact's next message reopens the window.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { EmulatorControl } from '../../emulator/control-client';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { closeAllStores, openStore, storeConfigFromCredentials } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { runNode } from '../helpers/nodeHarness';
import {
	ownWebhookFixture,
	textMessagesBody,
	triggerFixture,
	unixNow,
} from '../helpers/triggerSetup';
import { callTriggerWebhook, metaPost, type TriggerFixture } from '../helpers/webhookHarness';

jest.setTimeout(60_000);

const SENDER = '106540352242922';
const CUSTOMER = '4915140000077';
const node = new WhatsAppAutomation();

let emulator: RunningEmulator;
let control: EmulatorControl;
let storeDir: string;
let credentials: Record<string, unknown>;
let trigger: TriggerFixture;

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
	const info = emulator.info();
	storeDir = mkdtempSync(join(tmpdir(), 'wa-window-closed-'));
	credentials = {
		accessToken: info.accessToken,
		businessAccountId: info.wabaId,
		appId: info.appId,
		appSecret: info.appSecret,
		graphApiVersion: info.graphVersion,
		baseUrl: info.baseUrl,
		store: 'builtin',
		sqlitePath: join(storeDir, 'store.sqlite'),
	};
	trigger = triggerFixture({ events: ['messageReceived', 'messageStatus'] }, credentials);
});

afterAll(async () => {
	await closeAllStores();
	await emulator.stop();
	rmSync(storeDir, { recursive: true, force: true });
});

async function deliver(body: Record<string, any>): Promise<void> {
	body.entry[0].id = emulator.info().wabaId;
	const call = await callTriggerWebhook(trigger, metaPost(body, emulator.info().appSecret));
	expect(call.threw).toBeUndefined();
	expect(call.status).toBe(200);
}

/** The customer writes: to the emulator (Meta's window) and, as Meta's webhook, to the trigger. */
async function customerWrites(id: string, at: number): Promise<void> {
	await control.inbound({ phoneNumberId: SENDER, from: `+${CUSTOMER}`, text: 'Hi' });
	await deliver(textMessagesBody([{ id, from: CUSTOMER, text: 'Hi', timestamp: at }]));
}

/** Meta's asynchronous "failed" status with 131047 for a message to the customer. */
async function reengagementFailed(at: number): Promise<void> {
	const body = ownWebhookFixture('status-failed-131047.json');
	const status = body.entry[0].changes[0].value.statuses[0];
	Object.assign(status, { recipient_id: CUSTOMER, timestamp: String(at), id: `wamid.failed${at}` });
	await deliver(body);
}

const sendText = () =>
	runNode({
		node,
		credentials: { whatsAppCloudApi: credentials },
		parameters: {
			sender: { __rl: true, mode: 'list', value: SENDER },
			operation: 'sendText',
			recipientPhone: `+${CUSTOMER}`,
			text: 'Are you still there?',
			options: { messagesPerSecond: 0 },
		},
	});

const sentToCustomer = async () => (await control.messages({ to: CUSTOMER })).length;

it('a 131047 status closes the window until the customer writes again', async () => {
	await customerWrites('wamid.in1', unixNow(120));
	await sendText();
	expect(await sentToCustomer()).toBe(1);

	const failedAt = unixNow(60);
	await reengagementFailed(failedAt);
	const store = await openStore(storeConfigFromCredentials(credentials));
	expect(
		await store.isWindowOpen({
			account: emulator.info().wabaId,
			phoneNumberId: SENDER,
			contact: CUSTOMER,
			at: Date.now(),
		}),
	).toBe(false);
	await expect(sendText()).rejects.toMatchObject({
		description: expect.stringMatching(/code 131047/),
	});
	await expect(sendText()).rejects.toMatchObject({
		description: expect.stringContaining(
			`Meta reported 131047 (re-engagement: outside the 24-hour window) at ${new Date(failedAt * 1000).toISOString()}`,
		),
	});
	expect(await sentToCustomer()).toBe(1);

	await customerWrites('wamid.in2', unixNow(30));
	await sendText();
	expect(await sentToCustomer()).toBe(2);

	// A late 131047 older than the customer's latest message closes nothing.
	await reengagementFailed(unixNow(45));
	await sendText();
	expect(await sentToCustomer()).toBe(3);
});
