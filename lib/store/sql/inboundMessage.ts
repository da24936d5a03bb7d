import type { InboundMessageResult } from '../types';
import type { ContactKeys } from '../validate';
import { contactRecordOf, ensureContact, keysOf, updateProfile } from './contacts';
import { recordReplyTo } from './outbound';
import type { Db } from './schema';
import { waitingWaitsOf } from './waits';
import { touchContactWindow } from './windows';

export interface InboundMessage {
	account: string;
	keys: ContactKeys;
	profileName: string | null;
	/** The message's event time. */
	at: number;
	phoneNumberId: string | null;
	/** Waits whose deadline is after this still wait (when the delivery arrived). */
	waitsAfter: number;
}

/**
 * What one customer message changes, as upsertContact, touchWindow, recordReply and
 * findWaitingWaits would, with the contact resolved once: the trigger does this for every
 * message before it answers Meta, and each of those would read the contact again.
 * Must run inside a transaction (it may create the contact and keeps its row locked).
 */
export async function recordInboundMessage(
	db: Db,
	message: InboundMessage,
): Promise<InboundMessageResult> {
	const { account, keys, at, phoneNumberId } = message;
	const ensured = await ensureContact(db, account, keys, at);
	const row = await updateProfile(db, ensured, message.profileName, at);
	const contact = contactRecordOf(row);
	if (phoneNumberId === null) return { contact, conversation: null, waitsPending: false };
	const conversation = await touchContactWindow(db, row.id, phoneNumberId, at);
	// The first message after a send is its reply (Campaign Report's "replied within").
	await recordReplyTo(db, account, phoneNumberId, [keys, keysOf(row)], at);
	const waits = await waitingWaitsOf(db, row.id, phoneNumberId, message.waitsAfter, false);
	return { contact, conversation, waitsPending: waits.length > 0 };
}
