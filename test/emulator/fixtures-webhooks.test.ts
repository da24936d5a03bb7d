import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { InboundInput } from '../../emulator';
import { META_FIXTURES } from '../helpers/metaFixtures';
import { customer, startHarness, type Harness } from './helpers';
import { shapeOf } from './shape';

/** Meta's published webhook examples, see test/fixtures/meta/README.md. */
const fixtures = join(META_FIXTURES, 'webhooks/post-request');
const files = readdirSync(fixtures).filter((file) => file.endsWith('.json'));

interface Example {
	entry: Array<{ changes: Array<{ field: string; value: Record<string, any> }> }>;
}

function example(file: string): Example {
	return JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as Example;
}

function exampleMessage(file: string): Record<string, any> {
	return example(file).entry[0].changes[0].value.messages[0];
}

let h: Harness;

beforeAll(async () => {
	// Meta's examples predate business-scoped user ids; without them the shapes must match exactly.
	h = await startHarness({ settings: { businessScopedUserIds: false } });
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

async function sendInteractive(interactive: Record<string, unknown>): Promise<void> {
	await h.control.inbound({ from: customer, text: 'Hi' });
	const answer = await h.send({ to: customer, type: 'interactive', interactive });
	expect(answer.status).toBe(200);
}

/** How each example is produced through the control API. */
const producers: Record<string, () => Promise<void>> = {
	'text-message.json': async () => {
		await h.control.inbound({
			from: customer,
			name: 'Sheena Nelson',
			text: 'Does it come in another color?',
		});
	},
	'text-message-from-click-to-whatsapp-ad.json': async () => {
		const { referral } = exampleMessage('text-message-from-click-to-whatsapp-ad.json');
		await h.control.inbound({
			from: customer,
			text: 'Hello! Can I get more info on this?',
			referral,
		});
	},
	'text-message-with-context-product-inquiry.json': async () => {
		const { context } = exampleMessage('text-message-with-context-product-inquiry.json');
		await h.control.inbound({
			from: customer,
			text: 'Is this still available?',
			context: { id: context.id, referred_product: context.referred_product },
		});
	},
	'button-message.json': async () => {
		const template = await h.send({
			to: customer,
			type: 'template',
			template: { name: 'hello_world', language: { code: 'en_US' } },
		});
		await h.control.inbound({
			from: customer,
			button: { text: 'Unsubscribe', payload: 'Unsubscribe' },
			context: template.body.messages[0].id,
		});
	},
	'interactive-button-reply-message.json': async () => {
		await sendInteractive({
			type: 'button',
			body: { text: 'Keep or cancel your order?' },
			action: { buttons: [{ type: 'reply', reply: { id: 'cancel-button', title: 'Cancel' } }] },
		});
		await h.control.inbound({ from: customer, buttonReply: 'cancel-button' });
	},
	'interactive-list-reply-message.json': async () => {
		await sendInteractive({
			type: 'list',
			body: { text: 'Choose a shipping option' },
			action: {
				button: 'Shipping',
				sections: [
					{
						title: 'Options',
						rows: [
							{
								id: 'priority_express',
								title: 'Priority Mail Express',
								description: 'Next Day to 2 Days',
							},
						],
					},
				],
			},
		});
		await h.control.inbound({ from: customer, listReply: 'priority_express' });
	},
	'image-message.json': async () => {
		await h.control.inbound({ from: customer, image: { caption: 'Taj Mahal' } });
	},
	'location-message.json': async () => {
		await h.control.inbound({
			from: customer,
			location: exampleMessage('location-message.json').location,
		});
	},
	'contact-sharing-message.json': async () => {
		await h.control.inbound({
			from: customer,
			contacts: exampleMessage('contact-sharing-message.json').contacts,
		});
	},
	'reaction-message.json': async () => {
		await h.control.inbound({ from: customer, text: 'Hi' });
		await h.send({ to: customer, text: { body: 'Your order is ready' } });
		await h.control.inbound({ from: customer, reaction: { emoji: '👍' } });
	},
	'order-message.json': async () => {
		await h.control.inbound({ from: customer, order: exampleMessage('order-message.json').order });
	},
	'system-message.json': async () => {
		await h.control.inbound({ from: customer, system: { newWaId: '12195555358' } });
	},
	'unsupported-message.json': async () => {
		await h.control.inbound({ from: customer, unsupported: true } satisfies InboundInput);
	},
	'group-create-message.json': async () => rawChange('group-create-message.json'),
	'group-remove-participants.json': async () => rawChange('group-remove-participants.json'),
	'group-settings-update.json': async () => rawChange('group-settings-update.json'),
};

async function rawChange(file: string): Promise<void> {
	const { field, value } = example(file).entry[0].changes[0];
	// The emulator adds messaging_product and metadata itself.
	const rest: Record<string, unknown> = { ...value };
	delete rest.messaging_product;
	delete rest.metadata;
	await h.control.webhook({ field, value: rest });
}

describe("Meta's webhook examples (webhooks/post-request)", () => {
	it('has a producer for every example file', () => {
		expect(Object.keys(producers).sort()).toEqual([...files].sort());
	});

	it.each(files)('produces the shape of %s through the control API', async (file) => {
		const expected = example(file);
		const { field, value } = expected.entry[0].changes[0];
		const type = value.messages?.[0]?.type as string | undefined;
		await producers[file]();
		const webhook = await h.receiver.waitFor(() =>
			h.receiver.received.find((candidate) =>
				candidate.body.entry[0].changes.some(
					(change) =>
						change.field === field &&
						(type === undefined || change.value.messages?.[0]?.type === type),
				),
			),
		);
		expect([...shapeOf(webhook.body)].sort()).toEqual([...shapeOf(expected)].sort());
	});
});
