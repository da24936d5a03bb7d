import fc from 'fast-check';

import {
	clampDelay,
	extractJsonObject,
	parseDelaySuggestion,
	parseStopDecision,
	stripReasoning,
	UnusableAnswerError,
	validateDelayBounds,
} from '../../lib/core/ai';
import { FieldError } from '../../lib/core/fieldError';

describe('extractJsonObject', () => {
	it.each([
		['plain JSON', '{"stop": true}'],
		['a fenced block', 'Here you go:\n```json\n{"stop": true}\n```'],
		['a fence without language', '```\n{"stop": true}\n```'],
		['JSON inside prose', 'My decision is {"stop": true} because she booked.'],
		['braces inside strings', 'Answer: {"reason": "she wrote {booked}", "stop": true} done'],
	])('finds the object in %s', (_what, text) => {
		expect(extractJsonObject(text)).toMatchObject({ stop: true });
	});

	it('returns undefined when there is no object', () => {
		expect(extractJsonObject('no json here')).toBeUndefined();
		expect(extractJsonObject('[1, 2]')).toBeUndefined();
		expect(extractJsonObject('{broken')).toBeUndefined();
	});

	it('property: any JSON object survives being wrapped in prose and fences', () => {
		fc.assert(
			fc.property(
				fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
				fc.constantFrom('', 'Sure! ', 'Result:\n'),
				fc.boolean(),
				(object, prefix, fenced) => {
					const json = JSON.stringify(object);
					const text = `${prefix}${fenced ? `\`\`\`json\n${json}\n\`\`\`` : json} Thanks.`;
					expect(extractJsonObject(text)).toEqual(JSON.parse(json));
				},
			),
		);
	});
});

describe('parseStopDecision', () => {
	it('reads {stop, reason}', () => {
		expect(parseStopDecision('{"stop": true, "reason": "She booked for Monday."}')).toEqual({
			stop: true,
			reason: 'She booked for Monday.',
		});
	});

	it('accepts "yes"/"no" strings, other key names and a thinking block before the answer', () => {
		expect(parseStopDecision('<think>She said no thanks…</think>\n{"shouldStop": "yes"}')).toEqual({
			stop: true,
			reason: '',
		});
		expect(
			parseStopDecision('```json\n{"stop": "false", "explanation": "still asking"}\n```'),
		).toEqual({
			stop: false,
			reason: 'still asking',
		});
	});

	it('accepts a bare yes/no answer', () => {
		expect(parseStopDecision('No.')).toEqual({ stop: false, reason: '' });
		expect(parseStopDecision('true')).toEqual({ stop: true, reason: '' });
	});

	it('refuses an answer without a decision, quoting it', () => {
		expect(() => parseStopDecision('It depends on the customer.')).toThrow(UnusableAnswerError);
		expect(() => parseStopDecision('{"reason": "unclear"}')).toThrow(UnusableAnswerError);
		try {
			parseStopDecision('Maybe later');
		} catch (error) {
			const unusable = error as UnusableAnswerError;
			expect(unusable.operation).toBe('Check Stop Condition');
			expect(unusable.describe()).toContain('The model answered: "Maybe later"');
			expect(unusable.describe()).toContain('{"stop": true');
		}
	});
});

describe('parseDelaySuggestion', () => {
	it.each([
		['{"delayHours": 24, "reason": "asked to call tomorrow"}', 24],
		['{"delay_hours": "6.5"}', 6.5],
		['{"delayMinutes": 90}', 1.5],
		['{"days": 2}', 48],
		['{"delay": "PT4H"}', 4],
		['{"delay": "P1DT2H"}', 26],
		['{"delay": "3 days"}', 72],
		['{"delay": 5}', 5],
		['12', 12],
		['36 hours.', 36],
		['<think>hmm</think>```json\n{"delayHours": 48}\n```', 48],
	])('%s → %d hours', (answer, hours) => {
		expect(parseDelaySuggestion(answer).hours).toBeCloseTo(hours, 6);
	});

	it('keeps the reason', () => {
		expect(
			parseDelaySuggestion('{"delayHours": 24, "reason": "asked to call tomorrow"}').reason,
		).toBe('asked to call tomorrow');
	});

	it.each([
		['soon'],
		['{"delayHours": -3}'],
		['{"reason": "no number"}'],
		['{"delay": "a while"}'],
		['P'],
	])('refuses %s', (answer) => {
		expect(() => parseDelaySuggestion(answer)).toThrow(UnusableAnswerError);
	});
});

describe('delay bounds', () => {
	it('clamps to the bounds and says so', () => {
		const bounds = { minHours: 4, maxHours: 72 };
		expect(clampDelay(1, bounds)).toEqual({ hours: 4, clamped: true });
		expect(clampDelay(500, bounds)).toEqual({ hours: 72, clamped: true });
		expect(clampDelay(24, bounds)).toEqual({ hours: 24, clamped: false });
	});

	it('property: the result is always within the bounds and equals the input when inside', () => {
		fc.assert(
			fc.property(
				fc.double({ min: 0, max: 1e4, noNaN: true }),
				fc.double({ min: 0, max: 1e3, noNaN: true }),
				fc.double({ min: 0, max: 1e3, noNaN: true }),
				(hours, a, b) => {
					const bounds = { minHours: Math.min(a, b), maxHours: Math.max(a, b) };
					const result = clampDelay(hours, bounds);
					expect(result.hours).toBeGreaterThanOrEqual(bounds.minHours);
					expect(result.hours).toBeLessThanOrEqual(bounds.maxHours);
					expect(result.clamped).toBe(result.hours !== hours);
				},
			),
		);
	});

	it('refuses a maximum below the minimum, naming the field', () => {
		expect(() => validateDelayBounds({ minHours: 10, maxHours: 5 })).toThrow(FieldError);
		try {
			validateDelayBounds({ minHours: 10, maxHours: 5 });
		} catch (error) {
			expect((error as FieldError).field).toBe('Maximum Delay (Hours)');
		}
		expect(() => validateDelayBounds({ minHours: -1, maxHours: 5 })).toThrow(
			'Minimum Delay (Hours)',
		);
		expect(validateDelayBounds({ minHours: 0, maxHours: 0 })).toEqual({ minHours: 0, maxHours: 0 });
	});
});

describe('stripReasoning', () => {
	it('removes think blocks and keeps the answer', () => {
		expect(stripReasoning('<think>\nlet me see\n</think>\n\nHello Anna!')).toBe('Hello Anna!');
		expect(stripReasoning('Hello <b>Anna</b>')).toBe('Hello <b>Anna</b>');
	});
});
