import type { INodeProperties } from 'n8n-workflow';

import { parseContactIdentifier, type ContactIdentifier } from '../../../../lib/core/contact';
import type { HandoverRecord } from '../../../../lib/store/types';

/** The operations of the Handover resource (the Operation picker shown for it). */
export const HANDOVER_OPERATIONS = ['handOver', 'returnToAutomation'];

/** The contact field both handover operations show; by default the incoming item's contact. */
export const handoverContactProperty: INodeProperties = {
	displayName: 'Contact',
	name: 'contact',
	type: 'string',
	default: '={{ $json.contact?.waId || $json.contact?.userId || $json.recipient?.waId }}',
	required: true,
	placeholder: '+4915112345678',
	description:
		'The customer: a number in E.164 (+4915112345678), the wa_ID digits from the trigger or a business-scoped user ID (US.1349…). The default reads the trigger’s or the send node’s output.',
	displayOptions: { show: { resource: ['handover'], operation: HANDOVER_OPERATIONS } },
};

export function readHandoverContact(value: unknown): ContactIdentifier {
	return parseContactIdentifier(value, 'Contact');
}

/** The store's contact reference of a parsed contact (both ids, so the store links them). */
export function contactRef(contact: ContactIdentifier): { waId?: string; userId?: string } {
	return {
		...(contact.waId ? { waId: contact.waId } : {}),
		...(contact.userId ? { userId: contact.userId } : {}),
	};
}

/** The output item's `handover` field: flat, ISO times, null for what is not set. */
export function handoverJson(
	contact: ContactIdentifier,
	record: Pick<HandoverRecord, 'active' | 'since' | 'until' | 'reason'> | null,
): Record<string, string | boolean | null> {
	return {
		contact: contact.label,
		active: record?.active ?? false,
		since: record?.since.toISOString() ?? null,
		until: record?.until?.toISOString() ?? null,
		reason: record?.reason ?? null,
	};
}
