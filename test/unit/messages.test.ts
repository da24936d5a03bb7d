import {
	buildButtonsMessage,
	buildMarkAsRead,
	buildMediaMessage,
	buildTemplateMessage,
	buildTextMessage,
} from '../../lib/core/messages';
import { FieldError } from '../../lib/core/fieldError';
import { metaFixture, shapeOf } from '../helpers/metaFixtures';

const to = { recipient: { to: '4915112345678' } };
const example = (name: string) => metaFixture(`send/post-request/${name}.json`);

describe('send bodies have the shape of Meta’s published examples', () => {
	it('text', () => {
		expect(shapeOf(buildTextMessage(to, { body: 'Hallo' }))).toEqual(
			shapeOf(example('send-text-message')),
		);
	});

	it('text as a reply', () => {
		const body = buildTextMessage({ ...to, replyToMessageId: 'wamid.abc' }, { body: 'Hallo' });
		expect(shapeOf(body)).toEqual(shapeOf(example('send-reply-to-text-message')));
	});

	it('reply buttons', () => {
		const body = buildButtonsMessage(to, {
			body: 'Ok?',
			buttons: [{ id: 'yes', title: 'Yes' }, { title: 'No' }],
		});
		expect(shapeOf(body)).toEqual(shapeOf(example('send-reply-button')));
		expect((body.interactive as any).action.buttons[1].reply).toEqual({ id: 'No', title: 'No' });
	});

	it.each([
		[
			'image by link',
			{ mediaType: 'image', link: 'https://e.com/a.jpg' },
			'send-image-message-by-url',
		],
		['image by id', { mediaType: 'image', id: '123' }, 'send-image-message-by-id'],
		[
			'document with caption',
			{ mediaType: 'document', link: 'https://e.com/a.pdf', caption: 'Receipt' },
			'send-document-message-by-url',
		],
	] as const)('%s', (_what, input, fixture) => {
		expect(shapeOf(buildMediaMessage(to, input))).toEqual(shapeOf(example(fixture)));
	});

	it('mark as read with typing indicator', () => {
		expect(shapeOf(buildMarkAsRead('wamid.HBgL', true))).toEqual(
			shapeOf(example('send-typing-indicator-and-read-receipt')),
		);
	});

	it('template', () => {
		const body = buildTemplateMessage(to, {
			name: 'x',
			language: 'de',
			components: [{ type: 'body', parameters: [{ type: 'text', text: 'a' }] }],
		});
		const published = example('send-sample-shipping-confirmation-template');
		const expected = {
			...published,
			template: {
				...published.template,
				components: [{ type: 'body', parameters: [{ type: 'text', text: 'a' }] }],
			},
		};
		expect(shapeOf(body)).toEqual(shapeOf(expected));
	});

	it('leaves components out of a template without variables', () => {
		expect(
			buildTemplateMessage(to, { name: 'hello_world', language: 'en_US', components: [] }).template,
		).toEqual({
			name: 'hello_world',
			language: { code: 'en_US' },
		});
	});
});

describe('limits are checked before sending, naming field, value and fix', () => {
	const fieldError = (fn: () => unknown) => {
		try {
			fn();
		} catch (error) {
			expect(error).toBeInstanceOf(FieldError);
			return error as FieldError;
		}
		throw new Error('expected a FieldError');
	};

	it('text: empty and over 4096 characters', () => {
		expect(fieldError(() => buildTextMessage(to, { body: '' })).field).toBe('Text');
		expect(() => buildTextMessage(to, { body: 'x'.repeat(4096) })).not.toThrow();
		const tooLong = fieldError(() => buildTextMessage(to, { body: 'x'.repeat(4097) }));
		expect(tooLong.message).toMatch(/4097 characters long; WhatsApp allows at most 4096/);
		expect(tooLong.fix).toMatch(/split/);
	});

	it('buttons: count, title length, duplicate ids', () => {
		expect(fieldError(() => buildButtonsMessage(to, { body: 'b', buttons: [] })).field).toBe(
			'Buttons',
		);
		const four = [1, 2, 3, 4].map((n) => ({ title: `B${n}` }));
		expect(fieldError(() => buildButtonsMessage(to, { body: 'b', buttons: four })).message).toMatch(
			/4 buttons/,
		);
		expect(
			fieldError(() => buildButtonsMessage(to, { body: 'b', buttons: [{ title: 'x'.repeat(21) }] }))
				.field,
		).toBe('Button 1 Title');
		expect(
			fieldError(() =>
				buildButtonsMessage(to, {
					body: 'b',
					buttons: [
						{ title: 'a', id: 'same' },
						{ title: 'b', id: 'same' },
					],
				}),
			).message,
		).toMatch(/used twice/);
		expect(
			fieldError(() =>
				buildButtonsMessage(to, { body: 'b', buttons: [{ title: 'a' }], footer: 'f'.repeat(61) }),
			).field,
		).toBe('Footer');
	});

	it('media: bad link, caption on audio, long caption', () => {
		expect(
			fieldError(() => buildMediaMessage(to, { mediaType: 'image', link: 'not a url' })).field,
		).toBe('Media URL');
		expect(
			fieldError(() => buildMediaMessage(to, { mediaType: 'image', link: 'ftp://x/y' })).message,
		).toMatch(/http/);
		expect(
			fieldError(() => buildMediaMessage(to, { mediaType: 'audio', id: '1', caption: 'c' })).field,
		).toBe('Caption');
		expect(
			fieldError(() =>
				buildMediaMessage(to, { mediaType: 'image', id: '1', caption: 'c'.repeat(1025) }),
			).field,
		).toBe('Caption');
	});

	it('mark as read needs a wamid', () => {
		expect(fieldError(() => buildMarkAsRead('12345', false)).fix).toMatch(/wamid/);
		expect(buildMarkAsRead('wamid.x', false)).not.toHaveProperty('typing_indicator');
	});

	it('callback data up to 512 characters', () => {
		expect(
			buildTextMessage({ ...to, bizOpaqueCallbackData: 'crm-1' }, { body: 'x' })
				.biz_opaque_callback_data,
		).toBe('crm-1');
		expect(
			fieldError(() =>
				buildTextMessage({ ...to, bizOpaqueCallbackData: 'x'.repeat(513) }, { body: 'x' }),
			).field,
		).toBe('Callback Data');
	});
});
