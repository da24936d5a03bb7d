/**
 * Commits one webhook event's side effects to the store in ONE transaction: the dedup mark, the
 * contact, its 24-hour window, the replies to logged messages, consent signals and the outbound
 * status log. Either all of it is
 * written or none of it, so a store failure can be answered with a 5xx and Meta's redelivery
 * finds a clean slate, while a redelivery of a committed event finds the dedup mark and does
 * nothing twice.
 */
import {
	recordConsentChange,
	type ConsentChange,
	type ConsentChangeCause,
	type ConsentChangeTarget,
} from '../consent/record';
import { classifyConsentSignal, type ConsentKeywordOptions } from '../core/consentKeywords';
import { consentAnswerFromReply } from '../core/consentPolicy';
import { plausibleEventTime } from '../core/eventTime';
import { LIMITS } from '../core/messages';
import { WINDOW_CLOSED_CODE } from '../core/window';
import {
	eventDedupKey,
	type AccountEvent,
	type ContactIdentity,
	type InboundMessageEvent,
	type StatusEvent,
	type SystemEvent,
	type UserPreferenceEvent,
} from '../core/webhookEvents';
import { StoreInputError, type OutboundRecord, type Store, type TouchWindowResult } from '../store';

export type { ConsentChange } from '../consent/record';

/**
 * The events recorded: those that change state, and account-level ones (template and quality
 * updates), for which only the dedup mark is written. Other fields (groups…) are not recorded.
 */
export type RecordableEvent =
	InboundMessageEvent | SystemEvent | StatusEvent | UserPreferenceEvent | AccountEvent;

export interface RecordOptions {
	/** The WhatsApp Business Account id the store keys consent and contacts by. */
	account: string;
	consentKeywords: ConsentKeywordOptions;
	/** When the delivery arrived (epoch ms): the fallback event time and the dedup time. */
	receivedAt: number;
	/** Read the outbound log for status events (only worth it when a run will show it). */
	withOutbound: boolean;
}

export type EventRecord =
	| {
			kind: 'recorded';
			event: RecordableEvent;
			/** Null when the event carries no business number (no window can be kept). */
			conversation: TouchWindowResult | null;
			consent: ConsentChange | null;
			outbound: OutboundRecord | null;
			/** The contact has follow-up waits to hand this message to. */
			waitsPending: boolean;
	  }
	| {
			kind: 'duplicate';
			event: RecordableEvent;
			/** An earlier delivery committed the message but could not hand it to the waits. */
			resumePending: boolean;
	  }
	| {
			kind: 'failed';
			event: RecordableEvent;
			error: unknown;
			/** True when a redelivery may succeed (store unreachable, conflict); false for bad data. */
			transient: boolean;
	  };

/** Marks a message whose follow-up waits have been handled, so a redelivery does not hand it over again. */
export function handoffKey(event: InboundMessageEvent): string {
	return `${eventDedupKey(event)}#handoff`;
}

/** Meta's error code for "this user stopped marketing messages": Meta recorded an opt-out. */
const MARKETING_STOPPED_CODE = 131050;
/** PostgreSQL deadlock, serialization failure, racing first inserts: rerunning the transaction is safe. */
const CONFLICT_CODES = new Set(['40P01', '40001', '23505']);
const MAX_ATTEMPTS = 3;
/**
 * WhatsApp's longest text message: the customer's whole message is the proof, since a phrase may
 * stand anywhere in it.
 */
const EVIDENCE_TEXT_LIMIT = LIMITS.textBody;

export async function recordEvent(
	store: Store,
	event: RecordableEvent,
	options: RecordOptions,
): Promise<EventRecord> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await store.transaction((tx) => applyEvent(tx, event, options));
		} catch (error) {
			if (error instanceof HandoffOutstanding) {
				return { kind: 'duplicate', event, resumePending: true };
			}
			if (isConflict(error) && attempt < MAX_ATTEMPTS) continue;
			return { kind: 'failed', event, error, transient: !(error instanceof StoreInputError) };
		}
	}
}

/** Thrown inside the transaction to roll back the probe of the hand-off mark. */
class HandoffOutstanding extends Error {}

async function applyEvent(
	tx: Store,
	event: RecordableEvent,
	options: RecordOptions,
): Promise<EventRecord> {
	const fresh = await tx.markSeen(eventDedupKey(event), options.receivedAt);
	if (!fresh) {
		// The probe inserts the hand-off mark; when it was absent the insert is rolled back, so
		// the mark is only ever written after a successful hand-off.
		if (event.event === 'message' && (await tx.markSeen(handoffKey(event), options.receivedAt))) {
			throw new HandoffOutstanding();
		}
		return { kind: 'duplicate', event, resumePending: false };
	}
	switch (event.event) {
		case 'message':
			return await applyMessage(tx, event, options);
		case 'system':
			await tx.upsertContact({
				account: options.account,
				waId: event.contact.waId,
				userId: event.contact.userId,
				seenAt: eventTime(event, options.receivedAt),
			});
			return recorded(event);
		case 'status':
			return await applyStatus(tx, event, options);
		case 'user_preference':
			return {
				...recorded(event),
				consent: await applyConsentSignal(tx, event, event.contact, options),
			};
		case 'account':
			// Nothing to keep: the dedup mark alone makes a redelivery start no second run.
			return recorded(event);
	}
}

