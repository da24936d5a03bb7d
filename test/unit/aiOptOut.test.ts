import {
	AI_OPT_OUT_MATCH,
	DEFAULT_CONFIRMATION_TEXTS,
	judgeOptOut,
	type OptOutClassification,
	validateConfirmationTexts,
	validateThreshold,
} from '../../lib/core/ai';
import { consentAnswerFromReply } from '../../lib/core/consentPolicy';
import { FieldError } from '../../lib/core/fieldError';
import { LIMITS } from '../../lib/core/messages';
import { parseWebhookPayload } from '../../lib/core/webhookEvents';
import { metaFixture } from '../helpers/metaFixtures';

const classified = (over: Partial<OptOutClassification> = {}): OptOutClassification => ({
	decision: 'opt_out',
	confidence: 0.9,
	reason: 'asks to stop',
	language: 'en',
	...over,
});

describe('judgeOptOut', () => {
	it('a decision at or above the threshold is final and asks nothing', () => {
		for (const decision of ['opt_out', 'not_opt_out'] as const) {
			expect(judgeOptOut(classified({ decision, confidence: 0.8 }), 0.8)).toEqual({
				final: true,
				askToConfirm: false,
				confirmation: null,
			});
		}
	});

	it('below the threshold, either way, or "unsure" at any confidence asks to confirm', () => {
		for (const input of [
			classified({ confidence: 0.79 }),
			classified({ decision: 'not_opt_out', confidence: 0.5 }),
			classified({ decision: 'unsure', confidence: 1 }),
		]) {
			const verdict = judgeOptOut(input, 0.8);
			expect(verdict).toMatchObject({ final: false, askToConfirm: true });
			expect(verdict.confirmation?.question).toBe(DEFAULT_CONFIRMATION_TEXTS.en.question);
		}
	});

	it('asks in German for a German message, in English for anything else', () => {
		expect(
			judgeOptOut(classified({ confidence: 0.1, language: 'de-AT' }), 0.8).confirmation,
		).toEqual({
			question: DEFAULT_CONFIRMATION_TEXTS.de.question,
			buttons: [
				{ id: 'consent:opt_in', title: 'Ja, weiterhin' },
				{ id: 'consent:decline', title: 'Nein, abmelden' },
			],
			language: 'de',
		});
		for (const language of ['fr', null, 'deutschland-ish']) {
			expect(
				judgeOptOut(classified({ confidence: 0.1, language }), 0.8).confirmation?.language,
			).toBe('en');
		}
	});

	it('uses the user’s own texts where given', () => {
		const confirmation = judgeOptOut(classified({ decision: 'unsure' }), 0.8, {
			question: 'Keep our offers coming?',
			stopLabel: 'Stop offers',
		}).confirmation;
		expect(confirmation).toMatchObject({
			question: 'Keep our offers coming?',
			buttons: [
				{ id: 'consent:opt_in', title: DEFAULT_CONFIRMATION_TEXTS.en.keepLabel },
				{ id: 'consent:decline', title: 'Stop offers' },
			],
		});
	});

	it('its buttons are the ones the trigger records: keep as an opt-in, stop as an opt-out', () => {
		const buttons = judgeOptOut(classified({ decision: 'unsure' }), 0.8).confirmation!.buttons;
		const statuses = buttons.map(({ id, title }) => {
			const body = metaFixture('webhooks/post-request/interactive-button-reply-message.json');
			body.entry[0].changes[0].value.messages[0].interactive.button_reply = { id, title };
			return consentAnswerFromReply(parseWebhookPayload(body).events[0])?.status;
		});
		expect(statuses).toEqual(['opted_in', 'opted_out']);
	});

	it('every built-in text fits WhatsApp’s reply-button limits', () => {
		for (const texts of Object.values(DEFAULT_CONFIRMATION_TEXTS)) {
			expect(validateConfirmationTexts(texts)).toEqual(texts);
			expect([...texts.keepLabel].length).toBeLessThanOrEqual(LIMITS.buttonTitle);
		}
		expect(AI_OPT_OUT_MATCH).toBe('ai:opt_out');
	});
});

describe('validateThreshold and validateConfirmationTexts', () => {
	it('accepts 0 to 1, also as text, and names the field otherwise', () => {
		expect(validateThreshold(0)).toBe(0);
		expect(validateThreshold('0.65')).toBe(0.65);
		expect(validateThreshold(1)).toBe(1);
		for (const bad of [1.2, -0.1, 'high', '', null, Number.NaN]) {
			expect(() => validateThreshold(bad)).toThrow(FieldError);
			try {
				validateThreshold(bad);
			} catch (error) {
				expect(error).toMatchObject({ field: 'Confidence Threshold' });
			}
		}
	});

	it('refuses labels longer than 20 characters, a long question and two equal labels', () => {
		expect(() => validateConfirmationTexts({ keepLabel: 'Yes, keep sending them please' })).toThrow(
			expect.objectContaining({ field: 'Keep Button Label' }),
		);
		expect(() => validateConfirmationTexts({ question: 'x'.repeat(1025) })).toThrow(
			expect.objectContaining({ field: 'Confirmation Question' }),
		);
		expect(() => validateConfirmationTexts({ keepLabel: 'OK', stopLabel: ' OK ' })).toThrow(
			expect.objectContaining({ field: 'Stop Button Label' }),
		);
		expect(validateConfirmationTexts({ question: '  ', keepLabel: ' Keep ' })).toEqual({
			keepLabel: 'Keep',
		});
	});
});
