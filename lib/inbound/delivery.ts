/**
 * One verified webhook POST, end to end and free of n8n: record every event (one transaction
 * each), hand new customer messages to waiting follow-ups, confirm opt-outs, and decide the
 * answer. Meta gets 200 only when everything is committed; otherwise 503 so it redelivers, and
 * the dedup marks make the redelivery do only what is still missing. Items of the events that were
 * committed are returned either way: a redelivery finds them already seen and will not emit them.
 */
import { contactLabel } from '../core/contact';
import { eventDedupKey, type InboundMessageEvent, type ParsedWebhook } from '../core/webhookEvents';
import { WEBHOOK_HANDOFF_BUDGET_MS, WEBHOOK_RESUME_REQUEST_TIMEOUT_MS } from '../core/timeouts';
import type { Store } from '../store';
import type { ResumeResult } from '../waits/resume';
import { itemsForEvent, type EventFacts, type TriggerItem } from './items';
import { optOutConfirmationText } from './optOutConfirmation';
import { handoffKey, recordEvent, type EventRecord, type RecordableEvent } from './record';
import type { TriggerSettings } from './settings';

/**
 * lib/waits' hand-off: resumes the contact's follow-up waits this message satisfies. It throws
 * when it could not claim (the store failed): the waits are still waiting and a redelivery can
 * try again. Failures it returns are settled by lib/waits: a transient one (no answer, 5xx, 409
 * before the deadline) puts the wait back to waiting and says `resumableLater`, as does a wait
 * not tried before `attemptsBefore`; a permanent one expires it (No Reply at the deadline).
 */
export type ResumeWaits = (
	store: Store,
	event: InboundMessageEvent,
	account: string,
	attemptsBefore: Date,
) => Promise<ResumeResult>;

export interface InboundLog {
	warn(message: string, meta?: Record<string, unknown>): void;
}

export interface DeliveryPorts {
	/** The credential's store and account; throws when the store cannot be reached or is misconfigured. */
	openStore(): Promise<{ store: Store; account: string }>;
	/**
	 * The store's periodic clean-up (old dedup keys, settled waits, data past its retention) when
	 * it is due; cheap when not. Never throws: failures are the port's to log.
	 */
	housekeeping(access: { store: Store; account: string }): Promise<void>;
	resumeWaits: ResumeWaits;
	/** Sends a free-text message; returns its wamid. */
	sendText(
		phoneNumberId: string,
		to: { waId: string | null; userId: string | null },
		text: string,
	): Promise<string | null>;
	log: InboundLog;
	now(): number;
}

export interface DeliveryStats {
	events: number;
	recorded: number;
	duplicates: number;
	/** Not committed; a redelivery will process them. */
	failed: number;
	waitsResumed: number;
	/**
	 * Messages whose hand-off could not run at all (the store failed) or left a wait that this
	 * message may still resume (n8n did not take it for now, or the time ran out); a redelivery
	 * retries them.
	 */
	handoffsFailed: number;
	confirmationsSent: number;
}

/** An event this delivery recorded, with what choosing its routes needs (lib/inbound/router.ts). */
export interface RecordedEvent {
	facts: EventFacts;
	/** A waiting Follow-up Wait took this reply (or will: its hand-off is retried on redelivery). */
	consumedByWait: boolean;
}

export interface DeliveryOutcome {
	/** 200: everything committed. 503: something is missing, Meta should redeliver. */
	status: 200 | 503;
	items: TriggerItem[];
	/** Every event recorded now (also those the store refused as bad data: with null facts). */
	recorded: RecordedEvent[];
	/** Events an earlier delivery recorded: only their unfinished forwards are left to do. */
	duplicates: RecordableEvent[];
	stats: DeliveryStats;
	/** Why a redelivery is asked for; never holds secrets. */
	retryReason: string | null;
}

