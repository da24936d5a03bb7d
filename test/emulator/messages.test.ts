import { customer, customerWaId, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

/** The customer writes first, so free-form messages are inside the 24-hour window. */
async function openWindow(from = customer): Promise<string> {
	return (await h.control.inbound({ from, text: 'Hi there' })).messageId;
}

describe('POST /{phone-number-id}/messages: accepted sends', () => {
	it("answers a text send in Meta's shape with a wamid and message_status", async () => {
		await openWindow();
		const answer = await h.send({ to: customer, type: 'text', text: { body: 'Hello' } });
		expect(answer.status).toBe(200);
		expect(answer.body).toEqual({
			messaging_product: 'whatsapp',
			contacts: [{ input: customer, wa_id: customerWaId }],
			messages: [{ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' }],
		});
	});

	it('echoes loose number formats as digits in wa_id', async () => {
		await openWindow('+16315555555');
		const answer = await h.send({ to: '+1-631-555-5555', text: { body: 'Hello' } });
		expect(answer.body.contacts).toEqual([{ input: '+1-631-555-5555', wa_id: '16315555555' }]);
	});

	it('logs what the business sent with its status history', async () => {
		await openWindow();
		const answer = await h.send({
			to: customer,
			type: 'text',
			text: { body: 'Your order shipped' },
			biz_opaque_callback_data: 'order-42',
		});
		const id = answer.body.messages[0].id as string;
		await h.receiver.waitFor(() =>
			h.receiver.statuses(id).find((status) => status.status === 'delivered'),
		);
		const [logged] = await h.control.messages({ to: customer });
		expect(logged).toMatchObject({
			id,
			type: 'text',
			status: 'delivered',
			renderedText: 'Your order shipped',
			bizOpaqueCallbackData: 'order-42',
		});
		expect(logged.statuses.map((entry) => entry.status)).toEqual(['sent', 'delivered']);
	});
});

describe('POST /{phone-number-id}/messages: refusals with Meta codes', () => {
	it('refuses a missing token with 190 and HTTP 401', async () => {
		const answer = await h.graph(
			'POST',
			`/${h.phoneNumberId}/messages`,
			{ messaging_product: 'whatsapp' },
			null,
		);
		expect(answer.status).toBe(401);
		expect(answer.body.error).toMatchObject({
			code: 190,
			type: 'OAuthException',
			fbtrace_id: expect.any(String),
		});
	});

	it('refuses a wrong token with 190 and HTTP 401', async () => {
		const answer = await h.graph(
			'POST',
			`/${h.phoneNumberId}/messages`,
			{ messaging_product: 'whatsapp' },
			'wrong-token',
		);
		expect(answer.status).toBe(401);
		expect(answer.body.error.code).toBe(190);
	});

	it('refuses an unknown phone number id with 100', async () => {
		const answer = await h.graph('POST', '/999999999999999/messages', {
			messaging_product: 'whatsapp',
			to: customer,
			text: { body: 'x' },
		});
		expect(answer.status).toBe(400);
		expect(answer.body.error).toMatchObject({
			code: 100,
			error_subcode: 33,
			type: 'GraphMethodException',
		});
	});

	it.each([
		['messaging_product missing', { to: customer, text: { body: 'x' } }, 'messaging_product'],
		['recipient missing', { messaging_product: 'whatsapp', text: { body: 'x' } }, 'to'],
		[
			'text body missing',
			{ messaging_product: 'whatsapp', to: customer, type: 'text', text: {} },
			"text['body']",
		],
		[
			'unknown type',
			{ messaging_product: 'whatsapp', to: customer, type: 'hologram' },
			'Param type must be one of',
		],
		[
			'invalid number',
			{ messaging_product: 'whatsapp', to: 'call me', text: { body: 'x' } },
			'Param to must be a phone number',
		],
	])('refuses a malformed body (%s) with 100', async (_name, body, mention) => {
		const answer = await h.graph('POST', `/${h.phoneNumberId}/messages`, body);
		expect(answer.status).toBe(400);
		expect(answer.body.error.code).toBe(100);
		expect(`${answer.body.error.message} ${answer.body.error.error_data?.details ?? ''}`).toContain(
			mention,
		);
	});

	it('refuses a body that is not JSON with 100', async () => {
		const response = await fetch(`${h.emulator.baseUrl}/${h.version}/${h.phoneNumberId}/messages`, {
			method: 'POST',
			headers: { authorization: `Bearer ${h.accessToken}`, 'content-type': 'application/json' },
			body: '{"messaging_product":',
		});
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: { code: number } }).error.code).toBe(100);
	});

	it('accepts 4096 characters of text and refuses 4097 with 100', async () => {
		await openWindow();
		expect((await h.send({ to: customer, text: { body: 'a'.repeat(4096) } })).status).toBe(200);
		const answer = await h.send({ to: customer, text: { body: 'a'.repeat(4097) } });
		expect(answer.status).toBe(400);
		expect(answer.body.error).toMatchObject({
			code: 100,
			error_data: { details: expect.stringContaining('4096') },
		});
	});

	it('refuses a sender that is not CONNECTED with 133010, and sends again once reconnected', async () => {
		await openWindow();
		await h.control.setPhoneNumber(h.phoneNumberId, { status: 'DISCONNECTED' });
		const refused = await h.send({ to: customer, text: { body: 'x' } });
		expect(refused.status).toBe(400);
		expect(refused.body.error.code).toBe(133010);
		await h.control.setPhoneNumber(h.phoneNumberId, { status: 'CONNECTED' });
		expect((await h.send({ to: customer, text: { body: 'x' } })).status).toBe(200);
	});

	it('refuses paths with a Graph version older than the minimum with 2635', async () => {
		const response = await fetch(`${h.emulator.baseUrl}/v13.0/${h.phoneNumberId}/messages`, {
			method: 'POST',
			headers: { authorization: `Bearer ${h.accessToken}` },
		});
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: { code: number } }).error.code).toBe(2635);
	});
});

