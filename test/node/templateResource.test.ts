/**
 * The send node's Template resource (List, Get, Create, Delete) and Send Template's answer to a
 * template Meta paused or disabled, against the Cloud API emulator over real HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { defaultTemplates } from '../../emulator';
import { EmulatorControl } from '../../emulator/control-client';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { closeAllStores } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';

jest.setTimeout(60_000);

const node = new WhatsAppAutomation();
/** 105 generated templates beside the defaults: Return All has to follow Meta's cursor. */
const GENERATED = 105;
const REVIEW_SECONDS = 60;

let emulator: RunningEmulator;
let control: EmulatorControl;
let storeDir: string;
let credentials: Record<string, Record<string, unknown>>;

beforeAll(async () => {
	emulator = await startEmulator({
		seed: {
			templates: [
				...defaultTemplates(),
				...Array.from({ length: GENERATED }, (_, k) => ({
					name: `bulk_notice_${String(k).padStart(3, '0')}`,
					language: 'en_US',
					category: 'UTILITY',
					status: 'APPROVED',
					components: [{ type: 'BODY', text: `Notice number ${k} for your account.` }],
				})),
				{
					name: 'loan_offer_rejected',
					language: 'en_US',
					category: 'MARKETING',
					status: 'REJECTED',
					rejected_reason: 'SCAM',
					components: [{ type: 'BODY', text: 'Instant money, no questions asked.' }],
				},
			],
			settings: { templateReviewMs: REVIEW_SECONDS * 1000 },
		},
	});
	control = new EmulatorControl(emulator.baseUrl);
	const info = emulator.info();
	storeDir = mkdtempSync(join(tmpdir(), 'wa-templates-'));
	credentials = {
		whatsAppCloudApi: {
			accessToken: info.accessToken,
			businessAccountId: info.wabaId,
			appId: info.appId,
			appSecret: info.appSecret,
			graphApiVersion: info.graphVersion,
			baseUrl: info.baseUrl,
			store: 'builtin',
			sqlitePath: join(storeDir, 'store.sqlite'),
		},
	};
});

afterAll(async () => {
	await closeAllStores();
	await emulator.stop();
	rmSync(storeDir, { recursive: true, force: true });
});

beforeEach(async () => {
	await control.reset();
});

function template(
	operation: string,
	parameters: Record<string, ParameterValue>,
	extra: { items?: INodeExecutionData[]; continueOnFail?: boolean } = {},
) {
	return runNode({
		node,
		credentials,
		parameters: { resource: 'template', operation, ...parameters },
		...extra,
	});
}

const templateRequests = (requests: Array<{ method: string; url: string }>) =>
	requests.filter((r) => r.url.includes('/message_templates'));

describe('List', () => {
	it('returns all templates, following Meta’s cursor across pages, with status, category, quality and rejection reason', async () => {
		const run = await template('list', { returnAll: true });
		const out = run.output![0];
		expect(out).toHaveLength(defaultTemplates().length + GENERATED + 1);
		expect(templateRequests(run.requests)).toHaveLength(2);
		expect(out.every((o) => o.pairedItem && (o.pairedItem as { item: number }).item === 0)).toBe(
			true,
		);
		expect(out.find((o) => o.json.name === 'loan_offer_rejected')?.json).toEqual({
			id: expect.stringMatching(/^\d+$/),
			name: 'loan_offer_rejected',
			language: 'en_US',
			status: 'REJECTED',
			category: 'MARKETING',
			qualityScore: 'UNKNOWN',
			rejectedReason: 'SCAM',
			previousCategory: null,
			parameterFormat: 'POSITIONAL',
			components: [{ type: 'BODY', text: 'Instant money, no questions asked.' }],
		});
	});

	it('stops at the Limit, also across pages', async () => {
		const few = await template('list', { returnAll: false, limit: 3 });
		expect(few.output![0].map((o) => o.json.name)).toHaveLength(3);
		expect(templateRequests(few.requests)).toHaveLength(1);
		const many = await template('list', { returnAll: false, limit: 104 });
		expect(many.output![0]).toHaveLength(104);
		expect(templateRequests(many.requests)).toHaveLength(2);
	});

	it('filters by status, category and name, as lists or comma lists mapped from items', async () => {
		await control.templateStatus({ name: 'spring_sale', status: 'PAUSED' });
		const run = await template(
			'list',
			{
				returnAll: true,
				templateFilters: (i: number) =>
					i === 0
						? { status: ['PAUSED', 'REJECTED'], category: ['MARKETING'] }
						: { name: 'appointment', status: 'approved' },
			},
			{ items: [{ json: {} }, { json: {} }] },
		);
		const out = run.output![0];
		expect(out.map((o) => [o.json.name, o.json.status, o.pairedItem])).toEqual([
			['spring_sale', 'PAUSED', { item: 0 }],
			['instant_loan_offer', 'REJECTED', { item: 0 }],
			['loan_offer_rejected', 'REJECTED', { item: 0 }],
			['appointment_reminder', 'APPROVED', { item: 1 }],
			['appointment_reminder', 'APPROVED', { item: 1 }],
		]);
		expect(out[0].json.qualityScore).toBe('RED');
	});

	it('refuses an unknown status and a limit below 1, per item with Continue On Fail', async () => {
		const run = await template(
			'list',
			{
				returnAll: false,
				limit: (i: number) => (i === 1 ? 0 : 2),
				templateFilters: (i: number) => (i === 0 ? { status: 'GONE' } : {}),
			},
			{ items: [{ json: {} }, { json: {} }, { json: {} }], continueOnFail: true },
		);
		const out = run.output![0];
		expect(out[0].json.error).toMatchObject({ field: 'Filters → Status', value: 'GONE' });
		expect(out[1].json.error).toMatchObject({ field: 'Limit', value: 0 });
		expect(out.slice(2).map((o) => o.pairedItem)).toEqual([{ item: 2 }, { item: 2 }]);
	});
});

