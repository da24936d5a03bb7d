/**
 * "When the Window Is Closed" → Send a Template Instead, against the emulator over real HTTP: a
 * free-form message whose 24-hour window is closed goes out as the chosen template with its
 * variables mapped from the item, under Send Template's consent rules; "Fail the Item" (the
 * default) keeps failing like Meta's 131047; a 131047 in Meta's answer to a message whose window
 * the store believed open sends the template once, right away.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { ConsentStatus } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import {
	type ConsentEnvironment,
	gateCredentials,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { type HarnessRun, runNode } from '../helpers/nodeHarness';

jest.setTimeout(60_000);

let env: ConsentEnvironment;
beforeAll(async () => {
	env = await startConsentEnvironment();
});
afterAll(async () => await env.close());

const HOUR = 60 * 60 * 1000;
const waIdOf = (phone: string) => phone.slice(1);

/** The customer wrote a minute ago: Meta's window (the emulator) and the store's are open. */
async function windowOpen(phone: string): Promise<void> {
	await env.control.inbound({ phoneNumberId: SENDER_ID, from: phone, text: 'Hi' });
	await touchWindow(phone, Date.now() - 60_000);
}

/** The customer last wrote 25 hours ago: the store knows the window is closed, and so does Meta. */
async function windowClosed(phone: string): Promise<void> {
	await touchWindow(phone, Date.now() - 25 * HOUR);
}

/** The store saw the customer write a minute ago, but Meta never did: Meta's window is closed. */
async function windowOpenOnlyInTheStore(phone: string): Promise<void> {
	await touchWindow(phone, Date.now() - 60_000);
}

async function touchWindow(phone: string, inboundAt: number): Promise<void> {
	await env.store.touchWindow({
		account: env.account,
		phoneNumberId: SENDER_ID,
		contact: waIdOf(phone),
		inboundAt,
	});
}

async function consent(phone: string, status: ConsentStatus): Promise<void> {
	await env.store.recordConsent({
		account: env.account,
		contact: waIdOf(phone),
		status,
		source: 'import',
		eventAt: Date.now() - 24 * HOUR,
	});
}

const stringField = (id: string) => ({
	id,
	displayName: id,
	required: true,
	defaultMatch: false,
	canBeUsedToMatch: false,
	display: true,
	type: 'string',
});

/** The reminder template, its variables mapped from the item by expressions. */
const reminder = {
	template: { __rl: true, mode: 'name', value: 'appointment_reminder|en_US' },
	variables: {
		mappingMode: 'defineBelow',
		value: {
			body_1: '={{ $json.name }}',
			body_2: 'Dr. Weber',
			body_3: '={{ $json.when }}',
			body_4: 'Main Street 1',
		},
		matchingColumns: [],
		schema: ['body_1', 'body_2', 'body_3', 'body_4'].map(stringField),
	},
};

/** The marketing template (MARKETING category). */
const springSale = {
	template: { __rl: true, mode: 'name', value: 'spring_sale|en_US' },
	variables: {
		mappingMode: 'defineBelow',
		value: { body_1: '={{ $json.name }}', body_2: 'SPRING20', button_0_url: 'spring' },
		matchingColumns: [],
		schema: ['body_1', 'body_2', 'button_0_url'].map(stringField),
	},
};

const followUpText = {
	resource: 'message',
	operation: 'sendText',
	sender: { __rl: true, mode: 'id', value: SENDER_ID },
	recipientPhone: '={{ $json.phone }}',
	text: 'Are you still interested in your appointment?',
	options: { messagesPerSecond: 500 },
};

/** n8n's way: raw parameters, expressions evaluated per item (readItemParameter's fast path). */
async function run(
	parameters: Record<string, unknown>,
	items: Array<Record<string, unknown>>,
	continueOnFail = false,
): Promise<HarnessRun> {
	return await runNode({
		node: new WhatsAppAutomation(),
		rawParameters: true,
		parameters,
		items: items.map((json) => ({ json })) as INodeExecutionData[],
		credentials: gateCredentials(env),
		continueOnFail,
	});
}

const withTemplate = (template: Record<string, unknown> = reminder) => ({
	...followUpText,
	windowClosed: 'sendTemplate',
	...template,
});

async function atMeta(phone: string) {
	return await env.control.messages({ to: waIdOf(phone) });
}

const reminderComponents = (name: string, when: string) => [
	{
		type: 'body',
		parameters: [
			{ type: 'text', text: name },
			{ type: 'text', text: 'Dr. Weber' },
			{ type: 'text', text: when },
			{ type: 'text', text: 'Main Street 1' },
		],
	},
];

