import {
	customer,
	customerWaId,
	eventually,
	signatureIsValid,
	startHarness,
	WebhookReceiver,
	type Harness,
} from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

async function sendText(
	extra: Record<string, unknown> = {},
	phoneNumberId?: string,
): Promise<string> {
	await h.control.inbound({
		from: customer,
		text: 'Hi',
		...(phoneNumberId ? { phoneNumberId } : {}),
	});
	const answer = await h.send(
		{ to: customer, text: { body: 'Hello back' }, ...extra },
		phoneNumberId,
	);
	expect(answer.status).toBe(200);
	return answer.body.messages[0].id as string;
}

function statusesOf(id: string): string[] {
	return h.receiver.statuses(id).map((status) => status.status as string);
}

describe('signature and envelope', () => {
	it('signs every POST with X-Hub-Signature-256 over the raw body with the app secret', async () => {
		await h.control.inbound({ from: customer, text: 'Hello' });
		const [webhook] = await h.receiver.waitFor(
			() => h.receiver.received.length > 0 && h.receiver.received,
		);
		expect(webhook.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
		expect(signatureIsValid(webhook, h.appSecret)).toBe(true);
		expect(signatureIsValid(webhook, 'another-secret')).toBe(false);
		expect(
			signatureIsValid(
				{ ...webhook, rawBody: Buffer.from(webhook.rawBody.toString().replace('Hello', 'Hallo')) },
				h.appSecret,
			),
		).toBe(false);
	});

	it("wraps changes in Meta's envelope with the WABA id and the number's metadata", async () => {
		await h.control.inbound({ from: customer, name: 'Anna', text: 'Hello' });
		const [webhook] = await h.receiver.waitFor(
			() => h.receiver.received.length > 0 && h.receiver.received,
		);
		expect(webhook.body).toEqual({
			object: 'whatsapp_business_account',
			entry: [
				{
					id: h.wabaId,
					changes: [
						{
							field: 'messages',
							value: {
								messaging_product: 'whatsapp',
								metadata: { display_phone_number: '15550783881', phone_number_id: h.phoneNumberId },
								contacts: [
									{
										profile: { name: 'Anna' },
										wa_id: customerWaId,
										user_id: expect.stringMatching(/^DE\.\d+$/),
									},
								],
								messages: [
									{
										from: customerWaId,
										id: expect.stringMatching(/^wamid\./),
										timestamp: expect.stringMatching(/^\d+$/),
										type: 'text',
										text: { body: 'Hello' },
									},
								],
							},
						},
					],
				},
			],
		});
	});
});

describe('raw changes (POST /_emulator/webhook)', () => {
	it('adds the number’s metadata to a conversation field and none to an account-level one', async () => {
		const changeOf = async (field: string) => {
			const webhook = await h.receiver.waitFor(() =>
				h.receiver.received.find((w) => w.body.entry[0].changes[0].field === field),
			);
			return webhook.body.entry[0].changes[0].value as Record<string, unknown>;
		};
		// Meta's own shape of a template status change: no messaging_product, no metadata.
		const templateStatus = {
			event: 'PAUSED',
			message_template_id: 1234567890,
			message_template_name: 'order_shipped',
			message_template_language: 'en_US',
			reason: 'NONE',
		};
		await h.control.webhook({ field: 'message_template_status_update', value: templateStatus });
		expect(await changeOf('message_template_status_update')).toEqual(templateStatus);

		await h.control.webhook({
			field: 'group_settings_update',
			value: {
				groups: [{ timestamp: '1750000000', group_id: 'G1', type: 'group_settings_update' }],
			},
		});
		expect(await changeOf('group_settings_update')).toMatchObject({
			messaging_product: 'whatsapp',
			metadata: { phone_number_id: expect.any(String), display_phone_number: expect.any(String) },
		});
	});
});

describe('status webhooks', () => {
	it('reports sent then delivered, echoing biz_opaque_callback_data, and no read until the contact reads', async () => {
		const id = await sendText({ biz_opaque_callback_data: 'campaign-7' });
		await h.receiver.waitFor(() => statusesOf(id).includes('delivered'));
		expect(statusesOf(id)).toEqual(['sent', 'delivered']);
		for (const status of h.receiver.statuses(id)) {
			expect(status).toMatchObject({
				id,
				recipient_id: customerWaId,
				biz_opaque_callback_data: 'campaign-7',
				timestamp: expect.stringMatching(/^\d+$/),
				pricing: { pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
			});
			expect(status).not.toHaveProperty('conversation');
		}

		expect(await h.control.read({ from: customer })).toEqual({ read: 1 });
		await h.receiver.waitFor(() => statusesOf(id).includes('read'));
		expect(statusesOf(id)).toEqual(['sent', 'delivered', 'read']);
	});

	it('marks messages read when the contact writes again', async () => {
		const id = await sendText();
		await h.receiver.waitFor(() => statusesOf(id).includes('delivered'));
		await h.control.inbound({ from: customer, text: 'Thanks!' });
		await h.receiver.waitFor(() => statusesOf(id).includes('read'));
	});

	it('reads by itself after autoReadAfterMs when set', async () => {
		await h.control.settings({ autoReadAfterMs: 60 });
		const id = await sendText();
		await h.receiver.waitFor(() => statusesOf(id).includes('read'));
		expect(statusesOf(id)).toEqual(['sent', 'delivered', 'read']);
	});

	it('includes the conversation object for sends through v23.0 and not after', async () => {
		await h.control.inbound({ from: customer, text: 'Hi' });
		const response = await fetch(`${h.emulator.baseUrl}/v23.0/${h.phoneNumberId}/messages`, {
			method: 'POST',
			headers: { authorization: `Bearer ${h.accessToken}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				messaging_product: 'whatsapp',
				to: customer,
				text: { body: 'old version' },
			}),
		});
		const id = ((await response.json()) as { messages: Array<{ id: string }> }).messages[0].id;
		const sent = await h.receiver.waitFor(() =>
			h.receiver.statuses(id).find((status) => status.status === 'sent'),
		);
		expect(sent.conversation).toEqual({
			id: expect.any(String),
			expiration_timestamp: expect.stringMatching(/^\d+$/),
			origin: { type: 'service' },
		});
		expect(sent.pricing).toMatchObject({ billable: false, category: 'service' });
	});
});

describe('redelivery', () => {
	it('retries a POST answered with 5xx until it is accepted', async () => {
		await h.control.settings({ webhooks: { retryBaseMs: 10 } });
		h.receiver.nextStatuses = [500, 503];
		const { messageId } = await h.control.inbound({ from: customer, text: 'Hello' });
		await h.receiver.waitFor(() =>
			h.receiver.inboundMessages().some((message) => message.id === messageId),
		);
		const deliveries = await eventually(async () => {
			const all = await h.control.deliveries();
			return all.length === 3 && all;
		});
		expect(deliveries.map((delivery) => [delivery.attempt, delivery.httpStatus])).toEqual([
			[1, 500],
			[2, 503],
			[3, 200],
		]);
	});

	it('keeps a POST that was in flight at reset out of the fresh log, and does not retry it', async () => {
		await h.control.settings({ webhooks: { retryBaseMs: 10, timeoutMs: 300 } });
		h.receiver.hangNext = 1;
		await h.control.inbound({ from: customer, text: 'Before the reset' });
		await eventually(async () => h.receiver.hangNext === 0);
		await h.reset();
		await h.control.settings({ webhooks: { retryBaseMs: 10, timeoutMs: 300 } });
		const { messageId } = await h.control.inbound({ from: customer, text: 'After the reset' });
		await h.receiver.waitFor(() =>
			h.receiver.inboundMessages().some((message) => message.id === messageId),
		);
		// Past the hung POST's timeout and a retry's backoff: neither may reach the log or the receiver.
		await new Promise((resolve) => setTimeout(resolve, 500));
		const deliveries = await h.control.deliveries();
		expect(deliveries.map((delivery) => [delivery.attempt, delivery.ok])).toEqual([[1, true]]);
		expect(h.receiver.inboundMessages().map((message) => message.text)).toEqual([
			{ body: 'After the reset' },
		]);
	});

	it('retries after a timeout', async () => {
		await h.control.settings({ webhooks: { retryBaseMs: 10, timeoutMs: 100 } });
		h.receiver.hangNext = 1;
		const { messageId } = await h.control.inbound({ from: customer, text: 'Hello' });
		await h.receiver.waitFor(() =>
			h.receiver.inboundMessages().some((message) => message.id === messageId),
		);
		const [first, second] = await eventually(async () => {
			const all = await h.control.deliveries();
			return all.length === 2 && all;
		});
		expect(first).toMatchObject({ attempt: 1, ok: false, error: 'timed out or aborted' });
		expect(second).toMatchObject({ attempt: 2, ok: true });
	});

	it('gives up after maxAttempts', async () => {
		await h.control.settings({ webhooks: { retryBaseMs: 10, maxAttempts: 2 } });
		h.receiver.nextStatuses = [500, 500, 500];
		const { delivery } = await h.control.inbound({
			from: customer,
			text: 'Hello',
			waitForDelivery: true,
		});
		expect(delivery).toMatchObject({ delivered: false, httpStatus: 500 });
		await eventually(async () => (await h.control.deliveries()).length === 2);
		await h.control.advanceClock(3600);
		// A third attempt, if one were scheduled, would have run by now.
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect((await h.control.deliveries()).map((entry) => entry.attempt)).toEqual([1, 2]);
		expect(h.receiver.nextStatuses).toEqual([500]);
	});

	it('retries on the emulator clock, so advancing it delivers at once', async () => {
		await h.control.settings({ webhooks: { retryBaseMs: 3_600_000 } });
		h.receiver.nextStatuses = [500];
		const { messageId } = await h.control.inbound({
			from: customer,
			text: 'Hello',
			waitForDelivery: true,
		});
		expect(h.receiver.received).toHaveLength(0);
		await h.control.advanceClock(3600);
		await h.receiver.waitFor(() =>
			h.receiver.inboundMessages().some((message) => message.id === messageId),
		);
	});

	it('sends duplicates of every delivered POST when asked', async () => {
		await h.control.settings({ webhooks: { duplicates: 2 } });
		await h.control.inbound({ from: customer, text: 'Hello', waitForDelivery: true });
		await h.receiver.waitFor(() => h.receiver.received.length === 3);
		const [first, ...copies] = h.receiver.received;
		for (const copy of copies) {
			expect(copy.rawBody.equals(first.rawBody)).toBe(true);
			expect(copy.headers['x-hub-signature-256']).toBe(first.headers['x-hub-signature-256']);
		}
	});

	it('batches events of a window into one POST', async () => {
		await h.control.settings({ webhooks: { batchWindowMs: 200 } });
		await Promise.all(
			['+4915100000001', '+4915100000002', '+4915100000002'].map((from, index) =>
				h.control.inbound({ from, text: `message ${index}` }),
			),
		);
		await h.receiver.waitFor(() => h.receiver.received.length > 0);
		expect(h.receiver.received).toHaveLength(1);
		const [value] = h.receiver.changes('messages');
		expect(value.messages).toHaveLength(3);
		expect(value.contacts.map((contact: { wa_id: string }) => contact.wa_id)).toEqual([
			'4915100000001',
			'4915100000002',
		]);
	});
});

describe('subscriptions', () => {
	const appToken = () => `${h.appId}|${h.appSecret}`;

	it('verifies the callback with hub.challenge and refuses one that does not echo it (2200)', async () => {
		const answer = await h.graph(
			'POST',
			`/${h.appId}/subscriptions`,
			{
				object: 'whatsapp_business_account',
				callback_url: h.receiver.url,
				verify_token: 'wrong-token',
				fields: 'messages',
			},
			appToken(),
		);
		expect(answer.status).toBe(400);
		expect(answer.body.error.code).toBe(2200);
		const listed = await h.graph('GET', `/${h.appId}/subscriptions`, undefined, appToken());
		expect(listed.body.data[0].fields.map((field: { name: string }) => field.name)).toContain(
			'user_preferences',
		);
	});

	it('needs the app access token for app subscriptions (15)', async () => {
		const answer = await h.graph('GET', `/${h.appId}/subscriptions`);
		expect(answer.body.error.code).toBe(15);
	});

	it('stops delivering after the app subscription is deleted', async () => {
		expect(
			(await h.graph('DELETE', `/${h.appId}/subscriptions`, undefined, appToken())).body,
		).toEqual({ success: true });
		const { delivery } = await h.control.inbound({
			from: customer,
			text: 'Hello',
			waitForDelivery: true,
		});
		expect(delivery).toMatchObject({
			delivered: false,
			reason: expect.stringContaining('no callback'),
		});
	});

	it('delivers only the fields the app subscribed to', async () => {
		await h.graph(
			'DELETE',
			`/${h.appId}/subscriptions`,
			{ fields: 'user_preferences' },
			appToken(),
		);
		const { delivery } = await h.control.userPreferences({
			from: customer,
			value: 'stop',
			waitForDelivery: true,
		});
		expect(delivery).toMatchObject({
			delivered: false,
			reason: expect.stringContaining('user_preferences'),
		});
	});

	it('sends events to the WABA override_callback_uri instead of the app callback', async () => {
		const other = await WebhookReceiver.start('other-token');
		try {
			const answer = await h.graph('POST', `/${h.wabaId}/subscribed_apps`, {
				override_callback_uri: other.url,
				verify_token: 'other-token',
			});
			expect(answer.body).toMatchObject({
				success: true,
				data: [{ override_callback_uri: other.url }],
			});
			const listed = await h.graph('GET', `/${h.wabaId}/subscribed_apps`);
			expect(listed.body.data).toEqual([
				{
					whatsapp_business_api_data: {
						id: h.appId,
						name: expect.any(String),
						link: expect.any(String),
					},
					override_callback_uri: other.url,
				},
			]);
			await h.control.inbound({ from: customer, text: 'Hello', waitForDelivery: true });
			expect(other.inboundMessages()).toHaveLength(1);
			expect(h.receiver.received).toHaveLength(0);
		} finally {
			await other.stop();
		}
	});

	it('refuses an override whose callback does not answer the challenge', async () => {
		const answer = await h.graph('POST', `/${h.wabaId}/subscribed_apps`, {
			override_callback_uri: h.receiver.url,
			verify_token: 'nope',
		});
		expect(answer.body.error.code).toBe(2200);
	});

	it('delivers nothing once the app is unsubscribed from the WABA', async () => {
		await h.graph('DELETE', `/${h.wabaId}/subscribed_apps`);
		expect((await h.graph('GET', `/${h.wabaId}/subscribed_apps`)).body).toEqual({ data: [] });
		const { delivery } = await h.control.inbound({
			from: customer,
			text: 'Hello',
			waitForDelivery: true,
		});
		expect(delivery).toMatchObject({
			delivered: false,
			reason: expect.stringContaining('subscribed_apps'),
		});
	});

	it("sends a number's events to its own override, others to the app callback", async () => {
		const numberReceiver = await WebhookReceiver.start('number-token');
		try {
			const answer = await h.graph('POST', `/${h.secondPhoneNumberId}`, {
				webhook_configuration: {
					override_callback_uri: numberReceiver.url,
					verify_token: 'number-token',
				},
			});
			expect(answer.body).toEqual({ success: true });
			await h.control.inbound({
				from: customer,
				text: 'to second',
				phoneNumberId: h.secondPhoneNumberId,
				waitForDelivery: true,
			});
			await h.control.inbound({ from: customer, text: 'to first', waitForDelivery: true });
			expect(numberReceiver.inboundMessages().map((message) => message.text.body)).toEqual([
				'to second',
			]);
			expect(h.receiver.inboundMessages().map((message) => message.text.body)).toEqual([
				'to first',
			]);
			const configuration = await h.graph(
				'GET',
				`/${h.secondPhoneNumberId}?fields=webhook_configuration`,
			);
			expect(configuration.body.webhook_configuration).toEqual({
				phone_number: numberReceiver.url,
				application: h.receiver.url,
			});
		} finally {
			await numberReceiver.stop();
		}
	});
});
