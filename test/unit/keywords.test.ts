import fc from 'fast-check';

import { compileKeywordMatcher, matchesKeyword } from '../../lib/core/keywords';

describe('matchesKeyword', () => {
	it.each([
		['exact', 'promo', ['PROMO'], true],
		['exact', '  Promo  ', ['PROMO'], true],
		['exact', 'summer   sale', ['Summer Sale'], true],
		['exact', 'promo please', ['PROMO'], false],
		['exact', 'Promo!', ['PROMO'], false],
		['startsWith', 'Promo please', ['PROMO'], true],
		['startsWith', 'I want promo', ['PROMO'], false],
		['contains', 'I want the PROMO code', ['promo'], true],
		['contains', 'I want a discount', ['promo', 'coupon'], false],
		['contains', 'any coupon left?', ['promo', 'coupon'], true],
		['regex', 'order 12345', ['^order \\d+$'], true],
		['regex', 'ORDER 12345', ['^order \\d+$'], true],
		['regex', 'my order 12345', ['^order \\d+$'], false],
		['regex', '  order 7  ', ['^order \\d+$'], true],
	] as const)('%s: %j against %j → %s', (mode, text, keywords, expected) => {
		expect(matchesKeyword(text, keywords, mode)).toBe(expected);
	});

	it('matches full-width and compatibility forms like their plain letters', () => {
		expect(matchesKeyword('ＰＲＯＭＯ', ['promo'], 'exact')).toBe(true);
	});

	it('never matches a message without text', () => {
		expect(matchesKeyword(null, ['promo'], 'contains')).toBe(false);
		expect(matchesKeyword(undefined, ['.*'], 'regex')).toBe(false);
	});

	it('skips blank keywords instead of matching every message', () => {
		expect(matchesKeyword('hello', ['', '  '], 'contains')).toBe(false);
		expect(matchesKeyword('hello', ['', 'hello'], 'exact')).toBe(true);
		expect(matchesKeyword('hello', [' '], 'regex')).toBe(false);
	});

	it('treats regex metacharacters literally outside regex mode', () => {
		expect(matchesKeyword('price: 5$', ['5$'], 'contains')).toBe(true);
		expect(matchesKeyword('a.b', ['a.b'], 'exact')).toBe(true);
		expect(matchesKeyword('axb', ['a.b'], 'exact')).toBe(false);
	});

	it('refuses an invalid regex when the matcher is built, naming the pattern and the fix', () => {
		expect(() => compileKeywordMatcher(['ok', '(unclosed'], 'regex')).toThrow(
			/Keyword "\(unclosed" is not a valid regular expression .*choose the match mode "contains"/,
		);
	});

	it('refuses an unknown mode', () => {
		expect(() => compileKeywordMatcher(['x'], 'fuzzy' as never)).toThrow(
			'Keyword match mode "fuzzy" is unknown; use one of exact, startsWith, contains, regex',
		);
	});

	it('is case-insensitive in every mode', () => {
		const word = fc.stringMatching(/^[a-zA-Z]{1,12}$/);
		fc.assert(
			fc.property(word, (keyword) => {
				const shouted = keyword.toUpperCase();
				expect(matchesKeyword(shouted, [keyword.toLowerCase()], 'exact')).toBe(true);
				expect(matchesKeyword(`${shouted} now`, [keyword], 'startsWith')).toBe(true);
				expect(matchesKeyword(`so ${shouted} now`, [keyword], 'contains')).toBe(true);
				expect(matchesKeyword(shouted, [`^${keyword}$`], 'regex')).toBe(true);
			}),
		);
	});

	it('exact implies startsWith implies contains', () => {
		const text = fc.string({ maxLength: 20 });
		fc.assert(
			fc.property(text, text, (message, keyword) => {
				if (matchesKeyword(message, [keyword], 'exact')) {
					expect(matchesKeyword(message, [keyword], 'startsWith')).toBe(true);
				}
				if (matchesKeyword(message, [keyword], 'startsWith')) {
					expect(matchesKeyword(message, [keyword], 'contains')).toBe(true);
				}
			}),
		);
	});
});
