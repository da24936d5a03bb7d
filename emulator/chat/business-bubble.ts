import { mediaTypes } from '../graph/media-objects';
import { isRecord, type JsonRecord } from '../json';
import type { SeedTemplate, TemplateButton } from '../seed';
import type { OutboundMessage, ReplyOption } from '../state';
import type {
	ActionView,
	BareBusinessBubble,
	BusinessBubble,
	ContactCardView,
	ListView,
	MediaView,
} from './view-types';

type Content = Pick<
	BusinessBubble,
	'header' | 'body' | 'footer' | 'media' | 'actions' | 'list' | 'contacts'
>;

function text(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

function record(value: unknown): JsonRecord {
	return isRecord(value) ? value : {};
}

/** A media object of a send (`{link}` or `{id}`, caption, filename) or a location. */
export function mediaView(type: string, value: unknown): MediaView {
	const media = record(value);
	if (type === 'location') {
		const name = [text(media.name), text(media.address)].filter(Boolean).join(', ');
		const at = `${String(media.latitude)},${String(media.longitude)}`;
		const mapUrl = `https://www.openstreetmap.org/?${new URLSearchParams({
			mlat: String(media.latitude),
			mlon: String(media.longitude),
		}).toString()}#map=17/${String(media.latitude)}/${String(media.longitude)}`;
		return { type, source: at, ...(name ? { caption: name } : {}), mapUrl };
	}
	const source = text(media.link) ?? text(media.id);
	return {
		type,
		...(source ? { source } : {}),
		...(text(media.caption) ? { caption: text(media.caption) } : {}),
		...(text(media.filename) ? { filename: text(media.filename) } : {}),
	};
}

function replyAction(option: ReplyOption): ActionView {
	return {
		kind: option.kind === 'quick_reply' ? 'quick_reply' : 'button_reply',
		id: option.id,
		title: option.title,
	};
}

/** `[label → url]` and `[label: code]`, the button lines of the emulator's rendered template. */
function bracketed(line: string | undefined): string {
	return (line ?? '').replace(/^\[/, '').replace(/\]$/, '');
}

function templateAction(
	button: TemplateButton,
	line: string | undefined,
	quickReply: ReplyOption | undefined,
): ActionView {
	switch (button.type) {
		case 'QUICK_REPLY':
			return quickReply
				? replyAction(quickReply)
				: { kind: 'quick_reply', id: button.text, title: button.text };
		case 'URL':
		case 'OTP': {
			const url = bracketed(line).split(' → ').slice(1).join(' → ');
			return url ? { kind: 'url', title: button.text, url } : { kind: 'inert', title: button.text };
		}
		case 'COPY_CODE':
			return {
				kind: 'copy_code',
				title: button.text,
				code: bracketed(line).slice(button.text.length + 2),
			};
		case 'PHONE_NUMBER':
			return button.phone_number
				? { kind: 'phone', title: button.text, phoneNumber: button.phone_number }
				: { kind: 'inert', title: button.text };
		default:
			return { kind: 'inert', title: button.text };
	}
}

/** `[image https://…]` → the media placeholder of a template's media header. */
function templateHeaderMedia(format: string, line: string): MediaView {
	const type = format.toLowerCase();
	const source = bracketed(line).slice(type.length + 1);
	return { type, ...(source ? { source } : {}) };
}

/**
 * A template as the customer sees it. The emulator renders templates line by line (header, body,
 * footer, one line per button), and only the body can span several lines, so the template's own
 * components say which lines are which.
 */
function templateContent(message: OutboundMessage, template: SeedTemplate | undefined): Content {
	const lines = (message.renderedText ?? '').split('\n');
	if (!template) return { body: lines.join('\n'), actions: message.replyOptions.map(replyAction) };
	const find = (type: string) => template.components.find((component) => component.type === type);
	const header = find('HEADER');
	const footer = find('FOOTER');
	const buttons = find('BUTTONS')?.buttons ?? [];
	const headerLine = header ? lines.shift() : undefined;
	const buttonLines = buttons.length > 0 ? lines.splice(lines.length - buttons.length) : [];
	const footerLine = footer ? lines.pop() : undefined;
	const quickReplies = message.replyOptions.filter((option) => option.kind === 'quick_reply');
	let quickReplyIndex = 0;
	const actions = buttons.map((button, index) =>
		templateAction(
			button,
			buttonLines[index],
			button.type === 'QUICK_REPLY' ? quickReplies[quickReplyIndex++] : undefined,
		),
	);
	return {
		...(header && headerLine !== undefined
			? {
					header:
						header.format === 'TEXT' || header.format === undefined
							? { text: headerLine }
							: { media: templateHeaderMedia(header.format, headerLine) },
				}
			: {}),
		body: lines.join('\n'),
		...(footerLine !== undefined ? { footer: footerLine } : {}),
		actions,
	};
}

function listView(action: JsonRecord): ListView {
	const sections = Array.isArray(action.sections) ? action.sections : [];
	return {
		button: text(action.button) ?? 'Options',
		sections: sections.map((section: unknown) => {
			const { title, rows } = record(section);
			return {
				...(text(title) ? { title: text(title) } : {}),
				rows: (Array.isArray(rows) ? rows : []).map((row: unknown) => {
					const { id, title: rowTitle, description } = record(row);
					return {
						id: String(id),
						title: String(rowTitle),
						...(text(description) ? { description: text(description) } : {}),
					};
				}),
			};
		}),
	};
}

function interactiveContent(message: OutboundMessage): Content {
	const interactive = record(message.request.interactive);
	const action = record(interactive.action);
	const header = record(interactive.header);
	const headerType = text(header.type);
	const content: Content = {
		...(headerType === 'text' && text(header.text)
			? { header: { text: String(header.text) } }
			: {}),
		...(headerType && headerType !== 'text'
			? { header: { media: mediaView(headerType, header[headerType]) } }
			: {}),
		...(text(record(interactive.body).text) ? { body: text(record(interactive.body).text) } : {}),
		...(text(record(interactive.footer).text)
			? { footer: text(record(interactive.footer).text) }
			: {}),
		actions: [],
	};
	switch (interactive.type) {
		case 'button':
			return { ...content, actions: message.replyOptions.map(replyAction) };
		case 'list':
			return { ...content, list: listView(action) };
		case 'cta_url': {
			const parameters = record(action.parameters);
			return {
				...content,
				actions: [
					{
						kind: 'url',
						title: String(parameters.display_text),
						url: String(parameters.url),
					},
				],
			};
		}
		case 'location_request_message':
			return { ...content, actions: [{ kind: 'location_request', title: 'Send location' }] };
		default:
			return { ...content, body: content.body ?? message.renderedText };
	}
}

function listOf(value: unknown, key: string): string[] {
	return (Array.isArray(value) ? value : [])
		.map((entry) => text(record(entry)[key]))
		.filter((entry): entry is string => entry !== undefined);
}

/** The cards of a contacts message (already checked by the Graph API: each has a formatted name). */
function contactCards(value: unknown): ContactCardView[] {
	return (Array.isArray(value) ? value : []).map((entry) => {
		const card = record(entry);
		const org = record(card.org);
		const organization = [text(org.company), text(org.title)].filter(Boolean).join(' · ');
		return {
			name: String(record(card.name).formatted_name),
			...(organization ? { organization } : {}),
			phones: listOf(card.phones, 'phone'),
			emails: listOf(card.emails, 'email'),
			urls: listOf(card.urls, 'url'),
			addresses: (Array.isArray(card.addresses) ? card.addresses : []).map((address) => {
				const parts = record(address);
				return ['street', 'zip', 'city', 'state', 'country']
					.map((key) => text(parts[key]))
					.filter(Boolean)
					.join(', ');
			}),
		};
	});
}

function contentOf(message: OutboundMessage, templates: SeedTemplate[]): Content {
	const { request, type } = message;
	if (type === 'text') return { body: text(record(request.text).body), actions: [] };
	if (type === 'template') {
		const template = templates.find(
			(candidate) =>
				candidate.name === message.template?.name &&
				candidate.language === message.template?.language,
		);
		return templateContent(message, template);
	}
	if (type === 'interactive') return interactiveContent(message);
	if (type === 'contacts') return { contacts: contactCards(request.contacts), actions: [] };
	if (type === 'location' || (mediaTypes as readonly string[]).includes(type))
		return { media: mediaView(type, request[type]), actions: [] };
	return { body: message.renderedText, actions: [] };
}

/** A business message as the customer's phone shows it (without quote and reactions, added later). */
export function businessBubble(
	message: OutboundMessage,
	templates: SeedTemplate[],
): BareBusinessBubble {
	const failure = message.failure;
	return {
		from: 'business',
		id: message.id,
		at: new Date(message.createdAt).toISOString(),
		type: message.type,
		status: message.status,
		...(failure
			? {
					error: {
						code: failure.code,
						title: failure.title,
						details: failure.options.details ?? failure.title,
					},
				}
			: {}),
		...(message.template ? { template: message.template } : {}),
		...contentOf(message, templates),
	};
}
