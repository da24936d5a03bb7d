import type { EmulatorCore } from '../core';
import { InputError } from '../input-error';
import { isRecord, type JsonRecord } from '../json';
import { bsuidPattern, businessScopedUserId, phoneDigits } from '../phone';
import { WINDOW_MS, type ContactState, type InboundMessage, type OutboundMessage } from '../state';
import { businessBubble } from './business-bubble';
import { customerBubble } from './customer-bubble';
import type {
	BareBubble,
	Bubble,
	ChatSnapshot,
	ContactView,
	ConversationSummary,
	ConversationView,
	MediaView,
	QuoteView,
} from './view-types';

const mediaLabels: Record<string, string> = {
	image: 'Photo',
	video: 'Video',
	audio: 'Audio',
	document: 'Document',
	sticker: 'Sticker',
	location: 'Location',
};

function mediaLabel(media: MediaView): string {
	const label = mediaLabels[media.type] ?? media.type;
	const detail = media.caption ?? media.filename;
	return detail ? `${label}: ${detail}` : label;
}

function previewOf(bubble: BareBubble): string {
	if (bubble.from === 'customer')
		return bubble.text ?? (bubble.media ? mediaLabel(bubble.media) : '');
	const header = bubble.header && 'text' in bubble.header ? bubble.header.text : undefined;
	return (
		bubble.body ??
		header ??
		(bubble.media ? mediaLabel(bubble.media) : undefined) ??
		bubble.template?.name ??
		bubble.type
	);
}

function contactView(contact: ContactState): ContactView {
	return {
		key: contact.waId ?? contact.userId,
		...(contact.waId ? { waId: contact.waId } : {}),
		userId: contact.userId,
		name: contact.name,
		marketingStopped: contact.marketingStopped,
	};
}

/** A reaction message points at another message; the page shows it on that message instead. */
function reactionOf(message: JsonRecord): { target: string; emoji: string } | undefined {
	const reaction = message.reaction;
	if (!isRecord(reaction) || typeof reaction.message_id !== 'string') return undefined;
	return { target: reaction.message_id, emoji: String(reaction.emoji ?? '') };
}

interface Thread {
	phoneNumberId: string;
	contact: ContactState;
	outbound: OutboundMessage[];
	inbound: InboundMessage[];
}

function threadKey(phoneNumberId: string, contact: ContactState): string {
	return `${phoneNumberId} ${contact.userId}`;
}

function collectThreads(core: EmulatorCore): Map<string, Thread> {
	const threads = new Map<string, Thread>();
	const threadOf = (phoneNumberId: string, contact: ContactState): Thread => {
		const key = threadKey(phoneNumberId, contact);
		let thread = threads.get(key);
		if (!thread) {
			thread = { phoneNumberId, contact, outbound: [], inbound: [] };
			threads.set(key, thread);
		}
		return thread;
	};
	for (const message of core.state.outbound)
		threadOf(message.phoneNumberId, message.contact).outbound.push(message);
	for (const message of core.state.inbound.values())
		threadOf(message.phoneNumberId, message.contact).inbound.push(message);
	return threads;
}

/** Both sides of one conversation in time order, reactions folded into the messages they react to. */
function threadBubbles(core: EmulatorCore, thread: Thread): Bubble[] {
	const reactions = new Map<string, Map<'business' | 'customer', string>>();
	const react = (from: 'business' | 'customer', reaction: { target: string; emoji: string }) => {
		const onTarget = reactions.get(reaction.target) ?? new Map<'business' | 'customer', string>();
		onTarget.set(from, reaction.emoji);
		reactions.set(reaction.target, onTarget);
	};
	const timed: Array<{ at: number; bubble: BareBubble; context?: string }> = [];
	for (const message of thread.outbound) {
		const reaction = message.type === 'reaction' ? reactionOf(message.request) : undefined;
		if (reaction) {
			react('business', reaction);
			continue;
		}
		const context = isRecord(message.request.context)
			? message.request.context.message_id
			: undefined;
		timed.push({
			at: message.createdAt,
			bubble: businessBubble(message, core.state.templates),
			...(typeof context === 'string' ? { context } : {}),
		});
	}
	for (const message of thread.inbound) {
		const reaction = message.type === 'reaction' ? reactionOf(message.message) : undefined;
		if (reaction) {
			react('customer', reaction);
			continue;
		}
		const context = isRecord(message.message.context) ? message.message.context.id : undefined;
		timed.push({
			at: message.timestamp,
			bubble: customerBubble(message),
			...(typeof context === 'string' ? { context } : {}),
		});
	}
	timed.sort((a, b) => a.at - b.at);
	const byId = new Map(timed.map(({ bubble }) => [bubble.id, bubble]));
	return timed.map(({ bubble, context }) => {
		const quoted = context === undefined ? undefined : byId.get(context);
		const quote: QuoteView | undefined = quoted
			? { id: quoted.id, from: quoted.from, preview: previewOf(quoted) }
			: undefined;
		const emojis = [...(reactions.get(bubble.id)?.values() ?? [])].filter((emoji) => emoji !== '');
		const mine = bubble.from === 'business' ? reactions.get(bubble.id)?.get('customer') : undefined;
		return {
			...bubble,
			reactions: emojis,
			...(quote ? { quote } : {}),
			...(mine ? { customerReaction: mine } : {}),
		} as Bubble;
	});
}

