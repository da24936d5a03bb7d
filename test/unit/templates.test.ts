import {
	buildTemplateComponents,
	isNamedTemplate,
	type MessageTemplate,
	parseTemplateRef,
	planTemplate,
	renderTemplate,
} from '../../lib/core/templates';
import { pickTemplate } from '../../nodes/helpers/templateLookup';
import { metaFixture, metaFixtures, shapeOf } from '../helpers/metaFixtures';

const published = metaFixture<{ data: MessageTemplate[] }>(
	'templates/get-response-200/example-response.json',
).data;

/** Template creation examples, read as the template Meta would list after approval. */
const created: Array<[string, MessageTemplate]> = metaFixtures<MessageTemplate>(
	'templates/post-request',
)
	.filter(([, t]) => Array.isArray(t.components))
	.map(([file, t]) => [file, { ...t, status: 'APPROVED' }]);

const named: MessageTemplate = {
	name: 'order_update_named',
	language: 'de',
	status: 'APPROVED',
	category: 'UTILITY',
	parameter_format: 'NAMED',
	components: [
		{
			type: 'HEADER',
			format: 'TEXT',
			text: 'Bestellung {{order_id}}',
			example: { header_text_named_params: [{ param_name: 'order_id', example: '4711' }] },
		},
		{
			type: 'BODY',
			text: 'Hallo {{first_name}}, deine Bestellung {{order_id}} kommt am {{delivery_date}}.',
			example: {
				body_text_named_params: [
					{ param_name: 'first_name', example: 'Anna' },
					{ param_name: 'order_id', example: '4711' },
					{ param_name: 'delivery_date', example: 'Montag' },
				],
			},
		},
	],
};

const mediaHeader: MessageTemplate = {
	name: 'brochure',
	language: 'en_US',
	status: 'APPROVED',
	category: 'MARKETING',
	components: [
		{ type: 'HEADER', format: 'DOCUMENT' },
		{
			type: 'BODY',
			text: 'Hi {{1}}, here is the brochure you asked for.',
			example: { body_text: [['Mark']] },
		},
		{ type: 'FOOTER', text: 'Reply STOP to opt out' },
		{
			type: 'BUTTONS',
			buttons: [
				{ type: 'URL', text: 'Open', url: 'https://example.com/b/{{1}}', example: ['abc'] },
				{ type: 'QUICK_REPLY', text: 'Stop promotions' },
			],
		},
	],
};

describe('planTemplate', () => {
	it('plans the published hello_world (no variables) and 2023_april_promo (two positional + quick reply)', () => {
		expect(planTemplate(published[0])).toEqual([]);
		const promo = planTemplate(published[1]);
		expect(promo.map((s) => [s.id, s.required, s.example])).toEqual([
			['body_1', true, 'Mark'],
			['body_2', true, 'FALL25'],
			['button_0_payload', false, 'Stop promotions'],
		]);
	});

	it.each(created)('plans every variable of Meta example %s', (_file, template) => {
		const slots = planTemplate(template);
		const ids = slots.map((s) => s.id);
		expect(new Set(ids).size).toBe(ids.length);
		const body = template.components.find((c) => c.type === 'BODY');
		const bodyPlaceholders = new Set(
			[...(body?.text ?? '').matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]),
		);
		if (template.category !== 'AUTHENTICATION') {
			expect(slots.filter((s) => s.kind === 'bodyText').map((s) => s.placeholder)).toEqual([
				...bodyPlaceholders,
			]);
		}
		const header = template.components.find((c) => c.type === 'HEADER');
		if (header && ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(header.format ?? '')) {
			expect(slots.find((s) => s.id === 'header_media')?.mediaFormat).toBe(header.format);
		}
		// A complete mapping from Meta's own examples builds without problems.
		const values = Object.fromEntries(
			slots.map((s) => [
				s.id,
				s.kind === 'headerMedia'
					? 'https://example.com/file'
					: s.kind === 'headerLocation'
						? '1.5'
						: (s.example ?? 'x'),
			]),
		);
		expect(buildTemplateComponents(template, values).problems).toEqual([]);
	});

	it('plans named templates with parameter names and examples', () => {
		expect(isNamedTemplate(named)).toBe(true);
		expect(planTemplate(named).map((s) => [s.id, s.example])).toEqual([
			['header_order_id', '4711'],
			['body_first_name', 'Anna'],
			['body_order_id', '4711'],
			['body_delivery_date', 'Montag'],
		]);
	});

	it('plans media headers and URL buttons', () => {
		expect(planTemplate(mediaHeader).map((s) => s.id)).toEqual([
			'header_media',
			'body_1',
			'button_0_url',
			'button_1_payload',
		]);
	});

	it('plans the authentication template as one code', () => {
		const [, auth] = created.find(([file]) =>
			file.includes('authentication-template-w-otp-copy-code'),
		)!;
		expect(planTemplate(auth).map((s) => s.id)).toEqual(['otp_code']);
	});
});

