import { defaultTemplates } from '../../emulator';
import { metaFixtures } from '../helpers/metaFixtures';
import { customer, signatureIsValid, startHarness, type Harness } from './helpers';

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
		// Reviews run only when a test moves the emulator clock past them.
		settings: { templateReviewMs: 60_000 },
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

const reviewSeconds = 60;

/** A template request in the shape of Meta's create examples. */
function newTemplate(overrides: Record<string, unknown> = {}) {
	return {
		name: 'order_shipped',
		language: 'en_US',
		category: 'UTILITY',
		components: [
			{
				type: 'BODY',
				text: 'Hello {{1}}, your order {{2}} has shipped and arrives on Friday. Thank you!',
				example: { body_text: [['Anna', '#1234']] },
			},
		],
		...overrides,
	};
}

function statusUpdates(): Array<Record<string, any>> {
	return h.receiver.changes('message_template_status_update');
}

describe('POST /{waba-id}/message_templates (create and review)', () => {
	it('creates a PENDING template, approves it at review and sends the status webhook in Meta’s shape', async () => {
		const created = await h.graph('POST', `/${h.wabaId}/message_templates`, newTemplate());
		expect(created.status).toBe(200);
		expect(created.body).toEqual({
			id: expect.stringMatching(/^\d+$/),
			status: 'PENDING',
			category: 'UTILITY',
		});
		const pending = await h.graph(
			'GET',
			`/${created.body.id}?fields=name,status,quality_score,rejected_reason`,
		);
		expect(pending.body).toEqual({
			id: created.body.id,
			name: 'order_shipped',
			status: 'PENDING',
			quality_score: { score: 'UNKNOWN' },
			rejected_reason: 'NONE',
		});
		// Not sendable while PENDING.
		const early = await sendTemplate('order_shipped', 'en_US', [body(text('Anna'), text('#1'))]);
		expect(early.body.error.code).toBe(132001);

		await h.control.advanceClock(reviewSeconds);
		const webhook = await h.receiver.waitFor(() =>
			h.receiver.received.find(
				(w) => w.body.entry[0].changes[0].field === 'message_template_status_update',
			),
		);
		expect(signatureIsValid(webhook, h.appSecret)).toBe(true);
		expect(webhook.body).toEqual({
			object: 'whatsapp_business_account',
			entry: [
				{
					id: h.wabaId,
					time: expect.any(Number),
					changes: [
						{
							field: 'message_template_status_update',
							value: {
								event: 'APPROVED',
								message_template_id: Number(created.body.id),
								message_template_name: 'order_shipped',
								message_template_language: 'en_US',
								reason: 'NONE',
								message_template_category: 'UTILITY',
							},
						},
					],
				},
			],
		});
		const approved = await h.graph('GET', `/${created.body.id}?fields=status`);
		expect(approved.body.status).toBe('APPROVED');
		const sent = await sendTemplate('order_shipped', 'en_US', [body(text('Anna'), text('#1'))]);
		expect(sent.status).toBe(200);
	});

	it.each([
		['a name containing "reject"', { name: 'please_reject_me' }, 'ABUSIVE_CONTENT'],
		[
			'a UTILITY template that reads as a promotion',
			{
				name: 'utility_sale',
				components: [
					{
						type: 'BODY',
						text: 'Hi {{1}}, our summer sale gives you 20% off everything this week.',
						example: { body_text: [['Anna']] },
					},
				],
			},
			'INCORRECT_CATEGORY',
		],
		[
			'a body with too many variables for its length',
			{
				name: 'too_thin',
				components: [
					{
						type: 'BODY',
						text: 'Hi {{1}} {{2}} {{3}}.',
						example: { body_text: [['a', 'b', 'c']] },
					},
				],
			},
			'INVALID_FORMAT',
		],
	])('rejects %s at review', async (_what, overrides, reason) => {
		const created = await h.graph('POST', `/${h.wabaId}/message_templates`, newTemplate(overrides));
		expect(created.body.status).toBe('PENDING');
		await h.control.advanceClock(reviewSeconds);
		const [update] = await h.receiver.waitFor(() => {
			const updates = statusUpdates();
			return updates.length > 0 && updates;
		});
		expect(update).toMatchObject({ event: 'REJECTED', reason });
		if (reason === 'INVALID_FORMAT') {
			expect(update.rejection_info).toEqual({
				reason: expect.stringContaining('too many variables'),
				recommendation: expect.any(String),
			});
		} else expect(update.rejection_info).toBeUndefined();
		const listed = await h.graph('GET', `/${created.body.id}?fields=status,rejected_reason`);
		expect(listed.body).toMatchObject({ status: 'REJECTED', rejected_reason: reason });
	});

	it.each([
		['a name with capitals', { name: 'Order Shipped' }, 'Invalid template name'],
		[
			'a body starting with a variable',
			{
				components: [
					{ type: 'BODY', text: '{{1}}, your order shipped.', example: { body_text: [['Anna']] } },
				],
			},
			"Variables can't be at the start or end of the template",
		],
		[
			'a body ending with a variable',
			{
				components: [
					{ type: 'BODY', text: 'Your order shipped, {{1}}', example: { body_text: [['Anna']] } },
				],
			},
			"Variables can't be at the start or end of the template",
		],
		[
			'variables that are not sequential',
			{
				components: [
					{
						type: 'BODY',
						text: 'Hi {{1}}, your order {{3}} shipped today.',
						example: { body_text: [['Anna', '#1']] },
					},
				],
			},
			'Variable parameters are not sequential',
		],
		[
			'missing examples',
			{ components: [{ type: 'BODY', text: 'Hi {{1}}, your order shipped today.' }] },
			'Message template is missing examples',
		],
		[
			'eleven buttons',
			{
				components: [
					{ type: 'BODY', text: 'Your order shipped today.' },
					{
						type: 'BUTTONS',
						buttons: Array.from({ length: 11 }, (_, k) => ({
							type: 'QUICK_REPLY',
							text: `Option ${k}`,
						})),
					},
				],
			},
			'Too many buttons',
		],
	])('refuses %s before review (code 100, explained)', async (_what, overrides, title) => {
		const answer = await h.graph('POST', `/${h.wabaId}/message_templates`, newTemplate(overrides));
		expect(answer.status).toBe(400);
		expect(answer.body.error).toMatchObject({
			code: 100,
			message: '(#100) Invalid parameter',
			error_user_title: title,
			error_user_msg: expect.any(String),
		});
	});

	it('refuses a second template with the same name and language (2388024), but takes another language', async () => {
		const answer = await h.graph(
			'POST',
			`/${h.wabaId}/message_templates`,
			newTemplate({ name: 'appointment_reminder', language: 'de' }),
		);
		expect(answer.body.error).toMatchObject({
			code: 100,
			error_subcode: 2388024,
			error_user_title: 'Content in This Language Already Exists',
		});
		const french = await h.graph(
			'POST',
			`/${h.wabaId}/message_templates`,
			newTemplate({ name: 'appointment_reminder', language: 'fr' }),
		);
		expect(french.body.status).toBe('PENDING');
	});

	it("accepts every one of Meta's create examples for text, media, location and authentication templates", async () => {
		const examples = metaFixtures<Record<string, unknown>>('templates/post-request').filter(
			([file]) =>
				file.startsWith('create-template-w-') || file.startsWith('create-authentication-'),
		);
		expect(examples.length).toBeGreaterThanOrEqual(6);
		for (const [file, example] of examples) {
			// Meta's document example reuses the seeded name order_confirmation: delete that first.
			await h.graph('DELETE', `/${h.wabaId}/message_templates?name=${String(example.name)}`);
			const answer = await h.graph('POST', `/${h.wabaId}/message_templates`, example);
			expect([file, answer.status, answer.body]).toEqual([
				file,
				200,
				{ id: expect.any(String), status: 'PENDING', category: example.category },
			]);
		}
	});
});

