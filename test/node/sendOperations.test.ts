/**
 * The send node's layout: one file per operation under actions/message/ (its picker entry, its
 * fields, its preparation), a router that lists them, and one pipeline and one item builder for
 * all. These tests keep each operation's fields in its own file and pin the output items' shape,
 * which the sent and the skipped items share.
 */
import { ConsentSkip } from '../../lib/consent';
import { buildTemplateMessage } from '../../lib/core/messages';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { sentItem, skippedItem } from '../../nodes/WhatsAppAutomation/actions/items';
import * as markAsRead from '../../nodes/WhatsAppAutomation/actions/message/markAsRead.operation';
import * as react from '../../nodes/WhatsAppAutomation/actions/message/react.operation';
import * as requestLocation from '../../nodes/WhatsAppAutomation/actions/message/requestLocation.operation';
import * as sendButtons from '../../nodes/WhatsAppAutomation/actions/message/sendButtons.operation';
import * as sendContacts from '../../nodes/WhatsAppAutomation/actions/message/sendContacts.operation';
import * as sendCtaUrl from '../../nodes/WhatsAppAutomation/actions/message/sendCtaUrl.operation';
import * as sendList from '../../nodes/WhatsAppAutomation/actions/message/sendList.operation';
import * as sendLocation from '../../nodes/WhatsAppAutomation/actions/message/sendLocation.operation';
import * as sendMedia from '../../nodes/WhatsAppAutomation/actions/message/sendMedia.operation';
import * as sendTemplate from '../../nodes/WhatsAppAutomation/actions/message/sendTemplate.operation';
import * as sendText from '../../nodes/WhatsAppAutomation/actions/message/sendText.operation';
import type { PreparedSend } from '../../nodes/WhatsAppAutomation/actions/types';

const operations = {
	sendTemplate,
	sendText,
	sendButtons,
	sendMedia,
	markAsRead,
	sendList,
	sendCtaUrl,
	sendLocation,
	requestLocation,
	sendContacts,
	react,
};

describe('one file per operation of the send node', () => {
	const properties = new WhatsAppAutomation().description.properties;

	it('the Operation picker offers exactly the operation files, each under its own value', () => {
		const picker = properties.find((p) => p.name === 'operation');
		const offered = (picker?.options ?? []).map((o) => (o as { value: string }).value);
		expect([...offered].sort()).toEqual(Object.keys(operations).sort());
		for (const [value, operation] of Object.entries(operations)) {
			expect(operation.option.value).toBe(value);
		}
	});

	it.each(Object.entries(operations))(
		'%s owns its fields: each is shown for it alone and is part of the node',
		(value, operation) => {
			expect(operation.description.length).toBeGreaterThan(0);
			for (const field of operation.description) {
				expect(field.displayOptions?.show?.operation).toEqual([value]);
				expect(properties).toContain(field);
			}
		},
	);

	it('recipient, purpose and options are shown for the operations that send a message', () => {
		const messageOperations = Object.entries(operations)
			.filter(([, operation]) => operation.sendsMessage)
			.map(([value]) => value);
		expect(messageOperations).toEqual([
			'sendTemplate',
			'sendText',
			'sendButtons',
			'sendMedia',
			'sendList',
			'sendCtaUrl',
			'sendLocation',
			'requestLocation',
			'sendContacts',
			'react',
		]);
		for (const name of ['recipientPhone', 'purpose', 'options']) {
			const field = properties.find((p) => p.name === name);
			expect(field?.displayOptions?.show?.operation).toEqual(messageOperations);
		}
	});
});

describe('sent and skipped items of the send node', () => {
	const template = {
		name: 'spring_sale',
		language: 'en_US',
		status: 'APPROVED',
		category: 'MARKETING',
		components: [],
	};
	const prepared: PreparedSend = {
		itemIndex: 2,
		sender: { id: '106540352242922', display_phone_number: '+1 555 0100' },
		recipient: { phone: '+4915112345678', waId: '4915112345678' },
		body: buildTemplateMessage(
			{ recipient: { to: '4915112345678' } },
			{ name: 'spring_sale', language: 'en_US', components: [] },
		),
		template,
		renderedText: 'Spring sale!',
		purpose: 'marketing',
		unknownConsent: 'allow',
		consent: { status: 'opted_in', since: new Date('2025-03-01T10:00:00Z'), source: 'import' },
	};
	const described = {
		type: 'template',
		waId: '4915112345678',
		sender: { phoneNumberId: '106540352242922', displayPhoneNumber: '+1 555 0100' },
		recipient: { phone: '+4915112345678', waId: '4915112345678', name: null },
		template: { name: 'spring_sale', language: 'en_US', category: 'MARKETING' },
	};

	it('a sent item: Meta’s answer first, then the message, in the order users see as columns', () => {
		const item = sentItem(
			prepared,
			{
				messaging_product: 'whatsapp',
				contacts: [{ input: '4915112345678', wa_id: '4915112345678' }],
				messages: [{ id: 'wamid.SENT', message_status: 'accepted' }],
			},
			1,
		);
		expect(item.pairedItem).toEqual({ item: 2 });
		expect(Object.keys(item.json)).toEqual([
			'messageId',
			'status',
			'type',
			'waId',
			'sender',
			'attempts',
			'recipient',
			'template',
			'renderedText',
			'purpose',
			'consent',
		]);
		expect(item.json).toMatchObject({ messageId: 'wamid.SENT', attempts: 1, ...described });
	});

	it('a skipped item: the reason first, then the same description of the message', () => {
		const state = { status: 'opted_out' as const, since: null, source: null };
		const item = skippedItem(prepared, new ConsentSkip('Not sent: opted out.', state));
		expect(item.pairedItem).toEqual({ item: 2 });
		expect(Object.keys(item.json)).toEqual([
			'skipped',
			'reason',
			'purpose',
			'consent',
			'type',
			'waId',
			'sender',
			'recipient',
			'template',
		]);
		expect(item.json).toEqual({
			skipped: true,
			reason: 'Not sent: opted out.',
			purpose: 'marketing',
			consent: { status: 'opted_out', since: null, source: null },
			...described,
		});
	});
});
