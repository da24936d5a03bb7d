import { mediaTypes } from '../graph/media-objects';
import { isRecord, type JsonRecord } from '../json';
import type { InboundMessage } from '../state';
import { mediaView } from './business-bubble';
import type { BareCustomerBubble } from './view-types';

function record(value: unknown): JsonRecord {
	return isRecord(value) ? value : {};
}

function contactNames(cards: unknown): string {
	const names = (Array.isArray(cards) ? cards : []).map((card: unknown) =>
		String(record(record(card).name).formatted_name ?? 'contact'),
	);
	return `Contact card: ${names.join(', ')}`;
}

/** What the customer's message says, in the words WhatsApp would show. */
function customerText(message: JsonRecord, type: string): string | undefined {
	switch (type) {
		case 'text':
			return String(record(message.text).body ?? '');
		case 'button':
			return String(record(message.button).text ?? '');
		case 'interactive': {
			const interactive = record(message.interactive);
			const reply = record(interactive.button_reply ?? interactive.list_reply);
			const description = typeof reply.description === 'string' ? `\n${reply.description}` : '';
			return `${String(reply.title ?? '')}${description}`;
		}
		case 'contacts':
			return contactNames(message.contacts);
		case 'system':
			return String(record(message.system).body ?? 'System message');
		case 'order': {
			const items = record(message.order).product_items;
			return `Order: ${Array.isArray(items) ? items.length : 0} item(s)`;
		}
		case 'unsupported':
			return 'This message type is not supported';
		default:
			return (mediaTypes as readonly string[]).includes(type) || type === 'location'
				? undefined
				: `[${type}]`;
	}
}

/** A customer's message as their own phone shows it (without quote and reactions, added later). */
export function customerBubble(message: InboundMessage): BareCustomerBubble {
	const type = message.type;
	const content = message.message;
	const text = customerText(content, type);
	const hasMedia = type === 'location' || (mediaTypes as readonly string[]).includes(type);
	return {
		from: 'customer',
		id: message.id,
		at: new Date(message.timestamp).toISOString(),
		type,
		...(text === undefined ? {} : { text }),
		...(hasMedia ? { media: mediaView(type, content[type]) } : {}),
		readByBusiness: message.readByBusiness,
		typingIndicatorShown: message.typingIndicatorShown,
	};
}
