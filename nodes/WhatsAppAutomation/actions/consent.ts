import type { IExecuteFunctions } from 'n8n-workflow';

import {
	type ConsentPurpose,
	decideConsent,
	OPT_OUT_FOOTERS,
	type UnknownConsentPolicy,
} from '../../../lib/core/consentPolicy';
import { FieldError } from '../../../lib/core/fieldError';
import { ConsentRecheck, ConsentSkip, logAcceptedMessage } from '../../../lib/consent';
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

/**
 * Consent for one execution of the send node. `screen` decides the whole batch with one store
 * query before anything is sent; `recheck` runs again right before each request, so an opt-out
 * recorded while the batch is going out stops every message whose check comes after it.
 */
export class SendConsent {
	private readonly recheckReader: ConsentRecheck;

	private constructor(private readonly accountStore: AccountStore) {
		this.recheckReader = new ConsentRecheck(accountStore.store, accountStore.account);
	}

	static async open(credentials: CloudApiCredentials, logger: StoreLogger): Promise<SendConsent> {
		return new SendConsent(await openAccountStore(credentials, logger));
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
	 * Free-form messages to contacts whose 24-hour window the store knows to be closed: 24 hours
	 * passed since their last message, or Meta reported 131047 for a message to them since (Meta's
	 * clock decides, not ours). A contact the store has never heard from is not in the map: the
	 * trigger may not be in use, so Meta decides.
	 */
	async closedWindows(items: ConsentSubject[], now: Date): Promise<Map<number, ClosedWindow>> {
		const closed = new Map<number, ClosedWindow>();
		for (const item of items) {
			const window = await this.accountStore.store.getWindow({
				account: this.accountStore.account,
				phoneNumberId: item.sender.id,
				contact: recipientOf(item),
			});
			if (window && (window.closedByMetaAt || window.expiresAt.getTime() <= now.getTime())) {
				closed.set(item.itemIndex, {
					lastInboundAt: window.lastInboundAt,
					closedByMetaAt: window.closedByMetaAt,
				});
			}
		}
		return closed;
	}

	/** Throws ConsentSkip when the contact's consent changed against this send since `screen`. */
	async recheck(item: ConsentSubject): Promise<void> {
		const state = await this.recheckReader.read(recipientOf(item));
		const skip = refusal(item, state);
		if (skip) throw skip;
		item.consent = state;
	}

	async logAccepted(item: ConsentSubject, response: SendResponse): Promise<void> {
		const wamid = response.messages?.[0]?.id;
		if (!wamid) return;
		item.logProblem = await logAcceptedMessage(this.accountStore.store, {
			wamid,
			phoneNumberId: item.sender.id,
			recipient: recipientOf(item),
			kind: kindOf(item.body),
			templateName: item.template?.name,
			templateLanguage: item.template?.language,
			category: item.template?.category,
			text: item.renderedText,
			sentAt: Date.now(),
		});
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
};

function kindOf(body: Record<string, unknown>): OutboundKind {
	return KIND_BY_TYPE[String(body.type)] ?? 'media';
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