export async function processDelivery(
	parsed: ParsedWebhook,
	settings: TriggerSettings,
	ports: DeliveryPorts,
): Promise<DeliveryOutcome> {
	const receivedAt = ports.now();
	for (const note of parsed.errors) {
		ports.log.warn(`Skipped a malformed part of a WhatsApp webhook: ${note.reason}`, {
			path: note.path,
		});
	}
	const events = parsed.events.filter(
		(event): event is RecordableEvent => event.event !== 'other_field',
	);
	const stats: DeliveryStats = {
		events: events.length,
		recorded: 0,
		duplicates: 0,
		failed: 0,
		waitsResumed: 0,
		handoffsFailed: 0,
		confirmationsSent: 0,
	};
	const outcome: DeliveryOutcome = {
		status: 200,
		items: [],
		recorded: [],
		duplicates: [],
		stats,
		retryReason: null,
	};
	if (events.length === 0) return outcome;

	const retry = (reason: string) => {
		outcome.status = 503;
		outcome.retryReason ??= reason;
	};
	let access: { store: Store; account: string };
	try {
		access = await ports.openStore();
	} catch (error) {
		stats.failed = events.length;
		retry(`the store cannot be opened: ${describe(error)}`);
		return outcome;
	}
	const { store, account } = access;
	// Every hand-off of this delivery shares one budget, so Meta gets its answer in time; a
	// POST starts only when its own timeout still fits in it.
	const attemptsBefore = new Date(
		receivedAt + WEBHOOK_HANDOFF_BUDGET_MS - WEBHOOK_RESUME_REQUEST_TIMEOUT_MS,
	);
	/** True when a wait took the reply, or may still take it when Meta redelivers. */
	const handOff = async (event: InboundMessageEvent): Promise<boolean> => {
		try {
			const result = await ports.resumeWaits(store, event, account, attemptsBefore);
			stats.waitsResumed += result.resumed;
			for (const failure of result.failures) {
				ports.log.warn('A follow-up wait could not be resumed by the customer’s reply', {
					messageId: event.messageId,
					executionId: failure.executionId,
					reason: failure.reason,
					statusCode: failure.statusCode,
					detail: failure.detail,
				});
			}
			const later = result.failures.filter((failure) => failure.resumableLater);
			if (later.length > 0) {
				// The hand-off mark stays unset: Meta's redelivery finds the message recorded
				// (no second run of this trigger) and only retries these waits.
				stats.handoffsFailed++;
				const reasons = [...new Set(later.map((failure) => failure.reason))].join(', ');
				retry(
					`${later.length} follow-up wait(s) of ${event.messageId} could not be resumed yet (${reasons})`,
				);
				return true;
			}
			await store.markSeen(handoffKey(event), receivedAt);
			return result.resumed > 0;
		} catch (error) {
			stats.handoffsFailed++;
			retry(`the follow-up waits of ${event.messageId} could not be resumed: ${describe(error)}`);
			return true;
		}
	};

	for (const [index, event] of events.entries()) {
		const record: EventRecord = await recordEvent(store, event, {
			account,
			consentKeywords: settings.consentKeywords,
			receivedAt,
			withOutbound: settings.events.has('messageStatus'),
		});
		if (record.kind === 'failed') {
			if (record.transient) {
				// Later events wait for the redelivery: they may be the same contact's next
				// messages, and a store that is down would fail each of them slowly.
				stats.failed += events.length - index;
				retry(`event ${eventDedupKey(event)} could not be recorded: ${describe(record.error)}`);
				break;
			}
			ports.log.warn(
				'A WhatsApp webhook event cannot be recorded in the store; it starts the workflow without conversation data',
				{ event: eventDedupKey(event), reason: describe(record.error) },
			);
			const facts: EventFacts = { event, conversation: null, consent: null, outbound: null };
			outcome.items.push(...itemsForEvent(facts, settings));
			outcome.recorded.push({ facts, consumedByWait: false });
			continue;
		}
		if (record.kind === 'duplicate') {
			stats.duplicates++;
			outcome.duplicates.push(event);
			if (record.resumePending && event.event === 'message') await handOff(event);
			continue;
		}
		stats.recorded++;
		outcome.items.push(...itemsForEvent(record, settings));
		const consumedByWait =
			record.waitsPending && event.event === 'message' ? await handOff(event) : false;
		const { conversation, consent, outbound } = record;
		outcome.recorded.push({ facts: { event, conversation, consent, outbound }, consumedByWait });
		if (record.consent !== null && event.event === 'message') {
			const text = optOutConfirmationText(
				record.consent,
				settings.optOutConfirmation,
				settings.consentKeywords,
			);
			if (text !== null && (await confirmOptOut(store, account, event, text, ports))) {
				stats.confirmationsSent++;
			}
		}
	}
	// After everything of this delivery is recorded, so a due clean-up never delays it; it never
	// changes the answer to Meta. The port logs its own failures.
	await ports.housekeeping(access);
	return outcome;
}

/** A failed confirmation is logged, never retried: the opt-out itself is already recorded. */
async function confirmOptOut(
	store: Store,
	account: string,
	event: InboundMessageEvent,
	text: string,
	ports: DeliveryPorts,
): Promise<boolean> {
	const phoneNumberId = event.business.phoneNumberId;
	if (phoneNumberId === null) return false;
	let wamid: string | null;
	try {
		wamid = await ports.sendText(phoneNumberId, event.contact, text);
	} catch (error) {
		ports.log.warn('The opt-out confirmation could not be sent', {
			messageId: event.messageId,
			reason: describe(error),
		});
		return false;
	}
	const to = contactLabel(event.contact);
	if (wamid !== null && to !== null) {
		await store
			.logOutbound({
				wamid,
				account,
				phoneNumberId,
				recipient: to,
				kind: 'text',
				text,
				purpose: 'service',
				sentAt: ports.now(),
			})
			.catch((error: unknown) =>
				ports.log.warn('The opt-out confirmation was sent but not logged', {
					reason: describe(error),
				}),
			);
	}
	return true;
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
