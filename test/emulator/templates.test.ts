import { defaultTemplates } from '../../emulator';
import { customer, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness({
		templates: [
			...defaultTemplates(),
			{
				name: 'paused_offer',
				language: 'en_US',
				category: 'MARKETING',
				status: 'PAUSED',
				components: [{ type: 'BODY', text: 'Offer' }],
			},
			{
				name: 'disabled_offer',
				language: 'en_US',
				category: 'MARKETING',
				status: 'DISABLED',
				components: [{ type: 'BODY', text: 'Offer' }],
			},
		],
	});
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

const text = (value: string) => ({ type: 'text', text: value });
const body = (...parameters: Array<Record<string, unknown>>) => ({ type: 'body', parameters });

function sendTemplate(name: string, language: string, components?: unknown[]) {
	return h.send({
		to: customer,
		type: 'template',
		template: { name, language: { code: language }, ...(components ? { components } : {}) },
	});
}

const orderBody = body(
	text('Pablo'),
	{ type: 'currency', currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100990 } },
	{ type: 'date_time', date_time: { fallback_value: 'February 25, 1977' } },
);

describe('template sends', () => {
	it('accepts a positional template and logs the rendered text', async () => {
		const answer = await sendTemplate('order_confirmation', 'en_US', [orderBody]);
		expect(answer.status).toBe(200);
		const [logged] = await h.control.messages({ to: customer });
		expect(logged.template).toEqual({
			name: 'order_confirmation',
			language: 'en_US',
			category: 'UTILITY',
		});
		expect(logged.renderedText).toBe(
			'Hi Pablo, your order total is $100.99. Delivery is scheduled for February 25, 1977.',
		);
	});

	it('renders header, footer and buttons of a marketing template', async () => {
		await sendTemplate('spring_sale', 'en_US', [
			body(text('Anna'), text('SPRING20')),
			{ type: 'button', sub_type: 'url', index: '0', parameters: [text('anna')] },
		]);
		const [logged] = await h.control.messages({ to: customer });
		expect(logged.renderedText).toBe(
			[
				'Spring Sale',
				'Hi Anna, use code SPRING20 for 20% off everything until Sunday.',
				'Not interested? Tap Stop promotions',
				'[Shop now → https://shop.example.com/sale/anna]',
				'[Stop promotions]',
			].join('\n'),
		);
	});

	it('accepts named parameters matched by parameter_name, in any order', async () => {
		const answer = await sendTemplate('welcome_named', 'en_US', [
			body(
				{ ...text("Jasper's Market"), parameter_name: 'company' },
				{ ...text('Pablo'), parameter_name: 'first_name' },
			),
		]);
		expect(answer.status).toBe(200);
		const [logged] = await h.control.messages({ to: customer });
		expect(logged.renderedText).toBe(
			"Hi Pablo, welcome to Jasper's Market! Reply to this message any time.",
		);
	});
});

describe('template refusals', () => {
	it.each([
		['an unknown name', 'no_such_template', 'en_US', 'does not exist in en_US'],
		['an unknown language', 'appointment_reminder', 'fr', 'it exists in: en_US, de'],
		['a PENDING template', 'black_friday_preview', 'en_US', 'status PENDING'],
		['a REJECTED template', 'instant_loan_offer', 'en_US', 'status REJECTED'],
	])('refuses %s with 132001 (HTTP 404)', async (_case, name, language, details) => {
		const answer = await sendTemplate(name, language, [body(text('x'))]);
		expect(answer.status).toBe(404);
		expect(answer.body.error).toMatchObject({
			code: 132001,
			error_data: { details: expect.stringContaining(details) },
		});
	});

	it('refuses paused and disabled templates with 132015 and 132016', async () => {
		expect((await sendTemplate('paused_offer', 'en_US')).body.error.code).toBe(132015);
		expect((await sendTemplate('disabled_offer', 'en_US')).body.error.code).toBe(132016);
	});

	it('refuses too few body parameters with 132000', async () => {
		const answer = await sendTemplate('appointment_reminder', 'en_US', [body(text('Anna'))]);
		expect(answer.body.error).toMatchObject({
			code: 132000,
			error_data: {
				details:
					'body: number of localizable_params (1) does not match the expected number of params (4)',
			},
		});
	});

	it('refuses a send without the parameters a template needs with 132000', async () => {
		expect((await sendTemplate('appointment_reminder', 'de')).body.error.code).toBe(132000);
	});

	it('refuses body parameters for a template without placeholders with 132000', async () => {
		expect(
			(await sendTemplate('hello_world', 'en_US', [body(text('extra'))])).body.error.code,
		).toBe(132000);
	});

	it('refuses a missing media header with 132000 and a wrong header type with 132012', async () => {
		expect(
			(await sendTemplate('order_confirmation_image', 'en_US', [orderBody])).body.error.code,
		).toBe(132000);
		const wrongType = await sendTemplate('order_confirmation_image', 'en_US', [
			{ type: 'header', parameters: [text('not an image')] },
			orderBody,
		]);
		expect(wrongType.body.error.code).toBe(132012);
	});

	it('refuses a dynamic URL button without its parameter with 132000', async () => {
		const answer = await sendTemplate('spring_sale', 'en_US', [
			body(text('Anna'), text('SPRING20')),
		]);
		expect(answer.body.error).toMatchObject({
			code: 132000,
			error_data: { details: expect.stringContaining('button[0]') },
		});
	});

	it.each([
		['a newline', 'line one\nline two'],
		['a tab', 'one\ttwo'],
		['five consecutive spaces', 'one     two'],
	])('refuses a body parameter with %s with 132012', async (_case, value) => {
		const answer = await sendTemplate('order_confirmation', 'en_US', [
			body(text(value), orderBody.parameters[1], orderBody.parameters[2]),
		]);
		expect(answer.body.error.code).toBe(132012);
	});

	it('accepts four consecutive spaces', async () => {
		const answer = await sendTemplate('order_confirmation', 'en_US', [
			body(text('one    two'), orderBody.parameters[1], orderBody.parameters[2]),
		]);
		expect(answer.status).toBe(200);
	});

	it('refuses positional parameters for a named template with 132012', async () => {
		const answer = await sendTemplate('welcome_named', 'en_US', [
			body(text('Pablo'), text('Shop')),
		]);
		expect(answer.body.error).toMatchObject({
			code: 132012,
			error_data: { details: expect.stringContaining('first_name, company') },
		});
	});

	it('refuses an unknown parameter_name with 132012', async () => {
		const answer = await sendTemplate('welcome_named', 'en_US', [
			body(
				{ ...text('Pablo'), parameter_name: 'first_name' },
				{ ...text('Shop'), parameter_name: 'shop' },
			),
		]);
		expect(answer.body.error.code).toBe(132012);
	});

	it('refuses parameter_name on a positional template with 132012', async () => {
		const answer = await sendTemplate('appointment_reminder', 'en_US', [
			body(
				...['a', 'b', 'c', 'd'].map((value, index) => ({
					...text(value),
					parameter_name: `p${index}`,
				})),
			),
		]);
		expect(answer.body.error.code).toBe(132012);
	});

	it('refuses a body longer than 1024 characters once filled in with 132005', async () => {
		const answer = await sendTemplate('order_confirmation', 'en_US', [
			body(text('x'.repeat(1100)), orderBody.parameters[1], orderBody.parameters[2]),
		]);
		expect(answer.body.error.code).toBe(132005);
	});
});

