/**
 * Opt-outs in the customer's own words (lib/core/consentPhrases.ts, used by classifyConsentSignal):
 * the normalisation (case, accents, umlaut spellings, punctuation, emoji), whole-word matching
 * inside longer messages, the negation guard, what phrases never do (opt in, read buttons or
 * interactive replies), the evidence, and how several triggers' lists are merged.
 */
import fc from 'fast-check';

import {
	assertValidConsentKeywordOptions,
	classifyConsentSignal,
	DEFAULT_CONSENT_KEYWORDS,
	mergeConsentKeywordOptions,
	PHRASE_MATCH_PREFIX,
	type ConsentKeywordOptions,
} from '../../lib/core/consentKeywords';
import { findPhrase, PHRASE_NEGATIONS, phraseWords } from '../../lib/core/consentPhrases';
import { parseWebhookPayload, type WhatsAppEvent } from '../../lib/core/webhookEvents';
import { confirmationLanguage } from '../../lib/inbound';
import { metaFixture } from '../helpers/metaFixtures';

const TEXT_FIXTURE = 'webhooks/post-request/text-message.json';
const LIST_REPLY_FIXTURE = 'webhooks/post-request/interactive-list-reply-message.json';
const BUTTON_FIXTURE = 'webhooks/post-request/button-message.json';

function eventOf(body: unknown): WhatsAppEvent {
	const { events } = parseWebhookPayload(body);
	expect(events).toHaveLength(1);
	return events[0];
}

/** Meta's published text message, with the customer's text in it. */
function typed(body: string): WhatsAppEvent {
	const payload = metaFixture(TEXT_FIXTURE);
	payload.entry[0].changes[0].value.messages[0].text.body = body;
	return eventOf(payload);
}

const { id: FIXTURE_MESSAGE_ID, timestamp: FIXTURE_SECONDS } =
	metaFixture(TEXT_FIXTURE).entry[0].changes[0].value.messages[0];
const FIXTURE_AT = new Date(Number(FIXTURE_SECONDS) * 1000).toISOString();

const matchedBy = (body: string, options?: ConsentKeywordOptions) =>
	classifyConsentSignal(typed(body), options)?.evidence.matched ?? null;

const found = (message: string, phrase: string) =>
	findPhrase(phraseWords(message), phraseWords(phrase)) !== -1;

describe('normalisation', () => {
	it('folds case, accents, ß, full-width letters and apostrophes; punctuation and emoji break words', () => {
		expect(phraseWords('Don´t STOP, Café Straße ＦＵＬＬ 🙏 l’été').map((w) => w.plain)).toEqual([
			'dont',
			'stop',
			'cafe',
			'strasse',
			'full',
			'lete',
		]);
	});

	it('keeps each German umlaut in two spellings: base letter and written out', () => {
		expect(phraseWords('Möchte ÜBER Männer')).toEqual([
			{ plain: 'mochte', spelledOut: 'moechte', afterBreak: false },
			{ plain: 'uber', spelledOut: 'ueber', afterBreak: false },
			{ plain: 'manner', spelledOut: 'maenner', afterBreak: false },
		]);
	});

	it('an umlaut typed as a letter with a combining mark is the same umlaut', () => {
		expect(phraseWords('mo\u0308chte')).toEqual(phraseWords('möchte'));
	});

	it('leaves English words alone: no digraph is ever rewritten', () => {
		expect(phraseWords('queue blue does')).toEqual(
			['queue', 'blue', 'does'].map((word) => ({
				plain: word,
				spelledOut: word,
				afterBreak: false,
			})),
		);
	});

	it('marks words that follow punctuation, a symbol or an emoji (a sentence break for the guard)', () => {
		expect(phraseWords('no, stop. now 🙏 please me').map((w) => w.afterBreak)).toEqual([
			false,
			true,
			true,
			true,
			false,
		]);
	});
});

