/**
 * The trigger's filters as plain data and the tests that apply them to one event. One place for
 * both callers: the trigger's items (lib/inbound/items.ts) and the choice of workflows on a shared
 * number (lib/core/routing.ts), so a route's filters mean exactly what the trigger's filters mean.
 */
import type { AccountTriggerEvent } from './accountEvents';
import { compileKeywordMatcher, type KeywordMatcher, type KeywordMatchMode } from './keywords';

/** What Meta says about the account: no contact, off unless chosen. */
const ACCOUNT_TRIGGER_EVENTS = [
	'templateStatusChanged',
	'templateQualityChanged',
	'templateCategoryChanged',
	'phoneNumberQualityChanged',
	'accountUpdate',
] as const satisfies readonly AccountTriggerEvent[];

export const TRIGGER_EVENTS = [
	'messageReceived',
	'conversationStarted',
	'messageStatus',
	'consentChanged',
	...ACCOUNT_TRIGGER_EVENTS,
] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'failed', 'played'] as const;

export const MESSAGE_TYPES = [
	'text',
	'image',
	'audio',
	'video',
	'document',
	'sticker',
	'location',
	'contacts',
	'interactive',
	'button',
	'reaction',
	'order',
	'system',
	'unsupported',
] as const;

export interface KeywordFilter {
	mode: KeywordMatchMode;
	/** One matcher per keyword, so an item can say which keyword started the flow. */
	keywords: Array<{ keyword: string; matches: KeywordMatcher }>;
}

/** What a trigger (or a route) lets through; empty sets mean "all". */
export interface EventFilters {
	events: ReadonlySet<TriggerEvent>;
	/** Conversation Started only for the first message ever from a contact on a number. */
	onlyFirstEver: boolean;
	/** Empty: every status. */
	statuses: ReadonlySet<string>;
	/** Empty: every business number. */
	phoneNumberIds: ReadonlySet<string>;
	/** Empty: every message type. */
	messageTypes: ReadonlySet<string>;
	/** Null: no keyword filter. */
	keywordFilter: KeywordFilter | null;
}

/** What the filters need to know of a customer message (or a system message). */
export interface MessageFacts {
	/** `system` for system messages (number changed…), else Meta's message type. */
	type: string;
	text: string | null;
	/** From the store's 24-hour window; null when the event could not be recorded. */
	conversation: { isNew: boolean; isFirstEver: boolean } | null;
}

export interface MessageMatch {
	triggerEvent: 'messageReceived' | 'conversationStarted';
	/** The first configured keyword the text matched; null without a keyword filter. */
	keyword: string | null;
}

/** A keyword that cannot be used (an invalid or unsafe pattern): the message says why. */
export class KeywordFilterError extends Error {
	constructor(
		readonly keyword: string,
		message: string,
	) {
		super(message);
		this.name = 'KeywordFilterError';
	}
}

/**
 * One matcher per keyword, built once, so a bad pattern fails when the workflow is activated;
 * null for an empty list (no keyword filter). Throws KeywordFilterError naming the keyword.
 */
export function compileKeywordFilter(
	keywords: readonly string[],
	mode: KeywordMatchMode,
): KeywordFilter | null {
	if (keywords.length === 0) return null;
	return {
		mode,
		keywords: keywords.map((keyword) => {
			try {
				return { keyword, matches: compileKeywordMatcher([keyword], mode) };
			} catch (error) {
				throw new KeywordFilterError(keyword, (error as Error).message);
			}
		}),
	};
}

/** The first configured keyword the text matches, or null. */
export function matchKeyword(filter: KeywordFilter, text: string | null): string | null {
	return filter.keywords.find(({ matches }) => matches(text))?.keyword ?? null;
}

/**
 * Applies to every event about a business number, before anything else. Account-level events
 * (templates, account updates, a phone number's quality: Meta names no phone number id there) are
 * the whole account's, so Phone Number IDs do not hold them back.
 */
export function passesNumberFilter(phoneNumberId: string | null, filters: EventFilters): boolean {
	if (filters.phoneNumberIds.size === 0) return true;
	return phoneNumberId !== null && filters.phoneNumberIds.has(phoneNumberId);
}

/** An account-level event starts a run only where its event is chosen. */
export function wantsAccountEvent(event: AccountTriggerEvent, filters: EventFilters): boolean {
	return filters.events.has(event);
}

/**
 * Whether a message passes the type and keyword filters, and as which trigger event: Conversation
 * Started when it starts one (the first ever only, with `onlyFirstEver`) and that event is
 * chosen, else Message Received when chosen. Null: this message does not start a run.
 */
export function matchMessage(message: MessageFacts, filters: EventFilters): MessageMatch | null {
	if (filters.messageTypes.size > 0 && !filters.messageTypes.has(message.type)) return null;
	let keyword: string | null = null;
	if (filters.keywordFilter !== null) {
		keyword = matchKeyword(filters.keywordFilter, message.text);
		if (keyword === null) return null;
	}
	const { conversation } = message;
	const startsConversation =
		conversation !== null &&
		conversation.isNew &&
		(!filters.onlyFirstEver || conversation.isFirstEver);
	if (startsConversation && filters.events.has('conversationStarted')) {
		return { triggerEvent: 'conversationStarted', keyword };
	}
	if (filters.events.has('messageReceived')) return { triggerEvent: 'messageReceived', keyword };
	return null;
}

export function passesStatusFilter(status: string, filters: EventFilters): boolean {
	if (!filters.events.has('messageStatus')) return false;
	return filters.statuses.size === 0 || filters.statuses.has(status);
}

/** An applied consent change (keyword, button, in-app stop) starts a Consent Changed run. */
export function wantsConsentChange(filters: EventFilters): boolean {
	return filters.events.has('consentChanged');
}
