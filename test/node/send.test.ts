/**
 * The send node, driven like n8n drives it, against the Cloud API emulator over real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INodeExecutionData, INodeListSearchResult, ResourceMapperFields } from 'n8n-workflow';

import { EmulatorControl } from '../../emulator/control-client';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { closeAllStores, openStore, storeConfigFromCredentials } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { searchPhoneNumbers } from '../../nodes/helpers/sender';
import { getTemplateVariables, searchTemplates } from '../../nodes/helpers/template';
import { runMethod, runNode, type ParameterValue } from '../helpers/nodeHarness';

jest.setTimeout(60_000);

const SENDER = '106540352242922';
const OTHER_SENDER = '106540352242923';
const node = new WhatsAppAutomation();

let emulator: RunningEmulator;
let control: EmulatorControl;
let storeDir: string;
let credentials: Record<string, Record<string, unknown>>;

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
	const info = emulator.info();
	storeDir = mkdtempSync(join(tmpdir(), 'wa-send-'));
	credentials = {
		whatsAppCloudApi: {
			accessToken: info.accessToken,
			businessAccountId: info.wabaId,
			appId: info.appId,
			appSecret: info.appSecret,
			graphApiVersion: info.graphVersion,
			baseUrl: info.baseUrl,
			store: 'builtin',
			sqlitePath: join(storeDir, 'store.sqlite'),
		},
	};
});

afterAll(async () => {
	await closeAllStores();
	await emulator.stop();
	rmSync(storeDir, { recursive: true, force: true });
});

beforeEach(async () => {
	await control.reset();
});

const rl = (value: string, mode = 'list') => ({ __rl: true, mode, value });

function send(
	parameters: Record<string, ParameterValue>,
	extra: { items?: INodeExecutionData[]; continueOnFail?: boolean } = {},
) {
	return runNode({
		node,
		credentials,
		parameters: {
			sender: rl(SENDER),
			options: { messagesPerSecond: 0, retryDelaySeconds: 0.05 },
			...parameters,
		},
		...extra,
	});
}

const appointment = (i: number) => ({
	operation: 'sendTemplate',
	recipientPhone: `+49151${String(10000000 + i)}`,
	template: rl('appointment_reminder|en_US'),
	variables: {
		mappingMode: 'defineBelow',
		value: {
			body_1: `Anna ${i}`,
			body_2: 'Dr. Weber',
			body_3: 'May 4, 10:00',
			body_4: 'Main Street 1',
		},
	},
});

describe('editor methods', () => {
	const context = () => ({ node, credentials, parameters: {} });

	it('lists the senders with number, name, status and quality', async () => {
		await control.setPhoneNumber(OTHER_SENDER, { status: 'DISCONNECTED' });
		const result = await runMethod<INodeListSearchResult>(context(), searchPhoneNumbers as never);
		expect(result.results).toEqual(
			expect.arrayContaining([
				expect.objectContaining({
					value: SENDER,
					name: expect.stringMatching(
						/\+1 555-078-3881 · Emulator Shop · CONNECTED · quality GREEN/,
					),
				}),
				expect.objectContaining({
					value: OTHER_SENDER,
					name: expect.stringMatching(/DISCONNECTED/),
				}),
			]),
		);
	});

	it('lists only approved templates, searchable', async () => {
		const all = await runMethod<INodeListSearchResult>(context(), searchTemplates as never);
		const names = all.results.map((r) => r.value);
		expect(names).toEqual(
			expect.arrayContaining([
				'appointment_reminder|en_US',
				'appointment_reminder|de',
				'welcome_named|en_US',
			]),
		);
		expect(names).not.toContain('black_friday_preview|en_US');
		expect(names).not.toContain('instant_loan_offer|en_US');
		const filtered = await runMethod<INodeListSearchResult>(
			context(),
			searchTemplates as never,
			'spring',
		);
		expect(filtered.results.map((r) => r.value)).toEqual(['spring_sale|en_US']);
	});

	it('builds the variable mapper from the chosen template', async () => {
		const fields = await runMethod<ResourceMapperFields>(
			{ node, credentials, parameters: { template: rl('spring_sale|en_US') } },
			getTemplateVariables as never,
		);
		expect(fields.fields.map((f) => [f.id, f.required])).toEqual([
			['body_1', true],
			['body_2', true],
			['button_0_url', true],
			['button_1_payload', false],
		]);
		const named = await runMethod<ResourceMapperFields>(
			{ node, credentials, parameters: { template: rl('welcome_named|en_US') } },
			getTemplateVariables as never,
		);
		expect(named.fields.map((f) => f.displayName)).toEqual([
			'Body {{first_name}} (e.g. Pablo)',
			"Body {{company}} (e.g. Jasper's Market)",
		]);
	});
});

describe('Send Template', () => {
	it('sends a positional template and returns the message, recipient and rendered text', async () => {
		const run = await send({ ...appointment(1), recipientName: 'Anna' });
		const [item] = run.output![0];
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({
			messageId: expect.stringMatching(/^wamid\./),
			status: 'accepted',
			waId: '4915110000001',
			sender: { phoneNumberId: SENDER, displayPhoneNumber: '+1 555-078-3881' },
			recipient: { phone: '+4915110000001', waId: '4915110000001', name: 'Anna' },
			template: { name: 'appointment_reminder', language: 'en_US', category: 'UTILITY' },
			renderedText:
				'Hello Anna 1, your appointment with Dr. Weber on May 4, 10:00 is confirmed. Location: Main Street 1',
		});
		const [sent] = await control.messages({ to: '4915110000001' });
		expect(sent.id).toBe(item.json.messageId);
		expect(sent.renderedText).toBe(item.json.renderedText);
	});

	it('sends a named template with parameter names', async () => {
		const run = await send({
			operation: 'sendTemplate',
			recipientPhone: '+436641234567',
			template: rl('welcome_named', 'name'),
			variables: { value: { body_first_name: 'Pablo', body_company: 'Acme' } },
		});
		expect(run.output![0][0].json.renderedText).toMatch(/^Hi Pablo, welcome to Acme!/);
		const [sent] = await control.messages({ to: '436641234567' });
		expect(sent.request).toMatchObject({
			template: {
				components: [
					{
						type: 'body',
						parameters: [
							{ parameter_name: 'first_name', text: 'Pablo' },
							{ parameter_name: 'company', text: 'Acme' },
						],
					},
				],
			},
		});
	});

	it('sends a media header, URL suffix and quick-reply payload', async () => {
		await send({
			operation: 'sendTemplate',
			recipientPhone: '+4915112345678',
			template: rl('spring_sale|en_US'),
			variables: {
				value: {
					body_1: 'Anna',
					body_2: '20%',
					button_0_url: 'spring-26',
					button_1_payload: 'STOP_PROMO',
				},
			},
		});
		const [sent] = await control.messages({ to: '4915112345678' });
		expect(sent.status).not.toBe('failed');
		expect(sent.template).toMatchObject({ name: 'spring_sale', category: 'MARKETING' });
	});

	it('names the template, variable and item when a variable is missing, and sends nothing', async () => {
		const items = [{ json: {} }, { json: {} }];
		await expect(
			send(
				{
					...appointment(2),
					variables: (i: number) => ({
						value:
							i === 1 ? { body_1: 'x', body_2: 'y', body_3: 'z' } : appointment(2).variables.value,
					}),
				},
				{ items },
			),
		).rejects.toMatchObject({
			message: expect.stringContaining(
				'Variable "body_4" of template "appointment_reminder" (en_US)',
			),
			context: expect.objectContaining({ itemIndex: 1 }),
		});
		expect(await control.messages()).toEqual([]);
	});

	it('refuses templates that are not approved or do not exist, before sending', async () => {
		await expect(
			send({ ...appointment(3), template: rl('black_friday_preview|en_US') }),
		).rejects.toThrow(/PENDING, not APPROVED/);
		await expect(
			send({ ...appointment(3), template: rl('appointment_reminder|fr') }),
		).rejects.toMatchObject({
			description: expect.stringContaining('en_US, de'),
		});
		await expect(
			send({ ...appointment(3), template: rl('appointment_reminder', 'name') }),
		).rejects.toThrow(/several languages/);
		expect(await control.messages()).toEqual([]);
	});
});

describe('recipient and sender checks', () => {
	it.each(['0151/12345678', '+49 (0) 151 12345678', '4915112345678'])(
		'refuses %s with the expected form',
		async (phone) => {
			await expect(send({ ...appointment(4), recipientPhone: phone })).rejects.toMatchObject({
				message: expect.stringMatching(
					/Recipient Phone is invalid.*expected E\.164 like \+4915112345678/,
				),
			});
		},
	);

	it('fails every item with "Sender offline" before anything is sent', async () => {
		await control.setPhoneNumber(SENDER, { status: 'DISCONNECTED' });
		await expect(send(appointment(5))).rejects.toMatchObject({
			message: expect.stringMatching(/Sender .* is offline: status DISCONNECTED/),
			description: expect.stringMatching(/Sender offline/),
		});
		expect(await control.messages()).toEqual([]);
	});

	it('looks the sender up once per execution, not per item', async () => {
		const items = Array.from({ length: 20 }, () => ({ json: {} }));
		const run = await send(
			{ ...appointment(0), recipientPhone: (i: number) => `+49151${20000000 + i}` },
			{ items },
		);
		const senderLookups = run.requests.filter(
			(r) => r.method === 'GET' && new URL(r.url).pathname.endsWith(`/${SENDER}`),
		);
		const templateLookups = run.requests.filter((r) => r.url.includes('message_templates'));
		expect(senderLookups).toHaveLength(1);
		expect(templateLookups).toHaveLength(1);
		expect(run.output![0]).toHaveLength(20);
	});
});

describe('the credential', () => {
	it('is read once per execution, however many items and requests', async () => {
		const items = Array.from({ length: 12 }, () => ({ json: {} }));
		const run = await send(
			{ ...appointment(0), recipientPhone: (i: number) => `+49151${21000000 + i}` },
			{ items },
		);

		expect(run.output![0].map((item) => item.json.status)).toEqual(Array(12).fill('accepted'));
		expect(run.requests.length).toBeGreaterThan(12);
		expect(run.credentialReads).toBe(1);
	});
});

describe('Continue On Fail', () => {
	it('gives each bad item its own error and sends the others', async () => {
		const items = Array.from({ length: 4 }, () => ({ json: {} }));
		const phones = ['+4915130000001', 'not-a-number', '+4915130000003', '+15555550100'];
		const run = await send(
			{ ...appointment(0), recipientPhone: (i: number) => phones[i] },
			{ items, continueOnFail: true },
		);
		const out = run.output![0];
		expect(out.map((o) => o.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
			{ item: 3 },
		]);
		expect(out[0].json.messageId).toMatch(/^wamid\./);
		expect(out[1].json.error).toMatchObject({
			field: 'Recipient Phone',
			value: 'not-a-number',
			fix: expect.stringMatching(/E\.164/),
		});
		expect(out[2].json.messageId).toMatch(/^wamid\./);
		// Not on WhatsApp is accepted by Meta and fails later as a status: the send itself succeeds.
		expect(out[3].json.messageId).toMatch(/^wamid\./);
		expect((await control.messages()).length).toBe(3);
	});

	it('keeps Meta’s code, title and details on API errors', async () => {
		const bad = {
			...credentials,
			whatsAppCloudApi: { ...credentials.whatsAppCloudApi, accessToken: 'wrong' },
		};
		await expect(
			runNode({ node, credentials: bad, parameters: { sender: rl(SENDER), ...appointment(6) } }),
		).rejects.toMatchObject({
			message: expect.stringMatching(/access token is invalid/),
			httpCode: '401',
			description: expect.stringMatching(/Meta: code 190/),
		});
	});
});

describe('Send Text, Buttons, Media, Mark as Read', () => {
	async function openWindow(from: string) {
		const inbound = await control.inbound({ phoneNumberId: SENDER, from, text: 'Hi' });
		return inbound.messageId;
	}

	it('sends text inside the window, as a reply, with link preview', async () => {
		const inboundId = await openWindow('+4915140000001');
		const run = await send({
			operation: 'sendText',
			recipientPhone: '+4915140000001',
			text: 'Thanks! See https://example.com',
			previewUrl: true,
			options: { messagesPerSecond: 0, replyToMessageId: inboundId, callbackData: 'crm-42' },
		});
		expect(run.output![0][0].json).toMatchObject({
			type: 'text',
			renderedText: 'Thanks! See https://example.com',
		});
		const [sent] = await control.messages({ to: '4915140000001' });
		expect(sent.request).toMatchObject({
			text: { preview_url: true },
			context: { message_id: inboundId },
			biz_opaque_callback_data: 'crm-42',
		});
	});

	it('explains 131047 "Outside the 24-hour window" when Meta refuses at once', async () => {
		await control.settings({ policyErrors: 'response' });
		await expect(
			send({ operation: 'sendText', recipientPhone: '+4915140000002', text: 'Hello?' }),
		).rejects.toMatchObject({
			message:
				'Outside the 24-hour window: the customer has not written in the last 24 hours; send a template.',
			description: expect.stringMatching(/code 131047/),
		});
	});

	it('fails free text at once when the store knows the window closed, and still sends templates', async () => {
		const store = await openStore(storeConfigFromCredentials(credentials.whatsAppCloudApi));
		await store.touchWindow({
			account: emulator.info().wabaId,
			phoneNumberId: SENDER,
			contact: '4915140000009',
			inboundAt: Date.now() - 25 * 60 * 60 * 1000,
		});
		const items = [{ json: {} }, { json: {} }];
		const run = await send(
			{
				operation: 'sendText',
				recipientPhone: (i: number) => (i === 0 ? '+4915140000009' : '+4915140000010'),
				text: 'Hello again',
			},
			{ items, continueOnFail: true },
		);
		expect(run.output![0][0].json.error).toMatchObject({
			message:
				'Outside the 24-hour window: the customer has not written in the last 24 hours; send a template.',
			code: 131047,
			details: expect.stringMatching(/last wrote at .* more than 24 hours ago/),
		});
		// A contact the store has never heard from is left to Meta.
		expect(run.output![0][1].json.messageId).toMatch(/^wamid\./);
		expect(await control.messages({ to: '4915140000009' })).toEqual([]);
		await send({ ...appointment(0), recipientPhone: '+4915140000009' });
		expect(await control.messages({ to: '4915140000009' })).toHaveLength(1);
	});

	it('refuses text over 4096 characters before sending', async () => {
		await expect(
			send({ operation: 'sendText', recipientPhone: '+4915140000003', text: 'x'.repeat(4097) }),
		).rejects.toThrow(/4097 characters long/);
		expect(await control.messages()).toEqual([]);
	});

	it('sends reply buttons with header and footer', async () => {
		await openWindow('+4915140000004');
		await send({
			operation: 'sendButtons',
			recipientPhone: '+4915140000004',
			buttonsBody: 'Can we call you tomorrow?',
			buttons: { button: [{ title: 'Yes', id: 'call_yes' }, { title: 'No' }] },
			buttonsHeader: 'Callback',
			buttonsFooter: 'Reply any time',
		});
		const [sent] = await control.messages({ to: '4915140000004' });
		expect(sent.replyOptions.map((o) => o.id)).toEqual(['call_yes', 'No']);
	});

	it('sends media by link and uploads n8n binary data first', async () => {
		await openWindow('+4915140000005');
		await send({
			operation: 'sendMedia',
			recipientPhone: '+4915140000005',
			mediaType: 'image',
			mediaSource: 'url',
			mediaUrl: 'https://example.com/a.jpg',
			caption: 'Look',
		});
		const pdf = Buffer.from('%PDF-1.4 test');
		const run = await send(
			{
				operation: 'sendMedia',
				recipientPhone: '+4915140000005',
				mediaType: 'document',
				mediaSource: 'binary',
				binaryPropertyName: 'data',
				caption: 'Invoice',
			},
			{
				items: [
					{
						json: {},
						binary: {
							data: {
								data: pdf.toString('base64'),
								mimeType: 'application/pdf',
								fileName: 'invoice.pdf',
							},
						},
					},
				],
			},
		);
		expect(run.output![0][0].json.messageId).toMatch(/^wamid\./);
		const sent = await control.messages({ to: '4915140000005' });
		expect(sent.map((s) => s.type)).toEqual(['image', 'document']);
		expect(sent[1].request).toMatchObject({
			document: { id: expect.stringMatching(/^\d+$/), caption: 'Invoice', filename: 'invoice.pdf' },
		});
	});

	it('marks an inbound message as read with a typing indicator', async () => {
		const inboundId = await openWindow('+4915140000006');
		const run = await send({
			operation: 'markAsRead',
			messageId: inboundId,
			typingIndicator: true,
		});
		expect(run.output![0][0].json).toMatchObject({ readMessageId: inboundId });
		const [inbound] = await control.inboundMessages({ from: '4915140000006' });
		expect(inbound).toMatchObject({ id: inboundId });
	});
});

describe('batches', () => {
	it('sends 1,000 items under a throughput cap with retries: none lost, none twice', async () => {
		await control.settings({ defaultMps: 200, pairRate: { burst: 1, refillSeconds: 1 } });
		const items = Array.from({ length: 1000 }, () => ({ json: {} }));
		// 950 different recipients, 50 items go to recipients that appear twice (pair rate).
		const recipientOf = (i: number) => `+49152${String(10000000 + (i < 950 ? i : i - 950))}`;
		const run = await send(
			{
				...appointment(0),
				recipientPhone: (i: number) => recipientOf(i),
				options: {
					messagesPerSecond: 400,
					concurrency: 40,
					maxRetries: 8,
					retryDelaySeconds: 0.25,
				},
			},
			{ items },
		);
		const out = run.output![0];
		expect(out).toHaveLength(1000);
		expect(out.every((o) => typeof o.json.messageId === 'string')).toBe(true);
		const retried = out.filter((o) => (o.json.attempts as number) > 1).length;
		expect(retried).toBeGreaterThan(0);
		const sent = await control.messages();
		expect(sent).toHaveLength(1000);
		expect(new Set(sent.map((s) => s.id)).size).toBe(1000);
		const perRecipient = new Map<string, number>();
		for (const s of sent) perRecipient.set(s.to!, (perRecipient.get(s.to!) ?? 0) + 1);
		expect([...perRecipient.values()].filter((n) => n === 2)).toHaveLength(50);
		expect(new Set(out.map((o) => o.json.messageId)).size).toBe(1000);
	});
});

describe('a connection that breaks after the message went out', () => {
	let graph: Server;
	let baseUrl: string;
	let messagePosts: number;

	beforeEach(async () => {
		messagePosts = 0;
		// Answers the sender lookup; resets the connection once it has read a message POST,
		// as a proxy or Meta's edge may do after Meta accepted the message.
		graph = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				if (request.method === 'POST' && /\/messages$/.test(request.url ?? '')) {
					messagePosts++;
					request.socket.destroy();
					return;
				}
				response.writeHead(200, { 'content-type': 'application/json' });
				response.end(
					JSON.stringify({
						id: SENDER,
						display_phone_number: '+1 555-078-3881',
						status: 'CONNECTED',
					}),
				);
			});
		});
		await new Promise<void>((resolve) => graph.listen(0, '127.0.0.1', resolve));
		baseUrl = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
	});

	afterEach(async () => {
		graph.closeAllConnections();
		await new Promise<void>((resolve) => graph.close(() => resolve()));
	});

	it('is not retried: exactly one request, and the error says the message may have been delivered', async () => {
		const run = runNode({
			node,
			credentials: {
				whatsAppCloudApi: { ...credentials.whatsAppCloudApi, baseUrl },
			},
			parameters: {
				sender: rl(SENDER),
				operation: 'sendText',
				recipientPhone: '+4915149990001',
				text: 'Your order has shipped',
				options: { messagesPerSecond: 0, retryDelaySeconds: 0.05, maxRetries: 3 },
			},
		});

		await expect(run).rejects.toThrow(/may have been delivered to 4915149990001/);
		expect(messagePosts).toBe(1);
	});
});
