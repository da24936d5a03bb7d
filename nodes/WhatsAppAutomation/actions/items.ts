import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { type ConsentSkip, consentStateJson } from '../../../lib/consent';
import type { SendResponse } from '../../../lib/transport/graphApi';
import type { ConsentSubject } from './consent';
import type { QualityPause } from './qualityPause';
import type { PreparedSend } from './types';

/**
 * The output items of the send node. A sent and a skipped item describe the same message the same
 * way (type, recipient, sender, template), so both are written here, by the same functions.
 */

/** What was (or would have been) sent, from whom: the same fields whether it left or was skipped. */
function messageFields(item: ConsentSubject, waId: string | null): IDataObject {
	return {
		// A read receipt's body has no message type.
		type: String(item.body.type ?? 'read'),
		waId,
		sender: {
			phoneNumberId: item.sender.id,
			displayPhoneNumber: item.sender.display_phone_number ?? null,
		},
	};
}

/** To whom, and which template: absent for a read receipt. */
function addresseeFields(item: ConsentSubject): IDataObject {
	const json: IDataObject = {};
	if (item.recipient) {
		json.recipient = {
			phone: item.recipient.phone,
			waId: item.recipient.waId,
			name: item.recipient.name ?? null,
		};
	}
	if (item.template) {
		json.template = {
			name: item.template.name,
			language: item.template.language,
			category: item.template.category,
		};
	}
	return json;
}

/**
 * For a free-form message with a window-closed template: what went out (`sentAs`: the template, or
 * the message itself as `text`, `buttons` or `media`) and, when the template replaced it, why
 * (`fallback`). Absent when a closed window fails the item, so those outputs are as they were.
 */
function windowClosedFields(p: PreparedSend, sent: boolean): IDataObject {
	if (!p.windowClosed) return {};
	const json: IDataObject = {};
	if (sent) json.sentAs = p.fallback ? 'template' : p.windowClosed.freeForm;
	if (p.fallback) {
		json.fallback = {
			...p.fallback,
			template: p.windowClosed.template.name,
			language: p.windowClosed.template.language,
		};
	}
	return json;
}

/** Meta accepted the message (or the read receipt). */
export function sentItem(
	p: PreparedSend,
	response: SendResponse,
	attempts: number,
): INodeExecutionData {
	const message = response.messages?.[0];
	const json: IDataObject = {
		messageId: message?.id ?? null,
		status: message?.message_status ?? (response.success ? 'read' : 'accepted'),
		...messageFields(p, response.contacts?.[0]?.wa_id ?? p.recipient?.waId ?? null),
		attempts,
		...addresseeFields(p),
	};
	if (p.renderedText !== undefined) json.renderedText = p.renderedText;
	if (!message) json.readMessageId = p.body.message_id as string;
	if (p.purpose) json.purpose = p.purpose;
	if (p.consent) json.consent = consentStateJson(p.consent);
	if (p.logProblem) json.logProblem = p.logProblem;
	if (p.warnings) json.warnings = p.warnings as unknown as IDataObject[];
	Object.assign(json, windowClosedFields(p, true));
	return { json, pairedItem: { item: p.itemIndex } };
}

/** A skipped item: not an error, the batch goes on; the reason says why nothing was sent. */
export function skippedItem(item: PreparedSend, skip: ConsentSkip): INodeExecutionData {
	const json: IDataObject = {
		skipped: true,
		reason: skip.reason,
		purpose: item.purpose ?? null,
		consent: consentStateJson(skip.state),
		...messageFields(item, item.recipient?.waId ?? null),
		...addresseeFields(item),
		...windowClosedFields(item, false),
	};
	if (item.warnings) json.warnings = item.warnings as unknown as IDataObject[];
	return { json, pairedItem: { item: item.itemIndex } };
}

/** Not sent because the sender's quality turned low ("Pause When Quality Is Low"): run it again later. */
export function pausedItem(item: PreparedSend, pause: QualityPause): INodeExecutionData {
	const json: IDataObject = {
		skipped: true,
		reason: pause.message,
		purpose: item.purpose ?? null,
		pausedForQuality: { qualityRating: pause.qualityRating, checkedAt: pause.checkedAt },
		...messageFields(item, item.recipient?.waId ?? null),
		...addresseeFields(item),
		...windowClosedFields(item, false),
	};
	if (item.warnings) json.warnings = item.warnings as unknown as IDataObject[];
	return { json, pairedItem: { item: item.itemIndex } };
}

/**
 * An item that is not sent for a reason known before sending, other than consent: a template
 * Meta paused or disabled with "When the Template Is Paused" → Skip the Item. Thrown by an
 * operation's preparation; the pipeline turns it into a skipped output item.
 */
export class SkipBeforeSending extends Error {
	constructor(
		readonly reason: string,
		readonly item: PreparedSend,
		readonly details: IDataObject,
	) {
		super(reason);
		this.name = 'SkipBeforeSending';
	}
}

export function skippedBeforeSendingItem(skip: SkipBeforeSending): INodeExecutionData {
	const json: IDataObject = {
		skipped: true,
		reason: skip.reason,
		purpose: skip.item.purpose ?? null,
		...messageFields(skip.item, skip.item.recipient?.waId ?? null),
		...addresseeFields(skip.item),
		...skip.details,
	};
	return { json, pairedItem: { item: skip.item.itemIndex } };
}
