import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import fc from 'fast-check';

import {
	assertValidConsentKeywordOptions,
	classifyConsentSignal,
	DEFAULT_CONSENT_KEYWORDS,
} from '../../lib/core/consentKeywords';
import { parseWebhookPayload, type WhatsAppEvent } from '../../lib/core/webhookEvents';
import { metaFixture } from '../helpers/metaFixtures';

const ownFixture = (name: string): unknown =>
	JSON.parse(readFileSync(join(__dirname, '../fixtures/webhooks', name), 'utf8'));

function eventOf(body: unknown): WhatsAppEvent {
	const { events } = parseWebhookPayload(body);
	expect(events).toHaveLength(1);
	return events[0];
}

function inbound(message: Record<string, unknown>): WhatsAppEvent {
	return eventOf({
		object: 'whatsapp_business_account',
		entry: [
			{
				id: '419561257915477',
				changes: [
					{
						field: 'messages',
						value: {
							metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
							contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
							messages: [
								{ from: '16505551234', id: 'wamid.in-1', timestamp: '1750000000', ...message },
							],
						},
					},
				],
			},
		],
	});
}

const typed = (body: string) => inbound({ type: 'text', text: { body } });
const tapped = (payload: string | undefined, text: string | undefined) =>
	inbound({ type: 'button', button: { payload, text }, context: { id: 'wamid.template' } });

describe('typed keywords (defaults)', () => {
	it.each([
		['STOP', 'blocked', 'STOP'],
		['stop', 'blocked', 'STOP'],
		['Stop.', 'blocked', 'STOP'],
		['stop 🙏', 'blocked', 'STOP'],
		['  STOP!!! ', 'blocked', 'STOP'],
		['¡Stop!', 'blocked', 'STOP'],
		['❤️ stop ❤️', 'blocked', 'STOP'],
		['stop 👍🏽', 'blocked', 'STOP'],
		['INFOSTOP', 'opted_out', 'INFOSTOP'],
		['Unsubscribe', 'opted_out', 'UNSUBSCRIBE'],
		['abmelden', 'opted_out', 'ABMELDEN'],
		['Start', 'opted_in', 'START'],
		['ＳＴＡＲＴ', 'opted_in', 'START'],
	])('%j → %s', (body, status, matched) => {
		expect(classifyConsentSignal(typed(body))).toEqual({
			status,
			source: 'keyword',
			evidence: { text: body, messageId: 'wamid.in-1', at: '2025-06-15T15:06:40.000Z', matched },
		});
	});

	it.each([
		"please don't stop the delivery",
		'stop it now',
		'stopp',
		'S T O P',
		'stop1',
		'🙏',
		'',
		'restart',
	])('%j changes nothing: only the whole message counts', (body) => {
		expect(classifyConsentSignal(typed(body))).toBeNull();
	});

	it('a caption on an image is not a keyword', () => {
		const image = inbound({ type: 'image', image: { id: '1', caption: 'STOP' } });
		expect(classifyConsentSignal(image)).toBeNull();
	});

	it('interactive replies never change consent, even titled "Stop"', () => {
		const reply = inbound({
			type: 'interactive',
			interactive: { type: 'button_reply', button_reply: { id: 'stop', title: 'Stop' } },
		});
		expect(classifyConsentSignal(reply)).toBeNull();
	});
});

describe('template quick-reply buttons', () => {
	it('"Stop promotions" opts out of marketing, as a button', () => {
		expect(classifyConsentSignal(tapped('Stop promotions', 'Stop promotions'))).toEqual({
			status: 'opted_out',
			source: 'button',
			evidence: {
				text: 'Stop promotions',
				messageId: 'wamid.in-1',
				at: '2025-06-15T15:06:40.000Z',
				matched: 'Stop promotions',
			},
		});
	});

	it("Meta's button example (payload Unsubscribe) opts out through the keyword lists", () => {
		const event = eventOf(metaFixture('webhooks/post-request/button-message.json'));
		expect(classifyConsentSignal(event)).toMatchObject({
			status: 'opted_out',
			source: 'button',
			evidence: { text: 'Unsubscribe', matched: 'UNSUBSCRIBE' },
		});
	});

	it('the payload decides over a translated button text', () => {
		expect(
			classifyConsentSignal(tapped('STOP_PROMOTIONS', 'Werbung stoppen'), {
				optOutButtonPayloads: ['STOP_PROMOTIONS'],
			}),
		).toMatchObject({
			status: 'opted_out',
			evidence: { text: 'Werbung stoppen', matched: 'STOP_PROMOTIONS' },
		});
		expect(classifyConsentSignal(tapped('START', 'Stop promotions'))).toMatchObject({
			status: 'opted_in',
		});
	});

	it('falls back to the button text when the payload says nothing', () => {
		expect(classifyConsentSignal(tapped('cta-7', 'Stop promotions'))).toMatchObject({
			status: 'opted_out',
			source: 'button',
		});
	});

	it('other buttons change nothing', () => {
		expect(classifyConsentSignal(tapped('confirm', 'Confirm appointment'))).toBeNull();
	});
});

