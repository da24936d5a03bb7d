/**
 * The trigger as Meta's (the emulator's) callback: customers write through the emulator, the
 * emulator delivers signed webhooks over HTTP, and the trigger answers through the Graph API
 * (opt-out confirmations, media downloads) and hands replies to waiting follow-ups.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { closeAllStores, openStore, type Store } from '../../lib/store';
import { registerFollowUpWait } from '../../lib/waits/register';
import { branchOf, FakeWaitingN8n } from '../helpers/fakeWaitingN8n';
import { followUpWait, sentTemplateItem, waitParameters } from '../helpers/followUpWaitFixtures';
import {
	jsonOf,
	PHONE_NUMBER_ID,
	tempSqlitePath,
	triggerCredentials,
	triggerFixture,
} from '../helpers/triggerSetup';
import {
	runWebhookMethod,
	startTriggerServer,
	type TriggerFixture,
	type TriggerServer,
} from '../helpers/webhookHarness';

const CUSTOMER = '+4915112345678';
const CUSTOMER_WA_ID = '4915112345678';

let emulator: RunningEmulator;
let control: EmulatorControl;
let server: TriggerServer | undefined;

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
});

afterEach(async () => {
	await server?.stop();
	server = undefined;
	await control.reset();
});

afterAll(async () => {
	await emulator.stop();
	await closeAllStores();
});

/** A trigger registered at the emulator (account override) and its store. */
async function liveTrigger(
	parameters: Record<string, unknown>,
): Promise<{ fixture: TriggerFixture; store: Store }> {
	const info = emulator.info();
	const sqlitePath = tempSqlitePath();
	const fixture = triggerFixture(
		{ registration: 'accountOverride', ...parameters },
		triggerCredentials({
			accessToken: info.accessToken,
			businessAccountId: info.wabaId,
			appId: info.appId,
			appSecret: info.appSecret,
			baseUrl: info.baseUrl,
			graphApiVersion: info.graphVersion,
			sqlitePath,
		}),
	);
	server = await startTriggerServer(fixture);
	await runWebhookMethod(fixture, 'create');
	return { fixture, store: await openStore({ backend: 'sqlite', path: sqlitePath }) };
}

describe('opt-out confirmation', () => {
	it.each([
		[
			'STOP',
			'You will not receive any more messages from us. Reply START if you change your mind.',
		],
		[
			'ABMELDEN',
			'Sie erhalten keine Werbenachrichten mehr von uns. Antworten Sie mit START, um sie wieder zu erhalten.',
		],
	])(
		'answers %s in the customer’s language, sent through the Graph API and logged',
		async (keyword, expected) => {
			const { store } = await liveTrigger({
				events: ['consentChanged'],
				options: { confirmOptOut: true },
			});
			const inbound = await control.inbound({
				from: CUSTOMER,
				text: keyword,
				waitForDelivery: true,
			});
			expect(inbound.delivery).toMatchObject({ delivered: true, httpStatus: 200 });

			const sent = await control.messages({ to: CUSTOMER_WA_ID });
			expect(
				sent.map((message) => [message.type, (message.request.text as { body: string }).body]),
			).toEqual([['text', expected]]);
			expect(await store.getOutbound(sent[0].id)).toMatchObject({
				kind: 'text',
				text: expected,
				recipient: CUSTOMER_WA_ID,
			});
			expect(jsonOf(server!.runs()[0])[0]).toMatchObject({
				event: 'consentChanged',
				matched: keyword,
			});
		},
	);

	it('a custom text; no confirmation for opt-ins or when switched off', async () => {
		await liveTrigger({
			events: ['messageReceived'],
			options: {
				confirmOptOut: true,
				optOutConfirmationText: 'Abgemeldet. START bringt dich zurück.',
			},
		});
		await control.inbound({ from: CUSTOMER, text: 'INFOSTOP', waitForDelivery: true });
		await control.inbound({ from: CUSTOMER, text: 'START', waitForDelivery: true });
		const sent = await control.messages({ to: CUSTOMER_WA_ID });
		expect(sent.map((message) => (message.request.text as { body: string }).body)).toEqual([
			'Abgemeldet. START bringt dich zurück.',
		]);
	});

	it('a redelivered STOP is not confirmed twice', async () => {
		await control.settings({ webhooks: { duplicates: 2 } });
		await liveTrigger({ events: ['messageReceived'], options: { confirmOptOut: true } });
		await control.inbound({ from: CUSTOMER, text: 'STOP', waitForDelivery: true });
		await waitUntil(
			async () =>
				(await control.deliveries()).filter((delivery) => delivery.duplicate).length === 2,
		);
		expect(await control.messages({ to: CUSTOMER_WA_ID })).toHaveLength(1);
		expect(server!.runs()).toHaveLength(1);
	});
});

