import type { INodeProperties } from 'n8n-workflow';

import { parseContactIdentifier, type ContactIdentifier } from '../../../../lib/core/contact';
import type { HandoverRecord } from '../../../../lib/store/types';
import { contactProperty } from '../../../helpers/contact';

/** The operations of the Handover resource (the Operation picker shown for it). */
export const HANDOVER_OPERATIONS = ['handOver', 'returnToAutomation'];

/** The contact field both handover operations show; by default the incoming item's contact. */
export const handoverContactProperty: INodeProperties = {
	...contactProperty,
	displayOptions: { show: { resource: ['handover'], operation: HANDOVER_OPERATIONS } },
};

export function readHandoverContact(value: unknown): ContactIdentifier {
	return parseContactIdentifier(value, 'Contact');
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
