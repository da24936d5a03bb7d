/**
 * Which inbound events change a contact's consent: a typed keyword (STOP, START…), a template's
 * "Stop promotions" quick-reply button, or Meta's in-app stop/resume of marketing messages (a resume
 * only lifts the in-app stop; it is never an opt-in).
 *
 * Matching is on the WHOLE message, case-insensitive, ignoring surrounding whitespace,
 * punctuation, symbols and emoji, because customers write "Stop." or "stop 🙏"; a sentence that
 * merely contains the word ("don't stop the delivery") never changes consent. Interactive replies
 * (reply buttons, list rows) are ignored: their ids are the business's own menu choices, and a
 * "start" menu entry must not record an opt-in.
 */
import type { InboundMessageEvent, UserPreferenceEvent, WhatsAppEvent } from './webhookEvents';

/** `blocked`: no messages at all; `opted_out`: no marketing; `opted_in`: marketing allowed. */
export type ConsentStatus = 'opted_in' | 'opted_out' | 'blocked';
export type ConsentSource = 'keyword' | 'button' | 'in_app';

export interface ConsentKeywordOptions {
	/** Stop every message. Default: STOP. */
	blockKeywords?: readonly string[];
	/** Stop marketing only. Default: INFOSTOP, UNSUBSCRIBE, ABMELDEN. */
	optOutKeywords?: readonly string[];
	/** Allow marketing again. Default: START. */
	optInKeywords?: readonly string[];
	/** Template quick-reply payloads (or button texts) that stop marketing. Default: Stop promotions. */
	optOutButtonPayloads?: readonly string[];
}

export const DEFAULT_CONSENT_KEYWORDS: Readonly<Required<ConsentKeywordOptions>> = Object.freeze({
	blockKeywords: Object.freeze(['STOP']),
	optOutKeywords: Object.freeze(['INFOSTOP', 'UNSUBSCRIBE', 'ABMELDEN']),
	optInKeywords: Object.freeze(['START']),
	optOutButtonPayloads: Object.freeze(['Stop promotions']),
});

/**
 * What a signal asks the store to do: set a status, or (WhatsApp's in-app "resume") lift only an
 * in-app stop, back to what the contact had before it (lib/core/consentTransitions.ts).
 */
export type ConsentSignalEffect = ConsentStatus | 'in_app_resume';

export interface ConsentSignal {
	status: ConsentSignalEffect;
	source: ConsentSource;
	/** Proof for the consent record: what the customer sent, which message, when, which rule. */
	evidence: { text: string; messageId: string | null; at: string | null; matched: string };
}

export function classifyConsentSignal(
	event: WhatsAppEvent,
	options: ConsentKeywordOptions = {},
): ConsentSignal | null {
	const rules = resolveRules(options);
	if (event.event === 'user_preference') return inAppSignal(event);
	if (event.event !== 'message') return null;
	if (event.type === 'text') return keywordSignal(event, rules);
	if (event.type === 'button') return buttonSignal(event, rules);
	return null;
}

/** Throws the error `classifyConsentSignal` would, so a node can refuse bad lists on activation. */
export function assertValidConsentKeywordOptions(options: ConsentKeywordOptions): void {
	resolveRules(options);
}

type Rule = { normalized: string; configured: string; status: ConsentStatus };

interface Rules {
	keywords: Rule[];
	buttons: Rule[];
}

const MARKETING_CATEGORY = 'marketing_messages';

function inAppSignal(event: UserPreferenceEvent): ConsentSignal | null {
	if (event.category !== MARKETING_CATEGORY) return null;
	return {
		status: event.value === 'stop' ? 'opted_out' : 'in_app_resume',
		source: 'in_app',
		evidence: {
			text: event.detail ?? `${event.category}: ${event.value}`,
			messageId: null,
			at: event.timestamp,
			matched: event.value,
		},
	};
}

function keywordSignal(event: InboundMessageEvent, rules: Rules): ConsentSignal | null {
	const typed = event.message.text;
	if (typed === null) return null;
	const rule = findRule(rules.keywords, typed);
	return rule === undefined ? null : signal(rule, 'keyword', typed, event);
}

/** The payload is checked first: it is the business's stable value, the text may be translated. */
function buttonSignal(event: InboundMessageEvent, rules: Rules): ConsentSignal | null {
	const { payload, text } = event.message.button ?? { payload: null, text: null };
	const candidates = [rules.buttons, rules.keywords];
	for (const pressed of [payload, text]) {
		if (pressed === null) continue;
		for (const list of candidates) {
			const rule = findRule(list, pressed);
			if (rule !== undefined) return signal(rule, 'button', text ?? pressed, event);
		}
	}
	return null;
}

function signal(
	rule: Rule,
	source: ConsentSource,
	text: string,
	event: InboundMessageEvent,
): ConsentSignal {
	return {
		status: rule.status,
		source,
		evidence: { text, messageId: event.messageId, at: event.timestamp, matched: rule.configured },
	};
}

function findRule(rules: Rule[], sent: string): Rule | undefined {
	const normalized = normalizeConsentText(sent);
	if (normalized === '') return undefined;
	return rules.find((rule) => rule.normalized === normalized);
}

function resolveRules(options: ConsentKeywordOptions): Rules {
	const listed = (
		name: keyof ConsentKeywordOptions,
		status: ConsentStatus,
	): Array<Rule & { list: string }> =>
		(options[name] ?? DEFAULT_CONSENT_KEYWORDS[name]).map((configured) => {
			const normalized = typeof configured === 'string' ? normalizeConsentText(configured) : '';
			if (normalized === '') {
				throw new Error(
					`Consent list "${name}" contains ${JSON.stringify(configured)}, which has no letters or digits to match; remove that entry`,
				);
			}
			return { normalized, configured, status, list: name };
		});

	const keywords = [
		...listed('blockKeywords', 'blocked'),
		...listed('optOutKeywords', 'opted_out'),
		...listed('optInKeywords', 'opted_in'),
	];
	const buttons = listed('optOutButtonPayloads', 'opted_out');
	const seen = new Map<string, Rule & { list: string }>();
	for (const rule of [...keywords, ...buttons]) {
		const earlier = seen.get(rule.normalized);
		if (earlier !== undefined && earlier.status !== rule.status) {
			throw new Error(
				`Consent keyword ${JSON.stringify(rule.configured)} is in both "${earlier.list}" and "${rule.list}"; keep it in one list so it means one thing`,
			);
		}
		seen.set(rule.normalized, rule);
	}
	return { keywords, buttons };
}

const EDGE_NOISE =
	/^[\s\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\p{Extended_Pictographic}\u{FE0E}\u{FE0F}\u{20E3}]+|[\s\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\p{Extended_Pictographic}\u{FE0E}\u{FE0F}\u{20E3}]+$/gu;

function normalizeConsentText(text: string): string {
	return text.normalize('NFKC').replace(EDGE_NOISE, '').replace(/\s+/g, ' ').toLowerCase();
}
