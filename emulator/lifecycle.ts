import type { ChangeFeed } from './chat/changes';
import type { Scheduler, VirtualClock } from './clock';
import type { GraphError } from './graph/errors';
import { randomToken } from './ids';
import { compareGraphVersions } from './settings';
import type { ContactState, EmulatorState, OutboundMessage, StatusEntry } from './state';
import { WINDOW_MS } from './state';
import type { WebhookDispatcher } from './webhooks/dispatcher';
import { statusEntry, valueBase, type ConversationInfo } from './webhooks/payloads';

/** Graph versions up to this one still carry the `conversation` object in status webhooks. */
const lastVersionWithConversation = 'v23.0';

/**
 * Moves an accepted message through sent → delivered (→ read when the contact reads), or to failed,
 * and reports every step as a status webhook.
 */
export class MessageLifecycle {
	constructor(
		private readonly state: EmulatorState,
		private readonly clock: VirtualClock,
		private readonly scheduler: Scheduler,
		private readonly dispatcher: WebhookDispatcher,
		private readonly changes: ChangeFeed,
	) {}

	start(message: OutboundMessage, failure: GraphError | undefined): void {
		const settings = this.state.settings;
		if (failure) {
			message.failure = failure;
			message.scheduled.push(
				this.scheduler.after(settings.sentAfterMs, () =>
					this.emit(message, 'failed', [failure.toWebhookError()]),
				),
			);
			return;
		}
		message.scheduled.push(
			this.scheduler.after(settings.sentAfterMs, () => this.emit(message, 'sent')),
			this.scheduler.after(Math.max(settings.deliveredAfterMs, settings.sentAfterMs), () =>
				this.advanceTo(message, 'delivered'),
			),
		);
		if (settings.autoReadAfterMs !== null) {
			const readAfter = Math.max(
				settings.autoReadAfterMs,
				settings.deliveredAfterMs,
				settings.sentAfterMs,
			);
			message.scheduled.push(
				this.scheduler.after(readAfter, () => this.advanceTo(message, 'read')),
			);
		}
	}

	/** The contact opened the chat: every message that reached their phone becomes read. */
	contactRead(phoneNumberId: string, contact: ContactState): number {
		const reached = this.state.outbound.filter(
			(message) =>
				message.phoneNumberId === phoneNumberId &&
				message.contact === contact &&
				(message.status === 'sent' || message.status === 'delivered'),
		);
		reached.forEach((message) => this.advanceTo(message, 'read'));
		return reached.length;
	}

	private advanceTo(message: OutboundMessage, target: 'delivered' | 'read'): void {
		if (message.status === 'sent' && target === 'read') this.emit(message, 'delivered');
		if (message.status === 'sent' || (message.status === 'delivered' && target === 'read')) {
			this.emit(message, target);
		}
	}

	private emit(
		message: OutboundMessage,
		status: StatusEntry['status'],
		errors?: StatusEntry['errors'],
	): void {
		const entry: StatusEntry = {
			status,
			timestamp: this.clock.unixSeconds(),
			...(errors ? { errors } : {}),
		};
		message.status = status;
		message.statuses.push(entry);
		this.changes.notify();
		const phone = this.state.phoneNumbers.get(message.phoneNumberId);
		if (!phone) return;
		const conversation = errors ? undefined : this.conversationFor(message, status);
		void this.dispatcher.dispatch({
			field: 'messages',
			phoneNumberId: phone.id,
			value: {
				...valueBase(phone),
				statuses: [statusEntry(message, entry, this.state.settings, conversation)],
			},
		});
	}

	/** The pre-v24 `conversation` object: one 24-hour conversation per number, contact and category. */
	private conversationFor(
		message: OutboundMessage,
		status: StatusEntry['status'],
	): ConversationInfo | undefined {
		if (compareGraphVersions(message.graphVersion, lastVersionWithConversation) > 0)
			return undefined;
		const key = `${message.phoneNumberId}:${message.contact.userId}:${message.pricingCategory}`;
		const now = this.clock.now();
		let conversation = this.state.conversations.get(key);
		let opened = false;
		if (!conversation || conversation.expiresAt <= now) {
			conversation = { id: randomToken(), expiresAt: now + WINDOW_MS };
			this.state.conversations.set(key, conversation);
			opened = true;
		}
		return {
			id: conversation.id,
			...(opened && status === 'sent'
				? { expirationTimestamp: Math.floor(conversation.expiresAt / 1000) }
				: {}),
		};
	}
}