describe('Download Media', () => {
	it('puts the customer’s image into binary data', async () => {
		await liveTrigger({ events: ['messageReceived'], options: { downloadMedia: true } });
		const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
		await control.inbound({
			from: CUSTOMER,
			image: { caption: 'Mein Zählerstand', mimeType: 'image/png', data: png.toString('base64') },
			waitForDelivery: true,
		});
		const [item] = server!.runs()[0];
		expect(item.json).toMatchObject({
			type: 'image',
			message: { text: 'Mein Zählerstand' },
			mediaError: null,
		});
		expect(item.binary?.data).toMatchObject({
			mimeType: 'image/png',
			fileName: expect.stringMatching(/\.png$/),
		});
		expect(Buffer.from(item.binary!.data.data, 'base64')).toEqual(png);
		// The media id's URL and the file itself: two Graph calls on the delivery's one credential read.
		const delivery = server!.calls.find((call) => call.workflowData !== undefined)!;
		expect(delivery.requests.map((request) => request.method)).toEqual(['GET', 'GET']);
		expect(delivery.credentialReads).toBe(1);
	});

	it('a media id Meta no longer knows: the item still starts, with the reason', async () => {
		await liveTrigger({ events: ['messageReceived'], options: { downloadMedia: true } });
		await control.inbound({
			from: CUSTOMER,
			message: { type: 'image', image: { id: '999999999999', mime_type: 'image/jpeg' } },
			waitForDelivery: true,
		});
		const [item] = server!.runs()[0];
		expect(item.binary).toBeUndefined();
		expect(item.json.mediaError).toEqual(expect.any(String));
	});

	it('a file over the cap is refused by its announced size, naming the size and the cap', async () => {
		await liveTrigger({ events: ['messageReceived'], options: { downloadMedia: true } });
		await control.settings({ mediaSizeBytes: 100 * 1024 * 1024 + 1 });
		await control.inbound({ from: CUSTOMER, document: true, waitForDelivery: true });
		const [item] = server!.runs()[0];
		expect(item.binary).toBeUndefined();
		expect(item.json.mediaError).toMatch(
			/is 100\.0 MB \(104857601 bytes\), more than the 100\.0 MB the trigger downloads/,
		);
	});

	it('a Graph API that does not answer fails the download with a timeout naming the call, instead of hanging', async () => {
		await liveTrigger({ events: ['messageReceived'], options: { downloadMedia: true } });
		// Meta waits longer than the trigger's own limit here, so the answer is seen.
		await control.settings({
			graphDelayMs: 8000,
			webhooks: { timeoutMs: 20_000, retryBaseMs: 3600_000 },
		});
		const inbound = await control.inbound({ from: CUSTOMER, image: true, waitForDelivery: true });
		expect(inbound.delivery).toMatchObject({ httpStatus: 200 });
		const [item] = server!.runs()[0];
		expect(item.binary).toBeUndefined();
		expect(item.json.mediaError).toMatch(
			/^The Graph API call GET \d+ got no answer within 5 s and was given up$/,
		);
	}, 20_000);
});

