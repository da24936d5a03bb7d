import { FieldError } from '../../lib/core/fieldError';
import {
	isReply,
	isSentDuringWait,
	REPLY_CLOCK_TOLERANCE_MS,
	toReplyRule,
	type ReplyRule,
} from '../../lib/core/waitRules';
import { parseWebhookPayload, type InboundMessageEvent } from '../../lib/core/webhookEvents';
import { metaFixture } from '../helpers/metaFixtures';

function inbound(fixture: string): InboundMessageEvent {
	const [event] = parseWebhookPayload(metaFixture(`webhooks/post-request/${fixture}.json`)).events;
	if (event?.event !== 'message') throw new Error(`${fixture} holds no inbound message`);
	return event;
}

function withText(text: string | null): InboundMessageEvent {
	const event = inbound('text-message');
	return { ...event, message: { ...event.message, text } };
}

const templateButton = inbound('button-message'); // payload "Unsubscribe"
const replyButton = inbound('interactive-button-reply-message'); // id "cancel-button"
const listRow = inbound('interactive-list-reply-message');
const text = inbound('text-message');
const image = inbound('image-message');
const reaction = inbound('reaction-message');

describe('toReplyRule', () => {
	it('defaults to any message', () => {
		expect(toReplyRule({})).toEqual({ kind: 'anyMessage' });
	});

	it('splits button ids on commas and lines, trimming and dropping blanks', () => {
		expect(toReplyRule({ kind: 'buttonReply', ids: ' yes , no\n\nlater ,' })).toEqual({
			kind: 'buttonReply',
			ids: ['yes', 'no', 'later'],
		});
	});

	it('splits keywords on lines only, so a comma can be part of a pattern', () => {
		expect(toReplyRule({ kind: 'keywords', keywords: 'yes\n^\\d{1,3}$', mode: 'regex' })).toEqual({
			kind: 'keywords',
			keywords: ['yes', '^\\d{1,3}$'],
			mode: 'regex',
		});
	});

	it('reads back its own canonical form unchanged (the JSON kept in the store)', () => {
		const rules: ReplyRule[] = [
			{ kind: 'anyMessage' },
			{ kind: 'buttonReply', ids: [] },
			{ kind: 'buttonReply', ids: ['a', 'b'] },
			{ kind: 'keywords', keywords: ['stop', 'later'], mode: 'exact' },
		];
		for (const rule of rules) expect(toReplyRule(JSON.parse(JSON.stringify(rule)))).toEqual(rule);
	});

	it.each([
		[{ kind: 'keywords', keywords: ' \n ' }, 'Keywords', /at least one keyword/],
		[{ kind: 'keywords', keywords: 'yes', mode: 'fuzzy' }, 'Keyword Match', /exact, startsWith/],
		[{ kind: 'keywords', keywords: '([a-z', mode: 'regex' }, 'Keywords', /regular expression/],
		[
			{ kind: 'keywords', keywords: 'yes\n^(\\w+\\s?)*$', mode: 'regex' },
			'Keywords',
			/"\^\(\\\\w\+\\\\s\?\)\*\$" is not in the safe subset.*Fix: /,
		],
		[{ kind: 'buttonReply', ids: 42 }, 'Button or Row IDs', /one per line/],
		[{ kind: 'sentiment' }, 'Counts as Reply', /anyMessage, buttonReply, keywords/],
		[null, 'Counts as Reply', /kind is one of/],
	])('refuses %j naming the field %s and the fix', (input, field, fix) => {
		let error: unknown;
		try {
			toReplyRule(input);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(FieldError);
		expect((error as FieldError).field).toBe(field);
		expect((error as FieldError).fix).toMatch(fix);
	});
});

describe('isReply', () => {
	it('takes every kind of inbound message when any message counts', () => {
		for (const event of [text, image, reaction, templateButton, replyButton, listRow]) {
			expect(isReply(event, { kind: 'anyMessage' })).toBe(true);
		}
	});

	it('matches a template quick-reply button by its payload', () => {
		expect(isReply(templateButton, { kind: 'buttonReply', ids: ['Unsubscribe'] })).toBe(true);
		expect(isReply(templateButton, { kind: 'buttonReply', ids: ['Yes'] })).toBe(false);
	});

	it('matches a reply button and a list row by their ids', () => {
		const rowId = listRow.message.interactive?.id;
		expect(rowId).toEqual(expect.any(String));
		expect(isReply(replyButton, { kind: 'buttonReply', ids: ['cancel-button'] })).toBe(true);
		expect(isReply(listRow, { kind: 'buttonReply', ids: [rowId as string] })).toBe(true);
		expect(isReply(listRow, { kind: 'buttonReply', ids: ['cancel-button'] })).toBe(false);
	});

	it('takes any button or list reply when no id is listed, and never a typed message', () => {
		const anyButton: ReplyRule = { kind: 'buttonReply', ids: [] };
		expect([templateButton, replyButton, listRow].every((e) => isReply(e, anyButton))).toBe(true);
		expect(isReply(text, anyButton)).toBe(false);
		expect(
			isReply(withText('cancel-button'), { kind: 'buttonReply', ids: ['cancel-button'] }),
		).toBe(false);
	});

	it('matches keywords in the message text with the chosen mode', () => {
		const yes: ReplyRule = { kind: 'keywords', keywords: ['yes', 'ok'], mode: 'exact' };
		expect(isReply(withText(' YES '), yes)).toBe(true);
		expect(isReply(withText('yes please'), yes)).toBe(false);
		expect(isReply(withText('yes please'), { ...yes, mode: 'startsWith' })).toBe(true);
		expect(isReply(withText(null), { ...yes, mode: 'contains' })).toBe(false);
	});

	it('matches keywords against a tapped button’s text too', () => {
		expect(isReply(replyButton, { kind: 'keywords', keywords: ['cancel'], mode: 'exact' })).toBe(
			true,
		);
	});
});

describe('isSentDuringWait', () => {
	const sentAt = new Date((text.timestampUnix as number) * 1000);

	it('counts messages sent after the wait began, and within the clock tolerance before it', () => {
		expect(isSentDuringWait(text, new Date(sentAt.getTime() - 1000))).toBe(true);
		expect(isSentDuringWait(text, new Date(sentAt.getTime() + REPLY_CLOCK_TOLERANCE_MS))).toBe(
			true,
		);
	});

	it('does not count a message sent well before the wait began (a late first delivery)', () => {
		expect(
			isSentDuringWait(text, new Date(sentAt.getTime() + REPLY_CLOCK_TOLERANCE_MS + 1000)),
		).toBe(false);
	});

	it('counts a message without a timestamp', () => {
		expect(isSentDuringWait({ ...text, timestampUnix: null }, new Date())).toBe(true);
	});
});
