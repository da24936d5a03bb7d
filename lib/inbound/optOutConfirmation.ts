/**
 * The reply to an opt-out keyword ("STOP", "INFOSTOP", "ABMELDEN"): a short confirmation in the
 * customer's language, telling them how to come back. The customer has just written, so the
 * 24-hour window is open and free text is allowed.
 */
import { DEFAULT_CONSENT_KEYWORDS, type ConsentKeywordOptions } from '../core/consentKeywords';
import type { ConsentChange } from './record';

export type ConfirmationLanguage = 'en' | 'de';

/** Keywords German speakers type to unsubscribe; anything else is answered in English. */
const GERMAN_KEYWORDS = new Set(['abmelden', 'abbestellen', 'stopp', 'austragen', 'abmeldung']);

export function confirmationLanguage(matched: string): ConfirmationLanguage {
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