describe('template quick replies', () => {
	it('delivers a tap on "Stop promotions" as a button message answering the template', async () => {
		const sent = await sendTemplate('spring_sale', 'en_US', [
			body(text('Anna'), text('SPRING20')),
			{ type: 'button', sub_type: 'url', index: '0', parameters: [text('anna')] },
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: '1',
				parameters: [{ type: 'payload', payload: 'STOP_PROMOTIONS' }],
			},
		]);
		const templateId = sent.body.messages[0].id as string;
		await h.control.inbound({ from: customer, button: 'Stop promotions' });
		const message = await h.receiver.waitFor(() =>
			h.receiver.inboundMessages().find((entry) => entry.type === 'button'),
		);
		expect(message).toMatchObject({
			type: 'button',
			button: { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' },
			context: { from: '15550783881', id: templateId },
		});
	});

	it('uses the button text as payload when the send gave none', async () => {
		await sendTemplate('spring_sale', 'en_US', [
			body(text('Anna'), text('SPRING20')),
			{ type: 'button', sub_type: 'url', index: '0', parameters: [text('anna')] },
		]);
		await h.control.inbound({ from: customer, button: 'Stop promotions' });
		const message = await h.receiver.waitFor(() =>
			h.receiver.inboundMessages().find((entry) => entry.type === 'button'),
		);
		expect(message.button).toEqual({ payload: 'Stop promotions', text: 'Stop promotions' });
	});
});

describe('GET /{waba-id}/message_templates', () => {
	it("lists templates in Meta's shape with paging", async () => {
		const first = await h.graph('GET', `/${h.wabaId}/message_templates?limit=4`);
		expect(first.status).toBe(200);
		expect(first.body.data).toHaveLength(4);
		expect(first.body.data[0]).toMatchObject({
			name: 'hello_world',
			language: 'en_US',
			status: 'APPROVED',
			category: 'UTILITY',
			parameter_format: 'POSITIONAL',
			components: expect.any(Array),
			id: expect.stringMatching(/^\d+$/),
		});
		expect(first.body.paging.cursors).toEqual({
			before: expect.any(String),
			after: expect.any(String),
		});
		const nextPath = new URL(first.body.paging.next as string);
		const second = await h.graph('GET', `/${h.wabaId}/message_templates${nextPath.search}`);
		expect(second.body.data[0].name).not.toBe(first.body.data[0].name);
		const names = new Set(
			[...first.body.data, ...second.body.data].map((entry: { id: string }) => entry.id),
		);
		expect(names.size).toBe(8);
	});

	it('filters by name and status and returns only the requested fields', async () => {
		const answer = await h.graph(
			'GET',
			`/${h.wabaId}/message_templates?name=appointment&status=APPROVED&fields=name,language`,
		);
		expect(answer.body.data).toEqual([
			{ name: 'appointment_reminder', language: 'en_US', id: expect.any(String) },
			{ name: 'appointment_reminder', language: 'de', id: expect.any(String) },
		]);
		const pending = await h.graph(
			'GET',
			`/${h.wabaId}/message_templates?status=PENDING,REJECTED&fields=name,status`,
		);
		expect(pending.body.data.map((entry: { status: string }) => entry.status)).toEqual([
			'PENDING',
			'REJECTED',
		]);
	});

	it('refuses an unknown field with 100', async () => {
		const answer = await h.graph('GET', `/${h.wabaId}/message_templates?fields=name,colour`);
		expect(answer.body.error).toMatchObject({
			code: 100,
			message: expect.stringContaining('colour'),
		});
	});
});