describe('Send a Template Instead', () => {
	it('sends the text while the window is open', async () => {
		const [phone] = germanNumbers(1, 500_000);
		await windowOpen(phone);
		const { output } = await run(withTemplate(), [{ phone, name: 'Anna', when: 'May 4' }]);
		expect(output![0][0].json).toMatchObject({
			type: 'text',
			sentAs: 'text',
			renderedText: 'Are you still interested in your appointment?',
		});
		expect(output![0][0].json.fallback).toBeUndefined();
		expect(output![0][0].json.template).toBeUndefined();
		const sent = await atMeta(phone);
		expect(sent.map((message) => message.type)).toEqual(['text']);
	});

	it('sends the template, variables mapped per item, when the store knows the window is closed', async () => {
		const [annaPhone, benPhone, openPhone] = germanNumbers(3, 500_010);
		await windowClosed(annaPhone);
		await windowClosed(benPhone);
		await windowOpen(openPhone);
		const { output } = await run(withTemplate(), [
			{ phone: annaPhone, name: 'Anna', when: 'May 4, 10:00' },
			{ phone: openPhone, name: 'Cleo', when: 'May 6' },
			{ phone: benPhone, name: 'Ben', when: 'May 5, 11:30' },
		]);
		const [anna, open, ben] = output![0];
		expect(anna.json).toMatchObject({
			messageId: expect.stringMatching(/^wamid\./),
			type: 'template',
			sentAs: 'template',
			purpose: 'service',
			template: { name: 'appointment_reminder', language: 'en_US', category: 'UTILITY' },
			renderedText:
				'Hello Anna, your appointment with Dr. Weber on May 4, 10:00 is confirmed. Location: Main Street 1',
			fallback: {
				reason: 'windowClosed',
				detectedBy: 'store',
				template: 'appointment_reminder',
				language: 'en_US',
				details: expect.stringMatching(/last wrote at .* more than 24 hours ago/),
			},
		});
		expect(anna.pairedItem).toEqual({ item: 0 });
		expect(open.json).toMatchObject({ type: 'text', sentAs: 'text' });
		expect(ben.json).toMatchObject({
			sentAs: 'template',
			renderedText: expect.stringContaining('Hello Ben'),
		});

		for (const [phone, name, when] of [
			[annaPhone, 'Anna', 'May 4, 10:00'],
			[benPhone, 'Ben', 'May 5, 11:30'],
		]) {
			const sent = await atMeta(phone);
			// Exactly one message, the template, and no text.
			expect(sent).toHaveLength(1);
			expect(sent[0]).toMatchObject({
				type: 'template',
				template: { name: 'appointment_reminder', language: 'en_US' },
			});
			expect(sent[0].request).toMatchObject({
				type: 'template',
				template: {
					name: 'appointment_reminder',
					language: { code: 'en_US' },
					components: reminderComponents(name, when),
				},
			});
			expect(sent[0].request.text).toBeUndefined();
		}
		// The message log says what went out.
		const logged = await env.store.getOutbound(anna.json.messageId as string);
		expect(logged).toMatchObject({ kind: 'template', templateName: 'appointment_reminder' });
	});

	it('sends the template when Meta reported 131047 after the customer’s last message', async () => {
		const [phone] = germanNumbers(1, 500_020);
		await windowOpenOnlyInTheStore(phone);
		await env.store.recordWindowClosed({
			account: env.account,
			phoneNumberId: SENDER_ID,
			contact: waIdOf(phone),
			at: Date.now() - 1000,
		});
		const { output } = await run(withTemplate(), [{ phone, name: 'Anna', when: 'May 4' }]);
		expect(output![0][0].json).toMatchObject({
			sentAs: 'template',
			fallback: { detectedBy: 'store', details: expect.stringContaining('Meta reported 131047') },
		});
		expect((await atMeta(phone)).map((message) => message.type)).toEqual(['template']);
	});

	it('also replaces buttons and media, without uploading the file', async () => {
		const [buttonsPhone, mediaPhone] = germanNumbers(2, 500_030);
		await windowClosed(buttonsPhone);
		await windowClosed(mediaPhone);
		const buttons = await run(
			{
				...withTemplate(),
				operation: 'sendButtons',
				buttonsBody: 'Can we call you tomorrow?',
				buttons: { button: [{ title: 'Yes' }, { title: 'No' }] },
			},
			[{ phone: buttonsPhone, name: 'Anna', when: 'May 4' }],
		);
		expect(buttons.output![0][0].json).toMatchObject({ type: 'template', sentAs: 'template' });

		const media = await runNode({
			node: new WhatsAppAutomation(),
			rawParameters: true,
			parameters: {
				...withTemplate(),
				operation: 'sendMedia',
				mediaType: 'document',
				mediaSource: 'binary',
				binaryPropertyName: 'data',
			},
			items: [
				{
					json: { phone: mediaPhone, name: 'Ben', when: 'May 5' },
					binary: {
						data: {
							data: Buffer.from('%PDF-1.4').toString('base64'),
							mimeType: 'application/pdf',
							fileName: 'a.pdf',
						},
					},
				},
			],
			credentials: gateCredentials(env),
		});
		expect(media.output![0][0].json).toMatchObject({ type: 'template', sentAs: 'template' });
		expect(media.requests.some((request) => request.url.endsWith('/media'))).toBe(false);
		for (const phone of [buttonsPhone, mediaPhone]) {
			expect((await atMeta(phone)).map((message) => message.type)).toEqual(['template']);
		}
	});
});

