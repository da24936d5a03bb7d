import { customer, customerWaId, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

const text = { to: customer, type: 'text', text: { body: 'Are you still interested?' } };
const utilityTemplate = {
	to: customer,
	type: 'template',
	template: {
		name: 'appointment_reminder',
		language: { code: 'en_US' },
		components: [
			{
				type: 'body',
				parameters: ['Anna', 'Dr. Weber', 'May 4', 'Main Street 1'].map((value) => ({
					type: 'text',
					text: value,
				})),
			},
		],
	},
};
const marketingTemplate = {
	to: customer,
	type: 'template',
	template: {
		name: 'spring_sale',
		language: { code: 'en_US' },
		components: [
			{
				type: 'body',
				parameters: [
					{ type: 'text', text: 'Anna' },
					{ type: 'text', text: 'SPRING20' },
				],
			},
			{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'anna' }] },
		],
	},
};

async function finalStatus(messageId: string): Promise<Record<string, any>> {
	return h.receiver.waitFor(() =>
		h.receiver
			.statuses(messageId)
			.find((status) => status.status === 'failed' || status.status === 'delivered'),
	);
}

describe('24-hour customer service window', () => {
	it('accepts a free-form message to a contact who never wrote, then fails it with 131047 as Meta does', async () => {
		const answer = await h.send(text);
		expect(answer.status).toBe(200);
		const id = answer.body.messages[0].id as string;
		const status = await finalStatus(id);
		expect(status).toMatchObject({
			id,
			status: 'failed',
			recipient_id: customerWaId,
			errors: [
				{
					code: 131047,
					title: 'Re-engagement message',
					message: 'Re-engagement message',
					error_data: { details: expect.stringContaining('24 hours') },
				},
			],
		});
		expect(h.receiver.statuses(id).map((entry) => entry.status)).toEqual(['failed']);
	});

	it('refuses it synchronously with 131047 when policyErrors is "response"', async () => {
		await h.control.settings({ policyErrors: 'response' });
		const answer = await h.send(text);
		expect(answer.status).toBe(400);
		expect(answer.body.error).toMatchObject({
			code: 131047,
			message: '(#131047) Re-engagement message',
		});
	});

	it('delivers free-form messages once the customer wrote, until 24 hours have passed', async () => {
		await h.control.inbound({ from: customer, text: 'Hello' });
		await h.control.advanceClock(24 * 3600 - 60);
		const inside = await h.send(text);
		expect((await finalStatus(inside.body.messages[0].id as string)).status).toBe('delivered');

		await h.control.advanceClock(61);
		const outside = await h.send(text);
		expect((await finalStatus(outside.body.messages[0].id as string)).errors[0].code).toBe(131047);
	});

	it('lets templates through outside the window', async () => {
		const answer = await h.send(utilityTemplate);
		expect((await finalStatus(answer.body.messages[0].id as string)).status).toBe('delivered');
	});

	it('keeps windows per business number', async () => {
		await h.control.inbound({
			from: customer,
			text: 'Hello',
			phoneNumberId: h.secondPhoneNumberId,
		});
		const answer = await h.send(text);
		expect((await finalStatus(answer.body.messages[0].id as string)).errors[0].code).toBe(131047);
	});
});

describe('recipients that cannot receive', () => {
	it('fails a send to a number that is not on WhatsApp with 131026 in a status webhook', async () => {
		const notOnWhatsApp = '+15555550100';
		const answer = await h.send({ ...utilityTemplate, to: notOnWhatsApp });
		expect(answer.status).toBe(200);
		const status = await finalStatus(answer.body.messages[0].id as string);
		expect(status).toMatchObject({
			status: 'failed',
			errors: [{ code: 131026, title: 'Message undeliverable' }],
		});
	});

	it('takes the list of numbers not on WhatsApp from the settings', async () => {
		await h.control.settings({ notOnWhatsApp: [customer] });
		const answer = await h.send(utilityTemplate);
		expect((await finalStatus(answer.body.messages[0].id as string)).errors[0].code).toBe(131026);
	});

	it('fails a send of media by an id that was never uploaded with 131053', async () => {
		await h.control.inbound({ from: customer, text: 'Send me the picture' });
		const answer = await h.send({ to: customer, type: 'image', image: { id: '1234567890' } });
		expect((await finalStatus(answer.body.messages[0].id as string)).errors[0].code).toBe(131053);
	});
});

describe('marketing opt-out from inside WhatsApp', () => {
	it('sends the user_preferences webhook and fails later marketing templates with 131050', async () => {
		await h.control.userPreferences({ from: customer, value: 'stop' });
		const preferences = await h.receiver.waitFor(() => h.receiver.changes('user_preferences')[0]);
		expect(preferences.user_preferences).toEqual([
			expect.objectContaining({
				wa_id: customerWaId,
				category: 'marketing_messages',
				value: 'stop',
				timestamp: expect.any(Number),
			}),
		]);

		const marketing = await h.send(marketingTemplate);
		expect((await finalStatus(marketing.body.messages[0].id as string)).errors[0]).toMatchObject({
			code: 131050,
		});
		const utility = await h.send(utilityTemplate);
		expect((await finalStatus(utility.body.messages[0].id as string)).status).toBe('delivered');
	});

	it('delivers marketing again after resume', async () => {
		await h.control.userPreferences({ from: customer, value: 'stop' });
		await h.control.userPreferences({ from: customer, value: 'resume' });
		const marketing = await h.send(marketingTemplate);
		expect((await finalStatus(marketing.body.messages[0].id as string)).status).toBe('delivered');
	});
});