describe('forcing a template status (control API)', () => {
	it('pauses a template: sends are refused with 132015, the webhook says FIRST_PAUSE, quality RED; approving unpauses', async () => {
		const forced = await h.control.templateStatus({
			name: 'spring_sale',
			status: 'PAUSED',
			waitForDelivery: true,
		});
		expect(forced).toMatchObject({
			name: 'spring_sale',
			status: 'PAUSED',
			delivery: { delivered: true },
		});
		expect(statusUpdates()).toEqual([
			{
				event: 'PAUSED',
				message_template_id: Number(forced.id),
				message_template_name: 'spring_sale',
				message_template_language: 'en_US',
				reason: 'NONE',
				message_template_category: 'MARKETING',
				other_info: { title: 'FIRST_PAUSE', description: expect.any(String) },
			},
		]);
		const refused = await sendTemplate('spring_sale', 'en_US', [
			body(text('Anna'), text('SPRING20')),
			{ type: 'button', sub_type: 'url', index: '0', parameters: [text('anna')] },
		]);
		expect(refused.body.error.code).toBe(132015);
		const listed = await h.graph(
			'GET',
			`/${h.wabaId}/message_templates?name=spring_sale&fields=status,quality_score`,
		);
		expect(listed.body.data[0]).toMatchObject({
			status: 'PAUSED',
			quality_score: { score: 'RED' },
		});

		await h.control.templateStatus({ id: forced.id, status: 'APPROVED', waitForDelivery: true });
		expect(statusUpdates()[1]).toMatchObject({
			event: 'APPROVED',
			other_info: { title: 'UNPAUSE' },
		});
	});

	it('disables a template: 132016 on send, disable_info in the webhook', async () => {
		await h.control.templateStatus({
			name: 'weekend_offer',
			status: 'DISABLED',
			waitForDelivery: true,
		});
		expect(statusUpdates()[0]).toMatchObject({
			event: 'DISABLED',
			disable_info: { disable_date: expect.any(Number) },
		});
		const refused = await sendTemplate('weekend_offer', 'en_US', [body(text('Anna'))]);
		expect(refused.body.error.code).toBe(132016);
	});

	it('decides a pending review: the forced status wins and review sends nothing more', async () => {
		const created = await h.graph('POST', `/${h.wabaId}/message_templates`, newTemplate());
		await h.control.templateStatus({
			id: created.body.id,
			status: 'REJECTED',
			reason: 'SCAM',
			waitForDelivery: true,
		});
		await h.control.advanceClock(reviewSeconds * 2);
		// A marker webhook after the review's due time: everything before it has arrived.
		await h.control.templateStatus({
			name: 'hello_world',
			status: 'PAUSED',
			waitForDelivery: true,
		});
		expect(statusUpdates().map((u) => [u.message_template_name, u.event, u.reason])).toEqual([
			['order_shipped', 'REJECTED', 'SCAM'],
			['hello_world', 'PAUSED', 'NONE'],
		]);
	});

	it('refuses unknown statuses, reasons without REJECTED and unknown templates', async () => {
		await expect(
			h.control.templateStatus({ name: 'hello_world', status: 'GONE' as never }),
		).rejects.toThrow(/status.*APPROVED, REJECTED, PAUSED, DISABLED/);
		await expect(
			h.control.templateStatus({ name: 'hello_world', status: 'PAUSED', reason: 'SCAM' }),
		).rejects.toThrow(/reason/);
		await expect(h.control.templateStatus({ name: 'no_such', status: 'PAUSED' })).rejects.toThrow(
			/404.*no such template/,
		);
		await expect(
			h.control.templateStatus({ name: 'appointment_reminder', status: 'PAUSED' }),
		).rejects.toThrow(/several languages.*en_US, de/);
	});
});

