import fc from 'fast-check';

import { compileKeywordMatcher, type KeywordMatchMode } from '../../lib/core/keywords';

/** One-off matching through the public matcher, as the trigger and the wait rules build it. */
function matchesKeyword(
	text: string | null | undefined,
	keywords: readonly string[],
	mode: KeywordMatchMode,
): boolean {
	return compileKeywordMatcher(keywords, mode)(text);
}

describe('keyword matching', () => {
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

describe('regex keywords: only the safe subset runs on customers’ messages', () => {
	it.each([
		['^(\\w+\\s?)*$', /repeats a group that itself contains a repeat/],
		['(a+)+$', /repeats a group that itself contains a repeat/],
		['(.*a){12}', /repeats a group that itself contains a repeat/],
		['(a|aa)+$', /alternatives can start with the same character/],
		['(a|)+b', /alternatives can start with the same character \(or be empty\)/],
		['\\d+\\d+x', /repeats that can take the same characters from one another/],
		['.*a.*a.*x', /repeats that can take the same characters from one another/],
		['^.*a.*a.*x', /repeats that can take the same characters from one another/],
		['\\w+\\s?\\w+!', /repeats that can take the same characters from one another/],
		['(a)\\1', /backreference/],
		['(?<word>a)\\k<word>', /backreference/],
		['promo(?=\\d)', /lookahead or lookbehind/],
		['(?<!no )promo', /lookahead or lookbehind/],
	])('refuses %s when the matcher is built, naming the pattern and the fix', (pattern, reason) => {
		let message = '';
		try {
			compileKeywordMatcher(['promo', pattern], 'regex');
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toContain(`Keyword ${JSON.stringify(pattern)} is not in the safe subset`);
		expect(message).toMatch(reason);
		expect(message).toMatch(/Fix: .*choose the match mode "contains"/);
	});

	it.each([
		'^order \\d+$',
		'^promo\\d+$',
		'\\bsale\\b',
		'^(yes|ja|si|oui)$',
		'(cat|dog)+',
		'^promo.*code.*$',
		'^(hi|hello)\\s+there\\s+.*$',
		'order\\s+\\d+',
		'^\\+?\\d{7,15}$',
		'[a-z]+@[a-z]+\\.[a-z]{2,}',
		'((ab){3})+',
		'^(?<code>[A-Z]{3}-\\d{4})$',
	])('accepts %s', (pattern) => {
		expect(() => compileKeywordMatcher([pattern], 'regex')).not.toThrow();
	});

	it('tests only the first 1,024 characters of a message (WhatsApp allows 4,096)', () => {
		const padding = 'x'.repeat(1024);
		expect(matchesKeyword(`${padding.slice(1)}!`, ['!$'], 'regex')).toBe(true);
		expect(matchesKeyword(`${padding}!`, ['!'], 'regex')).toBe(false);
		expect(matchesKeyword(`${padding}!`, ['!'], 'contains')).toBe(true);
	});

	const piece = fc.constantFrom('a', 'b', 'z', '0', ' ', '\\d', '\\s', '\\w', '[a-c]', '[^x]', '.');
	const quantifier = fc.constantFrom('', '', '?', '{2}', '{1,3}');
	const unbounded = fc.constantFrom('+', '*', '{2,}');
	/** Anchored patterns of single characters and classes with at most two unbounded repeats. */
	const safePattern = fc
		.tuple(
			fc.array(fc.tuple(piece, quantifier), { minLength: 1, maxLength: 6 }),
			fc.array(fc.tuple(piece, unbounded, fc.nat()), { maxLength: 2 }),
			fc.boolean(),
		)
		.map(([pieces, runs, anchoredEnd]) => {
			const parts = pieces.map(([atom, count]) => atom + count);
			for (const [atom, count, at] of runs) parts.splice(at % (parts.length + 1), 0, atom + count);
			return `^${parts.join('')}${anchoredEnd ? '$' : ''}`;
		});
	const message = fc.stringMatching(/^[abz0 xAB]{0,30}$/);

	it('accepted patterns match exactly like RegExp on ordinary messages', () => {
		fc.assert(
			fc.property(
				safePattern,
				fc.array(message, { minLength: 1, maxLength: 5 }),
				(pattern, texts) => {
					const matcher = compileKeywordMatcher([pattern], 'regex');
					for (const text of texts) {
						expect(matcher(text)).toBe(new RegExp(pattern, 'i').test(text.trim()));
					}
				},
			),
		);
	});

	it('refuses every repeated group that holds a repeat, whatever is inside', () => {
		fc.assert(
			fc.property(piece, unbounded, unbounded, piece, (inner, innerCount, outerCount, next) => {
				const pattern = `^(${inner}${innerCount}${next})${outerCount}$`;
				expect(() => compileKeywordMatcher([pattern], 'regex')).toThrow(/safe subset/);
			}),
		);
	});

	it('refuses every repeated alternation whose branches start alike', () => {
		fc.assert(
			fc.property(piece, fc.stringMatching(/^[a-c]{1,3}$/), unbounded, (first, tail, count) => {
				const pattern = `(${first}|${first}${tail})${count}`;
				expect(() => compileKeywordMatcher([pattern], 'regex')).toThrow(
					/alternatives can start with the same character/,
				);
			}),
		);
	});
});
