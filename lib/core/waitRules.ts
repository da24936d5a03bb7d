/**
 * What counts as the customer's reply to a follow-up wait. The rule is stored with the wait as
 * plain JSON and read back by whichever process receives the customer's message, so it is
 * validated on the way in (the node's parameters) and on the way out (the stored JSON).
 */
import { compileKeywordMatcher, KEYWORD_MATCH_MODES, type KeywordMatchMode } from './keywords';
import { FieldError } from './fieldError';
import type { InboundMessageEvent } from './webhookEvents';
import { isRecord } from './isRecord';

export type ReplyRule =
	| { kind: 'anyMessage' }
	/** A tapped template quick-reply button (its payload), reply button or list row (its id). */
	| { kind: 'buttonReply'; ids: string[] }
	| { kind: 'keywords'; keywords: string[]; mode: KeywordMatchMode };

export type ReplyRuleKind = ReplyRule['kind'];

const REPLY_RULE_KINDS: readonly ReplyRuleKind[] = ['anyMessage', 'buttonReply', 'keywords'];

/**
 * Meta stamps messages with its clock in whole seconds, the wait with ours in milliseconds: a
 * message sent this long before the wait was registered still counts as the answer to it.
 */
export const REPLY_CLOCK_TOLERANCE_MS = 60_000;

/** Field names as the node shows them, so an error points at the parameter to fix. */
const FIELD = {
	kind: 'Counts as Reply',
	ids: 'Button or Row IDs',
	keywords: 'Keywords',
	mode: 'Keyword Match',
} as const;

/**
 * Checks a rule given as node parameters or read back from the store and returns it in its
 * canonical form (trimmed, blank entries dropped). Throws a FieldError naming the parameter.
 */
export function toReplyRule(value: unknown): ReplyRule {
	if (!isRecord(value)) {
		throw new FieldError(
			FIELD.kind,
			value,
			'is not a reply rule',
			`Pass an object like {"kind":"anyMessage"}; kind is one of ${REPLY_RULE_KINDS.join(', ')}.`,
		);
	}
	const input = value;
	const kind = input.kind ?? 'anyMessage';
	switch (kind) {
		case 'anyMessage':
			return { kind: 'anyMessage' };
		case 'buttonReply':
			return { kind: 'buttonReply', ids: textList(input.ids, FIELD.ids, /[\n,]/) };
		case 'keywords': {
			const keywords = textList(input.keywords, FIELD.keywords, /\n/);
			if (keywords.length === 0) {
				throw new FieldError(
					FIELD.keywords,
					input.keywords ?? '',
					'is empty',
					'Enter at least one keyword, one per line, or let any message count as the reply.',
				);
			}
			const mode = input.mode ?? 'contains';
			if (!KEYWORD_MATCH_MODES.includes(mode as KeywordMatchMode)) {
				throw new FieldError(
					FIELD.mode,
					mode,
					'is not a match mode',
					`Choose one of: ${KEYWORD_MATCH_MODES.join(', ')}.`,
				);
			}
			try {
				compileKeywordMatcher(keywords, mode as KeywordMatchMode);
			} catch (error) {
				throw new FieldError(FIELD.keywords, keywords, 'cannot be used', (error as Error).message);
			}
			return { kind: 'keywords', keywords, mode: mode as KeywordMatchMode };
		}
		default:
			throw new FieldError(
				FIELD.kind,
				kind,
				'is not a reply rule',
				`Choose one of: ${REPLY_RULE_KINDS.join(', ')}.`,
			);
	}
}

/** Whether this inbound message is a reply the rule accepts. */
export function isReply(event: InboundMessageEvent, rule: ReplyRule): boolean {
	switch (rule.kind) {
		case 'anyMessage':
			return true;
		case 'buttonReply': {
			const id = tappedId(event);
			if (id === null) return false;
			return rule.ids.length === 0 || rule.ids.includes(id);
		}
		case 'keywords':
			return compileKeywordMatcher(rule.keywords, rule.mode)(event.message.text);
	}
}

/**
 * A message the customer sent well before the wait began (a delayed first delivery) is not an
 * answer to the follow-up. Messages without a timestamp get the benefit of the doubt.
 */
export function isSentDuringWait(event: InboundMessageEvent, waitRegisteredAt: Date): boolean {
	if (event.timestampUnix === null) return true;
	return event.timestampUnix * 1000 >= waitRegisteredAt.getTime() - REPLY_CLOCK_TOLERANCE_MS;
}

/** The payload of a template quick-reply button, or the id of a reply button or list row. */
function tappedId(event: InboundMessageEvent): string | null {
	if (event.message.button) return event.message.button.payload ?? event.message.button.text;
	if (event.message.interactive) return event.message.interactive.id;
	return null;
}

function textList(value: unknown, field: string, separator: RegExp): string[] {
	if (value === undefined || value === null) return [];
	const parts = Array.isArray(value)
		? value
		: typeof value === 'string'
			? value.split(separator)
			: null;
	if (parts === null || parts.some((part) => typeof part !== 'string')) {
		throw new FieldError(
			field,
			value,
			'is not a list of texts',
			'Enter the values as text, one per line.',
		);
	}
	return (parts as string[]).map((part) => part.trim()).filter((part) => part !== '');
}
