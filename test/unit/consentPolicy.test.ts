import fc from 'fast-check';

import {
	appendOptOutFooter,
	appendOptOutFooterWithin,
	CONSENT_BUTTON_IDS,
	consentAnswerFromReply,
	type ConsentPurpose,
	type ConsentRoute,
	type ConsentStatus,
	decideConsent,
	MARKETING_TEMPLATE_WITHOUT_OPT_OUT,
	marketingTemplateWarnings,
	OPT_OUT_FOOTERS,
	parseConsentPurpose,
	parseUnknownConsentPolicy,
	planOptInRequest,
	purposeOfSend,
	type UnknownConsentPolicy,
} from '../../lib/core/consentPolicy';
import { FieldError } from '../../lib/core/fieldError';
import { LIMITS } from '../../lib/core/messages';
import { parseWebhookPayload, type WhatsAppEvent } from '../../lib/core/webhookEvents';
import { metaFixture } from '../helpers/metaFixtures';

describe('decideConsent: the policy matrix', () => {
	// Written out by hand from the issue, not derived from the implementation.
	const matrix: Array<[ConsentStatus, ConsentPurpose, UnknownConsentPolicy, ConsentRoute]> = [
		['opted_in', 'marketing', 'needsOptIn', 'allowed'],
		['opted_in', 'marketing', 'allow', 'allowed'],
		['unknown', 'marketing', 'needsOptIn', 'needsOptIn'],
		['unknown', 'marketing', 'allow', 'allowed'],
		['opted_out', 'marketing', 'needsOptIn', 'blocked'],
		['opted_out', 'marketing', 'allow', 'blocked'],
		['blocked', 'marketing', 'needsOptIn', 'blocked'],
		['blocked', 'marketing', 'allow', 'blocked'],
		['opted_in', 'service', 'needsOptIn', 'allowed'],
		['opted_in', 'service', 'allow', 'allowed'],
		['unknown', 'service', 'needsOptIn', 'allowed'],
		['unknown', 'service', 'allow', 'allowed'],
		['opted_out', 'service', 'needsOptIn', 'allowed'],
		['opted_out', 'service', 'allow', 'allowed'],
		['blocked', 'service', 'needsOptIn', 'blocked'],
		['blocked', 'service', 'allow', 'blocked'],
	];

	it.each(matrix)('%s × %s × unknown→%s routes to %s', (status, purpose, policy, route) => {
		const decision = decideConsent(status, purpose, policy);
		expect(decision.route).toBe(route);
		// A reason exactly when the contact may not be messaged.
		if (route === 'allowed') expect(decision.reason).toBeNull();
		else expect(decision.reason?.length).toBeGreaterThan(20);
	});

	it('covers every combination exactly once', () => {
		const keys = matrix.map(([status, purpose, policy]) => `${status}/${purpose}/${policy}`);
		expect(new Set(keys).size).toBe(4 * 2 * 2);
	});

	it('asks first for unknown contacts when no policy is given', () => {
		expect(decideConsent('unknown', 'marketing').route).toBe('needsOptIn');
	});

	it('names STOP for blocked and marketing for opted-out contacts', () => {
		expect(decideConsent('blocked', 'service').reason).toContain('STOP');
		expect(decideConsent('opted_out', 'marketing').reason).toContain('opted out of marketing');
	});

	it('refuses a status it does not know instead of allowing', () => {
		expect(() => decideConsent('maybe' as ConsentStatus, 'service')).toThrow(/maybe/);
	});
});

