import type { JsonRecord } from '../json';
import { displayDigits } from '../phone';
import type { EmulatorSettings } from '../settings';
import type { ContactState, OutboundMessage, PhoneNumberState, StatusEntry } from '../state';

/** One `changes[]` item before it is wrapped in Meta's envelope. */
export interface WebhookChange {
	field: string;
	phoneNumberId?: string;
	value: JsonRecord;
	/**
	 * Unix seconds for `entry[].time`: Meta sends it with account-level fields (template and
	 * quality updates, account updates), whose value has no timestamp of its own.
	 */
	time?: number;
}

/**
 * Fields about the account, a template or a number's standing rather than a conversation: Meta
 * sends their value without `messaging_product` and `metadata` (see the builders in
 * control/account.ts and graph/template-management.ts).
 */
export const ACCOUNT_LEVEL_FIELDS: ReadonlySet<string> = new Set([
	'account_alerts',
	'account_review_update',
	'account_update',
	'business_capability_update',
	'business_status_update',
	'message_template_components_update',
	'message_template_quality_update',
	'message_template_status_update',
	'partner_solutions',
	'payment_configuration_update',
	'phone_number_name_update',
	'phone_number_quality_update',
	'security',
	'template_category_update',
]);

export function valueBase(phone: PhoneNumberState): JsonRecord {
	return {
		messaging_product: 'whatsapp',
		metadata: {
			display_phone_number: displayDigits(phone.displayPhoneNumber),
			phone_number_id: phone.id,
		},
	};
}

/** `value.contacts[]`: profile, wa_id (unless the user hides the number) and the business-scoped user id. */
export function contactEntry(contact: ContactState, settings: EmulatorSettings): JsonRecord {
	return {
		profile: { name: contact.name, ...(contact.username ? { username: contact.username } : {}) },
		...(contact.waId ? { wa_id: contact.waId } : {}),
		...(settings.businessScopedUserIds ? { user_id: contact.userId } : {}),
	};
}

export interface ConversationInfo {
	id: string;
	/** Only on the `sent` status that opened the conversation. */
	expirationTimestamp?: number;
}

/** `value.statuses[]` for one status of a message the business sent. */
export function statusEntry(
	message: OutboundMessage,
	entry: StatusEntry,
	settings: EmulatorSettings,
	conversation: ConversationInfo | undefined,
): JsonRecord {
	const status: JsonRecord = {
		id: message.id,
		status: entry.status,
		timestamp: String(entry.timestamp),
	};
	if (message.contact.waId && !message.addressedByUserId)
		status.recipient_id = message.contact.waId;
	if (settings.businessScopedUserIds) status.recipient_user_id = message.contact.userId;
	else if (!status.recipient_id && message.contact.waId) status.recipient_id = message.contact.waId;
	if (message.bizOpaqueCallbackData !== undefined) {
		status.biz_opaque_callback_data = message.bizOpaqueCallbackData;
	}
	if (entry.errors) {
		status.errors = entry.errors;
		return status;
	}
	if (conversation) {
		status.conversation = {
			id: conversation.id,
			...(conversation.expirationTimestamp === undefined
				? {}
				: { expiration_timestamp: String(conversation.expirationTimestamp) }),
			origin: { type: message.pricingCategory },
		};
	}
	const isService = message.pricingCategory === 'service';
	status.pricing = {
		...(conversation ? { billable: !isService } : {}),
		pricing_model: 'PMP',
		category: message.pricingCategory,
		type: isService ? 'free_customer_service' : 'regular',
	};
	return status;
}

/** Envelope of one POST: changes grouped per field and number, their arrays merged (Meta batches this way). */
export function envelope(wabaId: string, changes: WebhookChange[]): JsonRecord {
	const merged: WebhookChange[] = [];
	for (const change of changes) {
		const same = merged.find(
			(candidate) =>
				candidate.field === change.field && candidate.phoneNumberId === change.phoneNumberId,
		);
		if (same && change.phoneNumberId !== undefined) mergeValues(same.value, change.value);
		else merged.push({ ...change, value: structuredClone(change.value) });
	}
	const time = changes.find((change) => change.time !== undefined)?.time;
	return {
		object: 'whatsapp_business_account',
		entry: [
			{
				id: wabaId,
				...(time === undefined ? {} : { time }),
				changes: merged.map(({ field, value }) => ({ value, field })),
			},
		],
	};
}

function mergeValues(into: JsonRecord, from: JsonRecord): void {
	for (const [key, value] of Object.entries(from)) {
		const existing = into[key];
		if (!Array.isArray(value)) continue;
		if (existing === undefined) {
			into[key] = structuredClone(value);
			continue;
		}
		if (!Array.isArray(existing)) continue;
		for (const item of value) {
			const duplicate =
				key === 'contacts' &&
				existing.some((known) => JSON.stringify(known) === JSON.stringify(item));
			if (!duplicate) existing.push(structuredClone(item));
		}
	}
}