describe('hand-off to Follow-up Waits', () => {
	let n8n: Server;
	let resumed: Array<{ path: string; body: any; windowOpenWhenResumed: boolean }>;
	let resumeUrlBase: string;
	let storeForChecks: Store | undefined;

	beforeEach(async () => {
		resumed = [];
		n8n = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				void (async () => {
					const windowOpenWhenResumed =
						storeForChecks !== undefined &&
						(await storeForChecks.isWindowOpen({
							account: emulator.info().wabaId,
							phoneNumberId: PHONE_NUMBER_ID,
							contact: CUSTOMER_WA_ID,
							at: Date.now(),
						}));
					resumed.push({
						path: request.url ?? '',
						body: JSON.parse(Buffer.concat(chunks).toString()),
						windowOpenWhenResumed,
					});
					response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
				})();
			});
		});
		await new Promise<void>((resolve) => n8n.listen(0, '127.0.0.1', resolve));
		resumeUrlBase = `http://127.0.0.1:${(n8n.address() as AddressInfo).port}/webhook-waiting`;
	});

	afterEach(async () => {
		storeForChecks = undefined;
		await new Promise<void>((resolve) => n8n.close(() => resolve()));
	});

	it('the customer’s reply resumes the waiting execution once, after the window was recorded', async () => {
		const { store } = await liveTrigger({ events: ['messageReceived'] });
		storeForChecks = store;
		const wait = await registerFollowUpWait(store, {
			account: emulator.info().wabaId,
			phoneNumberId: PHONE_NUMBER_ID,
			contact: CUSTOMER_WA_ID,
			executionId: '4711',
			resumeUrl: `${resumeUrlBase}/4711?signature=secret-token`,
			deadline: new Date(Date.now() + 3600_000),
			rule: { kind: 'anyMessage' },
			now: new Date(Date.now() - 60_000),
		});

		const inbound = await control.inbound({
			from: CUSTOMER,
			text: 'Ja, passt!',
			waitForDelivery: true,
		});
		expect(inbound.delivery).toMatchObject({ delivered: true, httpStatus: 200 });
		expect(resumed).toEqual([
			{
				path: '/webhook-waiting/4711?signature=secret-token',
				body: expect.objectContaining({
					waitId: wait.id,
					outcome: 'replied',
					event: expect.objectContaining({ messageId: inbound.messageId }),
				}),
				windowOpenWhenResumed: true,
			},
		]);
		expect((await store.getWait(wait.id))?.status).toBe('claimed');
		// The wait owns the reply: the trigger (a fallback by default) does not answer it too.
		expect(server!.runs()).toEqual([]);

		const next = await control.inbound({ from: CUSTOMER, text: 'noch was', waitForDelivery: true });
		expect(resumed).toHaveLength(1);
		expect(jsonOf(server!.runs()[0])[0]).toMatchObject({
			messageId: next.messageId,
			routing: { role: 'fallback', rule: 'fallback', consumedReply: false },
		});
	});

	it('with "Receive Replies a Follow-up Wait Consumed" the trigger runs for the reply too, flagged', async () => {
		const { store } = await liveTrigger({
			events: ['messageReceived'],
			options: { receiveConsumedReplies: true },
		});
		storeForChecks = store;
		await registerFollowUpWait(store, {
			account: emulator.info().wabaId,
			phoneNumberId: PHONE_NUMBER_ID,
			contact: CUSTOMER_WA_ID,
			executionId: '4712',
			resumeUrl: `${resumeUrlBase}/4712?signature=secret-token`,
			deadline: new Date(Date.now() + 3600_000),
			rule: { kind: 'anyMessage' },
			now: new Date(Date.now() - 60_000),
		});
		const inbound = await control.inbound({ from: CUSTOMER, text: 'Ja!', waitForDelivery: true });
		expect(resumed).toHaveLength(1);
		expect(jsonOf(server!.runs()[0])).toEqual([
			expect.objectContaining({
				messageId: inbound.messageId,
				routing: { role: 'fallback', rule: 'fallback', consumedReply: true, duringHandover: false },
			}),
		]);
	});
});

describe('hand-off while n8n is unreachable', () => {
	let n8n: FakeWaitingN8n;

	beforeEach(async () => {
		n8n = await FakeWaitingN8n.start();
	});

	afterEach(async () => {
		await n8n.close();
	});

	it('answers 503 and keeps the hand-off open; Meta’s redelivery after n8n is back resumes the wait once, without a second run', async () => {
		// Meta's redelivery comes when the test moves the emulator's clock, not by itself.
		await control.settings({ webhooks: { retryBaseMs: 3600_000 } });
		const { fixture, store } = await liveTrigger({
			events: ['messageReceived'],
			options: { receiveConsumedReplies: true },
		});
		const execution = await n8n.execute({
			node: followUpWait,
			parameters: waitParameters(),
			items: [sentTemplateItem(CUSTOMER_WA_ID)],
			credentials: fixture.credentials,
		});
		expect(execution.status).toBe('waiting');
		const waiting = () =>
			store.findWaitingWaits({
				account: emulator.info().wabaId,
				phoneNumberId: PHONE_NUMBER_ID,
				contact: CUSTOMER_WA_ID,
				at: new Date(),
			});
		expect(await waiting()).toHaveLength(1);

		await n8n.goDown();
		const inbound = await control.inbound({
			from: CUSTOMER,
			text: 'Ja, passt!',
			waitForDelivery: true,
		});
		expect(inbound.delivery).toMatchObject({ delivered: false, httpStatus: 503 });
		expect(server!.runs()).toHaveLength(1);
		expect(jsonOf(server!.runs()[0])[0]).toMatchObject({ messageId: inbound.messageId });
		expect(await waiting()).toHaveLength(1);

		await n8n.comeBack();
		await control.advanceClock(3600);
		const redelivery = await deliveryAttempt(2);
		expect(redelivery).toMatchObject({ httpStatus: 200 });
		expect(branchOf(execution)).toBe('replied');
		expect(execution.answers).toEqual([200]);
		expect(execution.outputs?.[1][0].json).toMatchObject({
			event: 'message',
			message: expect.objectContaining({ text: 'Ja, passt!' }),
		});
		// The redelivery only finished the hand-off: the trigger did not run a second time.
		expect(server!.runs()).toHaveLength(1);
		expect(await waiting()).toHaveLength(0);
	});
});

/** The emulator's delivery log entry of this attempt, once it has an answer. */
async function deliveryAttempt(attempt: number) {
	for (let poll = 0; poll < 200; poll++) {
		const found = (await control.deliveries()).find((entry) => entry.attempt === attempt);
		if (found) return found;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`no delivery attempt ${attempt}`);
}

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
	for (let attempt = 0; attempt < 100; attempt++) {
		if (await condition()) return;
		await new Promise((resolve) => setImmediate(resolve));
	}
	throw new Error('condition not reached');
}
