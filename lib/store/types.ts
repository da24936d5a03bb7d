import type { ConsentStatus } from '../core/consentPolicy';
import type { ContactIds } from '../core/contact';
import type { Route, RouteFilters, RouteRole } from '../core/routing';
import type { AccountRetention } from './retention';
import type { SuppressionKey } from './suppressionKey';

/**
 * The state store's public contract. Node code talks only to this interface; both backends (SQLite
 * and PostgreSQL) implement it with identical behaviour, verified by one contract suite.
 */

/** A point in time: a Date or epoch milliseconds. */
export type Timestamp = Date | number;

export type JsonValue =
	string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Who a contact is, by the rule of lib/core/contact.ts. A string is classified: E.164 digits (an
 * optional leading `+` is dropped) are a wa_id, `CC.<id>` is a business-scoped user id (BSUID). Pass both when a webhook carries both:
 * the store links them, so later lookups by either find the same contact.
 */
export type ContactRef = string | ContactIds;

/** Null or absent ids are ignored, so a parsed webhook contact can be passed as it is. */
export type { ContactIds };

/** The one consent status type lives in the core (the policy decides by it); the store re-exports it. */
export { CONSENT_STATUSES, type ConsentStatus } from '../core/consentPolicy';

export const CONSENT_SOURCES = ['keyword', 'button', 'in_app', 'api', 'import'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/** Proof of a consent change: the text the contact saw or sent, the message ids involved. */
export interface ConsentEvidence {
	text?: string;
	messageIds?: string[];
	[key: string]: JsonValue | undefined;
}

export interface ConsentState {
	status: ConsentStatus;
	/** Event time of the change that set this status; null when nothing is known. */
	since: Date | null;
	source: ConsentSource | null;
}

export interface ConsentEvent {
	account: string;
	contact: ContactRef;
	status: ConsentStatus;
	source: ConsentSource;
	evidence?: ConsentEvidence;
	/** When the contact acted (e.g. the webhook timestamp); decides ordering. */
	eventAt: Timestamp;
	/** When the package learned of it; defaults to now. */
	recordedAt?: Timestamp;
}

/**
 * WhatsApp's in-app "resume marketing": lifts only WhatsApp's own in-app stop, back to the consent
 * the contact had before it (lib/core/consentTransitions.ts). Recorded with source `in_app`.
 */
export type InAppResumeEvent = Omit<ConsentEvent, 'status' | 'source'>;

export interface RecordConsentResult {
	/**
	 * False when the event did not change the status: a newer event had already set it, or it was
	 * a resume with no in-app stop to lift. The event is kept in history only.
	 */
	applied: boolean;
	current: ConsentState;
	/**
	 * The contact's consent just before this event (what `getConsent` would have answered), so a
	 * caller reporting "from → to" needs no read of its own. `unknown` for a new contact, unless an
	 * erased contact comes back suppressed.
	 */
	previous: ConsentState;
}

export interface ConsentHistoryEntry {
	previousStatus: ConsentStatus;
	newStatus: ConsentStatus;
	source: ConsentSource;
	evidence: ConsentEvidence | null;
	eventAt: Date;
	recordedAt: Date;
	applied: boolean;
}

export interface ContactInput {
	account: string;
	waId?: string | null;
	userId?: string | null;
	profileName?: string;
	seenAt: Timestamp;
}

export interface ContactRecord {
	account: string;
	waId: string | null;
	userId: string | null;
	profileName: string | null;
	createdAt: Date;
	lastSeenAt: Date | null;
}

export interface WindowKey {
	account: string;
	phoneNumberId: string;
	contact: ContactRef;
}

/** One customer message, as the trigger records it (Store.recordInboundMessage). */
export interface InboundMessageInput {
	account: string;
	contact: ContactRef;
	profileName?: string;
	/** The message's event time. */
	at: Timestamp;
	/** The business number it was sent to; null when the event names none (no window is kept). */
	phoneNumberId: string | null;
	/** Follow-up waits whose deadline is after this still count as waiting. */
	waitsAfter: Timestamp;
}

export interface InboundMessageResult {
	contact: ContactRecord;
	/** Null without a business number. */
	conversation: TouchWindowResult | null;
	/** The contact has follow-up waits on this number to hand the message to. */
	waitsPending: boolean;
}

export interface TouchWindowInput extends WindowKey {
	inboundAt: Timestamp;
}

export interface TouchWindowResult {
	/** The first inbound message ever seen from this contact on this number. */
	isFirstEver: boolean;
	/** A 24-hour window was open when this message arrived. */
	wasOpen: boolean;
	/** This message started a new conversation (no window was open). */
	isNewConversation: boolean;
	conversationId: string;
	conversationStartedAt: Date;
	/** The latest inbound time known before this call; null when first ever. */
	previousInboundAt: Date | null;
	lastInboundAt: Date;
	/** When free-form messages stop being allowed (lastInboundAt + 24 h). */
	expiresAt: Date;
}

export interface WindowState {
	conversationId: string;
	conversationStartedAt: Date;
	firstInboundAt: Date;
	lastInboundAt: Date;
	/** lastInboundAt + 24 h, or closedByMetaAt when Meta reported the window closed. */
	expiresAt: Date;
	/**
	 * When Meta reported a free-form message failed with 131047 (outside the window) after the
	 * contact's last message: the window is closed until the contact writes again. Null otherwise.
	 */
	closedByMetaAt: Date | null;
}

export interface WindowClosedInput extends WindowKey {
	/** The event time of Meta's 131047 status. */
	at: Timestamp;
}

export type WaitStatus = 'waiting' | 'claimed' | 'cancelled' | 'expired';
export type WaitOutcome = 'claimed' | 'cancelled';

export interface RegisterWaitInput {
	account: string;
	phoneNumberId: string;
	contact: ContactRef;
	executionId: string;
	workflowId?: string;
	/** n8n's resume URL. A secret: never log it. */
	resumeUrl: string;
	/** A secret the resumer must present, if the caller uses one. Never log it. */
	secret?: string;
	deadline: Timestamp;
	matchRule: JsonValue;
	createdAt?: Timestamp;
	/** The follow-up sequence the wait belongs to (Cancel Waits and List Waits select by it). */
	sequence?: string;
	/** Which follow-up of the contact in the sequence this is (countFollowUp's count), from 1. */
	followUp?: number;
}

/**
 * May hold the resume URL and secret: never log or output a WaitRecord as a whole. Both are
 * cleared (null) once the wait is settled: expired, or claimed/cancelled and its hand-off over.
 */
export interface WaitRecord {
	id: string;
	phoneNumberId: string;
	executionId: string;
	workflowId: string | null;
	resumeUrl: string | null;
	secret: string | null;
	deadline: Date;
	matchRule: JsonValue;
	status: WaitStatus;
	createdAt: Date;
	resolvedAt: Date | null;
	/** Null for waits registered without a sequence (before schema version 9). */
	sequence: string | null;
	/** Null for waits that were not counted (no sequence, or a node before version 1.2). */
	followUp: number | null;
}

/** A wait whose hand-off can still happen: waiting, or claimed/cancelled and not yet settled. */
export interface LiveWaitRecord extends WaitRecord {
	resumeUrl: string;
}

export interface WaitQuery extends WindowKey {
	at: Timestamp;
}

export interface WaitSearch extends WaitQuery {
	/** Also the claimed waits whose hand-off is not settled. */
	withUnsettledClaims?: boolean;
}

/** Which waits of the account: a contact's, a sequence's, or both at once (at least one of them). */
export interface WaitSelectionInput {
	account: string;
	/** Omit for every number of the account. */
	phoneNumberId?: string;
	/** Omit for every contact (then `sequence` is required when cancelling). */
	contact?: ContactRef;
	sequence?: string;
}

export interface CancelWaitsInput extends WaitSelectionInput {
	at: Timestamp;
}

export interface ListWaitsInput extends WaitSelectionInput {
	/** Waits whose deadline is after this time. */
	at: Timestamp;
	/** At most this many, soonest deadline first (1 to 10,000). */
	limit: number;
}

/** A pending wait as List Waits shows it: no resume URL, no secret. */
export interface PendingWait extends Omit<WaitRecord, 'resumeUrl' | 'secret'> {
	contact: { waId: string | null; userId: string | null };
}

export interface FollowUpCountInput {
	account: string;
	contact: ContactRef;
	sequence: string;
	/** The cap: at least 1. */
	max: number;
	/** The count starts again when the contact wrote after the last counted follow-up. */
	resetOnReply: boolean;
	at: Timestamp;
}

export interface FollowUpCountResult {
	/** False when `max` follow-ups were counted already: this one is not. */
	counted: boolean;
	/** The contact's follow-ups in the sequence, this one included when counted. */
	followUps: number;
}

export const OUTBOUND_KINDS = [
	'template',
	'text',
	'interactive',
	'media',
	'location',
	'contacts',
	'reaction',
] as const;
export type OutboundKind = (typeof OUTBOUND_KINDS)[number];

export interface OutboundMessageInput {
	wamid: string;
	/** The WhatsApp Business Account that sent it: reports select by it. */
	account: string;
	phoneNumberId: string;
	/** wa_id (a leading `+` is dropped) or business-scoped user id. */
	recipient: string;
	kind: OutboundKind;
	templateName?: string;
	templateLanguage?: string;
	category?: string;
	text?: string;
	/** Meta's `biz_opaque_callback_data` of the send (e.g. a campaign id): Campaign Report selects by it. */
	callbackData?: string;
	/** A name the workflow gave the recipient, for reports and follow-ups. */
	recipientName?: string;
	/** The consent purpose the send was decided by. */
	purpose?: OutboundPurpose;
	sentAt: Timestamp;
}

export const OUTBOUND_PURPOSES = ['marketing', 'service'] as const;
export type OutboundPurpose = (typeof OUTBOUND_PURPOSES)[number];

export interface OutboundStatusInput {
	wamid: string;
	/** sent, delivered, read, failed, played… (Meta may add more). */
	status: string;
	at: Timestamp;
	errorCode?: number;
	errorTitle?: string;
}

export interface OutboundStatusEntry {
	status: string;
	at: Date;
	errorCode: number | null;
	errorTitle: string | null;
}

export interface OutboundRecord {
	wamid: string;
	phoneNumberId: string;
	recipient: string;
	kind: OutboundKind;
	templateName: string | null;
	templateLanguage: string | null;
	category: string | null;
	text: string | null;
	/** Null for messages logged before schema version 10 (and so for their reports). */
	account: string | null;
	callbackData: string | null;
	recipientName: string | null;
	purpose: OutboundPurpose | null;
	sentAt: Date;
	/** The recipient's first inbound message on this number after the send (recordReply). */
	repliedAt: Date | null;
	/** The latest status of the timeline; null before the first status webhook. */
	status: string | null;
	statuses: OutboundStatusEntry[];
}

/** An inbound message of a contact on a business number, for the outbound log's replies. */
export interface ReplyInput {
	account: string;
	phoneNumberId: string;
	contact: ContactRef;
	/** When the contact wrote (the message's event time). */
	at: Timestamp;
}

/** Which logged messages a report covers: one account, and a campaign and/or a sender and time range. */
export interface ReportSelection {
	account: string;
	/** The campaign: the sends' Callback Data (`biz_opaque_callback_data`), exactly. */
	callbackData?: string;
	/** One business number; omitted: all of the account's numbers. */
	phoneNumberId?: string;
	/** Messages sent at or after this time. */
	sentFrom?: Timestamp;
	/** Messages sent before this time. */
	sentUntil?: Timestamp;
}

export interface ReportQuery extends ReportSelection {
	/** A reply counts when the contact's first message after the send came within this time. */
	replyWithinMs: number;
	/** An opt-out counts when the contact opted out (or was blocked, e.g. by STOP) within this time after the send. */
	optOutWithinMs: number;
}

export interface ReportFailure {
	/** Meta's error code; null when the failed status carried none. */
	code: number | null;
	title: string | null;
	messages: number;
}

/** Counts of messages (each logged message once), over the selection. */
export interface CampaignReportCounts {
	sent: number;
	/** Distinct recipients. */
	recipients: number;
	/** Delivered, read or played (Meta may skip `delivered` when the read comes at once). */
	delivered: number;
	read: number;
	failed: number;
	/** Neither delivered nor failed (yet). */
	pending: number;
	replied: number;
	optedOut: number;
	failures: ReportFailure[];
	firstSentAt: Date | null;
	lastSentAt: Date | null;
}

export const RECIPIENT_FILTERS = [
	'all',
	'notRead',
	'deliveredNotRead',
	'notDelivered',
	'failed',
	'read',
	'replied',
	'notReplied',
	'optedOut',
] as const;
export type RecipientFilter = (typeof RECIPIENT_FILTERS)[number];

export interface RecipientListQuery extends ReportQuery {
	filter: RecipientFilter;
	/** `deliveredNotRead`: delivered at least this long before `now` and still unread. */
	unreadForMs?: number;
	/** The time "still unread" and "no reply within" are judged at. */
	now: Timestamp;
	/** At most this many recipients (1 to 1,000,000), earliest send first. */
	limit: number;
	/** Skip the first this many (paging). */
	offset?: number;
}

/** One recipient of the selection, by their latest message in it. */
export interface ReportRecipient {
	recipient: string;
	/** The Recipient Name of the send, else the contact's WhatsApp profile name; null when neither. */
	name: string | null;
	wamid: string;
	phoneNumberId: string;
	/** Messages of the selection this recipient got. */
	messages: number;
	sentAt: Date;
	/** read, delivered, failed or sent (no status beyond Meta's acceptance yet). */
	status: 'read' | 'delivered' | 'failed' | 'sent';
	deliveredAt: Date | null;
	readAt: Date | null;
	failedAt: Date | null;
	errorCode: number | null;
	errorTitle: string | null;
	/** The first reply after the send, if it came within the reply window. */
	repliedAt: Date | null;
	/** The opt-out after the send, if it came within the opt-out window. */
	optedOutAt: Date | null;
	templateName: string | null;
	templateLanguage: string | null;
	callbackData: string | null;
	purpose: OutboundPurpose | null;
}

export const AI_ROLES = ['system', 'user', 'assistant'] as const;
export type AiRole = (typeof AI_ROLES)[number];

export interface AiMessageInput {
	role: AiRole;
	content: string;
	at: Timestamp;
}

export interface AiMessage {
	role: AiRole;
	content: string;
	at: Date;
}

export interface AppendAiMessagesInput {
	assistant: string;
	customer: string;
	messages: AiMessageInput[];
	/** Keep at most this many newest messages of the conversation (default 100). */
	maxMessages?: number;
}

export interface AiConversationRef {
	conversationId: string;
	/** True when this call started the conversation. */
	isNew: boolean;
}

export interface AiConversationKey {
	assistant: string;
	customer: string;
}

export interface AiHistoryQuery {
	assistant: string;
	customer: string;
	/** The newest `limit` messages are returned, oldest first. */
	limit: number;
	notBefore?: Timestamp;
}

export interface AiHistory {
	/** Null when this customer has no conversation with this assistant yet. */
	conversationId: string | null;
	messages: AiMessage[];
}

export interface EraseOptions {
	/**
	 * More customer identifiers (an e-mail, a CRM id: whatever the AI Reply node's Customer
	 * Identifier was) whose AI conversations and messages are deleted too. At most 100.
	 */
	aiCustomers?: readonly string[];
}

export interface EraseSummary {
	/** True when at least one contact row carried a given identifier. */
	contactFound: boolean;
	/** Contact rows carrying any given identifier (two when a wa_id and a user id were never linked). */
	contactsFound: number;
	/** The status kept in the suppression record, so an opt-out stays honoured; null when none. */
	suppressedAs: 'opted_out' | 'blocked' | null;
	deleted: {
		contacts: number;
		consentHistory: number;
		windows: number;
		waits: number;
		outboundMessages: number;
		outboundStatuses: number;
		aiConversations: number;
		aiMessages: number;
		/** Webhook dedup keys that embed an identifier (`pref:<id>:…`). */
		dedupKeys: number;
	};
}

export interface SuppressionKeyReport {
	/** Records of this account that held a plain SHA-256 and now hold the keyed hash. */
	rekeyed: number;
	/**
	 * Records written under another key (the App Secret or Access Token changed): they no longer
	 * match anyone. See docs/STORE.md, "Suppression records".
	 */
	otherKeyRecords: number;
}

export interface HousekeepingOptions {
	/**
	 * The retention of the account whose node opened the store (from its credential). Its rows
	 * are pruned with it, at most once per hour per account; rows not scoped by account (the
	 * outbound log, AI history) are pruned by every account's run, so the shortest setting wins.
	 * Without it only the store-wide steps run.
	 */
	retention?: AccountRetention;
}

/** What one store-wide housekeeping run did. */
export interface HousekeepingWork {
	/** Waiting waits whose deadline had passed, now `expired`. */
	expiredWaits: number;
	/** Claims whose resumer vanished mid hand-off, `waiting` again so the next message retries. */
	releasedClaims: number;
	/** Abandoned hand-offs that cannot be retried (cancelled, or past the deadline), now settled. */
	settledHandOffs: number;
	/** Claimed, cancelled or expired waits resolved more than 7 days ago, deleted. */
	deletedWaits: number;
	deletedSeenKeys: number;
}

/** What one account's retention run deleted. */
export interface RetentionWork {
	deletedOutboundMessages: number;
	deletedOutboundStatuses: number;
	deletedWindows: number;
	/** Inactive contacts deleted with their consent history (and resolved waits). */
	deletedContacts: number;
	/** Of those, the opted-out or blocked ones whose opt-out was kept as a suppression record. */
	suppressedContacts: number;
	deletedAiMessages: number;
}

export type RetentionResult =
	{ ran: false } | ({ ran: true; account: string; nextDueAt: Date } & RetentionWork);

export type HousekeepingResult =
	/** Another call (in any process) ran it less than an interval ago: only the due check ran. */
	({ ran: false } | ({ ran: true; nextDueAt: Date } & HousekeepingWork)) & {
		/** Present when `retention` was passed: whether this account's retention run was due. */
		retention?: RetentionResult;
	};

/** One published trigger (lib/core/routing.ts) and where to reach it. */
export interface RouteInput {
	account: string;
	/** Unique per account, e.g. `<workflowId>/<nodeId>`. */
	routeId: string;
	/** The trigger's production webhook URL, where the callback holder forwards events. */
	webhookUrl: string;
	role: RouteRole;
	/** Keyword routes: higher wins between equally specific matches. Default 0. */
	priority?: number;
	filters: RouteFilters;
	/** Fallback routes: also receive replies a waiting Follow-up Wait consumed. Default false. */
	receiveConsumedReplies?: boolean;
	/** The trigger's Webhook Registration mode (accountOverride, appSubscription, …). */
	registrationMode: string;
	/**
	 * The callbacks this route can hold (see claimCallbackHolder), e.g. `account`, `app`,
	 * `number:<phone-number-id>` or `manual`. At least one.
	 */
	scopes: readonly string[];
	/** Now: the first upsert sets publishedAt, every upsert refreshedAt. */
	at: Timestamp;
}

export interface RouteRecord extends Route {
	account: string;
	webhookUrl: string;
	registrationMode: string;
	scopes: string[];
	publishedAt: Date;
	refreshedAt: Date;
}

export interface CallbackHolder {
	account: string;
	scope: string;
	routeId: string;
	since: Date;
}

export interface CallbackClaim {
	account: string;
	scope: string;
	routeId: string;
	at: Timestamp;
}

export interface CallbackClaimResult {
	/** This route holds the callback now (it just took it, or already held it). */
	holds: boolean;
	/** Who holds it after the call; null only when it is vacant and the route is not published. */
	holder: CallbackHolder | null;
}

export interface CallbackRelease extends CallbackClaim {
	/** Preferred successor; used when it is a published route of the scope, else the oldest one. */
	successor?: string;
}

export interface CallbackReleaseResult {
	/** False when the route did not hold the callback (nothing changed). */
	released: boolean;
	/** Who holds it after the call (the successor); null when vacant. */
	holder: CallbackHolder | null;
}

/** A run of send slots on one business number's shared timeline. */
export interface SendSlotsRequest {
	account: string;
	phoneNumberId: string;
	/** How many slots (messages) to reserve at once: 1 to 10,000. */
	count: number;
	/** Spacing of the slots: 1,000 / messages per second. */
	intervalMs: number;
	now: Timestamp;
}

/** Whose message a saved routed event holds: what an erase of that contact looks for. */
export interface PendingForwardsContact {
	waId: string | null;
	userId: string | null;
}

export interface StartHandoverInput {
	account: string;
	contact: ContactRef;
	/** Automation resumes by itself at this time; null or absent: until endHandover. */
	until?: Timestamp | null;
	/** Why (shown to workflows), e.g. "asked for a person". */
	reason?: string;
	/** Who took over, e.g. an agent's name or a workflow. */
	by?: string;
	at: Timestamp;
}

export interface HandoverRecord {
	since: Date;
	until: Date | null;
	reason: string | null;
	by: string | null;
	/** At the time asked: until is null or after it. */
	active: boolean;
}

export type StoreBackend = 'sqlite' | 'postgres';

export interface Store {
	readonly backend: StoreBackend;

	upsertContact(input: ContactInput): Promise<ContactRecord>;
	getContact(account: string, contact: ContactRef): Promise<ContactRecord | null>;

	recordConsent(event: ConsentEvent): Promise<RecordConsentResult>;
	/** WhatsApp's in-app "resume marketing": lifts only an in-app stop (see InAppResumeEvent). */
	recordInAppResume(event: InAppResumeEvent): Promise<RecordConsentResult>;
	getConsent(account: string, contact: ContactRef): Promise<ConsentState>;
	/** One batched query per 10,000 contacts; results in the order of `contacts`. */
	getConsentMany(account: string, contacts: readonly ContactRef[]): Promise<ConsentState[]>;
	/** Oldest event first. */
	getConsentHistory(account: string, contact: ContactRef): Promise<ConsentHistoryEntry[]>;

	touchWindow(input: TouchWindowInput): Promise<TouchWindowResult>;
	/**
	 * A customer's message in one call, the contact resolved once: upsertContact, touchWindow and
	 * recordReply, and whether findWaitingWaits would find any. Atomic on its own; the trigger runs
	 * it inside its event transaction.
	 */
	recordInboundMessage(input: InboundMessageInput): Promise<InboundMessageResult>;
	getWindow(key: WindowKey): Promise<WindowState | null>;
	/**
	 * The windows of many (number, contact) pairs of one account in one query per 10,000 pairs;
	 * results in the order of `windows`, null where getWindow would answer null.
	 */
	getWindowMany(
		account: string,
		windows: ReadonlyArray<Omit<WindowKey, 'account'>>,
	): Promise<Array<WindowState | null>>;
	/** Open while `at` is within 24 h of the last inbound message and Meta has not reported it closed. */
	isWindowOpen(query: WaitQuery): Promise<boolean>;
	/**
	 * Meta reported 131047 for a free-form message: the window is closed until the contact's next
	 * inbound message. A report older than the latest inbound message changes nothing. Returns
	 * whether the window is now known to be closed (false without any inbound message on record).
	 */
	recordWindowClosed(input: WindowClosedInput): Promise<boolean>;

	registerWait(input: RegisterWaitInput): Promise<LiveWaitRecord>;
	getWait(id: string): Promise<WaitRecord | null>;
	/**
	 * Waits still `waiting` whose deadline is after `at`, oldest first; with
	 * `withUnsettledClaims` also the `claimed` ones whose hand-off is not settled (in progress,
	 * or in doubt: see reclaimWait), with `resolvedAt` the time of the claim.
	 */
	findWaitingWaits(query: WaitSearch): Promise<LiveWaitRecord[]>;
	/**
	 * Takes over a claim whose hand-off is in doubt (its POST got no answer) so that a redelivery
	 * of the message can POST again: only if the claim is still the one made at `claimedAt`, not
	 * settled, and the deadline is after `at`; of concurrent callers only the first gets it.
	 */
	reclaimWait(id: string, claimedAt: Timestamp, at: Timestamp): Promise<LiveWaitRecord | null>;
	/**
	 * Claim-once: only the first caller gets the record, every other gets null. `claimed` also
	 * requires the deadline not to have passed at `at`. The claimer POSTs the hand-off and then
	 * calls settleWait, releaseWait or expireClaimedWait.
	 */
	claimWait(id: string, outcome: WaitOutcome, at: Timestamp): Promise<LiveWaitRecord | null>;
	/**
	 * The hand-off failed for now (no answer, 5xx, 409 before the deadline): `claimed` goes back
	 * to `waiting`, so the contact's next message retries. Only while the deadline is after `at`;
	 * of concurrent callers only the first gets the record, every other gets null.
	 */
	releaseWait(id: string, at: Timestamp): Promise<LiveWaitRecord | null>;
	/**
	 * The hand-off can never succeed (the execution is gone, or n8n's timeout won): `claimed`
	 * becomes `expired` and its resume URL and secret are cleared. Claim-once like claimWait.
	 */
	expireClaimedWait(id: string, at: Timestamp): Promise<WaitRecord | null>;
	/**
	 * The hand-off of a claimed or cancelled wait is over (n8n answered, so the waiting node has
	 * checked the secret; or it failed for good): clears the resume URL and secret. True when it did.
	 */
	settleWait(id: string): Promise<boolean>;
	/**
	 * Cancels the waiting waits of a contact, of a sequence, or of a contact in a sequence; the
	 * caller tells each execution, then settles the wait.
	 */
	cancelWaits(input: CancelWaitsInput): Promise<LiveWaitRecord[]>;
	/** Pending waits of the account, optionally of one contact, number or sequence; one query. */
	listWaits(input: ListWaitsInput): Promise<PendingWait[]>;
	/**
	 * Counts one follow-up of the contact in the sequence unless `max` were counted already
	 * (claim-once like claimWait: concurrent callers never pass the cap together). Call it in the
	 * transaction that registers the wait, so a failed registration counts nothing.
	 */
	countFollowUp(input: FollowUpCountInput): Promise<FollowUpCountResult>;
	/** Marks waits whose deadline is at or before `now` as expired, clearing their resume URL and secret; returns how many. */
	expireWaits(now: Timestamp): Promise<number>;

	/** Insert-if-absent: true the first time a key is seen. */
	markSeen(key: string, at: Timestamp): Promise<boolean>;
	pruneSeen(olderThan: Timestamp): Promise<number>;

	/** Publishes or refreshes a route (one per published trigger); publishedAt stays the first one's. */
	upsertRoute(input: RouteInput): Promise<RouteRecord>;
	/** Unpublishes a route; true when it was published. Release its callbacks afterwards. */
	removeRoute(account: string, routeId: string): Promise<boolean>;
	/** The account's published routes, oldest published first. */
	listRoutes(account: string): Promise<RouteRecord[]>;
	/**
	 * Takes the scope's callback for a published route when nobody holds it or its holder is no
	 * longer published. Of any number of concurrent claimers exactly one gets it.
	 */
	claimCallbackHolder(claim: CallbackClaim): Promise<CallbackClaimResult>;
	getCallbackHolder(account: string, scope: string): Promise<CallbackHolder | null>;
	/**
	 * The holder hands the scope's callback on, in one transaction: to `successor` when it is a
	 * published route of the scope, else to the oldest other published route of the scope, else
	 * the callback is vacant. Does nothing when the route does not hold it. Call it after
	 * removeRoute, so a route publishing meanwhile either is the successor or claims the vacancy.
	 */
	releaseCallbackHolder(release: CallbackRelease): Promise<CallbackReleaseResult>;

	/** Insert-if-absent: true the first time this event is marked forwarded to this route. */
	markForwarded(eventKey: string, routeId: string, at: Timestamp): Promise<boolean>;
	/** The routes an event was already forwarded to. Pruned by housekeeping like dedup keys. */
	forwardedRoutes(eventKey: string): Promise<Set<string>>;
	/**
	 * Keeps what a redelivery needs to finish an event's forwards (the routed event as JSON) until
	 * every chosen route got it; replaces an older copy. Pruned like the forward marks; erased
	 * with the event's contact (null for events without one, e.g. account updates).
	 */
	savePendingForwards(
		eventKey: string,
		payload: string,
		at: Timestamp,
		contact: PendingForwardsContact | null,
	): Promise<void>;
	/** The saved routed event, or null when none is pending. */
	pendingForwards(eventKey: string): Promise<string | null>;
	/** Every chosen route got the event; true when a copy was saved. */
	deletePendingForwards(eventKey: string): Promise<boolean>;

	/**
	 * Reserves `count` send slots `intervalMs` apart on the number's timeline, which every
	 * execution and process sending from that number shares; returns when the first slot is (epoch
	 * ms, possibly fractional). Slots start where the timeline ends, or at `now` when it ended
	 * earlier: an idle number banks no burst.
	 */
	reserveSendSlots(request: SendSlotsRequest): Promise<number>;
	/** No slot of the number starts before `until` (Meta reported it over its throughput). */
	pauseSending(account: string, phoneNumberId: string, until: Timestamp): Promise<void>;

	/** Pauses automation for one contact (replaces a handover already on record). */
	startHandover(input: StartHandoverInput): Promise<HandoverRecord>;
	/** Releases the contact; true when a handover was on record. */
	endHandover(account: string, contact: ContactRef): Promise<boolean>;
	/** The contact's handover on record (active or past its until), or null. */
	getHandover(account: string, contact: ContactRef, at: Timestamp): Promise<HandoverRecord | null>;

	/** False when the wamid was already logged. */
	logOutbound(input: OutboundMessageInput): Promise<boolean>;
	/**
	 * Logs many messages in one transaction (one commit, however many rows): per message, in
	 * input order, false when its wamid was already logged (or came earlier in the same call).
	 * Every message is validated first, so one bad message writes none.
	 */
	logOutboundMany(inputs: readonly OutboundMessageInput[]): Promise<boolean[]>;
	/** Appends to the timeline; false when the same (status, at) was already recorded. */
	recordOutboundStatus(input: OutboundStatusInput): Promise<boolean>;
	getOutbound(wamid: string): Promise<OutboundRecord | null>;
	/**
	 * The contact wrote on this number: sets `repliedAt` of the account's messages to them from
	 * this number that were sent before `at` (within the longest reply window, 30 days) and had
	 * no reply yet. Returns how many. One statement; call it in the inbound message's transaction.
	 */
	recordReply(input: ReplyInput): Promise<number>;
	/** A campaign's or a time range's counts: one aggregate query, whatever the number of messages. */
	campaignReport(query: ReportQuery): Promise<CampaignReportCounts>;
	/** One row per recipient of the selection (their latest message in it) that passes the filter. */
	reportRecipients(query: RecipientListQuery): Promise<ReportRecipient[]>;

	appendAiMessages(input: AppendAiMessagesInput): Promise<AiConversationRef>;
	getAiHistory(query: AiHistoryQuery): Promise<AiHistory>;
	/**
	 * Deletes AI messages older than the cutoff (and conversations left empty); returns messages
	 * deleted. With `conversation`, only that assistant's conversation with that customer.
	 */
	pruneAiHistory(olderThan: Timestamp, conversation?: AiConversationKey): Promise<number>;

	/**
	 * Expires overdue waits, recovers abandoned hand-offs, and deletes resolved waits and dedup
	 * keys — at most once per hour across every process sharing the store; with `retention`, also
	 * the account's rows past their retention, at most once per hour per account. When neither is
	 * due it costs one conditional UPDATE, so call it as often as you like (e.g. every time a node
	 * opens the store), outside any transaction.
	 */
	housekeeping(now: Timestamp, options?: HousekeepingOptions): Promise<HousekeepingResult>;

	/**
	 * Forgets every contact row carrying any of the contact's identifiers and everything hanging
	 * off them, keeping only a keyed-hash suppression record when opted out or blocked. It does not
	 * tell waiting executions: cancel the contact's waits first (lib/waits/resume.ts).
	 */
	eraseContact(account: string, contact: ContactRef, options?: EraseOptions): Promise<EraseSummary>;

	/**
	 * Registers the account's suppression key for this process (derived from the credential,
	 * never stored) and re-keys the account's records that hold a plain hash. The first call per
	 * account and key queries the database; later ones return at once with zeros.
	 */
	useSuppressionKey(account: string, key: SuppressionKey): Promise<SuppressionKeyReport>;

	/**
	 * Runs `fn` in one transaction. Inside, use only `tx`: calling the outer store there throws.
	 * Nested calls join the outer transaction.
	 */
	transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

	close(): Promise<void>;
}
