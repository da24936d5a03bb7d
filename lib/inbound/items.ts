/**
 * Recorded events → the trigger's output items: flat, expression-friendly JSON
 * (`$json.contact.waId`, `$json.message.text`, `$json.conversation.isNew`, `$json.messageId`) with
 * Meta's original object under `raw`. Which events become items is decided here from the
 * settings, so the filters never change what was recorded, only what starts a run.
 */
import { explainStatusErrors } from '../core/errors';
import { waMeLink } from '../core/phone';
import type {
	AccountEvent,
	InboundMessageEvent,
	MessageContent,
	StatusEvent,
	SystemEvent,
} from '../core/webhookEvents';
import type { OutboundRecord, TouchWindowResult } from '../store';
import type { ConsentChange, RecordableEvent } from './record';
import { messageFactsOf } from './routedEvent';
import {
	matchMessage,
	passesNumberFilter,
	passesStatusFilter,
	wantsAccountEvent,
	wantsConsentChange,
} from '../core/eventFilters';
import type { TriggerSettings } from './settings';

export type JsonObject = { [key: string]: unknown };

export interface TriggerItem {
	json: JsonObject;
	/** A media message's file, for the node to download into binary data when asked to. */
	media: { id: string; mimeType: string | null; filename: string | null } | null;
}

/** What the store said about an event; nulls when it could not be recorded. */
export interface EventFacts {
	event: RecordableEvent;
	conversation: TouchWindowResult | null;
	consent: ConsentChange | null;
	outbound: OutboundRecord | null;
}

export function itemsForEvent(facts: EventFacts, settings: TriggerSettings): TriggerItem[] {
	const { event } = facts;
	if (event.event === 'account') {
		// The account's, not one number's: Phone Number IDs do not hold it back.
		if (!wantsAccountEvent(event.triggerEvent, settings)) return [];
		return [{ json: accountItemJson(event), media: null }];
	}
	if (!passesNumberFilter(event.business.phoneNumberId, settings)) return [];
	const items: TriggerItem[] = [];
	if (event.event === 'message' || event.event === 'system') {
		const item = messageItem(event, facts, settings);
		if (item !== null) items.push(item);
	}
	if (event.event === 'status') {
		const item = statusItem(event, facts, settings);
		if (item !== null) items.push(item);
	}
	if (wantsConsentChange(settings) && facts.consent?.applied) {
		items.push({ json: consentItemJson(event, facts.consent), media: null });
	}
	return items;
}

function messageItem(
	event: InboundMessageEvent | SystemEvent,
	facts: EventFacts,
	settings: TriggerSettings,
): TriggerItem | null {
	const { conversation } = facts;
	const message = messageFactsOf(event, conversation);
	const content = event.event === 'system' ? systemContent(event) : event.message;
	const match = matchMessage(message, settings);
	if (match === null) return null;
	const keyword: JsonObject | null =
		match.keyword === null
			? null
			: { matched: match.keyword, link: keywordLink(event, match.keyword, settings) };

	const json: JsonObject = {
		event: match.triggerEvent,
		messageId: event.messageId,
		type: message.type,
		timestamp: event.timestamp,
		timestampUnix: event.timestampUnix,
		contact: { ...event.contact },
		message: content,
		...(event.event === 'system'
			? {
					context: null,
					referral: null,
					groupId: null,
					system: {
						type: event.systemType,
						body: event.body,
						newWaId: event.newWaId,
						newPhone: event.newPhone,
						newUserId: event.newUserId,
					},
				}
			: { context: event.context, referral: event.referral, groupId: event.groupId }),
		business: { ...event.business },
		businessAccountId: event.businessAccountId,
		conversation: conversation === null ? null : conversationJson(conversation),
		consent: facts.consent === null ? null : consentJson(facts.consent),
		keyword,
		raw: event.raw,
	};
	const media = content.media;
	return {
		json,
		media:
			media === null || media.id === null
				? null
				: { id: media.id, mimeType: media.mimeType, filename: media.filename },
	};
}

