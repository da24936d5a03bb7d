import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { META_FIXTURES } from '../helpers/metaFixtures';
import { customer, startHarness, type Harness } from './helpers';
import { missingShape } from './shape';

/** Meta's published examples, see test/fixtures/meta/README.md. */
const fixtures = join(META_FIXTURES, 'send');
const requestFiles = readdirSync(join(fixtures, 'post-request')).filter((file) =>
	file.endsWith('.json'),
);
const responseFiles = new Set(readdirSync(join(fixtures, 'post-response-200')));

function readJson(path: string): unknown {
	return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * Examples the emulator refuses, each for a documented reason: they need state the emulator does not
 * have (catalogs, Flows, payments, Meta's sample templates) or Meta's example itself is incomplete.
 */
const refusals: Record<string, { code: number; reason: string }> = {
	'send-catalog-message.json': { code: 131009, reason: 'needs a product catalog' },
	'send-catalog-template-message.json': {
		code: 132001,
		reason: 'needs a catalog template (intro_catalog_offer)',
	},
	'send-draft-flow-by-id.json': { code: 131009, reason: 'needs a WhatsApp Flow' },
	'send-draft-flow-by-name.json': { code: 131009, reason: 'needs a WhatsApp Flow' },
	'send-published-flow-by-id.json': { code: 131009, reason: 'needs a WhatsApp Flow' },
	'send-published-flow-by-name.json': { code: 131009, reason: 'needs a WhatsApp Flow' },
	'send-flow-template-message.json': { code: 132001, reason: 'needs a Flow template' },
	'send-multi-product-message.json': { code: 131009, reason: 'needs a product catalog' },
	'send-single-product-message.json': { code: 131009, reason: 'needs a product catalog' },
	'send-order-details-message.json': { code: 131009, reason: 'needs a payment configuration' },
	'send-order-status-message.json': { code: 131009, reason: 'needs an order from a payment' },
	'send-sample-issue-resolution-template.json': {
		code: 132001,
		reason: "Meta's sample template is not in the seed",
	},
	'send-reply-to-list-message.json': {
		code: 100,
		reason: 'the example omits "type", which then defaults to text',
	},
};

/** Which seeded template stands in for Meta's "template-name" placeholder in each example. */
const templateFor: Record<string, string> = {
	'send-message-template-text.json': 'order_confirmation',
	'send-sample-text-message.json': 'order_confirmation',
	'send-sample-shipping-confirmation-template.json': 'order_confirmation',
	'send-message-template-media.json': 'order_confirmation_image',
	'send-message-template-interactive.json': 'delivery_options',
};

const responseFor: Record<string, string> = {
	'send-location-message.json': 'send-location-messages.json',
	'send-message-template-interactive.json': 'send-interactive-message-template.json',
	'send-text-message-with-preview-url.json': 'send-text-message.json',
};

const mediaPlaceholders: Record<string, { mimeType: string; filename: string }> = {
	'<IMAGE_OBJECT_ID>': { mimeType: 'image/jpeg', filename: 'photo.jpg' },
	'<AUDIO_OBJECT_ID>': { mimeType: 'audio/ogg', filename: 'voice.ogg' },
	'<VIDEO_OBJECT_ID>': { mimeType: 'video/mp4', filename: 'clip.mp4' },
	'<DOCUMENT_OBJECT_ID>': { mimeType: 'application/pdf', filename: 'invoice.pdf' },
	'<MEDIA_OBJECT_ID>': { mimeType: 'image/webp', filename: 'sticker.webp' },
};

let h: Harness;
let inboundId: string;
const mediaIds = new Map<string, string>();

async function upload(mimeType: string, filename: string): Promise<string> {
	const form = new FormData();
	form.set('messaging_product', 'whatsapp');
	form.set('type', mimeType);
	form.set('file', new Blob([Buffer.from(`fixture ${filename}`)], { type: mimeType }), filename);
	const response = await fetch(`${h.emulator.baseUrl}/${h.version}/${h.phoneNumberId}/media`, {
		method: 'POST',
		headers: { authorization: `Bearer ${h.accessToken}` },
		body: form,
	});
	return ((await response.json()) as { id: string }).id;
}

/** Fills Meta's placeholders with values that exist in the emulator. */
function fill(value: unknown, file: string): unknown {
	if (Array.isArray(value)) return value.map((item) => fill(item, file));
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value).map(([key, child]) => [key, fill(child, file)]),
		);
	}
	if (typeof value !== 'string') return value;
	if (value === '{{Recipient-Phone-Number}}' || value === '{{Recipient-WA-Phone-Number}}')
		return customer;
	if (mediaIds.has(value)) return mediaIds.get(value);
	if (value.startsWith('<MSGID_OF_')) return inboundId;
	if (value === 'template-name' && templateFor[file]) return templateFor[file];
	if (value === 'language-and-locale-code') return 'en_US';
	if (file === 'send-typing-indicator-and-read-receipt.json' && value.startsWith('wamid.'))
		return inboundId;
	const link = value.match(/^<?http\(s\):\/\/([^>]*)>?$/);
	return link ? `https://media.example.com/${link[1]}` : value;
}

beforeAll(async () => {
	h = await startHarness();
	for (const [placeholder, { mimeType, filename }] of Object.entries(mediaPlaceholders)) {
		mediaIds.set(placeholder, await upload(mimeType, filename));
	}
	// The customers of the examples write first, so free-form examples fall inside the 24-hour window.
	inboundId = (await h.control.inbound({ from: customer, text: 'Hello' })).messageId;
	await h.control.inbound({ from: '+16505551234', text: 'Hello' });
});
afterAll(async () => h.stop());

describe("Meta's send examples (send/post-request)", () => {
	it('covers every example file', () => {
		expect(requestFiles.length).toBeGreaterThanOrEqual(50);
	});

	const accepted = requestFiles.filter((file) => !refusals[file]);

	it.each(accepted)(
		'accepts %s and answers in the shape of the matching response example',
		async (file) => {
			const body = fill(readJson(join(fixtures, 'post-request', file)), file) as Record<
				string,
				unknown
			>;
			const answer = await h.graph('POST', `/${h.phoneNumberId}/messages`, body);
			expect(answer.body.error).toBeUndefined();
			expect(answer.status).toBe(200);
			const responseFile =
				responseFor[file] ?? (responseFiles.has(file) ? file : 'example-response.json');
			const example = readJson(join(fixtures, 'post-response-200', responseFile));
			expect(missingShape(example, answer.body)).toEqual([]);
			if (body.status === 'read') return;

			const id = answer.body.messages[0].id as string;
			expect(id).toMatch(/^wamid\./);
			const outcome = await h.receiver.waitFor(() =>
				h.receiver
					.statuses(id)
					.find((status) => status.status === 'delivered' || status.status === 'failed'),
			);
			expect(outcome).toMatchObject({ status: 'delivered' });
		},
	);

	const refused = Object.entries(refusals).map(
		([file, { code, reason }]) => [file, code, reason] as const,
	);

	it.each(refused)('refuses %s with %i: %s', async (file, code) => {
		const body = fill(readJson(join(fixtures, 'post-request', file)), file);
		const answer = await h.graph('POST', `/${h.phoneNumberId}/messages`, body);
		expect(answer.status).toBeGreaterThanOrEqual(400);
		expect(answer.body.error.code).toBe(code);
	});
});