describe('Get', () => {
	it('gets a template by name and language, and the same by its ID', async () => {
		const byName = await template('get', {
			getBy: 'name',
			templateName: 'appointment_reminder',
			templateLanguage: 'de',
		});
		const found = byName.output![0][0].json;
		expect(found).toMatchObject({
			name: 'appointment_reminder',
			language: 'de',
			status: 'APPROVED',
		});
		const byId = await template('get', { getBy: 'id', templateId: found.id });
		expect(byId.output![0][0].json).toEqual(found);
	});

	it('explains a name with several languages, an unknown name and an ID that is not one', async () => {
		await expect(
			template('get', { getBy: 'name', templateName: 'appointment_reminder' }),
		).rejects.toMatchObject({
			message: expect.stringContaining('exists in several languages'),
			description: expect.stringContaining('appointment_reminder|en_US or appointment_reminder|de'),
		});
		await expect(template('get', { getBy: 'name', templateName: 'no_such' })).rejects.toThrow(
			/no template named "no_such"/,
		);
		await expect(template('get', { getBy: 'id', templateId: 'abc' })).rejects.toThrow(
			/Template ID is not a template ID/,
		);
		// An ID Meta does not know: Meta's own error, code kept.
		await expect(template('get', { getBy: 'id', templateId: '999' })).rejects.toMatchObject({
			httpCode: '400',
			description: expect.stringContaining('code 100'),
		});
	});
});

const shippedBody = 'Hello {{1}}, your order {{2}} has shipped and arrives on Friday. Thank you!';

