import type { EraseSummary } from '../types';
import type { ContactKeys } from '../validate';
import { isSuppressing } from './consentOrder';
import {
	consentMarkOf,
	findContactRows,
	identityHashes,
	keysOf,
	pickContact,
	suppressionOf,
} from './contacts';
import type { Db } from './schema';

/**
 * Deletes everything the store holds about one contact of an account. If the contact was opted
 * out or blocked, a record of that status stays under hashes of its identifiers, so the contact
 * is still suppressed when it writes again. The outbound log and AI history are not scoped by
 * account: they are deleted for every account of this store. In a transaction.
 */
export async function eraseContact(
	db: Db,
	account: string,
	given: ContactKeys,
	now: number,
): Promise<EraseSummary> {
	const t = db.tables;
	const contact = pickContact(await findContactRows(db, account, given, true), given);
	const allKeys = contact ? [given, keysOf(contact)] : [given];
	const hashes = unique(allKeys.flatMap(identityHashes));
	const mark = consentMarkOf(contact) ?? (await suppressionOf(db, account, hashes));
	const suppressedAs = mark && isSuppressing(mark.status) ? mark.status : null;
	await db.session.execute(
		`DELETE FROM ${t.consent_suppressions} WHERE account = $1 AND ${db.dialect.inList('identity_hash', '$2')}`,
		[account, db.dialect.listParam(hashes)],
	);
	if (mark && suppressedAs) {
		for (const hash of hashes) {
			await db.session.execute(
				`INSERT INTO ${t.consent_suppressions} (account, identity_hash, status, source, event_at, recorded_at)
				VALUES ($1, $2, $3, $4, $5, $6)`,
				[account, hash, suppressedAs, mark.source, mark.eventAt, now],
			);
		}
	}
	const byContact = async (table: string) =>
		contact
			? await db.session.execute(`DELETE FROM ${table} WHERE contact_id = $1`, [contact.id])
			: 0;
	const deleted: EraseSummary['deleted'] = {
		consentHistory: await byContact(t.consent_history),
		windows: await byContact(t.conversation_windows),
		waits: await byContact(t.waits),
		contacts: contact
			? await db.session.execute(`DELETE FROM ${t.contacts} WHERE id = $1`, [contact.id])
			: 0,
		outboundMessages: await eraseOutbound(db, unique(allKeys.flatMap(recipientsOf))),
		aiMessages: await eraseAiHistory(db, unique(allKeys.flatMap(recipientsOf))),
	};
	return { contactFound: contact !== undefined, suppressedAs, deleted };
}

/** Recipients and AI customers are stored like contact keys (a wa_id without its `+`). */
function recipientsOf(keys: ContactKeys): string[] {
	return [keys.waId, keys.userId].filter((key): key is string => key !== null);
}

function unique(values: string[]): string[] {
	return [...new Set(values)];
}

async function eraseOutbound(db: Db, recipients: string[]): Promise<number> {
	const t = db.tables;
	const list = db.dialect.listParam(recipients);
	await db.session.execute(
		`DELETE FROM ${t.outbound_statuses} WHERE wamid IN (
			SELECT wamid FROM ${t.outbound_messages} WHERE ${db.dialect.inList('recipient', '$1')}
		)`,
		[list],
	);
	return await db.session.execute(
		`DELETE FROM ${t.outbound_messages} WHERE ${db.dialect.inList('recipient', '$1')}`,
		[list],
	);
}

async function eraseAiHistory(db: Db, customers: string[]): Promise<number> {
	const t = db.tables;
	const list = db.dialect.listParam(customers);
	const deleted = await db.session.execute(
		`DELETE FROM ${t.ai_messages} WHERE conversation_id IN (
			SELECT conversation_id FROM ${t.ai_conversations} WHERE ${db.dialect.inList('customer', '$1')}
		)`,
		[list],
	);
	await db.session.execute(
		`DELETE FROM ${t.ai_conversations} WHERE ${db.dialect.inList('customer', '$1')}`,
		[list],
	);
	return deleted;
}