describe('Fail the Item (the default)', () => {
	it('fails a closed window like Meta’s 131047, sends nothing, and adds nothing to the output', async () => {
		const [closedPhone, openPhone] = germanNumbers(2, 500_100);
		await windowClosed(closedPhone);
		await windowOpen(openPhone);
		for (const parameters of [followUpText, { ...followUpText, windowClosed: 'fail' }]) {
			await expect(
				run(parameters, [{ phone: openPhone }, { phone: closedPhone }]),
			).rejects.toMatchObject({
				message:
					'Outside the 24-hour window: the customer has not written in the last 24 hours; send a template.',
				description: expect.stringMatching(/code 131047/),
			});
		}
		expect(await atMeta(closedPhone)).toEqual([]);
		expect(await atMeta(openPhone)).toEqual([]);

		const { output } = await run(followUpText, [{ phone: openPhone }]);
		expect(output![0][0].json).toMatchObject({ type: 'text' });
		expect(output![0][0].json).not.toHaveProperty('sentAs');
		expect(output![0][0].json).not.toHaveProperty('fallback');
	});
});

describe('consent of the template', () => {
	it('a MARKETING template needs marketing consent: an opted-out contact is skipped, not sent the text', async () => {
		const [phone] = germanNumbers(1, 500_200);
		await consent(phone, 'opted_out');
		await windowClosed(phone);
		const { output } = await run(withTemplate(springSale), [{ phone, name: 'Anna' }]);
		expect(output![0][0].json).toMatchObject({
			skipped: true,
			purpose: 'marketing',
			reason: expect.stringContaining('opted out of marketing'),
			template: { name: 'spring_sale', category: 'MARKETING' },
			fallback: { reason: 'windowClosed', template: 'spring_sale' },
		});
		expect(output![0][0].json).not.toHaveProperty('sentAs');
		expect(await atMeta(phone)).toEqual([]);

		// The same contact in an open window gets the text: a service message.
		await windowOpen(phone);
		const open = await run(withTemplate(springSale), [{ phone, name: 'Anna' }]);
		expect(open.output![0][0].json).toMatchObject({ type: 'text', purpose: 'service' });
	});

	it('with Require Marketing Opt-In, a contact without consent is skipped as Send Template skips them', async () => {
		const [unknownPhone, optedInPhone] = germanNumbers(2, 500_210);
		await consent(optedInPhone, 'opted_in');
		await windowClosed(unknownPhone);
		await windowClosed(optedInPhone);
		const { output } = await run(
			{ ...withTemplate(springSale), options: { messagesPerSecond: 500, requireOptIn: true } },
			[
				{ phone: unknownPhone, name: 'Anna' },
				{ phone: optedInPhone, name: 'Ben' },
			],
		);
		expect(output![0][0].json).toMatchObject({
			skipped: true,
			reason: expect.stringContaining('no marketing opt-in'),
		});
		expect(output![0][1].json).toMatchObject({ sentAs: 'template', purpose: 'marketing' });
		expect(await atMeta(unknownPhone)).toEqual([]);
		expect((await atMeta(optedInPhone)).map((message) => message.type)).toEqual(['template']);
	});
});