async function applyMessage(
	tx: Store,
	event: InboundMessageEvent,
	options: RecordOptions,
): Promise<EventRecord> {
	const { account, receivedAt } = options;
	const contact = event.contact;
	const { conversation, waitsPending } = await tx.recordInboundMessage({
		account,
		contact,
		...(contact.name ? { profileName: contact.name.slice(0, 256) } : {}),
		at: eventTime(event, receivedAt),
		phoneNumberId: event.business.phoneNumberId,
		waitsAfter: receivedAt,
	});

	const answer = consentAnswerFromReply(event);
	const consent =
		answer !== null
			? await recordChange(tx, options, contact, { kind: 'answer', answer })
			: await applyConsentSignal(tx, event, contact, options);

	if (!waitsPending) await tx.markSeen(handoffKey(event), receivedAt);
	return { ...recorded(event), conversation, consent, waitsPending };
}

async function applyStatus(
	tx: Store,
	event: StatusEvent,
	options: RecordOptions,
): Promise<EventRecord> {
	const at = eventTime(event, options.receivedAt);
	const [error] = event.errors;
	await tx.recordOutboundStatus({
		wamid: event.messageId,
		status: event.status,
		at,
		...(error !== undefined && error.code !== null ? { errorCode: error.code } : {}),
		...(error?.title ? { errorTitle: error.title.slice(0, 1000) } : {}),
	});
	const stopped = event.status === 'failed' && error?.code === MARKETING_STOPPED_CODE;
	const recipient = { ...event.recipient, name: null, username: null };
	const hasRecipient = recipient.waId !== null || recipient.userId !== null;
	const consent =
		stopped && hasRecipient
			? await recordChange(tx, options, recipient, {
					kind: 'signal',
					effect: 'opted_out',
					source: 'in_app',
					matched: String(MARKETING_STOPPED_CODE),
					metaTimeMs: metaTimeOf(event),
					evidence: {
						text: error.details ?? error.title ?? error.message ?? 'Meta error 131050',
						messageIds: [event.messageId],
						metaErrorCode: MARKETING_STOPPED_CODE,
					},
				})
			: null;
	const phoneNumberId = event.business.phoneNumberId;
	if (
		event.status === 'failed' &&
		error?.code === WINDOW_CLOSED_CODE &&
		hasRecipient &&
		phoneNumberId !== null
	) {
		// Proof the window is closed, whatever our clock says; the contact's next message reopens it.
		await tx.recordWindowClosed({
			account: options.account,
			phoneNumberId,
			contact: recipient,
			at,
		});
	}
	const outbound = options.withOutbound ? await tx.getOutbound(event.messageId) : null;
	return { ...recorded(event), consent, outbound };
}

async function applyConsentSignal(
	tx: Store,
	event: InboundMessageEvent | UserPreferenceEvent,
	contact: ContactIdentity,
	options: RecordOptions,
): Promise<ConsentChange | null> {
	const signal = classifyConsentSignal(event, options.consentKeywords);
	if (signal === null) return null;
	return await recordChange(tx, options, contact, {
		kind: 'signal',
		effect: signal.status,
		source: signal.source,
		matched: signal.evidence.matched,
		metaTimeMs: metaTimeOf(event),
		evidence: {
			text: signal.evidence.text.slice(0, EVIDENCE_TEXT_LIMIT),
			messageIds: signal.evidence.messageId === null ? [] : [signal.evidence.messageId],
			matched: signal.evidence.matched,
			at: signal.evidence.at,
		},
	});
}

async function recordChange(
	tx: Store,
	options: RecordOptions,
	contact: ConsentChangeTarget['contact'],
	cause: ConsentChangeCause,
): Promise<ConsentChange> {
	const target = { account: options.account, contact, receivedAt: options.receivedAt };
	return await recordConsentChange(tx, target, cause);
}

function recorded(event: RecordableEvent) {
	return {
		kind: 'recorded' as const,
		event,
		conversation: null,
		consent: null,
		outbound: null,
		waitsPending: false,
	};
}

/** Meta's timestamp, unless it is missing or implausible: then the time the delivery arrived. */
export function eventTime(event: { timestampUnix: number | null }, receivedAt: number): number {
	return plausibleEventTime(metaTimeOf(event), receivedAt);
}

function metaTimeOf(event: { timestampUnix: number | null }): number | null {
	return event.timestampUnix === null ? null : event.timestampUnix * 1000;
}

function isConflict(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	return typeof code === 'string' && CONFLICT_CODES.has(code);
}
