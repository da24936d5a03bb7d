/** The trigger's keyword filter for keyword-started flows ("text PROMO to start"). */
import { assertSafePattern, REGEX_TEXT_LIMIT } from './safeRegex';

export type KeywordMatchMode = 'exact' | 'startsWith' | 'contains' | 'regex';

export const KEYWORD_MATCH_MODES: readonly KeywordMatchMode[] = [
	'exact',
	'startsWith',
	'contains',
	'regex',
];

export type KeywordMatcher = (text: string | null | undefined) => boolean;

/**
 * Builds the matcher once, so an invalid or unsafe pattern fails when the workflow is activated
 * rather than on a customer's message. Case-insensitive in every mode. Text modes compare trimmed
 * text with runs of whitespace collapsed; regex mode tests the first REGEX_TEXT_LIMIT characters of
 * the trimmed text as they are, with patterns from the safe subset only (lib/core/safeRegex.ts), so
 * no message can keep n8n busy. Blank keywords are skipped: an empty row in the node's list would
 * otherwise match every message.
 */
export function compileKeywordMatcher(
	keywords: readonly string[],
	mode: KeywordMatchMode,
): KeywordMatcher {
	const usable = keywords.filter((keyword) => keyword.trim() !== '');
	if (mode === 'regex') {
		const patterns = usable.map(compilePattern);
		return (text) => {
			if (typeof text !== 'string') return false;
			const tested = text.trim().slice(0, REGEX_TEXT_LIMIT);
			return patterns.some((pattern) => pattern.test(tested));
		};
	}
	if (!KEYWORD_MATCH_MODES.includes(mode)) {
		throw new Error(
			`Keyword match mode ${JSON.stringify(mode)} is unknown; use one of ${KEYWORD_MATCH_MODES.join(', ')}`,
		);
	}
	const wanted = usable.map(normalizeText);
	const test = TEXT_TESTS[mode];
	return (text) => {
		if (typeof text !== 'string') return false;
		const normalized = normalizeText(text);
		return wanted.some((keyword) => test(normalized, keyword));
	};
}

const TEXT_TESTS: Record<
	Exclude<KeywordMatchMode, 'regex'>,
	(text: string, keyword: string) => boolean
> = {
	exact: (text, keyword) => text === keyword,
	startsWith: (text, keyword) => text.startsWith(keyword),
	contains: (text, keyword) => text.includes(keyword),
};

function normalizeText(text: string): string {
	return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function compilePattern(pattern: string): RegExp {
	let compiled: RegExp;
	try {
		compiled = new RegExp(pattern, 'i');
	} catch (error) {
		throw new Error(
			`Keyword ${JSON.stringify(pattern)} is not a valid regular expression (${(error as Error).message}); fix the pattern, or choose the match mode "contains" to match the text literally`,
		);
	}
	try {
		assertSafePattern(pattern);
	} catch (error) {
		throw new Error(`Keyword ${(error as Error).message}`);
	}
	return compiled;
}
