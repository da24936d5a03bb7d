/**
 * Consent in the send node, against the emulator: marketing pushes skip opted-out and blocked
 * contacts without failing the batch, service sends skip only blocked ones, a STOP that arrives
 * while a batch is going out stops every later message to that contact, and every accepted send
 * is in the message log.
 */

import { type INodeExecutionData, NodeOperationError } from 'n8n-workflow';

import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import { OPT_OUT_FOOTERS } from '../../lib/core/consentPolicy';
import { routeFiltersOf } from '../../lib/core/routing';
import { resolveTriggerSettings, type StoredRouteFilters } from '../../lib/inbound';
import type { ConsentStatus } from '../../lib/store';
import {
	type ConsentEnvironment,
	gateCredentials,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { startGraphProxy } from '../helpers/graphProxy';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';

let env: ConsentEnvironment;
beforeAll(async () => {
	env = await startConsentEnvironment({ withReceiver: true });
});
afterAll(async () => await env.close());

const DAY = 24 * 60 * 60 * 1000;
const STATUSES: ConsentStatus[] = ['opted_in', 'unknown', 'opted_out', 'blocked'];
const waIdOf = (phone: string) => phone.slice(1);
const byPhone = (_: number, item: INodeExecutionData) => item.json.phone;

const springSale = {
	operation: 'sendTemplate',
	sender: { mode: 'id', value: SENDER_ID },
	recipientPhone: byPhone,
	template: { mode: 'name', value: 'spring_sale|en_US' },
	variables: {
		mappingMode: 'defineBelow',
		value: { body_1: 'Anna', body_2: 'SPRING20', button_0_url: 'spring' },
	},
	// Paced below the emulator's 1,000 per second, so no item ever waits for a throughput retry.
	options: { messagesPerSecond: 500, concurrency: 20 },
};

async function send(
	parameters: Record<string, ParameterValue>,
	phones: string[],
	credentials = gateCredentials(env),
): Promise<INodeExecutionData[]> {
	const run = await runNode({
		node: new WhatsAppAutomation(),
		parameters,
		items: phones.map((phone) => ({ json: { phone } })),
		credentials,
	});
	return run.output![0];
}

/** `count` contacts per status, interleaved, with consent recorded a day ago. */
async function audience(offset: number, perStatus: number) {
	const phones = germanNumbers(perStatus * STATUSES.length, offset);
	const statusOf = new Map<string, ConsentStatus>();
	await env.store.transaction(async (tx) => {
		for (const [i, phone] of phones.entries()) {
			const status = STATUSES[i % STATUSES.length];
			statusOf.set(phone, status);
			if (status === 'unknown') continue;
			await tx.recordConsent({
				account: env.account,
				contact: waIdOf(phone),
				status,
				source: 'import',
				eventAt: Date.now() - DAY,
			});
		}
	});
	const withStatus = (...statuses: ConsentStatus[]) =>
		phones.filter((phone) => statuses.includes(statusOf.get(phone)!));
	return { phones, withStatus };
}

async function recipientsAtMeta(phones: string[]): Promise<string[]> {
	const wanted = new Set(phones.map(waIdOf));
	const messages = await env.control.messages({ phoneNumberId: SENDER_ID });
	return messages
		.filter((message) => message.to && wanted.has(message.to))
		.map((message) => `+${message.to}`);
}

const sorted = (values: string[]) => [...values].sort();

describe('a marketing push to 1,000 contacts with mixed consent', () => {
	it('through the gate: exactly the opted-in contacts receive it, the rest are routed', async () => {
		const { phones, withStatus } = await audience(10_000, 250);
		const gate = await runNode({
			node: new WhatsAppConsentGate(),
			parameters: { operation: 'check', contact: byPhone, purpose: 'marketing' },
			items: phones.map((phone) => ({ json: { phone } })),
			credentials: gateCredentials(env),
		});
		const [allowed, needsOptIn, blocked] = gate.output!;
		const phonesOf = (items: INodeExecutionData[]) =>
			sorted(items.map((item) => item.json.phone as string));
		expect(phonesOf(allowed)).toEqual(sorted(withStatus('opted_in')));
		expect(phonesOf(needsOptIn)).toEqual(sorted(withStatus('unknown')));
		expect(phonesOf(blocked)).toEqual(sorted(withStatus('opted_out', 'blocked')));

		const sent = await send(
			springSale,
			allowed.map((item) => item.json.phone as string),
		);
		expect(sent).toHaveLength(250);
		expect(sent.every((item) => typeof item.json.messageId === 'string')).toBe(true);
		expect(sorted(await recipientsAtMeta(phones))).toEqual(sorted(withStatus('opted_in')));
	}, 60_000);

	it('through the send node alone: opted-out and blocked contacts are skipped with reasons, the batch goes on', async () => {
		const { phones, withStatus } = await audience(20_000, 250);
		const output = await send(springSale, phones);
		expect(output).toHaveLength(1000);
		expect(output.map((item) => item.pairedItem)).toEqual(phones.map((_, item) => ({ item })));
		const skipped = output.filter((item) => item.json.skipped === true);
		const delivered = output.filter((item) => typeof item.json.messageId === 'string');
		expect(sorted(skipped.map((item) => `+${item.json.waId as string}`))).toEqual(
			sorted(withStatus('opted_out', 'blocked')),
		);
		expect(delivered).toHaveLength(500);
		for (const item of skipped) {
			const status = (item.json.consent as { status: string }).status;
			expect(item.json).toMatchObject({
				purpose: 'marketing',
				template: { name: 'spring_sale', category: 'MARKETING' },
			});
			expect(item.json.reason).toContain(status === 'blocked' ? 'STOP' : 'opted out of marketing');
			expect(item.json.error).toBeUndefined();
		}
		expect(sorted(await recipientsAtMeta(phones))).toEqual(
			sorted(withStatus('opted_in', 'unknown')),
		);
	}, 60_000);

	it('reaches only opted-in contacts when marketing requires an opt-in', async () => {
		const { phones, withStatus } = await audience(30_000, 5);
		const output = await send(
			{ ...springSale, options: { ...springSale.options, requireOptIn: true } },
			phones,
		);
		const unknown = output.filter(
			(item) => (item.json.consent as { status: string }).status === 'unknown',
		);
		expect(
			unknown.every(
				(item) =>
					item.json.skipped === true && String(item.json.reason).includes('no marketing opt-in'),
			),
		).toBe(true);
		expect(sorted(await recipientsAtMeta(phones))).toEqual(sorted(withStatus('opted_in')));
	});
});

describe('service sends', () => {
	it('reach opted-out contacts and skip only blocked ones', async () => {
		const { phones, withStatus } = await audience(40_000, 1);
		const output = await send(
			{
				...springSale,
				template: { mode: 'name', value: 'appointment_reminder|en_US' },
				variables: {
					mappingMode: 'defineBelow',
					value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4', body_4: 'Main St 1' },
				},
			},
			phones,
		);
		expect(
			output.filter((item) => item.json.skipped).map((item) => `+${item.json.waId as string}`),
		).toEqual(withStatus('blocked'));
		expect(output.find((item) => item.json.messageId)?.json.purpose).toBe('service');
		expect(sorted(await recipientsAtMeta(phones))).toEqual(
			sorted(withStatus('opted_in', 'unknown', 'opted_out')),
		);
	});

	it('treat a template as marketing when the user says so', async () => {
		const { phones, withStatus } = await audience(41_000, 1);
		const output = await send(
			{
				...springSale,
				purpose: 'marketing',
				template: { mode: 'name', value: 'appointment_reminder|en_US' },
				variables: {
					mappingMode: 'defineBelow',
					value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4', body_4: 'Main St 1' },
				},
			},
			phones,
		);
		expect(output.filter((item) => item.json.skipped)).toHaveLength(2);
		expect(sorted(await recipientsAtMeta(phones))).toEqual(
			sorted(withStatus('opted_in', 'unknown')),
		);
	});
});

describe('opt-out footer in a marketing flow', () => {
	let phone: string;
	beforeAll(async () => {
		[phone] = germanNumbers(1, 50_000);
		await env.control.inbound({ from: phone, text: 'Hi', waitForDelivery: true });
	});

	it('appends the German footer to a marketing text', async () => {
		const [sent] = await send(
			{
				operation: 'sendText',
				sender: { mode: 'id', value: SENDER_ID },
				recipientPhone: byPhone,
				text: 'Neu: 20 % auf alles!',
				purpose: 'marketing',
				optOutFooter: 'de',
			},
			[phone],
		);
		const atMeta = (await env.control.messages({ to: waIdOf(phone) })).find(
			(message) => message.id === sent.json.messageId,
		);
		expect((atMeta!.request.text as { body: string }).body).toBe(
			`Neu: 20 % auf alles!\n\n${OPT_OUT_FOOTERS.de}`,
		);
		expect(sent.json.renderedText).toBe(`Neu: 20 % auf alles!\n\n${OPT_OUT_FOOTERS.de}`);
	});

	it('puts the English footer in the buttons footer, and a custom one into the body when the footer is taken', async () => {
		const buttons = {
			operation: 'sendButtons',
			sender: { mode: 'id', value: SENDER_ID },
			recipientPhone: byPhone,
			buttonsBody: 'Want the spring catalogue?',
			buttons: { button: [{ title: 'Yes' }, { title: 'Later' }] },
			purpose: 'marketing',
		};
		const [english] = await send(buttons, [phone]);
		const [custom] = await send(
			{
				...buttons,
				buttonsFooter: 'Jasper’s Market',
				optOutFooter: 'custom',
				optOutFooterText: 'Send INFOSTOP to unsubscribe',
			},
			[phone],
		);
		const messages = await env.control.messages({ to: waIdOf(phone) });
		const interactiveOf = (id: unknown) =>
			messages.find((message) => message.id === id)!.request.interactive as Record<string, any>;
		expect(interactiveOf(english.json.messageId).footer).toEqual({ text: OPT_OUT_FOOTERS.en });
		expect(interactiveOf(custom.json.messageId)).toMatchObject({
			footer: { text: 'Jasper’s Market' },
			body: { text: 'Want the spring catalogue?\n\nSend INFOSTOP to unsubscribe' },
		});
	});

	const media = {
		operation: 'sendMedia',
		sender: { mode: 'id', value: SENDER_ID },
		recipientPhone: byPhone,
		mediaSource: 'url',
		purpose: 'marketing',
	};
	const atMetaOf = async (sent: INodeExecutionData) =>
		(await env.control.messages({ to: waIdOf(phone) })).find(
			(message) => message.id === sent.json.messageId,
		)!.request;

	it('appends the footer to the caption of a marketing image, video and document', async () => {
		const [image] = await send(
			{
				...media,
				mediaType: 'image',
				mediaUrl: 'https://example.com/spring.jpg',
				caption: 'Spring is here',
			},
			[phone],
		);
		expect((await atMetaOf(image)).image).toEqual({
			link: 'https://example.com/spring.jpg',
			caption: `Spring is here\n\n${OPT_OUT_FOOTERS.en}`,
		});
		// No caption of its own: the footer is the caption.
		const [video] = await send(
			{
				...media,
				mediaType: 'video',
				mediaUrl: 'https://example.com/spring.mp4',
				optOutFooter: 'de',
			},
			[phone],
		);
		expect((await atMetaOf(video)).video).toEqual({
			link: 'https://example.com/spring.mp4',
			caption: OPT_OUT_FOOTERS.de,
		});
		const [document] = await send(
			{
				...media,
				mediaType: 'document',
				mediaUrl: 'https://example.com/catalogue.pdf',
				caption: 'Our catalogue',
				fileName: 'catalogue.pdf',
				optOutFooter: 'custom',
				optOutFooterText: 'Send INFOSTOP to unsubscribe',
			},
			[phone],
		);
		expect((await atMetaOf(document)).document).toEqual({
			link: 'https://example.com/catalogue.pdf',
			caption: 'Our catalogue\n\nSend INFOSTOP to unsubscribe',
			filename: 'catalogue.pdf',
		});
	});

	it('puts nothing on audio (no caption there), on a service image or with the footer None', async () => {
		const [audio] = await send(
			{ ...media, mediaType: 'audio', mediaUrl: 'https://example.com/jingle.mp3' },
			[phone],
		);
		expect((await atMetaOf(audio)).audio).toEqual({ link: 'https://example.com/jingle.mp3' });
		const [service] = await send(
			{
				...media,
				purpose: 'service',
				mediaType: 'image',
				mediaUrl: 'https://example.com/receipt.jpg',
				caption: 'Your receipt',
			},
			[phone],
		);
		expect((await atMetaOf(service)).image).toEqual({
			link: 'https://example.com/receipt.jpg',
			caption: 'Your receipt',
		});
		const [none] = await send(
			{ ...media, mediaType: 'image', mediaUrl: 'https://example.com/a.jpg', optOutFooter: 'none' },
			[phone],
		);
		expect((await atMetaOf(none)).image).toEqual({ link: 'https://example.com/a.jpg' });
	});

	it('refuses a caption that fits only without the footer, naming the field; the other items still go', async () => {
		const fits = 'x'.repeat(1024 - OPT_OUT_FOOTERS.en.length - 2);
		const tooLong = `${fits}!`;
		const before = (await env.control.messages({ to: waIdOf(phone) })).length;
		const run = await runNode({
			node: new WhatsAppAutomation(),
			parameters: {
				...media,
				mediaType: 'image',
				mediaUrl: 'https://example.com/a.jpg',
				caption: (_: number, item: INodeExecutionData) => item.json.caption as string,
			},
			items: [{ json: { phone, caption: tooLong } }, { json: { phone, caption: fits } }],
			credentials: gateCredentials(env),
			continueOnFail: true,
		});
		const [refused, sent] = run.output![0];
		expect(refused.json.error).toMatchObject({
			field: 'Caption',
			message: expect.stringContaining(
				`Caption is ${tooLong.length} characters long; with the opt-out footer "${OPT_OUT_FOOTERS.en}" it would be 1025, and WhatsApp allows at most 1024`,
			),
		});
		expect((refused.json.error as { fix: string }).fix).toContain(
			`Shorten the caption to ${fits.length} characters`,
		);
		expect(((await atMetaOf(sent)).image as { caption: string }).caption).toBe(
			`${fits}\n\n${OPT_OUT_FOOTERS.en}`,
		);
		expect((await env.control.messages({ to: waIdOf(phone) })).length).toBe(before + 1);

		// Without Continue On Fail the run stops with the same error, naming the item.
		await expect(
			send(
				{ ...media, mediaType: 'image', mediaUrl: 'https://example.com/a.jpg', caption: tooLong },
				[phone],
			),
		).rejects.toThrow(/Caption is \d+ characters long; with the opt-out footer/);
	});

	it('adds nothing to service messages', async () => {
		const [sent] = await send(
			{
				operation: 'sendText',
				sender: { mode: 'id', value: SENDER_ID },
				recipientPhone: byPhone,
				text: 'Your order shipped.',
				purpose: 'service',
				optOutFooter: 'en',
			},
			[phone],
		);
		expect(sent.json.renderedText).toBe('Your order shipped.');
	});
});

describe('a MARKETING template without an opt-out button', () => {
	const template = (value: string, variables: Record<string, string>) => ({
		...springSale,
		template: { mode: 'name', value },
		variables: { mappingMode: 'defineBelow', value: variables },
	});

	it('is sent, and each item, sent or skipped, carries a warning saying what to add', async () => {
		const [unknown, optedOut] = germanNumbers(2, 64_000);
		await env.store.recordConsent({
			account: env.account,
			contact: waIdOf(optedOut),
			status: 'opted_out',
			source: 'import',
			eventAt: Date.now() - DAY,
		});
		const [sent, skipped] = await send(template('weekend_offer|en_US', { body_1: 'Anna' }), [
			unknown,
			optedOut,
		]);
		expect(sent.json.messageId).toMatch(/^wamid\./);
		expect(skipped.json).toMatchObject({ skipped: true });
		for (const item of [sent, skipped]) {
			expect(item.json.warnings).toEqual([
				{
					code: 'marketingTemplateWithoutOptOutButton',
					message: expect.stringContaining(
						'Template "weekend_offer" (en_US) is a MARKETING template without a quick-reply button that opts out (such as "Stop promotions")',
					),
				},
			]);
		}
	});

	it('is not warned about with a "Stop promotions" button, nor is a UTILITY template', async () => {
		const [phone] = germanNumbers(1, 64_100);
		const [sale] = await send(springSale, [phone]);
		const [reminder] = await send(
			template('appointment_reminder|en_US', {
				body_1: 'Anna',
				body_2: 'Dr. Weber',
				body_3: 'May 4',
				body_4: 'Main Street 1',
			}),
			[phone],
		);
		expect(sale.json.messageId).toMatch(/^wamid\./);
		expect(reminder.json.messageId).toMatch(/^wamid\./);
		expect(sale.json).not.toHaveProperty('warnings');
		expect(reminder.json).not.toHaveProperty('warnings');
	});

	it('counts a quick reply the account’s triggers record as an opt-out, with their own words', async () => {
		const info = env.emulator.info();
		const created = await fetch(
			`${info.baseUrl}/${info.graphVersion}/${info.wabaId}/message_templates`,
			{
				method: 'POST',
				headers: {
					authorization: `Bearer ${info.accessToken}`,
					'content-type': 'application/json',
				},
				body: JSON.stringify({
					name: 'member_offer',
					language: 'de',
					category: 'MARKETING',
					components: [
						{
							type: 'BODY',
							text: 'Hallo {{1}}, diese Woche 10 % auf alles für Mitglieder.',
							example: { body_text: [['Anna']] },
						},
						{
							type: 'BUTTONS',
							buttons: [
								{ type: 'QUICK_REPLY', text: 'Mehr erfahren' },
								{ type: 'QUICK_REPLY', text: 'Genug davon' },
							],
						},
					],
				}),
			},
		);
		expect(created.status).toBe(200);
		await env.control.templateStatus({ name: 'member_offer', status: 'APPROVED' });
		const memberOffer = template('member_offer|de', { body_1: 'Anna' });
		const [phone] = germanNumbers(1, 64_200);

		// The default words do not know "Genug davon".
		const [before] = await send(memberOffer, [phone]);
		expect(before.json.warnings).toEqual([
			expect.objectContaining({ code: 'marketingTemplateWithoutOptOutButton' }),
		]);

		// A published trigger of the account records it as an opt-out: its route as selfRoute stores it.
		const trigger = resolveTriggerSettings({
			events: ['messageReceived'],
			optOutButtonPayloads: 'Genug davon, Stop promotions',
		});
		const filters: StoredRouteFilters = {
			...routeFiltersOf(trigger),
			consent: { keywords: trigger.consentKeywords, confirmOptOut: false, confirmationText: null },
		};
		const routeId = 'wf-consent-words/trigger';
		await env.store.upsertRoute({
			account: env.account,
			routeId,
			webhookUrl: 'http://127.0.0.1:1/webhook/consent-words',
			role: 'every',
			filters,
			registrationMode: 'manual',
			scopes: ['manual'],
			at: Date.now(),
		});
		try {
			const [after] = await send(memberOffer, [phone]);
			expect(after.json.messageId).toMatch(/^wamid\./);
			expect(after.json).not.toHaveProperty('warnings');
		} finally {
			await env.store.removeRoute(env.account, routeId);
		}
	});
});

describe('the message log', () => {
	it('has every accepted send with what the customer saw', async () => {
		const [phone] = germanNumbers(1, 60_000);
		const [sent] = await send(springSale, [phone]);
		expect(await env.store.getOutbound(sent.json.messageId as string)).toMatchObject({
			phoneNumberId: SENDER_ID,
			recipient: waIdOf(phone),
			kind: 'template',
			templateName: 'spring_sale',
			templateLanguage: 'en_US',
			category: 'MARKETING',
			text: sent.json.renderedText,
		});
	});
});

describe('the store', () => {
	it('is required for sends: without it nothing is sent', async () => {
		const [phone] = germanNumbers(1, 61_000);
		const credentials = {
			whatsAppCloudApi: { ...env.credentials, store: 'postgres', postgresHost: '' },
		};
		await expect(send(springSale, [phone], credentials)).rejects.toBeInstanceOf(NodeOperationError);
		expect(await recipientsAtMeta([phone])).toEqual([]);
	});

	it('is not needed to mark a message as read', async () => {
		const [phone] = germanNumbers(1, 62_000);
		const inbound = await env.control.inbound({ from: phone, text: 'Hello' });
		const credentials = {
			whatsAppCloudApi: { ...env.credentials, store: 'postgres', postgresHost: '' },
		};
		const [read] = await send(
			{
				operation: 'markAsRead',
				sender: { mode: 'id', value: SENDER_ID },
				messageId: inbound.messageId,
			},
			[phone],
			credentials,
		);
		expect(read.json.readMessageId).toBe(inbound.messageId);
	});

	it('keeps an erased opt-out honoured', async () => {
		const [phone] = germanNumbers(1, 63_000);
		await env.store.recordConsent({
			account: env.account,
			contact: waIdOf(phone),
			status: 'opted_out',
			source: 'keyword',
			eventAt: Date.now() - DAY,
		});
		await env.store.eraseContact(env.account, waIdOf(phone));
		const [skipped] = await send(springSale, [phone]);
		expect(skipped.json).toMatchObject({ skipped: true, consent: { status: 'opted_out' } });
		expect(await recipientsAtMeta([phone])).toEqual([]);
	});
});

describe('STOP while a marketing batch is being sent', () => {
	it('no message goes to the contact after the opt-out is recorded; the rest of the batch goes on', async () => {
		const phones = germanNumbers(300, 70_000);
		await env.store.transaction(async (tx) => {
			for (const phone of phones) {
				await tx.recordConsent({
					account: env.account,
					contact: waIdOf(phone),
					status: 'opted_in',
					source: 'import',
					eventAt: Date.now() - DAY,
				});
			}
		});
		// Past the first 50 requests plus the 20 in flight, so the victim's last check is after the STOP.
		const victim = phones[200];
		let stopRecordedAt = 0;
		const proxy = await startGraphProxy(env.emulator.baseUrl, {
			nth: 50,
			onNth: async () => {
				const stop = await env.control.inbound({
					from: victim,
					text: 'STOP',
					waitForDelivery: true,
				});
				expect(stop.delivery?.delivered).toBe(true);
				stopRecordedAt = Date.now();
			},
		});
		try {
			const credentials = { whatsAppCloudApi: { ...env.credentials, baseUrl: proxy.url } };
			const output = await send(springSale, phones, credentials);
			expect(stopRecordedAt).toBeGreaterThan(0);
			const victimResult = output[200].json;
			expect(victimResult).toMatchObject({
				skipped: true,
				consent: { status: 'blocked', source: 'keyword' },
			});
			expect(victimResult.reason).toContain('STOP');
			expect(await env.control.messages({ to: waIdOf(victim) })).toEqual([]);
			expect(sorted(await recipientsAtMeta(phones))).toEqual(
				sorted(phones.filter((phone) => phone !== victim)),
			);
		} finally {
			await proxy.close();
		}
	}, 60_000);
});