describe('parseConsentPurpose', () => {
	it('accepts both purposes in any case and with spaces', () => {
		expect(parseConsentPurpose(' Marketing ')).toBe('marketing');
		expect(parseConsentPurpose('SERVICE')).toBe('service');
	});

	it.each([['promo'], [''], [undefined], [3]])(
		'refuses %p naming the field and the fix',
		(value) => {
			let error: unknown;
			try {
				parseConsentPurpose(value);
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(FieldError);
			const fieldError = error as FieldError;
			expect(fieldError.field).toBe('Purpose');
			expect(fieldError.value).toBe(value);
			expect(fieldError.fix).toMatch(/marketing.*service/);
		},
	);

	it('checks the unknown-consent policy the same way', () => {
		expect(parseUnknownConsentPolicy('allow')).toBe('allow');
		expect(() => parseUnknownConsentPolicy('sometimes')).toThrow(FieldError);
	});
});

describe('purposeOfSend', () => {
	it('follows the template category under auto', () => {
		expect(purposeOfSend('auto', 'MARKETING')).toBe('marketing');
		expect(purposeOfSend('auto', 'marketing')).toBe('marketing');
		expect(purposeOfSend('auto', 'UTILITY')).toBe('service');
		expect(purposeOfSend('auto', 'AUTHENTICATION')).toBe('service');
		expect(purposeOfSend(undefined, null)).toBe('service');
	});

	it('lets the user mark any send as marketing or service', () => {
		expect(purposeOfSend('marketing', null)).toBe('marketing');
		expect(purposeOfSend('service', 'MARKETING')).toBe('service');
	});

	it('refuses an unknown purpose', () => {
		expect(() => purposeOfSend('newsletter', 'MARKETING')).toThrow(FieldError);
	});
});

describe('opt-out footer', () => {
	it('fits a reply-buttons footer in both languages and names the INFOSTOP keyword', () => {
		for (const footer of Object.values(OPT_OUT_FOOTERS)) {
			expect([...footer].length).toBeLessThanOrEqual(LIMITS.footer);
			expect(footer).toContain('INFOSTOP');
		}
	});

	it('goes on its own paragraph after the text', () => {
		expect(appendOptOutFooter('Spring sale!  \n', OPT_OUT_FOOTERS.en)).toBe(
			'Spring sale!\n\nReply INFOSTOP to stop marketing messages',
		);
		expect(appendOptOutFooter('Hi', '   ')).toBe('Hi');
	});

	it('within a limit: appended while the two fit, else an error naming the field, both lengths and the room left', () => {
		const footer = OPT_OUT_FOOTERS.en;
		const fits = 'x'.repeat(LIMITS.caption - footer.length - 2);
		expect(appendOptOutFooterWithin('Caption', fits, footer, LIMITS.caption)).toBe(
			`${fits}\n\n${footer}`,
		);
		const over = `${fits}y`;
		let error: unknown;
		try {
			appendOptOutFooterWithin('Caption', over, footer, LIMITS.caption);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(FieldError);
		expect(error).toMatchObject({ field: 'Caption', value: over });
		expect((error as Error).message).toContain(
			`is ${over.length} characters long; with the opt-out footer "${footer}" it would be 1025, and WhatsApp allows at most 1024`,
		);
		expect((error as FieldError).fix).toContain(`Shorten the caption to ${fits.length} characters`);
		// Characters, not UTF-16 units: an emoji is one.
		const emoji = '🌷'.repeat(fits.length);
		expect(appendOptOutFooterWithin('Caption', emoji, footer, LIMITS.caption)).toHaveLength(
			2 * fits.length + 2 + footer.length,
		);
	});

	it('within a limit: a text too long on its own is left to the message builder’s limit error', () => {
		const text = 'x'.repeat(LIMITS.caption + 1);
		expect(appendOptOutFooterWithin('Caption', text, OPT_OUT_FOOTERS.de, LIMITS.caption)).toBe(
			text,
		);
	});

	it('within a limit: a footer that alone takes the room asks for a shorter footer', () => {
		expect(() =>
			appendOptOutFooterWithin('Caption', 'Hi', 'f'.repeat(1023), LIMITS.caption),
		).toThrow(
			expect.objectContaining({ fix: expect.stringMatching(/^Choose a shorter Footer Text/) }),
		);
	});
});

describe('planOptInRequest', () => {
	it.each([
		['unknown', true, 'buttons'],
		['unknown', false, 'template'],
		['opted_out', true, 'buttons'],
		['opted_out', false, 'skip'],
		['opted_in', true, 'skip'],
		['opted_in', false, 'skip'],
		['blocked', true, 'skip'],
		['blocked', false, 'skip'],
	] as const)('%s with the window open=%s → %s', (status, windowOpen, action) => {
		const plan = planOptInRequest(status, windowOpen);
		expect(plan.action).toBe(action);
		if (plan.action === 'skip') expect(plan.reason.length).toBeGreaterThan(10);
	});
});

describe('consentAnswerFromReply', () => {
	const eventOf = (body: unknown): WhatsAppEvent => {
		const { events } = parseWebhookPayload(body);
		expect(events).toHaveLength(1);
		return events[0];
	};
	const withMessage = (fixture: string, patch: (message: Record<string, any>) => void) => {
		const body = metaFixture(`webhooks/post-request/${fixture}`);
		patch(body.entry[0].changes[0].value.messages[0]);
		return eventOf(body);
	};
	const buttonReply = (id: string, title = 'Yes, please') =>
		withMessage('interactive-button-reply-message.json', (message) => {
			message.interactive.button_reply = { id, title };
		});

	it('reads an opt-in tap on the reply button with the proof of both messages', () => {
		const answer = consentAnswerFromReply(buttonReply(CONSENT_BUTTON_IDS.optIn));
		expect(answer).toEqual({
			decision: 'opt_in',
			status: 'opted_in',
			source: 'button',
			businessAccountId: '419561257915477',
			phoneNumberId: '106540352242922',
			contact: { waId: '16505551234', userId: null },
			questionMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
			answerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTZBQzg0MzQ4QjRCM0NGNkVGOAA=',
			answerText: 'Yes, please',
			answerPayload: 'consent:opt_in',
			answeredAt: new Date(1750025136 * 1000).toISOString(),
		});
	});

	it('records a decline as a marketing opt-out', () => {
		const answer = consentAnswerFromReply(buttonReply(CONSENT_BUTTON_IDS.decline, 'No, thanks'));
		expect(answer).toMatchObject({
			decision: 'decline',
			status: 'opted_out',
			answerText: 'No, thanks',
		});
	});

	it('reads the template quick-reply payload used outside the window', () => {
		const event = withMessage('button-message.json', (message) => {
			message.button = { payload: CONSENT_BUTTON_IDS.optIn, text: 'Yes' };
		});
		expect(consentAnswerFromReply(event)).toMatchObject({
			decision: 'opt_in',
			answerText: 'Yes',
			questionMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjk2OTMwNEZCQjhGMzUyQUYA',
		});
	});

	it("ignores Meta's own examples, typed text and status events", () => {
		expect(
			consentAnswerFromReply(
				eventOf(metaFixture('webhooks/post-request/interactive-button-reply-message.json')),
			),
		).toBeNull();
		expect(
			consentAnswerFromReply(eventOf(metaFixture('webhooks/post-request/button-message.json'))),
		).toBeNull();
		const typed = withMessage('text-message.json', (message) => {
			message.text = { body: CONSENT_BUTTON_IDS.optIn };
		});
		expect(consentAnswerFromReply(typed)).toBeNull();
	});

	it('never reads any other button id as an answer', () => {
		const ids = new Set<string>(Object.values(CONSENT_BUTTON_IDS));
		fc.assert(
			fc.property(
				fc.string({ minLength: 1, maxLength: 40 }).filter((id) => !ids.has(id.trim())),
				(id) => consentAnswerFromReply(buttonReply(id)) === null,
			),
		);
	});
});

describe('marketingTemplateWarnings', () => {
	const marketing = (buttons: Array<{ type: string; text?: string }>, category = 'MARKETING') => ({
		name: 'offer',
		language: 'en_US',
		category,
		components: [
			{ type: 'BODY', text: 'Hi' },
			...(buttons.length ? [{ type: 'BUTTONS', buttons }] : []),
		],
	});
	const payload = (index: number, value: string) => ({
		type: 'button',
		sub_type: 'quick_reply',
		index: String(index),
		parameters: [{ type: 'payload', payload: value }],
	});

	it('warns about a MARKETING template without a quick reply that opts out', () => {
		expect(marketingTemplateWarnings(marketing([]), [])).toEqual([
			{
				code: MARKETING_TEMPLATE_WITHOUT_OPT_OUT,
				message: expect.stringContaining('"offer" (en_US)'),
			},
		]);
		expect(
			marketingTemplateWarnings(
				marketing([
					{ type: 'QUICK_REPLY', text: 'Tell me more' },
					{ type: 'URL', text: 'Stop promotions' },
				]),
				[],
			),
		).toHaveLength(1);
	});

	it('accepts a quick reply the trigger records as an opt-out, by its text or its mapped payload', () => {
		for (const text of ['Stop promotions', 'stop promotions!', 'INFOSTOP', 'STOP']) {
			expect(marketingTemplateWarnings(marketing([{ type: 'QUICK_REPLY', text }]), [])).toEqual([]);
		}
		const notInterested = marketing([
			{ type: 'QUICK_REPLY', text: 'Yes' },
			{ type: 'QUICK_REPLY', text: 'Not interested' },
		]);
		expect(marketingTemplateWarnings(notInterested, [payload(1, 'Stop promotions')])).toEqual([]);
		// An opt-in payload is no way out.
		expect(marketingTemplateWarnings(notInterested, [payload(1, 'START')])).toHaveLength(1);
	});

	it('says nothing about other categories', () => {
		expect(marketingTemplateWarnings(marketing([], 'UTILITY'), [])).toEqual([]);
	});

	it('judges the quick replies by the lists given (the account triggers’), not only the defaults', () => {
		const enough = marketing([{ type: 'QUICK_REPLY', text: 'Genug davon' }]);
		expect(marketingTemplateWarnings(enough, [])).toHaveLength(1);
		expect(
			marketingTemplateWarnings(enough, [], { optOutButtonPayloads: ['Genug davon'] }),
		).toEqual([]);
		// Lists that dropped a default make it count no more.
		const stop = marketing([{ type: 'QUICK_REPLY', text: 'Stop promotions' }]);
		expect(
			marketingTemplateWarnings(stop, [], { optOutButtonPayloads: ['Genug davon'] }),
		).toHaveLength(1);
	});
});
