/**
 * Campaign Report against the emulator and a real SQLite store: a campaign goes out through the
 * send node (the log keeps its callback data, recipient name and purpose), the emulator's status
 * timeline (delivered, read, 131026 for a number not on WhatsApp) is recorded as the trigger
 * records it, one recipient replies, one opts out; the report counts them and lists recipients.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import {
	type ConsentEnvironment,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';

jest.setTimeout(60_000);

let env: ConsentEnvironment;
beforeAll(async () => {
	env = await startConsentEnvironment();
});
afterAll(async () => await env.close());

const CAMPAIGN = 'report-test-campaign';
const phones = germanNumbers(6, 700);
const waIdOf = (phone: string) => phone.replace(/^\+/, '');

async function run(
	parameters: Record<string, ParameterValue>,
	items: INodeExecutionData[] = [{ json: {} }],
	continueOnFail = false,
) {
	const result = await runNode({
		node: new WhatsAppAutomation(),
		parameters,
		items,
		credentials: { whatsAppCloudApi: env.credentials },
		continueOnFail,
	});
	return result.output![0];
}

/** Records the emulator's status timeline of every message, as the trigger does. */
async function recordStatuses(): Promise<void> {
	for (const message of await env.control.messages({ phoneNumberId: SENDER_ID })) {
		for (const status of message.statuses) {
			const error = status.errors?.[0] as { code?: number; title?: string } | undefined;
			await env.store.recordOutboundStatus({
				wamid: message.id,
				status: status.status,
				at: status.timestamp * 1000,
				...(error?.code ? { errorCode: error.code, errorTitle: error.title } : {}),
			});
		}
	}
}

beforeAll(async () => {
	await env.control.settings({ notOnWhatsApp: [waIdOf(phones[5])] });
	const sent = await run(
		{
			operation: 'sendTemplate',
			sender: { mode: 'id', value: SENDER_ID },
			recipientPhone: (_: number, item: INodeExecutionData) => item.json.phone,
			recipientName: (_: number, item: INodeExecutionData) => item.json.name,
			template: { mode: 'name', value: 'appointment_reminder|en_US' },
			variables: {
				mappingMode: 'defineBelow',
				value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4', body_4: 'Main St 1' },
			},
			options: { callbackData: CAMPAIGN },
		},
		phones.map((phone, n) => ({ json: { phone, name: `Customer ${n}` } })),
	);
	expect(sent.map((item) => item.json.status)).toEqual(phones.map(() => 'accepted'));
	// Recipients 0 and 1 read; the emulator delivers the others by itself.
	for (const phone of phones.slice(0, 2)) await env.control.read({ from: waIdOf(phone) });
	await waitFor(async () => {
		const messages = await env.control.messages({ phoneNumberId: SENDER_ID });
		return messages.every((message) => message.status !== 'accepted' && message.status !== 'sent');
	});
	await recordStatuses();
	await env.store.recordReply({
		account: env.account,
		phoneNumberId: SENDER_ID,
		contact: waIdOf(phones[0]),
		at: Date.now(),
	});
	await env.store.recordConsent({
		account: env.account,
		contact: waIdOf(phones[2]),
		status: 'opted_out',
		source: 'keyword',
		eventAt: Date.now(),
	});
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
	for (let attempt = 0; attempt < 200; attempt++) {
		if (await check()) return;
		await new Promise((resolve) => setImmediate(resolve));
		await env.control.advanceClock(0);
	}
	throw new Error('The emulator did not settle the messages');
}

const report = { resource: 'report', operation: 'campaignReport', reportCampaign: CAMPAIGN };

describe('Campaign Report', () => {
	it('keeps the campaign, the recipient name and the purpose in the message log', async () => {
		const [message] = await env.control.messages({ to: waIdOf(phones[3]) });
		expect(await env.store.getOutbound(message.id)).toMatchObject({
			account: env.account,
			callbackData: CAMPAIGN,
			recipientName: 'Customer 3',
			purpose: 'service',
			templateName: 'appointment_reminder',
		});
	});

	it('sums up a campaign with rates, failures by code and a text', async () => {
		const [item] = await run({ ...report, reportOutput: 'summary' });
		const summary = item.json.report as IDataObject;
		expect(summary).toMatchObject({
			campaign: CAMPAIGN,
			sent: 6,
			recipients: 6,
			delivered: 5,
			read: 2,
			failed: 1,
			pending: 0,
			replied: 1,
			optedOut: 1,
			replyWindowHours: 24,
			rates: {
				delivered: 0.8333,
				read: 0.3333,
				failed: 0.1667,
				replied: 0.1667,
				optedOut: 0.1667,
				readOfDelivered: 0.4,
			},
			failures: [{ code: 131026, messages: 1 }],
		});
		expect(summary.text).toMatch(
			/^Campaign report-test-campaign: 6 sent · 5 delivered \(83\.3%\) · 2 read \(33\.3%\) · 1 failed \(16\.7%\) \[131026 ×1\]/,
		);
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('lists the recipients who got it but did not read it, one item each, ready to send to', async () => {
		const items = await run({
			...report,
			reportOutput: 'recipients',
			recipientFilter: 'notRead',
			returnAll: true,
		});
		expect(items.map((item) => (item.json.contact as IDataObject).phone)).toEqual(
			phones.slice(2, 5),
		);
		expect(items[0].json).toMatchObject({
			contact: { waId: waIdOf(phones[2]), phone: phones[2], name: 'Customer 2' },
			campaign: CAMPAIGN,
			status: 'delivered',
			template: { name: 'appointment_reminder', language: 'en_US' },
			readAt: null,
			error: null,
		});
		expect(items[0].json.optedOutAt).toEqual(expect.any(String));

		const failed = await run({ ...report, reportOutput: 'recipients', recipientFilter: 'failed' });
		expect(failed).toHaveLength(1);
		expect(failed[0].json).toMatchObject({
			contact: { phone: phones[5] },
			status: 'failed',
			error: { code: 131026 },
		});
		const limited = await run({
			...report,
			reportOutput: 'recipients',
			recipientFilter: 'all',
			limit: 2,
		});
		expect(limited).toHaveLength(2);
	});

	it('reports a time range of one sender', async () => {
		const [item] = await run({
			resource: 'report',
			operation: 'campaignReport',
			reportSelection: 'timeRange',
			reportSentFrom: new Date(Date.now() - 60 * 60 * 1000).toISOString(),
			reportSender: { mode: 'id', value: SENDER_ID },
		});
		expect(item.json.report).toMatchObject({ sent: 6, sender: SENDER_ID, campaign: null });
	});

	it('names the field and the fix for bad input, item by item with Continue On Fail', async () => {
		const items = await run(
			{
				...report,
				reportCampaign: (_: number, item: INodeExecutionData) => item.json.campaign,
				replyWithinHours: (_: number, item: INodeExecutionData) => item.json.hours,
			},
			[
				{ json: { campaign: '', hours: 24 } },
				{ json: { campaign: CAMPAIGN, hours: 0 } },
				{ json: { campaign: CAMPAIGN, hours: 48 } },
			],
			true,
		);
		expect(items[0].json.error).toMatchObject({ field: 'Campaign', message: 'Campaign is empty' });
		expect(items[1].json.error).toMatchObject({
			field: 'Reply Window (Hours)',
			message: expect.stringMatching(/is not a number of hours/),
		});
		expect(items[2].json.report).toMatchObject({ sent: 6, replyWindowHours: 48 });
		await expect(
			run({
				resource: 'report',
				operation: 'campaignReport',
				reportSelection: 'timeRange',
			}),
		).rejects.toThrow(/Sent After is empty/);
	});
});