describe('matching', () => {
	it.each([
		['bitte keine Nachrichten mehr', 'bitte keine Nachrichten mehr'],
		['Hallo, bitte keine Nachrichten mehr. Danke', 'bitte keine Nachrichten mehr'],
		['BITTE KEINE NACHRICHTEN MEHR!!!', 'bitte keine Nachrichten mehr'],
		['bitte   keine\nNachrichten… mehr 🙏🏽', 'bitte keine Nachrichten mehr'],
		['Stop🛑sending👉me messages', 'stop sending me messages'],
		['Please stop messaging me, thanks', 'stop messaging me'],
		['Ich möchte mich abmelden', 'ich möchte mich abmelden'],
		['ich moechte mich abmelden', 'ich möchte mich abmelden'],
		['ICH MOCHTE MICH ABMELDEN', 'ich möchte mich abmelden'],
		['Ich möchte mich abmelden', 'ich moechte mich abmelden'],
		['Keine Wérbung mehr', 'keine Werbung mehr'],
		['ｋｅｉｎｅ Ｗｅｒｂｕｎｇ ｍｅｈｒ', 'keine Werbung mehr'],
	])('%j contains %j', (message, phrase) => {
		expect(found(message, phrase)).toBe(true);
	});

	it.each([
		['keine', 'bitte keine Nachrichten mehr', 'one word of the phrase is not the phrase'],
		['bitte keine Nachrichten', 'bitte keine Nachrichten mehr', 'the phrase is incomplete'],
		['stop messaging meetings', 'stop messaging me', 'whole words only'],
		['nonstop messaging me', 'stop messaging me', 'whole words only'],
		['bitte keine neuen Nachrichten mehr', 'bitte keine Nachrichten mehr', 'another word inside'],
		['ich mochte mich abmelden', 'ich moechte mich abmelden', 'written out: ö or oe, not o'],
	])('%j does not contain %j (%s)', (message, phrase) => {
		expect(found(message, phrase)).toBe(false);
	});
});

describe('negation guard', () => {
	it.each([
		"don't stop sending me messages",
		'Don’t stop sending me messages',
		'dont stop sending me messages',
		'please do not stop sending me messages',
		'never stop sending me messages, ok?',
		'you did not unsubscribe me, did you?',
	])('%j changes nothing', (body) => {
		expect(classifyConsentSignal(typed(body))).toBeNull();
	});

	it('looks only at the word right before the phrase, in the same sentence', () => {
		expect(matchedBy("I don't care. Stop sending me messages")).toBe(
			'phrase:stop sending me messages',
		);
		expect(matchedBy("Don't! Stop sending me messages")).toBe('phrase:stop sending me messages');
		expect(matchedBy('No, stop sending me messages')).toBe('phrase:stop sending me messages');
	});

	it('a later occurrence that is not negated still counts', () => {
		expect(
			matchedBy("Don't stop sending me messages? Sorry, I meant: stop sending me messages"),
		).toBe('phrase:stop sending me messages');
	});

	it('a negation inside the phrase is part of the phrase ("keine")', () => {
		expect(found('nicht mehr: bitte keine Nachrichten mehr', 'bitte keine Nachrichten mehr')).toBe(
			true,
		);
	});

	it('knows these negation words', () => {
		expect(PHRASE_NEGATIONS).toEqual([
			'not',
			'dont',
			'doesnt',
			'didnt',
			'never',
			'nicht',
			'nie',
			'niemals',
		]);
		for (const negation of PHRASE_NEGATIONS) {
			expect(found(`${negation} stop messaging me`, 'stop messaging me')).toBe(false);
		}
	});
});

