import type { ScheduledTask } from './clock';
import type { GraphError } from './graph/errors';
import type { JsonRecord } from './json';
import { businessScopedUserId } from './phone';
import type { EmulatorSeed, SeedPhoneNumber, SeedTemplate, TemplateCategory } from './seed';
import type { EmulatorSettings } from './settings';

export const WINDOW_MS = 24 * 60 * 60 * 1000;

export interface CallbackOverride {
	uri: string;
	verifyToken: string;
}

export interface PhoneNumberState extends SeedPhoneNumber {
	webhookOverride?: CallbackOverride;
	/** TIER_250, TIER_1K…; set by a phone_number_quality_update control (default TIER_1K). */
	messagingLimitTier?: string;
}

export interface ContactState {
	/** The phone number as digits; absent for a username user who hides it. */
	waId?: string;
	userId: string;
	name: string;
	username?: string;
	marketingStopped: boolean;
	/** Last inbound message time per business phone number id (the 24-hour window). */
	lastInboundAt: Map<string, number>;
}

export type OutboundStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusEntry {
	status: Exclude<OutboundStatus, 'accepted'>;
	timestamp: number;
	errors?: JsonRecord[];
}

export type PricingCategory = 'marketing' | 'utility' | 'authentication' | 'service';

/** Something a customer can tap in a message we sent: a template quick reply, a reply button, a list row. */
export interface ReplyOption {
	kind: 'quick_reply' | 'button_reply' | 'list_reply';
	/** The payload (quick reply) or the reply id (button, row) the webhook carries. */
	id: string;
	title: string;
	description?: string;
}

export interface OutboundMessage {
	id: string;
	phoneNumberId: string;
	contact: ContactState;
	/** `to` or `recipient` exactly as the request gave it. */
	input: string;
	/** Whether the business addressed the contact by business-scoped user id. */
	addressedByUserId: boolean;
	type: string;
	request: JsonRecord;
	pricingCategory: PricingCategory;
	template?: { name: string; language: string; category: TemplateCategory };
	/** Human-readable content: text body, rendered template, interactive body, caption. */
	renderedText?: string;
	replyOptions: ReplyOption[];
	bizOpaqueCallbackData?: string;
	graphVersion: string;
	createdAt: number;
	status: OutboundStatus;
	statuses: StatusEntry[];
	/** Set when the message will fail asynchronously (failed status webhook) instead of being delivered. */
	failure?: GraphError;
	scheduled: ScheduledTask[];
}

export interface InboundMessage {
	id: string;
	phoneNumberId: string;
	contact: ContactState;
	type: string;
	timestamp: number;
	/** The message object exactly as the webhook carried it. */
	message: JsonRecord;
	readByBusiness: boolean;
	typingIndicatorShown: boolean;
}

export interface MediaObject {
	id: string;
	phoneNumberId?: string;
	mimeType: string;
	sha256: string;
	bytes: Buffer;
	filename?: string;
	createdAt: number;
}

export interface AppSubscriptionState {
	callbackUrl: string;
	verifyToken: string;
	fields: string[];
}

export interface Conversation {
	id: string;
	expiresAt: number;
}

/** Everything the emulator remembers; `reset()` returns to the seed. In memory by design: it is a test peer. */
export class EmulatorState {
	settings!: EmulatorSettings;

	phoneNumbers = new Map<string, PhoneNumberState>();

	templates: SeedTemplate[] = [];

	private contactsByWaId = new Map<string, ContactState>();

	private contactsByUserId = new Map<string, ContactState>();

	outbound: OutboundMessage[] = [];

	outboundById = new Map<string, OutboundMessage>();

	inbound = new Map<string, InboundMessage>();

	media = new Map<string, MediaObject>();

	conversations = new Map<string, Conversation>();

	appSubscription: AppSubscriptionState | undefined;

	wabaSubscribed = false;

	wabaOverride: CallbackOverride | undefined;

	/** Reviews of created templates still PENDING, by template id (cancelled when a status is forced). */
	templateReviews = new Map<string, ScheduledTask>();

	constructor(readonly seed: EmulatorSeed) {
		this.reset();
	}

	reset(): void {
		this.settings = structuredClone(this.seed.settings);
		this.phoneNumbers = new Map(this.seed.phoneNumbers.map((phone) => [phone.id, { ...phone }]));
		this.templates = structuredClone(this.seed.templates);
		this.contactsByWaId.clear();
		this.contactsByUserId.clear();
		for (const message of this.outbound) message.scheduled.forEach((task) => task.cancel());
		this.outbound = [];
		this.outboundById.clear();
		this.inbound.clear();
		this.media.clear();
		this.conversations.clear();
		this.appSubscription = this.seed.appSubscription ? { ...this.seed.appSubscription } : undefined;
		this.wabaSubscribed = this.seed.wabaSubscribed;
		this.wabaOverride = undefined;
		for (const review of this.templateReviews.values()) review.cancel();
		this.templateReviews.clear();
	}

	/** The contact with this phone number, created on first use (every number is a WhatsApp user unless settings say otherwise). */
	contactByWaId(waId: string): ContactState {
		let contact = this.contactsByWaId.get(waId);
		if (!contact) {
			contact = {
				waId,
				userId: businessScopedUserId(waId, this.seed.wabaId),
				name: `Customer ${waId.slice(-4)}`,
				marketingStopped: false,
				lastInboundAt: new Map(),
			};
			this.contactsByWaId.set(waId, contact);
			this.contactsByUserId.set(contact.userId, contact);
		}
		return contact;
	}

	/** Every contact the emulator knows (the chat page's contact list), in the order it met them. */
	contacts(): ContactState[] {
		return [...this.contactsByUserId.values()];
	}

	contactByUserId(userId: string): ContactState | undefined {
		return this.contactsByUserId.get(userId);
	}

	/** A username user known only by business-scoped user id. */
	addHiddenNumberContact(userId: string, name: string): ContactState {
		const contact: ContactState = {
			userId,
			name,
			marketingStopped: false,
			lastInboundAt: new Map(),
		};
		this.contactsByUserId.set(userId, contact);
		return contact;
	}

	isOnWhatsApp(contact: ContactState): boolean {
		return contact.waId === undefined || !this.settings.notOnWhatsApp.includes(contact.waId);
	}

	isWindowOpen(phoneNumberId: string, contact: ContactState, now: number): boolean {
		const lastInbound = contact.lastInboundAt.get(phoneNumberId);
		return lastInbound !== undefined && now - lastInbound < WINDOW_MS;
	}

	addOutbound(message: OutboundMessage): void {
		this.outbound.push(message);
		this.outboundById.set(message.id, message);
	}

	findTemplates(name: string): SeedTemplate[] {
		return this.templates.filter((entry) => entry.name === name);
	}
}