function summary(core: EmulatorCore, thread: Thread): ConversationSummary {
	const bubbles = threadBubbles(core, thread);
	const last = bubbles.at(-1);
	return {
		phoneNumberId: thread.phoneNumberId,
		contact: contactView(thread.contact),
		lastPreview: last ? previewOf(last) : '',
		lastAt: last?.at ?? new Date(0).toISOString(),
		unread: thread.outbound.filter(
			(message) => message.status === 'sent' || message.status === 'delivered',
		).length,
	};
}

/** `?contact=` names the customer by number (any format) or by business-scoped user id. */
function requestedContact(core: EmulatorCore, value: string): ContactView {
	const known = core.state.contacts();
	if (bsuidPattern.test(value)) {
		const contact = known.find((candidate) => candidate.userId === value);
		if (!contact)
			throw new InputError(
				'contact',
				value,
				'use a user id the emulator has seen, or a phone number',
			);
		return contactView(contact);
	}
	const waId = phoneDigits(value);
	if (!waId)
		throw new InputError('contact', value, 'use the customer number in E.164, e.g. +4915112345678');
	const contact = known.find((candidate) => candidate.waId === waId);
	if (contact) return contactView(contact);
	// Not met yet: the page shows an empty conversation until the customer writes.
	return {
		key: waId,
		waId,
		userId: businessScopedUserId(waId, core.seed.wabaId),
		name: `Customer ${waId.slice(-4)}`,
		marketingStopped: false,
	};
}

function conversationView(
	core: EmulatorCore,
	threads: Map<string, Thread>,
	phoneNumberId: string,
	contactParam: string,
): ConversationView {
	if (!core.state.phoneNumbers.has(phoneNumberId)) {
		throw new InputError(
			'phoneNumberId',
			phoneNumberId,
			`use one of the emulator's business numbers: ${[...core.state.phoneNumbers.keys()].join(', ')}`,
		);
	}
	const contact = requestedContact(core, contactParam);
	const state = core.state.contacts().find((candidate) => candidate.userId === contact.userId);
	const thread = state ? threads.get(threadKey(phoneNumberId, state)) : undefined;
	const lastInbound = state?.lastInboundAt.get(phoneNumberId);
	const closesAt = lastInbound === undefined ? undefined : lastInbound + WINDOW_MS;
	return {
		phoneNumberId,
		contact,
		windowClosesAt: closesAt === undefined ? null : new Date(closesAt).toISOString(),
		windowOpen: closesAt !== undefined && core.clock.now() < closesAt,
		bubbles: thread ? threadBubbles(core, thread) : [],
	};
}

/**
 * GET /_emulator/chat/state: business numbers, every conversation (one per business number and
 * contact, newest first) and, with `?phoneNumberId=&contact=`, that conversation's messages.
 */
export function chatSnapshot(
	core: EmulatorCore,
	revision: number,
	query: URLSearchParams,
): ChatSnapshot {
	const threads = collectThreads(core);
	const phoneNumberId = query.get('phoneNumberId');
	const contact = query.get('contact');
	if ((phoneNumberId === null) !== (contact === null)) {
		throw new InputError(
			phoneNumberId === null ? 'phoneNumberId' : 'contact',
			null,
			'give both phoneNumberId and contact to open a conversation, or neither',
		);
	}
	return {
		revision,
		now: new Date(core.clock.now()).toISOString(),
		businessNumbers: [...core.state.phoneNumbers.values()].map(
			({ id, displayPhoneNumber, verifiedName, status }) => ({
				id,
				displayPhoneNumber,
				verifiedName,
				status,
			}),
		),
		conversations: [...threads.values()]
			.map((thread) => summary(core, thread))
			.sort((a, b) => b.lastAt.localeCompare(a.lastAt)),
		...(phoneNumberId !== null && contact !== null
			? { conversation: conversationView(core, threads, phoneNumberId, contact) }
			: {}),
	};
}
