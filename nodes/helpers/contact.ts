import type { INodeProperties } from 'n8n-workflow';

/**
 * The Contact field of every node that acts on one customer (Consent Gate, the send node's
 * Handover resource): by default the incoming item's contact, from the trigger or the send node.
 */
export const contactProperty: INodeProperties = {
	displayName: 'Contact',
	name: 'contact',
	type: 'string',
	default: '={{ $json.contact?.waId || $json.contact?.userId || $json.recipient?.waId }}',
	required: true,
	placeholder: '+4915112345678',
	description:
		'The customer: a number in E.164 (+4915112345678), the wa_ID digits from the trigger or a business-scoped user ID (US.1349…). The default reads the trigger’s or the send node’s output.',
};