describe('interactive messages', () => {
	const buttons = (count: number, title = 'Option') =>
		Array.from({ length: count }, (_, index) => ({
			type: 'reply',
			reply: { id: `id-${index}`, title: `${title} ${index}` },
		}));

	it('accepts 3 reply buttons and refuses 4', async () => {
		await openWindow();
		const body = (count: number) => ({
			to: customer,
			type: 'interactive',
			interactive: {
				type: 'button',
				body: { text: 'Pick one' },
				action: { buttons: buttons(count) },
			},
		});
		expect((await h.send(body(3))).status).toBe(200);
		const refused = await h.send(body(4));
		expect(refused.body.error).toMatchObject({
			code: 100,
			error_data: { details: expect.stringContaining('at most 3') },
		});
	});

	it('refuses a button title over 20 characters', async () => {
		await openWindow();
		const answer = await h.send({
			to: customer,
			type: 'interactive',
			interactive: {
				type: 'button',
				body: { text: 'Pick one' },
				action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'x'.repeat(21) } }] },
			},
		});
		expect(answer.body.error.code).toBe(100);
	});

	it('refuses a list with more than 10 rows in total', async () => {
		await openWindow();
		const rows = (section: number) =>
			Array.from({ length: 6 }, (_, index) => ({
				id: `${section}-${index}`,
				title: `Row ${index}`,
			}));
		const answer = await h.send({
			to: customer,
			type: 'interactive',
			interactive: {
				type: 'list',
				body: { text: 'Choose' },
				action: {
					button: 'Menu',
					sections: [
						{ title: 'A', rows: rows(1) },
						{ title: 'B', rows: rows(2) },
					],
				},
			},
		});
		expect(answer.body.error).toMatchObject({
			code: 100,
			error_data: { details: expect.stringContaining('10 rows') },
		});
	});
});

describe('read receipts and typing indicator', () => {
	it('marks an inbound message as read with the typing indicator', async () => {
		const inboundId = await openWindow();
		const answer = await h.send({
			status: 'read',
			message_id: inboundId,
			typing_indicator: { type: 'text' },
		});
		expect(answer).toEqual({ status: 200, body: { success: true } });
		const [inbound] = await h.control.inboundMessages({ from: customer });
		expect(inbound).toMatchObject({
			id: inboundId,
			readByBusiness: true,
			typingIndicatorShown: true,
		});
	});

	it('refuses a message id the number never received with 100', async () => {
		const answer = await h.send({ status: 'read', message_id: 'wamid.unknown' });
		expect(answer.body.error.code).toBe(100);
	});
});
