/**
 * What the chat page renders: the emulator's messages as WhatsApp shows them to the customer.
 * Built on the server (typed, from the emulator's state) so the page's script only draws.
 */

/** A media placeholder: the sandbox shows what was sent, never fetches it. */
export interface MediaView {
	/** image, video, audio, document, sticker or location. */
	type: string;
	/** The link, the upload id, or "latitude,longitude". */
	source?: string;
	caption?: string;
	filename?: string;
	/** A location's map link (OpenStreetMap, opened only when the tester clicks it). */
	mapUrl?: string;
}

/** A shared contact card, as WhatsApp shows it: the name, then what can be tapped. */
export interface ContactCardView {
	name: string;
	/** The company and job title, when given. */
	organization?: string;
	phones: string[];
	emails: string[];
	urls: string[];
	addresses: string[];
}

/** A button under a business message. Reply kinds send the customer's answer when tapped. */
export type ActionView =
	| { kind: 'quick_reply' | 'button_reply'; id: string; title: string }
	| { kind: 'url'; title: string; url: string }
	| { kind: 'copy_code'; title: string; code: string }
	| { kind: 'phone'; title: string; phoneNumber: string }
	| { kind: 'location_request'; title: string }
	| { kind: 'inert'; title: string };

export interface ListRowView {
	id: string;
	title: string;
	description?: string;
}

export interface ListView {
	/** The label of the button that opens the list. */
	button: string;
	sections: Array<{ title?: string; rows: ListRowView[] }>;
}

/** The message a reply quotes (WhatsApp's grey box above the text). */
export interface QuoteView {
	id: string;
	from: 'business' | 'customer';
	preview: string;
}

interface BubbleBase {
	id: string;
	/** ISO time on the emulator clock. */
	at: string;
	/** Emoji reactions to this message, from either side. */
	reactions: string[];
	quote?: QuoteView;
}

export interface BusinessBubble extends BubbleBase {
	from: 'business';
	/** The Cloud API message type: text, template, interactive, image… */
	type: string;
	status: 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';
	error?: { code: number; title: string; details: string };
	template?: { name: string; language: string; category: string };
	header?: { text: string } | { media: MediaView };
	body?: string;
	footer?: string;
	media?: MediaView;
	actions: ActionView[];
	list?: ListView;
	/** The cards of a contacts message. */
	contacts?: ContactCardView[];
	/** The customer's own reaction to this message, which the page lets them take back. */
	customerReaction?: string;
}

export interface CustomerBubble extends BubbleBase {
	from: 'customer';
	type: string;
	text?: string;
	media?: MediaView;
	readByBusiness: boolean;
	typingIndicatorShown: boolean;
}

export type Bubble = BusinessBubble | CustomerBubble;

/** A bubble before its quote and reactions, which need the whole conversation. */
export type BareBusinessBubble = Omit<BusinessBubble, 'reactions' | 'quote' | 'customerReaction'>;
export type BareCustomerBubble = Omit<CustomerBubble, 'reactions' | 'quote'>;
export type BareBubble = BareBusinessBubble | BareCustomerBubble;

export interface ContactView {
	/** The phone number as digits, or the business-scoped user id of a user who hides it. */
	key: string;
	waId?: string;
	userId: string;
	name: string;
	marketingStopped: boolean;
}

export interface BusinessNumberView {
	id: string;
	displayPhoneNumber: string;
	verifiedName: string;
	status: string;
}

export interface ConversationSummary {
	phoneNumberId: string;
	contact: ContactView;
	lastPreview: string;
	lastAt: string;
	/** Business messages that reached the phone but are not read yet. */
	unread: number;
}

export interface ConversationView {
	phoneNumberId: string;
	contact: ContactView;
	/** When the customer's last message opened the 24-hour window, when it closes (ISO), else null. */
	windowClosesAt: string | null;
	windowOpen: boolean;
	bubbles: Bubble[];
}

export interface ChatSnapshot {
	revision: number;
	/** The emulator clock (moved by POST /_emulator/clock). */
	now: string;
	businessNumbers: BusinessNumberView[];
	conversations: ConversationSummary[];
	/** The conversation asked for with ?phoneNumberId=&contact=, even before its first message. */
	conversation?: ConversationView;
}
