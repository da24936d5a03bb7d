/**
 * Request bodies for POST /{phone-number-id}/messages, validated against Meta's limits before
 * anything is sent, so a bad item fails with the field, the value and the fix instead of a 400.
 */

import { FieldError } from './fieldError';

export const LIMITS = {
	textBody: 4096,
	caption: 1024,
	buttons: 3,
	buttonTitle: 20,
	buttonId: 256,
	interactiveBody: 1024,
	headerText: 60,
	footer: 60,
	bizOpaqueCallbackData: 512,
} as const;

export type Recipient = { to: string } | { recipient: string };

interface Common {
	recipient: Recipient;
	replyToMessageId?: string;
	bizOpaqueCallbackData?: string;
}

function envelope(common: Common, type: string, payload: Record<string, unknown>) {
	const body: Record<string, unknown> = {
		messaging_product: 'whatsapp',
		recipient_type: 'individual',
		...common.recipient,
		type,
		[type]: payload,
	};
	if (common.replyToMessageId) body.context = { message_id: common.replyToMessageId };
	if (common.bizOpaqueCallbackData) {
		requireMax('Callback Data', common.bizOpaqueCallbackData, LIMITS.bizOpaqueCallbackData);
		body.biz_opaque_callback_data = common.bizOpaqueCallbackData;
	}
	return body;
}

function requireText(field: string, value: unknown, fix: string): string {
	if (typeof value !== 'string' || value.trim() === '') {
		throw new FieldError(field, value, 'is empty', fix);
	}
	return value;
}

function requireMax(field: string, value: string, max: number) {
	if ([...value].length > max) {
		throw new FieldError(
			field,
			value,
			`is ${[...value].length} characters long; WhatsApp allows at most ${max}`,
			`Shorten it to ${max} characters${field === 'Text' ? ' or split it into several messages' : ''}.`,
		);
	}
}

export function buildTextMessage(
	common: Common,
	text: { body: unknown; previewUrl?: boolean },
): Record<string, unknown> {
	const body = requireText(
		'Text',
		text.body,
		'Enter the message text or map it with an expression.',
	);
	requireMax('Text', body, LIMITS.textBody);
	return envelope(common, 'text', { body, preview_url: text.previewUrl ?? false });
}

export interface ReplyButton {
	id?: string;
	title: string;
}

export function buildButtonsMessage(
	common: Common,
	input: { body: unknown; buttons: ReplyButton[]; headerText?: string; footer?: string },
): Record<string, unknown> {
	const bodyText = requireText(
		'Body Text',
		input.body,
		'Enter the question or text above the buttons.',
	);
	requireMax('Body Text', bodyText, LIMITS.interactiveBody);
	if (input.buttons.length === 0 || input.buttons.length > LIMITS.buttons) {
		throw new FieldError(
			'Buttons',
			input.buttons.map((b) => b.title),
			`has ${input.buttons.length} buttons; WhatsApp reply buttons need 1 to ${LIMITS.buttons}`,
			'Keep 1–3 buttons, or use a list message for more choices.',
		);
	}
	const seenIds = new Set<string>();
	const buttons = input.buttons.map((button, index) => {
		const title = requireText(
			`Button ${index + 1} Title`,
			button.title,
			'Give every button a title.',
		);
		requireMax(`Button ${index + 1} Title`, title, LIMITS.buttonTitle);
		const id = button.id?.trim() || title;
		requireMax(`Button ${index + 1} ID`, id, LIMITS.buttonId);
		if (seenIds.has(id)) {
			throw new FieldError(
				`Button ${index + 1} ID`,
				id,
				'is used twice',
				'Give every button its own ID.',
			);
		}
		seenIds.add(id);
		return { type: 'reply', reply: { id, title } };
	});
	const interactive: Record<string, unknown> = {
		type: 'button',
		body: { text: bodyText },
		action: { buttons },
	};
	if (input.headerText) {
		requireMax('Header Text', input.headerText, LIMITS.headerText);
		interactive.header = { type: 'text', text: input.headerText };
	}
	if (input.footer) {
		requireMax('Footer', input.footer, LIMITS.footer);
		interactive.footer = { text: input.footer };
	}
	return envelope(common, 'interactive', interactive);
}

export type MediaType = 'image' | 'document' | 'audio' | 'video' | 'sticker';

export function buildMediaMessage(
	common: Common,
	input: { mediaType: MediaType; link?: string; id?: string; caption?: string; filename?: string },
): Record<string, unknown> {
	const media: Record<string, unknown> = {};
	if (input.id) media.id = input.id;
	else {
		const link = requireText('Media URL', input.link, 'Enter a public https:// link to the file.');
		let url: URL;
		try {
			url = new URL(link);
		} catch {
			throw new FieldError(
				'Media URL',
				link,
				'is not a valid URL',
				'Use a full link such as https://example.com/file.pdf.',
			);
		}
		if (url.protocol !== 'https:' && url.protocol !== 'http:') {
			throw new FieldError(
				'Media URL',
				link,
				'is not an http(s) link',
				'Use a public https:// link.',
			);
		}
		media.link = link;
	}
	if (input.caption) {
		if (input.mediaType === 'audio' || input.mediaType === 'sticker') {
			throw new FieldError(
				'Caption',
				input.caption,
				`is not supported for ${input.mediaType}`,
				'Remove the caption.',
			);
		}
		requireMax('Caption', input.caption, LIMITS.caption);
		media.caption = input.caption;
	}
	if (input.filename && input.mediaType === 'document') media.filename = input.filename;
	return envelope(common, input.mediaType, media);
}

export function buildTemplateMessage(
	common: Common,
	template: { name: string; language: string; components: Array<Record<string, unknown>> },
): Record<string, unknown> {
	return envelope(common, 'template', {
		name: template.name,
		language: { code: template.language },
		...(template.components.length > 0 ? { components: template.components } : {}),
	});
}

export function buildMarkAsRead(
	messageId: unknown,
	typingIndicator: boolean,
): Record<string, unknown> {
	const id = requireText(
		'Message ID',
		messageId,
		'Map the wamid of the inbound message, e.g. {{ $json.messageId }}.',
	);
	if (!id.startsWith('wamid.')) {
		throw new FieldError(
			'Message ID',
			id,
			'is not a WhatsApp message id',
			'Use the inbound message id, which starts with "wamid.".',
		);
	}
	return {
		messaging_product: 'whatsapp',
		status: 'read',
		message_id: id,
		...(typingIndicator ? { typing_indicator: { type: 'text' } } : {}),
	};
}
