import fc from 'fast-check';

import { splitIntoMessages, WHATSAPP_TEXT_LIMIT } from '../../lib/core/ai';

const codePoints = (text: string) => [...text].length;

/** Finds each part in the original in order; returns the text between consecutive parts. */
function gapsBetween(original: string, parts: string[]): string[] {
	const gaps: string[] = [];
	let cursor = 0;
	parts.forEach((part, index) => {
		const at = original.indexOf(part, cursor);
		expect(at).toBeGreaterThanOrEqual(0);
		if (index > 0) gaps.push(original.slice(cursor, at));
		cursor = at + part.length;
	});
	return gaps;
}

const sentence = fc
	.tuple(
		fc.array(fc.stringMatching(/^[A-Za-zäöüß0-9]{1,12}$/), { minLength: 1, maxLength: 12 }),
		fc.constantFrom('.', '!', '?', '…', '."', '?)'),
	)
	.map(([words, end]) => words.join(' ') + end);

const prose = fc
	.array(fc.tuple(sentence, fc.constantFrom(' ', ' ', '  ', '\n', '\n\n', '\n- ')), {
		maxLength: 80,
	})
	.map((pairs) => pairs.map(([s, sep]) => s + sep).join(''));

const anyText = fc.oneof(
	prose,
	fc.string({ unit: 'grapheme', maxLength: 400 }),
	fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '.', '😀', '👍🏽', 'é'), maxLength: 600 }),
);

describe('splitIntoMessages', () => {
	it('keeps a short reply as one trimmed part', () => {
		expect(splitIntoMessages('  Hello! How can I help?\n')).toEqual(['Hello! How can I help?']);
	});

	it('returns no parts for an empty or blank reply', () => {
		expect(splitIntoMessages('')).toEqual([]);
		expect(splitIntoMessages(' \n\t ')).toEqual([]);
	});

	it('cuts at the sentence end nearest the limit, not inside a sentence', () => {
		const text = 'First sentence here. Second one is longer. Third.';
		expect(splitIntoMessages(text, 45)).toEqual([
			'First sentence here. Second one is longer.',
			'Third.',
		]);
	});

	it('prefers a paragraph break in the second half of the window', () => {
		const text = `${'a'.repeat(30)} one.\n\n${'b'.repeat(10)} two. ${'c'.repeat(5)} three.`;
		expect(splitIntoMessages(text, 50)).toEqual([
			`${'a'.repeat(30)} one.`,
			`${'b'.repeat(10)} two. ${'c'.repeat(5)} three.`,
		]);
	});

	it('cuts at a space when a sentence is longer than the limit', () => {
		expect(splitIntoMessages('alpha beta gamma delta', 12)).toEqual(['alpha beta', 'gamma delta']);
	});

	it('cuts a word only when it is longer than the limit', () => {
		expect(splitIntoMessages('abcdefghij xyz', 4)).toEqual(['abcd', 'efgh', 'ij', 'xyz']);
	});

	it('never breaks an emoji with a skin-tone modifier', () => {
		const parts = splitIntoMessages('👍🏽👍🏽👍🏽', 3);
		expect(parts).toEqual(['👍🏽', '👍🏽', '👍🏽']);
	});

	it('counts characters as code points like WhatsApp, not UTF-16 units', () => {
		const text = '😀'.repeat(WHATSAPP_TEXT_LIMIT);
		expect(splitIntoMessages(text)).toEqual([text]);
	});

	it('rejects a limit that is not a positive whole number', () => {
		expect(() => splitIntoMessages('x', 0)).toThrow(RangeError);
		expect(() => splitIntoMessages('x', 2.5)).toThrow(RangeError);
	});

	it('property: every part fits, no part is empty, and the parts are the reply cut only at whitespace', () => {
		fc.assert(
			fc.property(anyText, fc.integer({ min: 1, max: 120 }), (text, limit) => {
				const parts = splitIntoMessages(text, limit);
				for (const part of parts) {
					expect(codePoints(part)).toBeLessThanOrEqual(limit);
					expect(part.trim()).toBe(part);
					expect(part).not.toBe('');
				}
				for (const gap of gapsBetween(text.trim(), parts)) expect(gap.trim()).toBe('');
				expect(parts.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
			}),
			{ numRuns: 500 },
		);
	});

	it('property: a word is split only when the whole window holds no whitespace', () => {
		fc.assert(
			fc.property(prose, fc.integer({ min: 8, max: 200 }), (text, limit) => {
				const original = text.trim();
				const parts = splitIntoMessages(text, limit);
				let cursor = 0;
				parts.forEach((part, index) => {
					const at = original.indexOf(part, cursor);
					cursor = at + part.length;
					const next = parts[index + 1];
					if (next === undefined) return;
					const gap = original.slice(cursor, original.indexOf(next, cursor));
					if (gap === '') {
						// A hard cut: the window of `limit` characters from this part's start had no space.
						const window = [...original.slice(at)].slice(0, limit).join('');
						expect(window).not.toMatch(/\s/);
					}
				});
			}),
			{ numRuns: 300 },
		);
	});

	it('property: with the WhatsApp limit, long prose is cut at sentence or line ends', () => {
		fc.assert(
			fc.property(fc.array(sentence, { minLength: 200, maxLength: 600 }), (sentences) => {
				const text = sentences.join(' ');
				const parts = splitIntoMessages(text);
				for (const part of parts.slice(0, -1)) expect(part).toMatch(/[.!?…]["')]?$/);
				for (const part of parts) expect(codePoints(part)).toBeLessThanOrEqual(WHATSAPP_TEXT_LIMIT);
			}),
			{ numRuns: 30 },
		);
	});
});