describe('wrong items', () => {
	it('checks the template’s variables before anything is sent, also for items whose window is open', async () => {
		const [closedPhone, openPhone] = germanNumbers(2, 500_300);
		await windowClosed(closedPhone);
		await windowOpen(openPhone);
		await expect(
			run(withTemplate(), [
				{ phone: closedPhone, name: 'Anna', when: 'May 4' },
				{ phone: openPhone, name: 'Ben' },
			]),
		).rejects.toMatchObject({
			message: expect.stringContaining(
				'Template Outside the Window: Variable "body_3" of template "appointment_reminder" (en_US)',
			),
			description: expect.stringMatching(/Map a valid value for this variable/),
		});
		expect(await atMeta(closedPhone)).toEqual([]);
		expect(await atMeta(openPhone)).toEqual([]);
	});

	it('names the template field when it is empty or unknown', async () => {
		const [phone] = germanNumbers(1, 500_310);
		await windowClosed(phone);
		await expect(
			run({ ...withTemplate(), template: { __rl: true, mode: 'name', value: '' } }, [{ phone }]),
		).rejects.toMatchObject({ message: 'Template Outside the Window is empty' });
		await expect(
			run({ ...withTemplate(), template: { __rl: true, mode: 'name', value: 'no_such|en_US' } }, [
				{ phone },
			]),
		).rejects.toMatchObject({
			message: expect.stringMatching(/^Template Outside the Window not found/),
		});
		expect(await atMeta(phone)).toEqual([]);
	});

	it('with Continue On Fail, every item carries its own result', async () => {
		const [openPhone, closedPhone, badPhone, blockedPhone, marketingPhone] = germanNumbers(
			5,
			500_320,
		);
		await windowOpen(openPhone);
		await windowClosed(closedPhone);
		await windowClosed(badPhone);
		await consent(blockedPhone, 'blocked');
		await windowClosed(blockedPhone);
		await windowClosed(marketingPhone);
		const { output } = await run(
			withTemplate(),
			[
				{ phone: openPhone, name: 'Anna', when: 'May 4' },
				{ phone: closedPhone, name: 'Ben', when: 'May 5' },
				{ phone: badPhone, name: 'Cleo' },
				{ phone: '0151 not a number', name: 'Dan', when: 'May 6' },
				{ phone: blockedPhone, name: 'Eve', when: 'May 7' },
				{ phone: marketingPhone, name: 'Finn', when: 'May 8' },
			],
			true,
		);
		const json = output![0].map((item) => item.json);
		expect(json).toHaveLength(6);
		expect(json[0]).toMatchObject({ sentAs: 'text', type: 'text' });
		expect(json[1]).toMatchObject({ sentAs: 'template', fallback: { reason: 'windowClosed' } });
		expect(json[2].error).toMatchObject({
			message: expect.stringContaining('Template Outside the Window: Variable "body_3"'),
		});
		expect(json[3].error).toMatchObject({ message: expect.stringContaining('Recipient Phone') });
		expect(json[4]).toMatchObject({ skipped: true, reason: expect.stringContaining('STOP') });
		expect(json[5]).toMatchObject({ sentAs: 'template' });
		expect(output![0].map((item) => item.pairedItem)).toEqual(
			[0, 1, 2, 3, 4, 5].map((item) => ({ item })),
		);
		expect((await atMeta(openPhone)).map((message) => message.type)).toEqual(['text']);
		expect((await atMeta(closedPhone)).map((message) => message.type)).toEqual(['template']);
		expect(await atMeta(badPhone)).toEqual([]);
		expect(await atMeta(blockedPhone)).toEqual([]);
	});
});

describe('Meta answers 131047 for a window the store believed open', () => {
	beforeEach(async () => {
		// Meta refuses the free-form message in its answer (nothing is accepted or delivered).
		await env.control.settings({ policyErrors: 'response' });
	});
	afterEach(async () => {
		await env.control.settings({ policyErrors: 'webhook' });
	});

	it('sends the template once, right away, and says Meta detected it', async () => {
		const [phone] = germanNumbers(1, 500_400);
		await windowOpenOnlyInTheStore(phone);
		const { output } = await run(withTemplate(), [{ phone, name: 'Anna', when: 'May 4' }]);
		expect(output![0][0].json).toMatchObject({
			messageId: expect.stringMatching(/^wamid\./),
			sentAs: 'template',
			type: 'template',
			attempts: 1,
			fallback: { reason: 'windowClosed', detectedBy: 'meta', template: 'appointment_reminder' },
		});
		const sent = await atMeta(phone);
		expect(sent).toHaveLength(1);
		expect(sent[0].request).toMatchObject({
			type: 'template',
			template: { components: reminderComponents('Anna', 'May 4') },
		});
	});

	it('checks the template’s consent again: a MARKETING template to an opted-out contact is skipped', async () => {
		const [phone] = germanNumbers(1, 500_410);
		await consent(phone, 'opted_out');
		await windowOpenOnlyInTheStore(phone);
		const { output } = await run(withTemplate(springSale), [{ phone, name: 'Anna' }]);
		expect(output![0][0].json).toMatchObject({
			skipped: true,
			purpose: 'marketing',
			fallback: { detectedBy: 'meta', template: 'spring_sale' },
		});
		expect(await atMeta(phone)).toEqual([]);
	});

	it('with Fail the Item, fails with Meta’s 131047 as before', async () => {
		const [phone] = germanNumbers(1, 500_420);
		await windowOpenOnlyInTheStore(phone);
		await expect(run(followUpText, [{ phone }])).rejects.toMatchObject({
			description: expect.stringMatching(/code 131047/),
		});
		expect(await atMeta(phone)).toEqual([]);
	});
});