describe('Create', () => {
	it('creates a positional template (PENDING), which Meta’s review approves', async () => {
		const run = await template('create', {
			templateName: 'order_shipped',
			templateLanguage: 'en_US',
			templateCategory: 'UTILITY',
			headerFormat: 'TEXT',
			headerText: 'Order {{1}}',
			headerExample: '#1234',
			bodyText: shippedBody,
			bodyExamples: {
				example: [
					{ variable: '1', value: 'Anna' },
					{ variable: '{{2}}', value: '#1234' },
				],
			},
			footerText: 'Shop Example',
			templateButtons: {
				button: [
					{
						type: 'URL',
						text: 'Track',
						url: 'https://shop.example.com/track/{{1}}',
						urlExample: '1234',
					},
					{ type: 'PHONE_NUMBER', text: 'Call us', phoneNumber: '+49 30 123456' },
				],
			},
		});
		const created = run.output![0][0].json;
		expect(created).toEqual({
			id: expect.stringMatching(/^\d+$/),
			name: 'order_shipped',
			language: 'en_US',
			status: 'PENDING',
			category: 'UTILITY',
		});
		await control.advanceClock(REVIEW_SECONDS);
		const got = await template('get', { getBy: 'id', templateId: created.id });
		expect(got.output![0][0].json).toMatchObject({
			status: 'APPROVED',
			components: [
				{
					type: 'HEADER',
					format: 'TEXT',
					text: 'Order {{1}}',
					example: { header_text: ['#1234'] },
				},
				{ type: 'BODY', text: shippedBody, example: { body_text: [['Anna', '#1234']] } },
				{ type: 'FOOTER', text: 'Shop Example' },
				{
					type: 'BUTTONS',
					buttons: [
						{
							type: 'URL',
							text: 'Track',
							url: 'https://shop.example.com/track/{{1}}',
							example: ['1234'],
						},
						{ type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+4930123456' },
					],
				},
			],
		});
	});

	it('creates a named-variable marketing template with quick replies and a copy code, and an authentication template', async () => {
		const marketing = await template('create', {
			templateName: 'named_offer',
			templateLanguage: 'de',
			templateCategory: 'MARKETING',
			bodyText: 'Hallo {{first_name}}, dein Gutschein ist da. Viel Spaß!',
			bodyExamples: { example: [{ variable: 'first_name', value: 'Anna' }] },
			templateButtons: {
				button: [
					{ type: 'QUICK_REPLY', text: 'Stop promotions' },
					{ type: 'QUICK_REPLY', text: 'More offers' },
					{ type: 'COPY_CODE', example: 'SPRING25' },
				],
			},
		});
		const got = await template('get', { getBy: 'id', templateId: marketing.output![0][0].json.id });
		expect(got.output![0][0].json).toMatchObject({
			parameterFormat: 'NAMED',
			category: 'MARKETING',
			components: [
				{
					type: 'BODY',
					example: { body_text_named_params: [{ param_name: 'first_name', example: 'Anna' }] },
				},
				{ type: 'BUTTONS', buttons: [{}, {}, { type: 'COPY_CODE', example: 'SPRING25' }] },
			],
		});
		const auth = await template('create', {
			templateName: 'login_code',
			templateLanguage: 'en_US',
			templateCategory: 'AUTHENTICATION',
			addSecurityRecommendation: true,
			codeExpirationMinutes: 10,
			copyCodeText: 'Copy code',
		});
		expect(auth.output![0][0].json).toMatchObject({
			status: 'PENDING',
			category: 'AUTHENTICATION',
		});
	});

	it.each([
		['a name with capitals', { templateName: 'Order Shipped' }, 'Name', /order_shipped/],
		[
			'a body starting with a variable',
			{ bodyText: '{{1}}, your order has shipped today.' },
			'Body',
			/text before/,
		],
		[
			'a body ending with a variable',
			{ bodyText: 'Your order has shipped today, {{1}}' },
			'Body',
			/text after/,
		],
		[
			'a missing example',
			{ bodyText: shippedBody, bodyExamples: { example: [{ variable: '1', value: 'Anna' }] } },
			'Body Variable Examples',
			/\{\{2\}\}/,
		],
		[
			'variables not numbered in sequence',
			{ bodyText: 'Hi {{1}}, order {{3}} has shipped today.' },
			'Body',
			/\{\{1\}\}, \{\{2\}\}/,
		],
		[
			'eleven buttons',
			{
				templateButtons: {
					button: Array.from({ length: 11 }, (_, k) => ({
						type: 'QUICK_REPLY',
						text: `Option ${k}`,
					})),
				},
			},
			'Buttons',
			/at most 10/,
		],
	])(
		'refuses %s before calling Meta, naming field and fix',
		async (_what, overrides, field, fix) => {
			const run = await template(
				'create',
				{
					templateName: 'order_shipped',
					templateLanguage: 'en_US',
					templateCategory: 'UTILITY',
					bodyText: 'Your order has shipped today.',
					...overrides,
				},
				{ continueOnFail: true },
			);
			expect(run.output![0][0].json.error).toMatchObject({
				field,
				fix: expect.stringMatching(fix),
			});
			expect(run.requests).toEqual([]);
		},
	);

	it('keeps Meta’s code, title and details (a name that exists in the language), and goes on with the next item', async () => {
		const items = [
			{ json: { name: 'appointment_reminder' } },
			{ json: { name: 'appointment_reminder_v2' } },
		];
		const parameters = {
			templateName: (i: number) => items[i].json.name,
			templateLanguage: 'de',
			templateCategory: 'UTILITY',
			bodyText: 'Hallo {{1}}, Ihr Termin ist morgen. Bis bald!',
			bodyExamples: { example: [{ variable: '1', value: 'Anna' }] },
		};
		const run = await template('create', parameters, { items, continueOnFail: true });
		const [duplicate, created] = run.output![0];
		expect(duplicate.json.error).toMatchObject({
			code: 100,
			subcode: 2388024,
			title: 'Content in This Language Already Exists',
			details: expect.stringContaining('de content'),
		});
		expect(created.json).toMatchObject({ name: 'appointment_reminder_v2', status: 'PENDING' });
		await expect(template('create', parameters, { items: [items[0]] })).rejects.toMatchObject({
			description: expect.stringContaining('code 100'),
		});
	});
});

describe('Delete', () => {
	it('deletes one language by ID, then the name; an unknown name is Meta’s error', async () => {
		const german = await template('get', {
			getBy: 'name',
			templateName: 'appointment_reminder',
			templateLanguage: 'de',
		});
		const one = await template('delete', {
			templateName: 'appointment_reminder',
			templateId: german.output![0][0].json.id,
		});
		expect(one.output![0][0].json).toEqual({
			deleted: true,
			name: 'appointment_reminder',
			id: german.output![0][0].json.id,
		});
		const left = await template('list', {
			returnAll: true,
			templateFilters: { name: 'appointment_reminder' },
		});
		expect(left.output![0].map((o) => o.json.language)).toEqual(['en_US']);
		const all = await template('delete', { templateName: 'appointment_reminder' });
		expect(all.output![0][0].json).toEqual({
			deleted: true,
			name: 'appointment_reminder',
			id: null,
		});
		const again = await template(
			'delete',
			{ templateName: 'appointment_reminder' },
			{ continueOnFail: true },
		);
		expect(again.output![0][0].json.error).toMatchObject({
			code: 100,
			title: 'Message template not found',
		});
		await expect(template('delete', { templateName: 'Bad Name' })).rejects.toThrow(
			/Template Name is not a template name/,
		);
	});
});

describe('Send Template with a template Meta paused or disabled', () => {
	const rl = (value: string) => ({ __rl: true, mode: 'list', value });
	const spring = (recipient: string, extra: Record<string, unknown> = {}) =>
		runNode({
			node,
			credentials,
			parameters: {
				operation: 'sendTemplate',
				sender: rl('106540352242922'),
				recipientPhone: recipient,
				template: rl('spring_sale|en_US'),
				variables: { value: { body_1: 'Anna', body_2: 'SPRING20', button_0_url: 'anna' } },
				options: { messagesPerSecond: 0 },
				...extra,
			},
		});

	it('fails the item by default, naming the template, its status, the quality and the fix', async () => {
		await control.templateStatus({ name: 'spring_sale', status: 'PAUSED' });
		await expect(spring('+4915112345678')).rejects.toMatchObject({
			message: expect.stringContaining(
				'Template is PAUSED: Meta paused template "spring_sale" (en_US): quality RED',
			),
			description: expect.stringContaining('wait until it is APPROVED again'),
		});
		expect(await control.messages()).toEqual([]);
	});

	it('skips the item with the reason when asked to, for a paused and a disabled template', async () => {
		await control.templateStatus({ name: 'spring_sale', status: 'PAUSED' });
		const paused = await spring('+4915112345678', { whenTemplatePaused: 'skip' });
		expect(paused.output![0][0].json).toMatchObject({
			skipped: true,
			reason: expect.stringMatching(
				/^Not sent: Meta paused template "spring_sale" \(en_US\): quality RED\./,
			),
			templateStatus: 'PAUSED',
			type: 'template',
			recipient: { phone: '+4915112345678', waId: '4915112345678' },
			template: { name: 'spring_sale', language: 'en_US', category: 'MARKETING' },
		});
		await control.templateStatus({ name: 'spring_sale', status: 'DISABLED' });
		const disabled = await spring('+4915112345678', { whenTemplatePaused: 'skip' });
		expect(disabled.output![0][0].json).toMatchObject({
			skipped: true,
			templateStatus: 'DISABLED',
			reason: expect.stringContaining('Create a new template'),
		});
		expect(await control.messages()).toEqual([]);
		// Approved again: it goes out.
		await control.templateStatus({ name: 'spring_sale', status: 'APPROVED' });
		const sent = await spring('+4915112345678', { whenTemplatePaused: 'skip' });
		expect(sent.output![0][0].json.messageId).toMatch(/^wamid\./);
	});
});
