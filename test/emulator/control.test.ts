import { resolveSeed } from '../../emulator';
import { customer, customerWaId, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

async function control(
	method: string,
	path: string,
	body?: unknown,
): Promise<{ status: number; body: Record<string, any> }> {
	const response = await fetch(`${h.emulator.baseUrl}/_emulator${path}`, {
		method,
		headers: { 'content-type': 'application/json' },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('phone numbers', () => {
	it('answers the credential test request (WABA phone numbers with status)', async () => {
		const answer = await h.graph(
			'GET',
			`/${h.wabaId}/phone_numbers?fields=id,display_phone_number,verified_name,status`,
		);
		expect(answer.body.data).toEqual([
			{
				id: h.phoneNumberId,
				display_phone_number: '+1 555-078-3881',
				verified_name: 'Emulator Shop',
				status: 'CONNECTED',
			},
			{
				id: h.secondPhoneNumberId,
				display_phone_number: '+1 555-078-3882',
				verified_name: 'Emulator Shop Support',
				status: 'CONNECTED',
			},
		]);
	});

	it("returns Meta's default fields for a number and reflects control changes", async () => {
		await h.control.setPhoneNumber(h.secondPhoneNumberId, {
			status: 'DISCONNECTED',
			qualityRating: 'RED',
		});
		const answer = await h.graph('GET', `/${h.secondPhoneNumberId}`);
		expect(answer.body).toEqual({
			verified_name: 'Emulator Shop Support',
			code_verification_status: 'VERIFIED',
			display_phone_number: '+1 555-078-3882',
			quality_rating: 'RED',
			platform_type: 'CLOUD_API',
			throughput: { level: 'STANDARD' },
			id: h.secondPhoneNumberId,
		});
		expect((await h.graph('GET', `/${h.secondPhoneNumberId}?fields=status`)).body).toEqual({
			status: 'DISCONNECTED',
			id: h.secondPhoneNumberId,
		});
		expect((await h.control.info()).phoneNumbers[1].status).toBe('DISCONNECTED');
	});
});

describe('reset', () => {
	it('forgets messages, windows, settings and clock', async () => {
		await h.control.inbound({ from: customer, text: 'Hi' });
		await h.send({ to: customer, text: { body: 'Hello' } });
		await h.control.settings({ defaultMps: 5 });
		await h.control.advanceClock(3600);
		await h.control.reset();
		expect(await h.control.messages()).toEqual([]);
		expect(await h.control.inboundMessages()).toEqual([]);
		expect((await h.control.settings()).defaultMps).toBe(80);
		expect(
			Math.abs(Date.parse((await control('GET', '/clock')).body.now as string) - Date.now()),
		).toBeLessThan(60_000);
		expect(
			(await h.graph('GET', `/${h.appId}/subscriptions`, undefined, `${h.appId}|${h.appSecret}`))
				.body,
		).toEqual({ data: [] });
	});
});

describe('business-scoped user ids', () => {
	it('delivers a message from a user who hides the number, and sends to them by recipient', async () => {
		const userId = 'US.13491208655302741918';
		await h.control.inbound({
			userId,
			name: 'Nina',
			username: '@nina',
			text: 'Hi, no number here',
		});
		const value = await h.receiver.waitFor(() => h.receiver.changes('messages')[0]);
		expect(value.contacts).toEqual([
			{ profile: { name: 'Nina', username: '@nina' }, user_id: userId },
		]);
		expect(value.messages[0]).toMatchObject({ from_user_id: userId, type: 'text' });
		expect(value.messages[0]).not.toHaveProperty('from');

		const answer = await h.send({ recipient: userId, text: { body: 'Hello Nina' } });
		expect(answer.body.contacts).toEqual([{ input: userId, user_id: userId }]);
		const delivered = await h.receiver.waitFor(() =>
			h.receiver
				.statuses(answer.body.messages[0].id as string)
				.find((status) => status.status === 'delivered'),
		);
		expect(delivered).toMatchObject({ recipient_user_id: userId });
		expect(delivered).not.toHaveProperty('recipient_id');
	});

	it('refuses a recipient id no webhook ever carried with 100', async () => {
		expect((await h.send({ recipient: 'US.999', text: { body: 'x' } })).body.error.code).toBe(100);
	});

	it('carries user_id beside wa_id for users with a number', async () => {
		const { userId } = await h.control.inbound({ from: customer, text: 'Hi' });
		const value = await h.receiver.waitFor(() => h.receiver.changes('messages')[0]);
		expect(value.contacts[0]).toMatchObject({ wa_id: customerWaId, user_id: userId });
	});
});

describe('control API input errors name the field, the value and the fix', () => {
	it.each([
		['no content', { from: customer }, 'message content'],
		['two contents', { from: customer, text: 'a', image: true }, 'message content'],
		['no sender', { text: 'Hi' }, 'from'],
		['a bad number', { from: '0151/1234', text: 'Hi' }, 'from'],
		[
			'an unknown business number',
			{ phoneNumberId: '42', from: customer, text: 'Hi' },
			'phoneNumberId',
		],
		['a quick reply nobody offered', { from: customer, button: 'Stop promotions' }, 'button'],
	])('POST /inbound with %s', async (_case, body, field) => {
		const answer = await control('POST', '/inbound', body);
		expect(answer.status).toBe(400);
		expect(answer.body.error).toMatchObject({ field, fix: expect.any(String) });
		expect(answer.body.error.message).toContain(field);
	});

	it.each([
		[{ colour: 'blue' }, 'settings.colour'],
		[{ defaultMps: 0 }, 'settings.defaultMps'],
		[{ webhooks: { maxAttempts: 'many' } }, 'settings.webhooks.maxAttempts'],
		[{ policyErrors: 'sometimes' }, 'settings.policyErrors'],
	])('POST /settings %o', async (body, field) => {
		const answer = await control('POST', '/settings', body);
		expect(answer.status).toBe(400);
		expect(answer.body.error.field).toBe(field);
	});

	it('refuses moving the clock backwards', async () => {
		const answer = await control('POST', '/clock', { advanceSeconds: -5 });
		expect(answer.body.error.field).toBe('advanceSeconds');
	});

	it('answers unknown control paths with 404', async () => {
		expect((await control('GET', '/nothing')).status).toBe(404);
	});
});

describe('seed validation', () => {
	it('merges a partial seed with the defaults', () => {
		const seed = resolveSeed({ accessToken: 'token-from-seed', settings: { defaultMps: 10 } });
		expect(seed.accessToken).toBe('token-from-seed');
		expect(seed.settings.defaultMps).toBe(10);
		expect(seed.templates.length).toBeGreaterThan(5);
	});

	it.each([
		[{ wabaId: 'abc' }, 'seed.wabaId'],
		[{ phoneNumbers: [] }, 'seed.phoneNumbers'],
		[
			{ templates: [{ name: 'Bad Name', language: 'en', category: 'UTILITY', components: [] }] },
			'seed.templates[0].name',
		],
		[
			{ templates: [{ name: 'no_body', language: 'en', category: 'UTILITY', components: [] }] },
			'seed.templates[0].components',
		],
		[{ unknownField: 1 }, 'seed.unknownField'],
	])('refuses %o naming %s', (seed, field) => {
		expect(() => resolveSeed(seed)).toThrow(expect.objectContaining({ field }));
	});
});
