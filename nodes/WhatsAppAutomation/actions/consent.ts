import type { IExecuteFunctions } from 'n8n-workflow';

import {
	appendOptOutFooterWithin,
	type ConsentPurpose,
	decideConsent,
	OPT_OUT_FOOTERS,
	type UnknownConsentPolicy,
} from '../../../lib/core/consentPolicy';
import type { ConsentKeywordOptions } from '../../../lib/core/consentKeywords';
import { FieldError } from '../../../lib/core/fieldError';
import { LIMITS } from '../../../lib/core/messages';
import { messagesWithin } from '../../../lib/core/pacing';
import { ConsentRecheck, ConsentSkip, OutboundLogBatch } from '../../../lib/consent';
import { accountConsentKeywords } from '../../../lib/inbound';
import type { ConsentState, OutboundKind } from '../../../lib/store/types';
import type { CloudApiCredentials, SendResponse } from '../../../lib/transport/graphApi';
import { type AccountStore, openAccountStore, type StoreLogger } from '../../helpers/storeAccess';
import { readItemParameter } from '../../helpers/itemParameter';

/** Why the store knows a window is closed. */
export interface ClosedWindow {
	lastInboundAt: Date;
	/** Meta reported 131047 at this time, after the contact's last message. */
	closedByMetaAt: Date | null;
}

/** What the consent check needs of a prepared send. */
export interface ConsentSubject {
	itemIndex: number;
	sender: { id: string; display_phone_number?: string };
	recipient?: { phone: string; waId: string; name?: string };
	body: Record<string, unknown>;
	purpose?: ConsentPurpose;
	unknownConsent?: UnknownConsentPolicy;
	template?: { name: string; language: string; category: string };
	renderedText?: string;
	/** The consent seen by the last check before sending. */
	consent?: ConsentState;
	logProblem?: string | null;
}

/** The pace of the run, which sizes the consent re-check groups and the message log's batches. */
export interface SendPace {
	ratePerSecond: number;
	concurrency: number;
}

/** The longest message log batch: about half a second of sending at most rates (docs/STORE.md). */
const LOG_BATCH_MAX = 100;
/**
 * At most this long a sent message waits for its batch while sending goes on: Meta's status
 * webhooks, which the trigger matches with the log, come later than that.
 */
const LOG_MAX_DELAY_MS = 100;

/**
 * Consent for one execution of the send node. `screen` and `closedWindows` decide a chunk of items
 * with one store query each before any of them is sent. `recheck` runs again right before each
 * request, for a group of messages about to leave at once (as many as run in parallel, at most a
 * quarter of a second's worth at the set rate, read at most a second before each leaves), so an
 * opt-out recorded while the batch is going out stops every message whose group is read after
 * it. Accepted messages go to the message log in batches (about half a second's worth, at most
 * LOG_BATCH_MAX, each message written within about LOG_MAX_DELAY_MS while sending goes on):
 * `flushLog` must be awaited before the run returns or throws.
 */
export class SendConsent {
	private readonly recheckReader: ConsentRecheck<number>;

	private readonly log: OutboundLogBatch;

	private constructor(
		readonly accountStore: AccountStore,
		pace: SendPace,
	) {
		this.recheckReader = new ConsentRecheck(accountStore.store, accountStore.account, {
			groupSize: messagesWithin(0.25, pace.ratePerSecond, pace.concurrency),
		});
		this.log = new OutboundLogBatch(
			accountStore.store,
			messagesWithin(0.5, pace.ratePerSecond, LOG_BATCH_MAX),
			LOG_MAX_DELAY_MS,
		);
	}

	static async open(
		credentials: CloudApiCredentials,
		logger: StoreLogger,
		pace: SendPace,
	): Promise<SendConsent> {
		return new SendConsent(await openAccountStore(credentials, logger), pace);
	}

	/** Items that may be sent, and the skipped ones with their reasons: one query for all. */
	async screen<T extends ConsentSubject>(
		items: T[],
	): Promise<{ allowed: T[]; skipped: Array<{ item: T; skip: ConsentSkip }> }> {
		const states = await this.accountStore.store.getConsentMany(
			this.accountStore.account,
			items.map(recipientOf),
		);
		const allowed: T[] = [];
		const skipped: Array<{ item: T; skip: ConsentSkip }> = [];
		items.forEach((item, k) => {
			const skip = refusal(item, states[k]);
			if (skip) skipped.push({ item, skip });
			else {
				item.consent = states[k];
				allowed.push(item);
			}
		});
		return { allowed, skipped };
	}

	/**
	 * Decides an item `screen` allowed once more, on the consent it read then (no query): for an
	 * item whose message changed since, a free-form message replaced by its window-closed
	 * template, whose purpose may be marketing. Null when it may still be sent.
	 */
	screenAgain(item: ConsentSubject): ConsentSkip | null {
		if (!item.consent) throw new Error(`Item ${item.itemIndex} was not screened for consent`);
		return refusal(item, item.consent);
	}

	/**
	 * Free-form messages to contacts whose 24-hour window the store knows to be closed: 24 hours
	 * passed since their last message, or Meta reported 131047 for a message to them since (Meta's
	 * clock decides, not ours). A contact the store has never heard from is not in the map: the
	 * trigger may not be in use, so Meta decides. One query for all the items.
	 */
	async closedWindows(items: ConsentSubject[], now: Date): Promise<Map<number, ClosedWindow>> {
		const windows = await this.accountStore.store.getWindowMany(
			this.accountStore.account,
			items.map((item) => ({ phoneNumberId: item.sender.id, contact: recipientOf(item) })),
		);
		const closed = new Map<number, ClosedWindow>();
		items.forEach((item, k) => {
			const window = windows[k];
			if (window && (window.closedByMetaAt || window.expiresAt.getTime() <= now.getTime())) {
				closed.set(item.itemIndex, {
					lastInboundAt: window.lastInboundAt,
					closedByMetaAt: window.closedByMetaAt,
				});
			}
		});
		return closed;
	}

