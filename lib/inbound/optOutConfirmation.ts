/**
 * The reply to an opt-out keyword ("STOP", "INFOSTOP", "ABMELDEN") or phrase ("bitte keine
 * Nachrichten mehr"): a short confirmation in the customer's language, telling them how to come
 * back. The customer has just written, so the 24-hour window is open and free text is allowed.
 */
import {
	DEFAULT_CONSENT_KEYWORDS,
	PHRASE_MATCH_PREFIX,
	type ConsentKeywordOptions,
} from '../core/consentKeywords';
import { phraseWords } from '../core/consentPhrases';
import type { ConsentChange } from './record';

export type ConfirmationLanguage = 'en' | 'de';

/** Keywords German speakers type to unsubscribe; anything else is answered in English. */
const GERMAN_KEYWORDS = new Set(['abmelden', 'abbestellen', 'stopp', 'austragen', 'abmeldung']);
/** A matched phrase with one of these words is German ("bitte keine Nachrichten mehr"). */
const GERMAN_PHRASE_WORDS = new Set([
	...GERMAN_KEYWORDS,
	'bitte',
	'keine',
	'kein',
	'nicht',
	'mehr',
	'nachrichten',
	'werbung',
	'mich',
	'mir',
	'ich',
]);

/** The language of the reply to what matched: a keyword, or `phrase:<the configured phrase>`. */
export function confirmationLanguage(matched: string): ConfirmationLanguage {
	if (matched.startsWith(PHRASE_MATCH_PREFIX)) {
		const words = phraseWords(matched.slice(PHRASE_MATCH_PREFIX.length));
		return words.some((word) => GERMAN_PHRASE_WORDS.has(word.plain)) ? 'de' : 'en';
	}
	return GERMAN_KEYWORDS.has(matched.trim().toLowerCase()) ? 'de' : 'en';
}

export function defaultConfirmationText(
	status: 'opted_out' | 'blocked',
	language: ConfirmationLanguage,
	optInKeyword: string,
): string {
	const texts = {
		en: {
			blocked: `You will not receive any more messages from us. Reply ${optInKeyword} if you change your mind.`,
			opted_out: `You will no longer receive promotional messages from us. Reply ${optInKeyword} to receive them again.`,
		},
		de: {
			blocked: `Sie erhalten keine Nachrichten mehr von uns. Antworten Sie mit ${optInKeyword}, wenn Sie es sich anders überlegen.`,
			opted_out: `Sie erhalten keine Werbenachrichten mehr von uns. Antworten Sie mit ${optInKeyword}, um sie wieder zu erhalten.`,
		},
	};
	return texts[language][status];
}

/**
 * The confirmation to send for a consent change, or null: only for opt-outs the customer typed or
 * tapped that took effect. An in-app stop happens inside WhatsApp and a "no" to the opt-in
 * question never subscribed anything, so neither gets an answer.
 */
export function optOutConfirmationText(
	change: ConsentChange,
	settings: { enabled: boolean; customText: string | null },
	consentKeywords: ConsentKeywordOptions,
): string | null {
	if (!settings.enabled || !change.applied) return null;
	if (
		(change.status !== 'opted_out' && change.status !== 'blocked') ||
		change.source === 'in_app' ||
		change.answersOptInQuestion
	) {
		return null;
	}
	if (settings.customText !== null) return settings.customText;
	const optInKeyword =
		(consentKeywords.optInKeywords ?? DEFAULT_CONSENT_KEYWORDS.optInKeywords)[0] ?? 'START';
	return defaultConfirmationText(change.status, confirmationLanguage(change.matched), optInKeyword);
}
