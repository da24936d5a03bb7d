/**
 * What Detect Opt-Out makes of the model's classification: whether the decision is final (its
 * confidence reaches the user's threshold), and otherwise the question that lets the customer
 * decide with a tap. The question's buttons carry the Consent Gate's opt-in question ids
 * (CONSENT_BUTTON_IDS), so the trigger records the tap as it records an answer to that question:
 * "keep" as an opt-in, "stop" as a marketing opt-out, with the question as proof.
 */
import { CONSENT_BUTTON_IDS } from '../consentPolicy';
import { FieldError } from '../fieldError';
import { LIMITS } from '../messages';
import type { OptOutClassification } from './answers';

export const DEFAULT_OPT_OUT_THRESHOLD = 0.8;

/** `matched` of a consent change recorded from an AI classification (a phrase has `phrase:…`). */
export const AI_OPT_OUT_MATCH = 'ai:opt_out';

export type ConfirmationLanguage = 'en' | 'de';

export interface ConfirmationTexts {
	question: string;
	keepLabel: string;
	stopLabel: string;
}

/** Asked as a yes to keep receiving, so a "yes" tap is an opt-in worth keeping as proof. */
export const DEFAULT_CONFIRMATION_TEXTS: Readonly<Record<ConfirmationLanguage, ConfirmationTexts>> =
	Object.freeze({
		en: {
			question:
				'Just to be sure: would you like to keep receiving news and offers from us on WhatsApp?',
			keepLabel: 'Yes, keep them',
			stopLabel: 'No, stop them',
		},
		de: {
			question:
				'Nur zur Sicherheit: Möchten Sie weiterhin Neuigkeiten und Angebote von uns auf WhatsApp erhalten?',
			keepLabel: 'Ja, weiterhin',
			stopLabel: 'Nein, abmelden',
		},
	});

/** The user's own texts; an empty one falls back to the built-in text in the customer's language. */
export interface CustomConfirmationTexts {
	question?: string;
	keepLabel?: string;
	stopLabel?: string;
}

export interface OptOutConfirmation {
	question: string;
	/** For the send node's Send Buttons: keep (opt-in id) first, stop (decline id) second. */
	buttons: Array<{ id: string; title: string }>;
	language: ConfirmationLanguage;
}

export interface OptOutVerdict {
	/** The classification reached the threshold and is not "unsure": act on `decision`. */
	final: boolean;
	/** Not final: ask the customer with `confirmation`. */
	askToConfirm: boolean;
	confirmation: OptOutConfirmation | null;
}

/** A threshold from 0 to 1; anything else names the field. */
export function validateThreshold(value: unknown): number {
	const threshold = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (
		typeof threshold !== 'number' ||
		!Number.isFinite(threshold) ||
		threshold < 0 ||
		threshold > 1
	) {
		throw new FieldError(
			'Confidence Threshold',
			value ?? null,
			'is not a number from 0 to 1',
			`Enter how sure the model must be for a final decision, e.g. ${DEFAULT_OPT_OUT_THRESHOLD}.`,
		);
	}
	return threshold;
}

/** Checks the user's texts against WhatsApp's limits for reply buttons before any model is asked. */
export function validateConfirmationTexts(texts: CustomConfirmationTexts): CustomConfirmationTexts {
	const checks: Array<[keyof CustomConfirmationTexts, string, number]> = [
		['question', 'Confirmation Question', LIMITS.interactiveBody],
		['keepLabel', 'Keep Button Label', LIMITS.buttonTitle],
		['stopLabel', 'Stop Button Label', LIMITS.buttonTitle],
	];
	const cleaned: CustomConfirmationTexts = {};
	for (const [key, field, limit] of checks) {
		const text = texts[key]?.trim() ?? '';
		if (text === '') continue;
		const length = [...text].length;
		if (length > limit) {
			throw new FieldError(
				field,
				text,
				`has ${length} characters, more than WhatsApp's ${limit}`,
				`Shorten it to at most ${limit} characters, or leave it empty for the built-in text.`,
			);
		}
		cleaned[key] = text;
	}
	if (cleaned.keepLabel !== undefined && cleaned.keepLabel === cleaned.stopLabel) {
		throw new FieldError(
			'Stop Button Label',
			cleaned.stopLabel,
			'is the same as the Keep Button Label',
			'Give the two buttons different labels, so the customer sees which one stops the messages.',
		);
	}
	return cleaned;
}

export function judgeOptOut(
	classification: OptOutClassification,
	threshold: number,
	texts: CustomConfirmationTexts = {},
): OptOutVerdict {
	const final = classification.decision !== 'unsure' && classification.confidence >= threshold;
	if (final) return { final, askToConfirm: false, confirmation: null };
	const language = confirmationLanguageOf(classification.language);
	const builtIn = DEFAULT_CONFIRMATION_TEXTS[language];
	return {
		final,
		askToConfirm: true,
		confirmation: {
			question: texts.question ?? builtIn.question,
			buttons: [
				{ id: CONSENT_BUTTON_IDS.optIn, title: texts.keepLabel ?? builtIn.keepLabel },
				{ id: CONSENT_BUTTON_IDS.decline, title: texts.stopLabel ?? builtIn.stopLabel },
			],
			language,
		},
	};
}

/** German for "de", "de-AT", "German"…; English otherwise, as the trigger's opt-out confirmation. */
function confirmationLanguageOf(language: string | null): ConfirmationLanguage {
	const code = language?.trim().toLowerCase() ?? '';
	return code === 'de' ||
		code.startsWith('de-') ||
		code.startsWith('de_') ||
		code === 'german' ||
		code === 'deutsch'
		? 'de'
		: 'en';
}
