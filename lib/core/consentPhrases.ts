/**
 * Opt-outs in the customer's own words: a configured phrase ("bitte keine Nachrichten mehr", "stop
 * sending me messages") counts when the message CONTAINS it as whole words, anywhere in a longer
 * text ("Hallo, bitte keine Nachrichten mehr. Danke"). Keywords (lib/core/consentKeywords.ts) must
 * be the whole message; a phrase may be surrounded by anything, so it needs more care:
 *
 * - Normalisation, the same for the phrase and the message: compatibility forms folded (full-width
 *   letters, ligatures), lower case, apostrophes dropped ("don't" = "dont"), every run of
 *   punctuation, symbols, emoji and spaces is one word break.
 * - Accents never matter ("é" = "e", "ß" = "ss"). German umlauts are typed three ways, "möchte",
 *   "moechte" and, on keyboards without them, "mochte": a word matches when it is equal with the
 *   umlaut written as its base letter (ä = a) or written out (ä = ae). So a phrase written with "ö"
 *   matches all three; one written "oe" matches "oe" and "ö". Other words are never rewritten
 *   ("queue" stays "queue"), so English is untouched.
 * - Whole words: "stop messaging me" is not found in "stop messaging meetings", and a phrase needs
 *   at least two words, so "keine" alone never counts (one word belongs in the keyword lists).
 * - Negation guard: an occurrence right after a negation word of the same sentence ("don't stop
 *   sending me messages", "do not…", "never…", "nicht…", "nie…") does not count; another occurrence
 *   in the same message still may. Only the word immediately before is checked, because a missed
 *   opt-out keeps messaging someone who asked to stop, while a misread one costs only marketing
 *   the customer can restore with START.
 *
 * Languages written without spaces between words (Chinese, Japanese, Thai) cannot be matched as
 * whole words; use keywords for them.
 */

/** One word of a normalised text. */
export interface PhraseWord {
	/** Accents and umlauts removed: "möchte" → "mochte", "Café" → "cafe", "Straße" → "strasse". */
	plain: string;
	/** Umlauts written out, other accents removed: "möchte" → "moechte"; else the same as plain. */
	spelledOut: string;
	/** Punctuation, a symbol or an emoji stands between this word and the one before it. */
	afterBreak: boolean;
}

/**
 * Words that, immediately before a phrase in the same sentence, turn it around ("don't stop
 * sending me messages"). Apostrophes are dropped before comparing, so "don't" is "dont". "no" is
 * not one: "No, stop sending me messages" is an opt-out.
 */
export const PHRASE_NEGATIONS: readonly string[] = Object.freeze([
	'not',
	'dont',
	'doesnt',
	'didnt',
	'never',
	'nicht',
	'nie',
	'niemals',
]);

const NEGATIONS = new Set(PHRASE_NEGATIONS);

/** Apostrophes (and what phones type for them) join a word: "don't", "don’t", "don´t" → "dont". */
const APOSTROPHES = /['\u2018\u2019\u02BC\u0060\u00B4\u2032]/g;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const MARKS = /\p{M}/gu;
const UMLAUTS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue' };

/** The words of a text, normalised for phrase matching (see the top of this file). */
export function phraseWords(text: string): PhraseWord[] {
	const folded = text.replace(APOSTROPHES, '').normalize('NFKC').toLowerCase();
	const words: PhraseWord[] = [];
	let end = 0;
	for (const match of folded.matchAll(WORD)) {
		const word = match[0].normalize('NFC');
		const plain = withoutAccents(word);
		if (plain !== '') {
			const gap = folded.slice(end, match.index);
			words.push({
				plain,
				spelledOut: withoutAccents(word.replace(/[äöü]/g, (umlaut) => UMLAUTS[umlaut])),
				afterBreak: words.length > 0 && gap.trim() !== '',
			});
		}
		end = match.index + match[0].length;
	}
	return words;
}

function withoutAccents(word: string): string {
	return word.normalize('NFKD').replace(MARKS, '').replace(/ß/g, 'ss');
}

/**
 * Where the phrase stands in the message as whole words and not right after a negation: the index
 * of its first word, or -1.
 */
export function findPhrase(message: readonly PhraseWord[], phrase: readonly PhraseWord[]): number {
	if (phrase.length === 0) return -1;
	for (let start = 0; start + phrase.length <= message.length; start++) {
		if (!phrase.every((word, i) => sameWord(message[start + i], word))) continue;
		if (!negated(message, start)) return start;
	}
	return -1;
}

function sameWord(a: PhraseWord, b: PhraseWord): boolean {
	return a.plain === b.plain || a.spelledOut === b.spelledOut;
}

function negated(message: readonly PhraseWord[], start: number): boolean {
	return start > 0 && !message[start].afterBreak && NEGATIONS.has(message[start - 1].plain);
}
