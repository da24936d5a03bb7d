/**
 * A model's reply cut into WhatsApp-sized text messages. Cuts prefer a paragraph break, then a line
 * break, then the end of a sentence, then any space; a word is cut only when a whole window of
 * text has no space at all, and then at a grapheme boundary so an emoji is never broken in two.
 */

/** Meta's limit for a text message body, in characters. */
export const WHATSAPP_TEXT_LIMIT = 4096;

/**
 * Boundaries worth a cut even when they leave the part only half full; past these, any space
 * is better than splitting a word.
 */
const PREFERRED_BOUNDARIES: RegExp[] = [
	/\n[^\S\n]*\n/g, // blank line: cut before it
	/\n/g,
	/[.!?…。！？]+[)"'”’»\]]*(?=\s)/g, // sentence end: cut after the punctuation
];

/** Splits `text` into trimmed parts of at most `maxLength` characters (Unicode code points). */
export function splitIntoMessages(text: string, maxLength: number = WHATSAPP_TEXT_LIMIT): string[] {
	if (!Number.isInteger(maxLength) || maxLength < 1) {
		throw new RangeError(`maxLength must be a positive whole number, got ${String(maxLength)}`);
	}
	const parts: string[] = [];
	let rest = text.trim();
	while (rest !== '') {
		const window = firstCodePoints(rest, maxLength);
		if (window.length === rest.length) {
			parts.push(rest);
			break;
		}
		const cut = chooseCut(window, rest.slice(window.length));
		parts.push(rest.slice(0, cut).trimEnd());
		rest = rest.slice(cut).trimStart();
	}
	return parts;
}

function firstCodePoints(text: string, count: number): string {
	let end = 0;
	let seen = 0;
	while (end < text.length && seen < count) {
		end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
		seen++;
	}
	return text.slice(0, end);
}

/** A cut position in `window` (UTF-16 index, > 0); `following` is the text after the window. */
function chooseCut(window: string, following: string): number {
	// One character of lookahead lets a boundary at the very end of the window count.
	const probe = window + following.slice(0, 1);
	const halfFull = window.length / 2;
	for (const boundary of PREFERRED_BOUNDARIES) {
		const cut = lastBoundary(probe, boundary, window.length);
		if (cut !== undefined && cut >= halfFull) return cut;
	}
	if (/^\s/.test(following)) return window.length;
	const lastSpace = window.search(/\s\S*$/);
	if (lastSpace > 0) return lastSpace;
	return lastGraphemeBoundary(window, following);
}

function lastBoundary(probe: string, boundary: RegExp, limit: number): number | undefined {
	let found: number | undefined;
	for (const match of probe.matchAll(boundary)) {
		// A blank line or line break is cut before; a sentence end after its punctuation.
		const position = match[0].startsWith('\n') ? match.index : match.index + match[0].length;
		if (position > 0 && position <= limit) found = position;
	}
	return found;
}

function lastGraphemeBoundary(window: string, following: string): number {
	const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
	// A grapheme may continue past the window (e.g. an emoji with a skin-tone modifier).
	let boundary = 0;
	for (const { index } of segmenter.segment(window + following.slice(0, 16))) {
		if (index > window.length) break;
		boundary = index;
	}
	// A single grapheme longer than the whole window can only be cut between code points.
	return boundary > 0 ? boundary : window.length;
}
