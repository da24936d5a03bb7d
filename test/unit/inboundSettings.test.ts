import { FieldError } from '../../lib/core/fieldError';
import {
	confirmationLanguage,
	deriveVerifyToken,
	keywordLines,
	matchKeyword,
	optOutConfirmationText,
	resolveTriggerSettings,
	type ConsentChange,
} from '../../lib/inbound';

describe('resolveTriggerSettings', () => {
	it('turns the node’s parameters into sets and a keyword filter', () => {
		const settings = resolveTriggerSettings({
			events: ['messageReceived', 'messageStatus'],
			statuses: ['failed', 'read'],
			phoneNumberIds: '106540352242922, 106540352242923',
			messageTypes: ['text'],
			keywords: 'promo\n  \nSale ',
			keywordMatch: 'startsWith',
		});
		expect([...settings.events]).toEqual(['messageReceived', 'messageStatus']);
		expect([...settings.statuses]).toEqual(['failed', 'read']);
		expect([...settings.phoneNumberIds]).toEqual(['106540352242922', '106540352242923']);
		expect(settings.keywordFilter?.keywords.map(({ keyword }) => keyword)).toEqual([
			'promo',
			'Sale',
		]);
		expect(matchKeyword(settings.keywordFilter!, 'SALE now')).toBe('Sale');
		expect(matchKeyword(settings.keywordFilter!, 'hello')).toBeNull();
	});

	it('no keywords → no filter; empty lists → everything passes', () => {
		const settings = resolveTriggerSettings({ events: ['messageReceived'], keywords: '  \n' });
		expect(settings.keywordFilter).toBeNull();
		expect(settings.statuses.size + settings.phoneNumberIds.size + settings.messageTypes.size).toBe(
			0,
		);
	});

	it.each([
		[{ events: [] }, 'Events', /is empty/],
		[{ events: ['messageRecieved'] }, 'Events', /not a known choice/],
		[{ events: ['messageStatus'], statuses: ['bounced'] }, 'Statuses', /not a known choice/],
		[
			{ events: ['messageReceived'], phoneNumberIds: '+1 555 0783881' },
			'Phone Number IDs',
			/not a phone number ID/,
		],
		[
			{ events: ['messageReceived'], keywords: '(open', keywordMatch: 'regex' },
			'Keywords',
			/cannot be used/,
		],
		[
			{ events: ['messageReceived'], keywords: 'x', keywordMatch: 'fuzzy' },
			'Keyword Match',
			/not a match mode/,
		],
		[{ events: ['messageReceived'], optInKeywords: 'STOP' }, 'Consent Keywords', /cannot be used/],
		[{ events: ['messageReceived'], optOutPhrases: 'keine' }, 'Consent Keywords', /cannot be used/],
		[{ events: ['messageReceived'], blockPhrases: 42 }, 'Block Phrases', /not a list/],
	])('refuses %j naming the field', (parameters, field, problem) => {
		let error: unknown;
		try {
			resolveTriggerSettings(parameters);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(FieldError);
		expect((error as FieldError).field).toBe(field);
		expect((error as FieldError).message).toMatch(problem);
		expect((error as FieldError).fix).not.toBe('');
	});

	it('reads phrases one per line or separated by commas; keywords only by commas', () => {
		const settings = resolveTriggerSettings({
			events: ['messageReceived'],
			optOutPhrases: 'bitte keine Nachrichten mehr\r\n  stop messaging me, unsubscribe me\n\n',
			blockPhrases: '',
			optOutKeywords: 'INFOSTOP, KEINE WERBUNG',
		});
		expect(settings.consentKeywords).toEqual({
			optOutPhrases: ['bitte keine Nachrichten mehr', 'stop messaging me', 'unsubscribe me'],
			blockPhrases: [],
			optOutKeywords: ['INFOSTOP', 'KEINE WERBUNG'],
		});
	});

	it('keeps regular expressions with commas intact (one per line)', () => {
		expect(keywordLines('^a{1,3}$\nb')).toEqual(['^a{1,3}$', 'b']);
	});
});

describe('opt-out confirmation text', () => {
	const change = (overrides: Partial<ConsentChange>): ConsentChange => ({
		status: 'opted_out',
		previousStatus: 'unknown',
		source: 'keyword',
		applied: true,
		matched: 'INFOSTOP',
		answersOptInQuestion: false,
		evidence: { text: 'INFOSTOP', messageIds: [] },
		...overrides,
	});
	const on = { enabled: true, customText: null };

	it('English by default, German for German keywords, naming the configured opt-in keyword', () => {
		expect(optOutConfirmationText(change({}), on, {})).toBe(
			'You will no longer receive promotional messages from us. Reply START to receive them again.',
		);
		expect(
			optOutConfirmationText(change({ status: 'blocked', matched: 'ABMELDEN' }), on, {
				optInKeywords: ['ANMELDEN'],
			}),
		).toBe(
			'Sie erhalten keine Nachrichten mehr von uns. Antworten Sie mit ANMELDEN, wenn Sie es sich anders überlegen.',
		);
		expect(confirmationLanguage('Stopp')).toBe('de');
	});

	it.each([
		['switched off', change({}), { enabled: false, customText: null }],
		['an opt-in', change({ status: 'opted_in' }), on],
		['an in-app stop', change({ source: 'in_app' }), on],
		['a "no" to the opt-in question', change({ answersOptInQuestion: true, source: 'button' }), on],
		['an older event that did not apply', change({ applied: false }), on],
	])('none for %s', (_case, consent, settings) => {
		expect(optOutConfirmationText(consent, settings, {})).toBeNull();
	});

	it('a custom text wins', () => {
		expect(optOutConfirmationText(change({}), { enabled: true, customText: 'Bye!' }, {})).toBe(
			'Bye!',
		);
	});
});

describe('deriveVerifyToken', () => {
	const base = { workflowId: 'wf1', nodeId: 'n1', secret: 'app-secret' };

	it('is stable and URL-safe, and differs per workflow, node and secret', () => {
		const token = deriveVerifyToken(base);
		expect(deriveVerifyToken(base)).toBe(token);
		expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
		for (const change of [{ workflowId: 'wf2' }, { nodeId: 'n2' }, { secret: 'other' }]) {
			expect(deriveVerifyToken({ ...base, ...change })).not.toBe(token);
		}
	});

	it('refuses an empty secret', () => {
		expect(() => deriveVerifyToken({ ...base, secret: '' })).toThrow(
			/App Secret or the Access Token/,
		);
	});
});