	/** The items handed to the sender, in that order: their re-checks are read in groups. */
	expect(items: ConsentSubject[]): void {
		for (const item of items) this.recheckReader.expect(item.itemIndex, recipientOf(item));
	}

	/** Throws ConsentSkip when the contact's consent changed against this send since `screen`. */
	async recheck(item: ConsentSubject): Promise<void> {
		const state = await this.recheckReader.read(item.itemIndex, recipientOf(item));
		const skip = refusal(item, state);
		if (skip) throw skip;
		item.consent = state;
	}

	/** Queues the accepted message for the log; a write that fails shows on the item. */
	logAccepted(item: ConsentSubject, response: SendResponse): void {
		const wamid = response.messages?.[0]?.id;
		if (!wamid) return;
		this.log.add(
			{
				wamid,
				account: this.accountStore.account,
				phoneNumberId: item.sender.id,
				recipient: recipientOf(item),
				kind: kindOf(item.body),
				templateName: item.template?.name,
				templateLanguage: item.template?.language,
				category: item.template?.category,
				text: item.renderedText,
				callbackData: callbackDataOf(item.body),
				recipientName: item.recipient?.name,
				purpose: item.purpose,
				sentAt: Date.now(),
			},
			(problem) => {
				item.logProblem = problem;
			},
		);
	}

	/** Writes the log's last batch and waits for every write. */
	async flushLog(): Promise<void> {
		await this.log.flush();
	}
}

function recipientOf(item: ConsentSubject): string {
	if (!item.recipient)
		throw new Error(`Item ${item.itemIndex} has no recipient to check consent for`);
	return item.recipient.waId;
}

function refusal(item: ConsentSubject, state: ConsentState): ConsentSkip | null {
	const decision = decideConsent(
		state.status,
		item.purpose ?? 'service',
		item.unknownConsent ?? 'allow',
	);
	return decision.route === 'allowed'
		? null
		: new ConsentSkip(`Not sent: ${decision.reason}.`, state);
}

const KIND_BY_TYPE: Record<string, OutboundKind> = {
	template: 'template',
	text: 'text',
	interactive: 'interactive',
	location: 'location',
	contacts: 'contacts',
	reaction: 'reaction',
};

/** The campaign a send belongs to: the request's `biz_opaque_callback_data`, as Meta echoes it. */
function callbackDataOf(body: Record<string, unknown>): string | undefined {
	const data = body.biz_opaque_callback_data;
	return typeof data === 'string' && data !== '' ? data : undefined;
}

function kindOf(body: Record<string, unknown>): OutboundKind {
	return KIND_BY_TYPE[String(body.type)] ?? 'media';
}

/**
 * The body and footer of a marketing interactive message (buttons, list, link button) with its
 * opt-out line: in the footer when that is free and short enough, else under the body.
 */
export function withInteractiveOptOut(
	fn: IExecuteFunctions,
	itemIndex: number,
	purpose: ConsentPurpose,
	text: { body: unknown; footer?: string; bodyMax: number },
): { body: unknown; footer?: string } {
	const optOut = optOutFooterFor(fn, itemIndex, purpose);
	if (optOut && !text.footer && [...optOut].length <= LIMITS.footer) {
		return { body: text.body, footer: optOut };
	}
	if (optOut && typeof text.body === 'string' && text.body.trim() !== '') {
		return {
			body: appendOptOutFooterWithin('Body Text', text.body, optOut, text.bodyMax),
			footer: text.footer,
		};
	}
	return { body: text.body, footer: text.footer };
}

/** The opt-out footer a marketing text or buttons message gets; undefined when none applies. */
export function optOutFooterFor(
	fn: IExecuteFunctions,
	itemIndex: number,
	purpose: ConsentPurpose,
): string | undefined {
	if (purpose !== 'marketing') return undefined;
	const choice = readItemParameter(fn, 'optOutFooter', itemIndex, 'en') as string;
	if (choice === 'none') return undefined;
	if (choice === 'en' || choice === 'de') return OPT_OUT_FOOTERS[choice];
	if (choice !== 'custom') {
		throw new FieldError(
			'Opt-Out Footer',
			choice,
			'is not a known footer',
			'Choose English, German, Custom or None.',
		);
	}
	const text = String(readItemParameter(fn, 'optOutFooterText', itemIndex, '') ?? '').trim();
	if (text === '') {
		throw new FieldError(
			'Footer Text',
			text,
			'is empty',
			'Enter the opt-out line, e.g. "Reply INFOSTOP to unsubscribe", or choose English or German.',
		);
	}
	return text;
}

/**
 * The words the account's triggers record consent with, for the MARKETING-template check: a
 * quick reply the user made an opt-out word in their trigger counts as one. Undefined (the default
 * lists) when no trigger stored any, or when the store cannot be read: the check only warns, and
 * the consent check before sending reports a store that is down.
 */
export async function triggerConsentKeywords(
	credentials: CloudApiCredentials,
	logger: StoreLogger,
): Promise<ConsentKeywordOptions | undefined> {
	try {
		const { store, account } = await openAccountStore(credentials, logger);
		return accountConsentKeywords(await store.listRoutes(account)) ?? undefined;
	} catch (error) {
		logger.warn(
			'The triggers’ consent words could not be read; the MARKETING-template check uses the default opt-out words',
			{ reason: (error as Error).message },
		);
		return undefined;
	}
}