function statusItem(
	event: StatusEvent,
	facts: EventFacts,
	settings: TriggerSettings,
): TriggerItem | null {
	if (!passesStatusFilter(event.status, settings)) return null;
	const errors = explainStatusErrors(
		event.errors.map((error) => ({
			...(error.code === null ? {} : { code: error.code }),
			...(error.title === null ? {} : { title: error.title }),
			...(error.message === null ? {} : { message: error.message }),
			...(error.details === null ? {} : { error_data: { details: error.details } }),
		})),
	);
	return {
		json: {
			event: 'messageStatus',
			messageId: event.messageId,
			status: event.status,
			timestamp: event.timestamp,
			timestampUnix: event.timestampUnix,
			recipient: { ...event.recipient },
			business: { ...event.business },
			businessAccountId: event.businessAccountId,
			bizOpaqueCallbackData: event.bizOpaqueCallbackData,
			pricing: event.pricing,
			metaConversation: event.conversation,
			error: errors[0] ?? null,
			errors,
			outbound: facts.outbound === null ? null : outboundJson(facts.outbound),
			consent: facts.consent === null ? null : consentJson(facts.consent),
			raw: event.raw,
		},
		media: null,
	};
}

/**
 * One flat item per account-level change: the trigger event, Meta's field, the parsed details
 * (lib/core/accountEvents.ts: template, status, reason, quality, limits, restrictions…), the
 * account and when.
 */
function accountItemJson(event: AccountEvent): JsonObject {
	return {
		event: event.triggerEvent,
		field: event.field,
		...event.details,
		timestamp: event.timestamp,
		timestampUnix: event.timestampUnix,
		businessAccountId: event.businessAccountId,
		raw: event.raw,
	};
}

function consentItemJson(
	event: Exclude<RecordableEvent, AccountEvent>,
	consent: ConsentChange,
): JsonObject {
	const contact =
		event.event === 'status'
			? { ...event.recipient, name: null, username: null }
			: { ...event.contact };
	return {
		event: 'consentChanged',
		contact,
		...consentJson(consent),
		messageId: event.event === 'user_preference' ? null : event.messageId,
		timestamp: event.timestamp,
		timestampUnix: event.timestampUnix,
		business: { ...event.business },
		businessAccountId: event.businessAccountId,
		raw: event.raw,
	};
}

function conversationJson(window: TouchWindowResult): JsonObject {
	return {
		id: window.conversationId,
		isNew: window.isNewConversation,
		isFirstEver: window.isFirstEver,
		windowWasOpen: window.wasOpen,
		windowClosesAt: window.expiresAt.toISOString(),
		startedAt: window.conversationStartedAt.toISOString(),
		previousMessageAt: window.previousInboundAt?.toISOString() ?? null,
	};
}

function consentJson(consent: ConsentChange): JsonObject {
	return {
		status: consent.status,
		previousStatus: consent.previousStatus,
		changed: consent.applied && consent.status !== consent.previousStatus,
		source: consent.source,
		applied: consent.applied,
		matched: consent.matched,
		answersOptInQuestion: consent.answersOptInQuestion,
		evidence: consent.evidence,
	};
}

function outboundJson(outbound: OutboundRecord): JsonObject {
	return {
		kind: outbound.kind,
		recipient: outbound.recipient,
		templateName: outbound.templateName,
		templateLanguage: outbound.templateLanguage,
		category: outbound.category,
		text: outbound.text,
		sentAt: outbound.sentAt.toISOString(),
	};
}

function systemContent(event: SystemEvent): MessageContent {
	return {
		text: event.body,
		button: null,
		interactive: null,
		media: null,
		location: null,
		reaction: null,
		contacts: null,
		order: null,
		errors: [],
	};
}

/** The click-to-chat link that pre-fills the keyword; a pattern cannot be pre-filled. */
function keywordLink(
	event: InboundMessageEvent | SystemEvent,
	keyword: string,
	settings: TriggerSettings,
): string | null {
	const number = event.business.displayPhoneNumber;
	if (number === null || settings.keywordFilter?.mode === 'regex') return null;
	try {
		return waMeLink(number, keyword);
	} catch {
		return null;
	}
}
