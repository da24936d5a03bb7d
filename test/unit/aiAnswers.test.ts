import fc from 'fast-check';

import {
	clampDelay,
	extractJsonObject,
	parseDelaySuggestion,
	parseFollowUpDecision,
	parseOptOutClassification,
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

describe('parseFollowUpDecision', () => {
	it('reads {followUp, stop, reason}, also fenced and after a thinking block', () => {
		expect(
			parseFollowUpDecision(
				'<think>asked for prices…</think>```json\n{"followUp": true, "stop": false, "reason": "Asked about prices, no booking."}\n```',
				true,
			),
		).toEqual({ followUp: true, stop: false, reason: 'Asked about prices, no booking.' });
		expect(parseFollowUpDecision('{"should_follow_up": "no"}', false)).toEqual({
			followUp: false,
			stop: false,
			reason: '',
		});
	});

	it('a met stop condition wins over a follow-up', () => {
		expect(
			parseFollowUpDecision('{"followUp": true, "stop": true, "reason": "She booked."}', true),
		).toEqual({ followUp: false, stop: true, reason: 'She booked.' });
	});

	it('without a stop condition, "stop" means nothing and a bare yes/no is enough', () => {
		expect(parseFollowUpDecision('{"followUp": true, "stop": true}', false)).toMatchObject({
			followUp: true,
			stop: false,
		});
		expect(parseFollowUpDecision('Yes.', false)).toEqual({
			followUp: true,
			stop: false,
			reason: '',
		});
	});

	it('refuses a bare yes when a stop condition was asked about, and anything unreadable', () => {
		for (const [answer, hasStop] of [
			['Yes.', true],
			['Probably, in a few days', false],
			['{"reason": "unclear"}', false],
			['{"followUp": "maybe"}', false],
			['{"followUp": true, "stop": "perhaps"}', true],
		] as const) {
			expect(() => parseFollowUpDecision(answer, hasStop)).toThrow(UnusableAnswerError);
		}
		try {
			parseFollowUpDecision('Hmm.', true);
		} catch (error) {
			expect(error).toMatchObject({
				message:
					'The model\'s answer to Decide Follow-up is not usable: expected JSON like {"followUp": true, "stop": false, "reason": "…"}',
				answer: 'Hmm.',
			});
		}
	});
});

describe('parseOptOutClassification', () => {
	it('reads decision, confidence, language and reason', () => {
		expect(
			parseOptOutClassification(
				'{"decision": "opt_out", "confidence": 0.93, "language": "de", "reason": "Bittet, nicht mehr zu schreiben."}',
			),
		).toEqual({
			decision: 'opt_out',
			confidence: 0.93,
			language: 'de',
			reason: 'Bittet, nicht mehr zu schreiben.',
		});
	});

	it.each([
		['{"decision": "Opt-Out", "confidence": "93%"}', 'opt_out', 0.93],
		['{"classification": "not opt out", "confidence": 85}', 'not_opt_out', 0.85],
		['Sure:\n```json\n{"label": "UNSURE", "certainty": 0.4}\n```', 'unsure', 0.4],
		['{"optOut": true, "confidence": 1}', 'opt_out', 1],
		['{"is_opt_out": "no", "confidence": 0}', 'not_opt_out', 0],
	])('reads %s', (answer, decision, confidence) => {
		expect(parseOptOutClassification(answer)).toMatchObject({
			decision,
			confidence,
			language: null,
		});
	});

	it.each([
		['prose only', 'The customer wants to unsubscribe.'],
		['no confidence', '{"decision": "opt_out"}'],
		['an unknown decision', '{"decision": "angry", "confidence": 0.9}'],
		['a confidence above 100', '{"decision": "opt_out", "confidence": 130}'],
		['a fractional confidence above 1', '{"decision": "opt_out", "confidence": 1.5}'],
		['a negative confidence', '{"decision": "opt_out", "confidence": -0.2}'],
		['a confidence that is no number', '{"decision": "opt_out", "confidence": "high"}'],
	])('refuses %s, quoting the answer', (_what, answer) => {
		expect(() => parseOptOutClassification(answer)).toThrow(
			expect.objectContaining({
				name: 'UnusableAnswerError',
				operation: 'Detect Opt-Out',
				answer,
			}),
		);
	});
});