describe('buildTemplateComponents', () => {
	it('builds the components in the shape of Meta’s template send example', () => {
		const plan = buildTemplateComponents(published[1], {
			body_1: 'Anna',
			body_2: 'FALL25',
			button_0_payload: 'STOP_PROMO',
		});
		expect(plan.problems).toEqual([]);
		expect(plan.components).toEqual([
			{
				type: 'body',
				parameters: [
					{ type: 'text', text: 'Anna' },
					{ type: 'text', text: 'FALL25' },
				],
			},
			{
				type: 'button',
				sub_type: 'quick_reply',
				index: '0',
				parameters: [{ type: 'payload', payload: 'STOP_PROMO' }],
			},
		]);
		const example = metaFixture('send/post-request/send-message-template-interactive.json').template
			.components;
		expect(shapeOf(plan.components[1])).toEqual(shapeOf(example[2]));
		expect(shapeOf(plan.components[0].parameters)).toEqual(shapeOf([example[1].parameters[0]]));
	});

	it('renders what the customer reads', () => {
		const plan = buildTemplateComponents(published[1], { body_1: 'Anna', body_2: 'FALL25' });
		expect(plan.rendered).toBe(
			'Fall Sale\nHi Anna, our Fall Sale is on! Use promo code FALL25 Get an extra 25% off every order above $350!\nNot interested in any of our sales? Tap Stop Promotions\n[Stop promotions]',
		);
	});

	it('adds parameter_name for named templates', () => {
		const plan = buildTemplateComponents(named, {
			header_order_id: '4711',
			body_first_name: 'Anna',
			body_order_id: '4711',
			body_delivery_date: 'Montag',
		});
		expect(plan.problems).toEqual([]);
		expect(plan.components[1]).toEqual({
			type: 'body',
			parameters: [
				{ type: 'text', parameter_name: 'first_name', text: 'Anna' },
				{ type: 'text', parameter_name: 'order_id', text: '4711' },
				{ type: 'text', parameter_name: 'delivery_date', text: 'Montag' },
			],
		});
		expect(plan.rendered).toBe(
			'Bestellung 4711\nHallo Anna, deine Bestellung 4711 kommt am Montag.',
		);
	});

	it('builds a media header by link or id in the shape of Meta’s media template example', () => {
		const byLink = buildTemplateComponents(mediaHeader, {
			header_media: 'https://example.com/b.pdf',
			body_1: 'Mark',
			button_0_url: 'abc',
		});
		expect(byLink.problems).toEqual([]);
		expect(byLink.components[0]).toEqual({
			type: 'header',
			parameters: [{ type: 'document', document: { link: 'https://example.com/b.pdf' } }],
		});
		const example = metaFixture('send/post-request/send-message-template-media.json').template
			.components[0];
		const imageHeader = {
			...mediaHeader,
			components: [{ type: 'HEADER', format: 'IMAGE' }, ...mediaHeader.components.slice(1)],
		};
		const image = buildTemplateComponents(imageHeader, {
			header_media: 'https://example.com/a.jpg',
			body_1: 'Mark',
			button_0_url: 'abc',
		});
		expect(shapeOf(image.components[0])).toEqual(shapeOf(example));
		expect(byLink.components[2]).toEqual({
			type: 'button',
			sub_type: 'url',
			index: '0',
			parameters: [{ type: 'text', text: 'abc' }],
		});
		const byId = buildTemplateComponents(mediaHeader, {
			header_media: '1234567890',
			body_1: 'Mark',
			button_0_url: 'abc',
		});
		expect(byId.components[0]).toEqual({
			type: 'header',
			parameters: [{ type: 'document', document: { id: '1234567890' } }],
		});
	});

	it('reports missing, empty, extra and badly formatted values, naming each variable', () => {
		const plan = buildTemplateComponents(published[1], {
			body_1: 'Line\nbreak',
			body_2: '  ',
			body_9: 'extra',
		});
		expect(plan.problems.map((p) => p.slotId).sort()).toEqual(['body_1', 'body_2', 'body_9']);
		expect(plan.problems.find((p) => p.slotId === 'body_1')!.message).toMatch(/line break/);
		expect(plan.problems.find((p) => p.slotId === 'body_2')!.message).toMatch(/empty.*Mark|FALL25/);
		expect(plan.problems.find((p) => p.slotId === 'body_9')!.message).toMatch(
			/not a variable of template "2023_april_promo"/,
		);
	});

	it.each([
		['a tab', 'a\tb', /tab/],
		['five spaces', 'a     b', /4 consecutive spaces/],
	])('refuses %s in a body variable', (_what, value, message) => {
		const plan = buildTemplateComponents(published[1], { body_1: value, body_2: 'x' });
		expect(plan.problems[0].message).toMatch(message);
	});

	it('accepts four spaces and numbers', () => {
		expect(
			buildTemplateComponents(published[1], { body_1: 'a    b', body_2: 42 }).problems,
		).toEqual([]);
	});

	it('refuses a media header that is neither link nor id', () => {
		const plan = buildTemplateComponents(mediaHeader, {
			header_media: 'brochure.pdf',
			body_1: 'x',
			button_0_url: 'y',
		});
		expect(plan.problems).toEqual([
			{ slotId: 'header_media', message: expect.stringMatching(/neither a link/) },
		]);
	});

	it('sends the one-time code as body and OTP button parameter', () => {
		const [, auth] = created.find(([file]) =>
			file.includes('authentication-template-w-otp-copy-code'),
		)!;
		const plan = buildTemplateComponents(auth, { otp_code: '482913' });
		expect(plan.components).toEqual([
			{ type: 'body', parameters: [{ type: 'text', text: '482913' }] },
			{
				type: 'button',
				sub_type: 'url',
				index: '0',
				parameters: [{ type: 'text', text: '482913' }],
			},
		]);
		expect(plan.rendered).toMatch(/^482913 is your verification code/);
	});

	it('keeps unfilled placeholders visible when rendering', () => {
		expect(renderTemplate(published[1], {})).toContain('Hi {{1}}');
	});
});

describe('template references', () => {
	it('parses name|language and bare names', () => {
		expect(parseTemplateRef('hello_world|en_US')).toEqual({
			name: 'hello_world',
			language: 'en_US',
		});
		expect(parseTemplateRef('hello_world')).toEqual({ name: 'hello_world', language: undefined });
	});

	it('explains what exists when the template or language is missing', () => {
		expect(() => pickTemplate([], 'nope|de', 'nope', 'de')).toThrow(/no template named "nope"/);
		expect(() => pickTemplate(published, 'hello_world|de', 'hello_world', 'de')).toThrow(
			/language "de"/,
		);
		const twoLanguages = [published[0], { ...published[0], language: 'de' }];
		expect(() => pickTemplate(twoLanguages, 'hello_world', 'hello_world', undefined)).toThrow(
			/several languages/,
		);
		expect(() =>
			pickTemplate(
				[{ ...published[0], status: 'PENDING' }],
				'hello_world',
				'hello_world',
				undefined,
			),
		).toThrow(/PENDING/);
		expect(pickTemplate(published.slice(0, 1), 'hello_world', 'hello_world', undefined).name).toBe(
			'hello_world',
		);
	});
});
