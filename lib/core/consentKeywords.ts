/**
 * Which inbound events change a contact's consent: a typed keyword (STOP, START…), a phrase inside a
 * longer message ("bitte keine Nachrichten mehr"), a template's "Stop promotions" quick-reply
 * button, or Meta's in-app stop/resume of marketing messages (a resume only lifts the in-app stop;
 * it is never an opt-in).
 *
 * Keywords match the WHOLE message, case-insensitive, ignoring surrounding whitespace,
 * punctuation, symbols and emoji, because customers write "Stop." or "stop 🙏"; a sentence that
 * merely contains the word ("don't stop the delivery") never changes consent. Phrases are found
 * inside a text as whole words, with accents, umlaut spellings and a negation guard handled by
 * lib/core/consentPhrases.ts; they only ever stop messages (block or marketing opt-out), never opt
 * in, because a sentence is read less surely than a one-word answer and a misread opt-in would
 * allow marketing nobody asked for. A keyword wins over a phrase, a block phrase over an opt-out
 * phrase. Interactive replies (reply buttons, list rows) are ignored: their ids are the business's
 * own menu choices, and a "start" menu entry must not record an opt-in.
 */
import { findPhrase, phraseWords, type PhraseWord } from './consentPhrases';
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
	/** Phrases anywhere in a text that stop every message. Default: none. */
	blockPhrases?: readonly string[];
	/** Phrases anywhere in a text that stop marketing only. Default: a short English and German list. */
	optOutPhrases?: readonly string[];
}

export const DEFAULT_CONSENT_KEYWORDS: Readonly<Required<ConsentKeywordOptions>> = Object.freeze({
	blockKeywords: Object.freeze(['STOP']),
	optOutKeywords: Object.freeze(['INFOSTOP', 'UNSUBSCRIBE', 'ABMELDEN']),
	optInKeywords: Object.freeze(['START']),
	optOutButtonPayloads: Object.freeze(['Stop promotions']),
	blockPhrases: Object.freeze([]),
	// Short on purpose: each phrase is a clear request to stop. "no more messages" and "keine
	// Nachrichten mehr" are left out, they also describe a complaint ("ich bekomme keine Nachrichten
	// mehr"); "bitte" makes the German one a request.
	optOutPhrases: Object.freeze([
		'stop sending me messages',
		'stop messaging me',
		'unsubscribe me',
		'bitte keine Nachrichten mehr',
		'keine Werbung mehr',
		'bitte abmelden',
		'ich möchte mich abmelden',
	]),
});

/** `matched` of a phrase: which configured phrase the message contained. */
export const PHRASE_MATCH_PREFIX = 'phrase:';

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
	options: ConsentKeywordOptions = DEFAULTS_ONLY,
): ConsentSignal | null {
	if (event.event === 'user_preference') return inAppSignal(event);
	if (event.event !== 'message') return null;
	if (event.type === 'text') return typedSignal(event, resolveRules(options));
	if (event.type === 'button') return buttonSignal(event, resolveRules(options));
	return null;
}

/**
 * Whether a template quick-reply tap with one of these payloads or texts records a marketing
 * opt-out (or a stop of all messages), as the trigger classifies a tap under these lists.
 */
export function stopsMarketingWhenTapped(
	pressed: ReadonlyArray<string | null | undefined>,
	options: ConsentKeywordOptions = DEFAULTS_ONLY,
): boolean {
	const rules = resolveRules(options);
	return pressed.some(
		(value) =>
			typeof value === 'string' &&
			[rules.buttons, rules.keywords].some(
				(list) => (findRule(list, value)?.status ?? 'opted_in') !== 'opted_in',
			),
	);
}

/** Throws the error `classifyConsentSignal` would, so a node can refuse bad lists on activation. */
export function assertValidConsentKeywordOptions(options: ConsentKeywordOptions): void {
	resolveRules(options);
}

/**
 * The lists of several triggers on one account as one (consent is recorded once, with every
 * trigger's words): their union, each entry once, and an entry that would mean two things goes to
 * the strongest list that has it: block over opt-out over opt-in. A list a trigger leaves unset
 * counts with its defaults; entries with nothing to match are left out.
 */
export function mergeConsentKeywordOptions(
	all: readonly ConsentKeywordOptions[],
): Required<ConsentKeywordOptions> {
	const claimed = new Map<string, ConsentStatus>();
	const merged = {} as Record<ListName, string[]>;
	for (const list of LISTS) {
		const kept: string[] = [];
		const own = new Set<string>();
		for (const options of all) {
			for (const configured of options[list.name] ?? DEFAULT_CONSENT_KEYWORDS[list.name]) {
				const compiled = compileEntry(list, configured);
				if (typeof compiled === 'string' || own.has(compiled.keys[0])) continue;
				if (compiled.keys.some((key) => (claimed.get(key) ?? list.status) !== list.status)) {
					continue;
				}
				own.add(compiled.keys[0]);
				for (const key of compiled.keys) claimed.set(key, list.status);
				kept.push(configured);
			}
		}
		merged[list.name] = kept;
	}
	return merged;
}

type ListName = keyof ConsentKeywordOptions;
type ListKind = 'keyword' | 'phrase' | 'button';

