import type {
	IDataObject,
	IExecuteFunctions,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import type {
	ConsentPurpose,
	SendWarning,
	UnknownConsentPolicy,
} from '../../../lib/core/consentPolicy';
import type { MediaType } from '../../../lib/core/messages';
import type { MessageTemplate } from '../../../lib/core/templates';
import type { ConsentState, Store } from '../../../lib/store/types';
import type { GraphClient, PhoneNumber } from '../../../lib/transport/graphApi';

/** One item, checked and turned into a request body before anything is sent. */
export interface PreparedSend {
	itemIndex: number;
	sender: PhoneNumber;
	recipient?: { phone: string; waId: string; name?: string };
	body: Record<string, unknown>;
	template?: MessageTemplate;
	renderedText?: string;
	/** Binary data to upload first; the media id then goes into the body. */
	upload?: { binaryPropertyName: string; mediaType: MediaType };
	/** Decides which consent the send needs; absent for Mark as Read. */
	purpose?: ConsentPurpose;
	unknownConsent?: UnknownConsentPolicy;
	consent?: ConsentState;
	/** What the user should know about this message although it is sent: the output's `warnings`. */
	warnings?: SendWarning[];
	/** Set when Meta accepted the message but the message log could not be written. */
	logProblem?: string | null;
	/**
	 * A free-form message's template for a closed 24-hour window ("When the Window Is Closed" →
	 * Send a Template Instead), prepared and checked with the item; absent when a closed window
	 * fails the item.
	 */
	windowClosed?: WindowClosedTemplate;
	/** Set once the item was switched to its window-closed template: why, and who knew. */
	fallback?: WindowClosedFallback;
}

/** What the free-form message this item would have been is: the output's `sentAs` when it goes out as itself. */
export type FreeFormKind =
	'text' | 'buttons' | 'media' | 'list' | 'ctaUrl' | 'location' | 'locationRequest' | 'contacts';

/** The template a free-form message is replaced by when the contact's window is closed. */
export interface WindowClosedTemplate {
	template: MessageTemplate;
	/** The template request, with the free-form message's recipient, quoted message and callback data. */
	body: Record<string, unknown>;
	renderedText: string;
	/** The template's own purpose (Purpose, or its category on Auto): a MARKETING template is a marketing send. */
	purpose: ConsentPurpose;
	freeForm: FreeFormKind;
}

/** Why an item went out as its template (the output's `fallback`). */
export interface WindowClosedFallback {
	reason: 'windowClosed';
	/** `store`: the stored window said closed, no free-form request was made. `meta`: Meta answered the free-form request with 131047, so nothing was delivered. */
	detectedBy: 'store' | 'meta';
	details: string;
}

/** What the pipeline hands to an operation's preparation of one item. */
export interface PrepareContext {
	client: GraphClient;
	/** The item's sender, already checked to be CONNECTED. */
	sender: PhoneNumber;
	/** Loads a value once per execution (e.g. a template definition) and shares it between items. */
	once<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/**
 * One operation of the send node: its entry in the Operation picker, the fields the editor shows
 * for it, and how one item becomes a request. The pipeline (sender, consent, window, pacing,
 * output) is the same for all of them.
 */
export interface SendOperation {
	option: INodePropertyOptions & { value: string; action: string };
	description: INodeProperties[];
	/**
	 * A message to a contact: it has the recipient, purpose and options fields and passes the
	 * consent check. False for a receipt (Mark as Read), which answers a message instead.
	 */
	sendsMessage: boolean;
	/** Meta delivers it only inside the customer's 24-hour window (free-form messages). */
	needsOpenWindow: boolean;
	/**
	 * False for a free-form message no template can stand in for (a reaction): no "When the
	 * Window Is Closed" fields, a closed window fails the item.
	 */
	offersWindowClosedTemplate?: false;
	prepare(
		this: IExecuteFunctions,
		context: PrepareContext,
		itemIndex: number,
	): PreparedSend | Promise<PreparedSend>;
}

/**
 * One operation of the Handover resource: no message leaves, the store records that a person
 * took over a contact (or gave it back). It runs per item; the router handles Continue On Fail.
 */
export interface HandoverOperation {
	option: INodePropertyOptions & { value: string; action: string };
	description: INodeProperties[];
	run(this: IExecuteFunctions, context: HandoverContext, itemIndex: number): Promise<IDataObject>;
}

/** What every item of a handover run shares. */
export interface HandoverContext {
	store: Store;
	account: string;
	/** The execution's clock, read once. */
	now: number;
}

/**
 * One operation of the Template resource: no message leaves, a call to Meta's template management
 * API per item. It runs per item and may answer with several output items (List); the router
 * handles Continue On Fail.
 */
export interface TemplateOperation {
	option: INodePropertyOptions & { value: string; action: string };
	description: INodeProperties[];
	run(this: IExecuteFunctions, client: GraphClient, itemIndex: number): Promise<IDataObject[]>;
}