describe("Meta's in-app stop / resume", () => {
	it.each([
		['stop', 'opted_out', 'User requested to stop marketing messages'],
		// A resume only lifts the in-app stop (the store knows what was before it): never an opt-in.
		['resume', 'in_app_resume', 'User requested to resume marketing messages'],
	])('%s → %s', (value, status, detail) => {
		const event = eventOf(ownFixture(`user-preferences-${value}.json`));
		expect(classifyConsentSignal(event)).toEqual({
			status,
			source: 'in_app',
			evidence: { text: detail, messageId: null, at: event.timestamp, matched: value },
		});
	});

	it('a preference for another category is not a marketing consent change', () => {
		const body = ownFixture('user-preferences-stop.json') as any;
		body.entry[0].changes[0].value.user_preferences[0].category = 'utility_messages';
		expect(classifyConsentSignal(eventOf(body))).toBeNull();
	});
});

describe('other events', () => {
	it.each(['status-sent.json', 'status-failed-131050.json', 'template-status-update.json'])(
		'%s is no consent signal',
		(name) => {
			expect(classifyConsentSignal(eventOf(ownFixture(name)))).toBeNull();
		},
	);

	it('a system message is no consent signal', () => {
		expect(
			classifyConsentSignal(eventOf(metaFixture('webhooks/post-request/system-message.json'))),
		).toBeNull();
	});
});

describe('configured lists', () => {
	it('replace the defaults list by list', () => {
		const options = { blockKeywords: ['HALT'], optInKeywords: ['JA', 'Anmelden'] };
		expect(classifyConsentSignal(typed('halt'), options)?.status).toBe('blocked');
		expect(classifyConsentSignal(typed('STOP'), options)).toBeNull();
		expect(classifyConsentSignal(typed('anmelden!'), options)?.status).toBe('opted_in');
		expect(classifyConsentSignal(typed('INFOSTOP'), options)?.status).toBe('opted_out');
	});

	it('an empty list turns that kind of signal off', () => {
		expect(classifyConsentSignal(typed('STOP'), { blockKeywords: [] })).toBeNull();
	});

	it('multi-word keywords match with any spacing', () => {
		const options = { optOutKeywords: ['no more offers'] };
		expect(classifyConsentSignal(typed('No   more offers.'), options)?.status).toBe('opted_out');
	});

	it('refuses a keyword with nothing to match', () => {
		expect(() => assertValidConsentKeywordOptions({ optInKeywords: ['START', ' !! '] })).toThrow(
			'Consent list "optInKeywords" contains " !! ", which has no letters or digits to match; remove that entry',
		);
	});

	it('refuses a keyword that means two things', () => {
		expect(() => classifyConsentSignal(typed('hi'), { optInKeywords: ['stop'] })).toThrow(
			'Consent keyword "stop" is in both "blockKeywords" and "optInKeywords"; keep it in one list so it means one thing',
		);
	});

	it('accepts the defaults', () => {
		expect(() => assertValidConsentKeywordOptions(DEFAULT_CONSENT_KEYWORDS)).not.toThrow();
	});

	it('follows the words the lists hold now, not what an earlier call saw in the same object', () => {
		const options: { blockKeywords: string[] } = { blockKeywords: ['HALT'] };
		expect(classifyConsentSignal(typed('halt'), options)?.status).toBe('blocked');
		options.blockKeywords = ['PAUSE'];
		expect(classifyConsentSignal(typed('pause'), options)?.status).toBe('blocked');
		expect(classifyConsentSignal(typed('halt'), options)).toBeNull();
		// The same words in another object: the same decision.
		expect(classifyConsentSignal(typed('pause'), { blockKeywords: ['PAUSE'] })?.status).toBe(
			'blocked',
		);
	});
});

describe('properties', () => {
	const decoration = fc.constantFrom('', ' ', '.', '!', '!!', ' 🙏', '❤️', '…', '?', ' 👍🏽');

	it('a default keyword in any case with any surrounding punctuation or emoji is recognised', () => {
		const keyword = fc.constantFrom('STOP', 'INFOSTOP', 'UNSUBSCRIBE', 'ABMELDEN', 'START');
		const casing = fc.array(fc.boolean(), { minLength: 12, maxLength: 12 });
		fc.assert(
			fc.property(decoration, keyword, casing, decoration, (before, word, upper, after) => {
				const cased = [...word].map((c, i) => (upper[i] ? c : c.toLowerCase())).join('');
				expect(classifyConsentSignal(typed(before + cased + after))?.evidence.matched).toBe(word);
			}),
		);
	});

	it('a keyword inside a longer sentence is never recognised', () => {
		const word = fc.stringMatching(/^[a-z]{2,8}$/);
		// Phrases off: "unsubscribe me" is a default phrase (test/unit/consentPhrases.test.ts).
		const keywordsOnly = { optOutPhrases: [] };
		fc.assert(
			fc.property(word, fc.constantFrom('stop', 'start', 'unsubscribe'), word, (a, keyword, b) => {
				expect(classifyConsentSignal(typed(`${a} ${keyword} ${b}`), keywordsOnly)).toBeNull();
			}),
		);
	});
});