describe('a phrase in a text message (defaults)', () => {
	it('records a marketing opt-out with the whole text, the message id, the time and the phrase', () => {
		const body = 'Hallo, bitte keine Nachrichten mehr. Danke';
		expect(classifyConsentSignal(typed(body))).toEqual({
			status: 'opted_out',
			source: 'keyword',
			evidence: {
				text: body,
				messageId: FIXTURE_MESSAGE_ID,
				at: FIXTURE_AT,
				matched: `${PHRASE_MATCH_PREFIX}bitte keine Nachrichten mehr`,
			},
		});
	});

	it.each([
		['Can you stop sending me messages?', 'stop sending me messages'],
		['stop messaging me pls', 'stop messaging me'],
		['Hi! Unsubscribe me from this list', 'unsubscribe me'],
		['KEINE WERBUNG MEHR 😡', 'keine Werbung mehr'],
		['Bitte abmelden, danke', 'bitte abmelden'],
		['Guten Tag, ich moechte mich abmelden.', 'ich möchte mich abmelden'],
	])('%j → opted_out by %j', (body, phrase) => {
		expect(classifyConsentSignal(typed(body))).toMatchObject({
			status: 'opted_out',
			source: 'keyword',
			evidence: { text: body, matched: `phrase:${phrase}` },
		});
	});

	it.each([
		'Does it come in another color?',
		'keine',
		'Ich bekomme keine Nachrichten mehr von euch',
		'no more messages',
		'I stopped getting messages from you',
		'Bitte melden Sie sich',
	])('%j changes nothing', (body) => {
		expect(classifyConsentSignal(typed(body))).toBeNull();
	});

	it('a keyword (the whole message) wins over a phrase', () => {
		expect(matchedBy('Unsubscribe me', { optOutKeywords: ['unsubscribe me'] })).toBe(
			'unsubscribe me',
		);
		expect(matchedBy('UNSUBSCRIBE')).toBe('UNSUBSCRIBE');
	});

	it('the defaults are valid and short', () => {
		expect(() => assertValidConsentKeywordOptions(DEFAULT_CONSENT_KEYWORDS)).not.toThrow();
		expect(DEFAULT_CONSENT_KEYWORDS.blockPhrases).toEqual([]);
		expect(DEFAULT_CONSENT_KEYWORDS.optOutPhrases.length).toBeLessThanOrEqual(8);
	});
});

describe('configured phrases', () => {
	it('block phrases stop every message, and win over an opt-out phrase in the same message', () => {
		const options = { blockPhrases: ['never write to me again'] };
		expect(classifyConsentSignal(typed('Never write to me again!'), options)).toMatchObject({
			status: 'blocked',
			source: 'keyword',
			evidence: { matched: 'phrase:never write to me again' },
		});
		expect(
			classifyConsentSignal(typed('Stop messaging me. Never write to me again.'), options)?.status,
		).toBe('blocked');
	});

	it('replace the defaults; an empty list turns phrases off', () => {
		const options = { optOutPhrases: ['nicht mehr anschreiben'] };
		expect(matchedBy('Bitte nicht mehr anschreiben', options)).toBe(
			'phrase:nicht mehr anschreiben',
		);
		expect(matchedBy('stop messaging me', options)).toBeNull();
		expect(matchedBy('stop messaging me', { optOutPhrases: [] })).toBeNull();
	});

	it('refuses a phrase of one word, or of none', () => {
		expect(() => assertValidConsentKeywordOptions({ optOutPhrases: ['keine'] })).toThrow(
			'Consent list "optOutPhrases" contains "keine", a single word: a phrase needs at least two words',
		);
		expect(() => assertValidConsentKeywordOptions({ blockPhrases: ['!! 🙏'] })).toThrow(
			'Consent list "blockPhrases" contains "!! 🙏", which has no letters or digits to match',
		);
	});

	it('refuses a phrase that means two things', () => {
		expect(() =>
			assertValidConsentKeywordOptions({ blockPhrases: ['Stop messaging me!'] }),
		).toThrow(
			'Consent phrase "stop messaging me" is in both "blockPhrases" and "optOutPhrases"; keep it in one list so it means one thing',
		);
		expect(() =>
			assertValidConsentKeywordOptions({
				optInKeywords: ['keine Werbung mehr'],
			}),
		).toThrow('is in both "optOutPhrases" and "optInKeywords"');
	});
});