/** Every list, strongest first: the order conflicts are settled in and phrases are tried in. */
const LISTS: ReadonlyArray<{ name: ListName; status: ConsentStatus; kind: ListKind }> = [
	{ name: 'blockKeywords', status: 'blocked', kind: 'keyword' },
	{ name: 'blockPhrases', status: 'blocked', kind: 'phrase' },
	{ name: 'optOutKeywords', status: 'opted_out', kind: 'keyword' },
	{ name: 'optOutButtonPayloads', status: 'opted_out', kind: 'button' },
	{ name: 'optOutPhrases', status: 'opted_out', kind: 'phrase' },
	{ name: 'optInKeywords', status: 'opted_in', kind: 'keyword' },
];

type Rule = { normalized: string; configured: string; status: ConsentStatus };
type PhraseRule = { words: PhraseWord[]; configured: string; status: ConsentStatus };

interface Rules {
	keywords: Rule[];
	buttons: Rule[];
	phrases: PhraseRule[];
}

interface CompiledEntry {
	rule: Rule | PhraseRule;
	/**
	 * What the entry would collide with in another list: the first key is its own (duplicates in
	 * one list), a keyword or button also claims its words as a phrase ("no more offers" as an
	 * opt-out keyword and a block phrase would mean two things).
	 */
	keys: string[];
}

const MARKETING_CATEGORY = 'marketing_messages';

/** No list set: every list has its defaults. */
const DEFAULTS_ONLY: ConsentKeywordOptions = Object.freeze({});

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

/** A keyword as the whole message first; else the first phrase (block phrases first) it contains. */
function typedSignal(event: InboundMessageEvent, rules: Rules): ConsentSignal | null {
	const typed = event.message.text;
	if (typed === null) return null;
	const rule = findRule(rules.keywords, typed);
	if (rule !== undefined) return signal(rule, 'keyword', typed, event);
	if (rules.phrases.length === 0) return null;
	const words = phraseWords(typed);
	const phrase = rules.phrases.find((candidate) => findPhrase(words, candidate.words) !== -1);
	if (phrase === undefined) return null;
	return signal(
		{ status: phrase.status, configured: `${PHRASE_MATCH_PREFIX}${phrase.configured}` },
		'keyword',
		typed,
		event,
	);
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
	rule: { status: ConsentStatus; configured: string },
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

/**
 * Compiled once per set of lists, by their content: a trigger builds its options anew for every
 * delivery, with the same words each time. Bounded, since lists edited in the editor make new sets.
 */
const compiledRules = new Map<string, Rules>();
const MAX_COMPILED_RULE_SETS = 64;

function resolveRules(options: ConsentKeywordOptions): Rules {
	const key = JSON.stringify(LISTS.map((list) => options[list.name] ?? null));
	const cached = compiledRules.get(key);
	if (cached !== undefined) return cached;
	const rules: Rules = { keywords: [], buttons: [], phrases: [] };
	const seen = new Map<string, { list: ListName; status: ConsentStatus }>();
	for (const list of LISTS) {
		for (const configured of options[list.name] ?? DEFAULT_CONSENT_KEYWORDS[list.name]) {
			const compiled = compileEntry(list, configured);
			if (typeof compiled === 'string') {
				throw new Error(
					`Consent list "${list.name}" contains ${JSON.stringify(configured)}, ${compiled}`,
				);
			}
			for (const key of compiled.keys) {
				const earlier = seen.get(key);
				if (earlier !== undefined && earlier.status !== list.status) {
					throw new Error(
						`Consent ${list.kind === 'phrase' ? 'phrase' : 'keyword'} ${JSON.stringify(configured)} is in both "${earlier.list}" and "${list.name}"; keep it in one list so it means one thing`,
					);
				}
				seen.set(key, { list: list.name, status: list.status });
			}
			if (list.kind === 'phrase') rules.phrases.push(compiled.rule as PhraseRule);
			else if (list.kind === 'button') rules.buttons.push(compiled.rule as Rule);
			else rules.keywords.push(compiled.rule as Rule);
		}
	}
	if (compiledRules.size >= MAX_COMPILED_RULE_SETS) compiledRules.clear();
	compiledRules.set(key, rules);
	return rules;
}

/** The entry as a rule with its conflict keys, or why it cannot be used. */
function compileEntry(
	list: { name: ListName; status: ConsentStatus; kind: ListKind },
	configured: unknown,
): CompiledEntry | string {
	const text = typeof configured === 'string' ? configured : '';
	const words = phraseWords(text);
	const asPhrase = `phrase:${words.map((word) => word.plain).join(' ')}`;
	if (list.kind === 'phrase') {
		if (words.length === 0) return 'which has no letters or digits to match; remove that entry';
		if (words.length === 1) {
			return 'a single word: a phrase needs at least two words, so it is never found inside an unrelated sentence (put single words in the keyword lists, which match the whole message)';
		}
		return {
			rule: { words, configured: text, status: list.status },
			keys: [asPhrase],
		};
	}
	const normalized = normalizeConsentText(text);
	if (normalized === '') return 'which has no letters or digits to match; remove that entry';
	return {
		rule: { normalized, configured: text, status: list.status },
		keys: [`${list.kind === 'button' ? 'button' : 'word'}:${normalized}`, `word:${normalized}`]
			.concat(words.length > 1 ? [asPhrase] : [])
			.filter((key, i, keys) => keys.indexOf(key) === i),
	};
}

const EDGE_NOISE =
	/^[\s\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\p{Extended_Pictographic}\u{FE0E}\u{FE0F}\u{20E3}]+|[\s\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}\p{Extended_Pictographic}\u{FE0E}\u{FE0F}\u{20E3}]+$/gu;

function normalizeConsentText(text: string): string {
	return text.normalize('NFKC').replace(EDGE_NOISE, '').replace(/\s+/g, ' ').toLowerCase();
}
