/**
 * Who may receive what, decided from a contact's consent status and the purpose of the message.
 *
 * Two kinds of flow: **marketing** (newsletters, offers) needs an opt-in and honours a marketing
 * opt-out ("INFOSTOP"); **service** (answers, reminders, bot automation) reaches anyone except a
 * contact who stopped all messages ("STOP" → `blocked`). The Consent Gate routes by this matrix and
 * the send node skips by it, so both always agree.
 */
import { stopsMarketingWhenTapped, type ConsentKeywordOptions } from './consentKeywords';
import { FieldError } from './fieldError';
import type { MessageTemplate } from './templates';
import type { WhatsAppEvent } from './webhookEvents';

/**
 * A contact's consent as the store keeps it; `unknown` when nothing was ever recorded.
 * `opted_out` stops marketing only; `blocked` stops every message. The store re-exports it.
 */
export const CONSENT_STATUSES = ['opted_in', 'unknown', 'opted_out', 'blocked'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export type ConsentPurpose = 'marketing' | 'service';

/**
 * What a marketing flow does with a contact whose consent is unknown: ask first (the default), or
 * treat "opted in or unknown" as allowed, as some platforms do for scheduled newsletters.
 */
export type UnknownConsentPolicy = 'needsOptIn' | 'allow';

export type ConsentRoute = 'allowed' | 'needsOptIn' | 'blocked';

export interface ConsentDecision {
	route: ConsentRoute;
	/** Why the contact may not be messaged; null when allowed. */
	reason: string | null;
}

/** The policy matrix: status × purpose × unknown-policy → Allowed, Needs Opt-in or Blocked. */
export function decideConsent(
	status: ConsentStatus,
	purpose: ConsentPurpose,
	unknownPolicy: UnknownConsentPolicy = 'needsOptIn',
): ConsentDecision {
	if (!CONSENT_STATUSES.includes(status)) {
		throw new TypeError(`Unknown consent status ${JSON.stringify(status)}`);
	}
	if (status === 'blocked') {
		return {
			route: 'blocked',
			reason: 'the contact asked for no messages at all (STOP); nothing may be sent',
		};
	}
	if (purpose === 'service') return { route: 'allowed', reason: null };
	if (status === 'opted_in') return { route: 'allowed', reason: null };
	if (status === 'opted_out') {
		return {
			route: 'blocked',
			reason: 'the contact opted out of marketing messages; only service messages may be sent',
		};
	}
	return unknownPolicy === 'allow'
		? { route: 'allowed', reason: null }
		: {
				route: 'needsOptIn',
				reason:
					'no marketing opt-in is recorded for the contact; ask first (Consent Gate → Request Opt-in)',
			};
}

/** A purpose typed by a user or an expression; anything but marketing or service is refused. */
export function parseConsentPurpose(value: unknown, field = 'Purpose'): ConsentPurpose {
	const normalized = typeof value === 'string' ? value.trim().toLowerCase() : value;
	if (normalized === 'marketing' || normalized === 'service') return normalized;
	throw new FieldError(
		field,
		value,
		'is not a known purpose',
		'Use "marketing" (newsletters, offers: needs opt-in) or "service" (answers, reminders, bot automation: anyone but blocked contacts).',
	);
}

export function parseUnknownConsentPolicy(
	value: unknown,
	field = 'When Consent Is Unknown',
): UnknownConsentPolicy {
	if (value === 'needsOptIn' || value === 'allow') return value;
	throw new FieldError(
		field,
		value,
		'is not a known policy',
		'Use "needsOptIn" (ask before marketing) or "allow" (push to opted-in or unknown contacts).',
	);
}

/**
 * A MARKETING-category template is a marketing send; so is anything the user marks as marketing.
 * Free-form messages under `auto` are service messages: they only reach customers who wrote in the
 * last 24 hours.
 */
export function purposeOfSend(
	setting: unknown,
	templateCategory: string | null | undefined,
): ConsentPurpose {
	if (setting === 'auto' || setting === undefined || setting === null || setting === '') {
		return templateCategory?.toUpperCase() === 'MARKETING' ? 'marketing' : 'service';
	}
	return parseConsentPurpose(setting);
}

/** Appended to marketing texts so every push says how to stop it; the keyword is INFOSTOP by default. */
export const OPT_OUT_FOOTERS = {
	en: 'Reply INFOSTOP to stop marketing messages',
	de: 'Antworten Sie INFOSTOP, um Werbung abzubestellen',
} as const;

/** The footer on its own paragraph, so it never runs into the message's last sentence. */
export function appendOptOutFooter(text: string, footer: string): string {
	const trimmedFooter = footer.trim();
	if (trimmedFooter === '') return text;
	return `${text.replace(/\s+$/, '')}\n\n${trimmedFooter}`;
}

/**
 * The text with its opt-out footer, refused when the two together pass Meta's limit for the field
 * (`max` characters): the error names the field, both lengths and what to shorten, instead of a
 * limit error about a text longer than the one the user wrote. A text too long on its own is
 * returned as it is, for the message builder's own limit error.
 */
export function appendOptOutFooterWithin(
	field: string,
	text: string,
	footer: string,
	max: number,
): string {
	// Too long on its own: the message builder's limit error about the user's own text.
	if ([...text].length > max) return text;
	const combined = appendOptOutFooter(text, footer);
	const length = [...combined].length;
	if (length <= max) return combined;
	const room = max - (length - [...text.replace(/\s+$/, '')].length);
	throw new FieldError(
		field,
		text,
		`is ${[...text].length} characters long; with the opt-out footer "${footer.trim()}" it would be ${length}, and WhatsApp allows at most ${max}`,
		room > 0
			? `Shorten the ${field.toLowerCase()} to ${room} characters, or choose a shorter Footer Text (Opt-Out Footer: Custom).`
			: 'Choose a shorter Footer Text (Opt-Out Footer: Custom).',
	);
}

/**
 * The reply-button ids of the opt-in question. With a template (window closed) the first
 * quick-reply button carries the opt-in payload and the second the decline payload.
 */
export const CONSENT_BUTTON_IDS = Object.freeze({
	optIn: 'consent:opt_in',
	decline: 'consent:decline',
});

export type OptInRequestPlan =
	{ action: 'buttons' } | { action: 'template' } | { action: 'skip'; reason: string };

/**
 * Whether and how to ask for marketing opt-in. Reply buttons need the 24-hour window; outside it
 * only a template reaches the customer. A blocked contact is never messaged; an opted-out one is
 * asked again only while they are writing to the business (window open), never by a cold template.
 */
export function planOptInRequest(status: ConsentStatus, windowOpen: boolean): OptInRequestPlan {
	if (status === 'blocked') {
		return { action: 'skip', reason: 'the contact asked for no messages at all (STOP)' };
	}
	if (status === 'opted_in') {
		return { action: 'skip', reason: 'the contact already opted in to marketing messages' };
	}
	if (windowOpen) return { action: 'buttons' };
	if (status === 'opted_out') {
		return {
			action: 'skip',
			reason:
				'the contact opted out of marketing; ask again only while they are writing to you (24-hour window open)',
		};
	}
	return { action: 'template' };
}

/** A customer's tap on the opt-in question, as proof of a double opt-in. */
export interface ConsentAnswer {
	decision: 'opt_in' | 'decline';
	/** What to record: opted_in for yes, opted_out (no marketing) for no. */
	status: 'opted_in' | 'opted_out';
	source: 'button';
	businessAccountId: string | null;
	phoneNumberId: string | null;
	contact: { waId: string | null; userId: string | null };
	/** The wamid of our question (the message the customer answered). */
	questionMessageId: string | null;
	answerMessageId: string;
	/** The button's label as the customer saw it. */
	answerText: string | null;
	/** The button id or template payload that was tapped. */
	answerPayload: string;
	/** ISO 8601, from Meta's timestamp: when the customer tapped. */
	answeredAt: string | null;
}

/**
 * Recognises an answer to the opt-in question: a reply button (`interactive.button_reply`) or a
 * template quick-reply (`button.payload`) carrying one of CONSENT_BUTTON_IDS. Everything else,
 * including typed text, is null (keywords are classifyConsentSignal's job).
 */
export function consentAnswerFromReply(event: WhatsAppEvent): ConsentAnswer | null {
	if (event.event !== 'message') return null;
	const tapped =
		event.type === 'interactive' && event.message.interactive?.type === 'button_reply'
			? { payload: event.message.interactive.id, text: event.message.interactive.title }
			: event.type === 'button' && event.message.button
				? { payload: event.message.button.payload, text: event.message.button.text }
				: null;
	const payload = tapped?.payload?.trim();
	const decision =
		payload === CONSENT_BUTTON_IDS.optIn
			? 'opt_in'
			: payload === CONSENT_BUTTON_IDS.decline
				? 'decline'
				: null;
	if (tapped === null || payload === undefined || decision === null) return null;
	return {
		decision,
		status: decision === 'opt_in' ? 'opted_in' : 'opted_out',
		source: 'button',
		businessAccountId: event.businessAccountId,
		phoneNumberId: event.business.phoneNumberId,
		contact: { waId: event.contact.waId, userId: event.contact.userId },
		questionMessageId: event.context?.messageId ?? null,
		answerMessageId: event.messageId,
		answerText: tapped.text,
		answerPayload: payload,
		answeredAt: event.timestamp,
	};
}

/** Something the output item should tell the user although the message went out (or was skipped). */
export interface SendWarning {
	code: string;
	message: string;
}

export const MARKETING_TEMPLATE_WITHOUT_OPT_OUT = 'marketingTemplateWithoutOptOutButton';

/**
 * A MARKETING template should let the customer stop marketing with one tap: a quick-reply button
 * whose payload (as mapped for this send, else its text) the trigger records as an opt-out: under
 * `keywords`, the account's triggers' lists (lib/inbound/routeConsent.ts), or the default lists
 * ("Stop promotions", INFOSTOP, STOP, …) when no trigger stored any. Meta recommends one; without
 * it the customer has to type a keyword or block the number, which costs the number's quality
 * rating. `components` are the request's components, where a mapped quick-reply payload is.
 */
export function marketingTemplateWarnings(
	template: Pick<MessageTemplate, 'name' | 'language' | 'category' | 'components'>,
	components: ReadonlyArray<Record<string, unknown>>,
	keywords?: ConsentKeywordOptions,
): SendWarning[] {
	if (template.category.toUpperCase() !== 'MARKETING') return [];
	const buttons =
		template.components.find((component) => component.type.toUpperCase() === 'BUTTONS')?.buttons ??
		[];
	const hasOptOut = buttons.some(
		(button, index) =>
			button.type.toUpperCase() === 'QUICK_REPLY' &&
			stopsMarketingWhenTapped([mappedPayload(components, index), button.text], keywords),
	);
	if (hasOptOut) return [];
	return [
		{
			code: MARKETING_TEMPLATE_WITHOUT_OPT_OUT,
			message: `Template "${template.name}" (${template.language}) is a MARKETING template without a quick-reply button that opts out (such as "Stop promotions"). Add one in WhatsApp Manager: customers who cannot stop promotions with one tap block or report the number, which lowers its quality rating and messaging limits.`,
		},
	];
}

function mappedPayload(
	components: ReadonlyArray<Record<string, unknown>>,
	index: number,
): string | undefined {
	const button = components.find(
		(component) =>
			component.type === 'button' &&
			component.sub_type === 'quick_reply' &&
			component.index === String(index),
	);
	const [parameter] = (button?.parameters as Array<{ payload?: unknown }> | undefined) ?? [];
	return typeof parameter?.payload === 'string' ? parameter.payload : undefined;
}