describe('what phrases never do', () => {
	it('opt in: there are no opt-in phrases, START counts only as the whole message', () => {
		expect(classifyConsentSignal(typed('Please start sending me offers again'))).toBeNull();
		expect(classifyConsentSignal(typed('start me up'))).toBeNull();
		expect(Object.keys(DEFAULT_CONSENT_KEYWORDS).filter((list) => /optIn/i.test(list))).toEqual([
			'optInKeywords',
		]);
	});

	it('read interactive replies (list rows, reply buttons)', () => {
		const payload = metaFixture(LIST_REPLY_FIXTURE);
		const reply = payload.entry[0].changes[0].value.messages[0].interactive.list_reply;
		reply.title = 'Stop sending me messages';
		reply.description = 'bitte keine Nachrichten mehr';
		expect(classifyConsentSignal(eventOf(payload))).toBeNull();

		const buttonReply = metaFixture(LIST_REPLY_FIXTURE);
		buttonReply.entry[0].changes[0].value.messages[0].interactive = {
			type: 'button_reply',
			button_reply: { id: 'unsubscribe me', title: 'Unsubscribe me' },
		};
		expect(classifyConsentSignal(eventOf(buttonReply))).toBeNull();
	});

	it('read a template button’s text: buttons match their payloads and keywords exactly', () => {
		const payload = metaFixture(BUTTON_FIXTURE);
		payload.entry[0].changes[0].value.messages[0].button = {
			payload: 'cta-1',
			text: 'Bitte keine Nachrichten mehr',
		};
		expect(classifyConsentSignal(eventOf(payload))).toBeNull();
	});

	it('read a media caption', () => {
		const payload = metaFixture(TEXT_FIXTURE);
		const message = payload.entry[0].changes[0].value.messages[0];
		delete message.text;
		message.type = 'image';
		message.image = { id: '1', caption: 'stop sending me messages' };
		expect(classifyConsentSignal(eventOf(payload))).toBeNull();
	});
});

describe('several triggers on one account', () => {
	it('merges their lists: each entry once, defaults for unset lists, the strongest list wins', () => {
		const merged = mergeConsentKeywordOptions([
			{ optOutPhrases: ['nicht mehr anschreiben'] },
			{ blockPhrases: ['Stop messaging me.'], optOutKeywords: ['INFOSTOP', 'stop!'] },
			{ optOutPhrases: ['Nicht mehr   anschreiben!'] },
		]);
		expect(merged.blockPhrases).toEqual(['Stop messaging me.']);
		expect(merged.optOutPhrases).toEqual([
			'nicht mehr anschreiben',
			...DEFAULT_CONSENT_KEYWORDS.optOutPhrases.filter((phrase) => phrase !== 'stop messaging me'),
		]);
		// "stop!" is the STOP of the block list: it means only that.
		expect(merged.optOutKeywords).toEqual(['INFOSTOP', 'UNSUBSCRIBE', 'ABMELDEN']);
		expect(() => assertValidConsentKeywordOptions(merged)).not.toThrow();
		expect(classifyConsentSignal(typed('ok, stop messaging me'), merged)?.status).toBe('blocked');
	});
});

describe('the opt-out confirmation', () => {
	it('answers a German phrase in German, others in English', () => {
		expect(confirmationLanguage('phrase:bitte keine Nachrichten mehr')).toBe('de');
		expect(confirmationLanguage('phrase:ich möchte mich abmelden')).toBe('de');
		expect(confirmationLanguage('phrase:stop sending me messages')).toBe('en');
		expect(confirmationLanguage('ABMELDEN')).toBe('de');
	});
});

describe('properties', () => {
	const filler = fc.stringMatching(/^[a-z]{2,8}( [a-z]{2,8}){0,3}$/);
	const decoration = fc.constantFrom('', ' ', ', ', '. ', '! ', ' 🙏 ', '… ', '? ', ' 👍🏽 ');
	const phrase = fc.constantFrom(...DEFAULT_CONSENT_KEYWORDS.optOutPhrases);
	const casing = fc.array(fc.boolean(), { minLength: 40, maxLength: 40 });
	const recase = (text: string, upper: boolean[]) =>
		[...text].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
	const notNegation = (words: string) => !PHRASE_NEGATIONS.includes(words.split(' ').at(-1) ?? '');

	it('a default phrase in any case, anywhere in a longer message, is found', () => {
		fc.assert(
			fc.property(
				filler.filter(notNegation),
				decoration,
				phrase,
				casing,
				decoration,
				filler,
				(before, left, words, upper, right, after) => {
					const body = `${before}${left || ' '}${recase(words, upper)}${right || ' '}${after}`;
					expect(matchedBy(body)).toBe(`phrase:${words}`);
				},
			),
		);
	});

	it('right after a negation word it is not', () => {
		fc.assert(
			fc.property(
				fc.constantFrom(...PHRASE_NEGATIONS, "don't", 'doesn’t', 'do not'),
				phrase,
				(negation, words) => {
					expect(matchedBy(`${negation} ${words}`)).toBeNull();
				},
			),
		);
	});
});