describe('GET /{template-id} and DELETE /{waba-id}/message_templates', () => {
	it('gets one template by id, with the requested fields', async () => {
		const listed = await h.graph(
			'GET',
			`/${h.wabaId}/message_templates?name=welcome_named&fields=id`,
		);
		const id = listed.body.data[0].id as string;
		const answer = await h.graph('GET', `/${id}?fields=name,parameter_format,category`);
		expect(answer.body).toEqual({
			id,
			name: 'welcome_named',
			parameter_format: 'NAMED',
			category: 'UTILITY',
		});
	});

	it('deletes one language by hsm_id, then every language by name; an unknown name is refused', async () => {
		const listed = await h.graph(
			'GET',
			`/${h.wabaId}/message_templates?name=appointment_reminder&fields=language`,
		);
		const german = listed.body.data.find((t: { language: string }) => t.language === 'de');
		const one = await h.graph(
			'DELETE',
			`/${h.wabaId}/message_templates?name=appointment_reminder&hsm_id=${german.id}`,
		);
		expect(one.body).toEqual({ success: true });
		const left = await h.graph(
			'GET',
			`/${h.wabaId}/message_templates?name=appointment_reminder&fields=language`,
		);
		expect(left.body.data.map((t: { language: string }) => t.language)).toEqual(['en_US']);
		expect((await h.graph('GET', `/${german.id}`)).body.error.code).toBe(100);

		await h.graph('DELETE', `/${h.wabaId}/message_templates?name=appointment_reminder`);
		const none = await h.graph('GET', `/${h.wabaId}/message_templates?name=appointment_reminder`);
		expect(none.body.data).toEqual([]);
		const unknown = await h.graph(
			'DELETE',
			`/${h.wabaId}/message_templates?name=appointment_reminder`,
		);
		expect(unknown.body.error).toMatchObject({
			code: 100,
			error_user_title: 'Message template not found',
		});
	});
});
