/**
 * A campaign of `messages` sends in the message log, written straight into a migrated store with
 * multi-row INSERTs (the store's own writers would take minutes for 100,000 messages and their
 * 300,000 statuses): every recipient a contact, 97 % delivered (2 % of them read with no
 * delivered status, as Meta may report it), 62 % read, 3 % failed (two error codes), 10 %
 * replied within an hour, 2 % opted out within a day. `expected` says what the report must
 * count, so the benchmark checks its answer as well as its time.
 */
import { migrate, tablesFor } from '../../lib/store/sql/schema';
import type { SqlBackend, SqlValue } from '../../lib/store/sql/session';

export const ACCOUNT = 'waba-bench';
export const PHONE = 'phone-bench';
export const CAMPAIGN = 'bench-campaign';
export const BASE_TIME = Date.UTC(2026, 0, 1);
const HOUR = 60 * 60 * 1000;

export interface SeededCounts {
	sent: number;
	delivered: number;
	read: number;
	failed: number;
	replied: number;
	optedOut: number;
}

/** Message i's fate, from its index: the same on every run and backend. */
function fate(i: number) {
	const slot = i % 100;
	const failed = slot < 3;
	return {
		failed,
		errorCode: slot === 0 ? 131049 : 131026,
		delivered: !failed && slot < 98,
		read: !failed && slot >= 38,
		replied: slot >= 90,
		optedOut: slot === 50 || slot === 51,
	};
}

export function expectedCounts(messages: number): SeededCounts {
	const counts: SeededCounts = {
		sent: 0,
		delivered: 0,
		read: 0,
		failed: 0,
		replied: 0,
		optedOut: 0,
	};
	for (let i = 0; i < messages; i++) {
		const f = fate(i);
		counts.sent++;
		if (f.delivered || f.read) counts.delivered++;
		if (f.read) counts.read++;
		if (f.failed) counts.failed++;
		if (f.replied) counts.replied++;
		if (f.optedOut) counts.optedOut++;
	}
	return counts;
}

export const recipientOf = (i: number) => `49151${String(i).padStart(8, '0')}`;
export const sentAtOf = (i: number) => BASE_TIME + i * 100;

const ROWS_PER_INSERT = 500;

async function insertRows(
	backend: SqlBackend,
	table: string,
	columns: string[],
	rows: SqlValue[][],
): Promise<void> {
	for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
		const chunk = rows.slice(start, start + ROWS_PER_INSERT);
		const placeholders = chunk.map(
			(_, row) =>
				`(${columns.map((__, column) => `$${row * columns.length + column + 1}`).join(', ')})`,
		);
		await backend.transaction(async (session) => {
			await session.execute(
				`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${placeholders.join(', ')}`,
				chunk.flat(),
			);
		});
	}
}

/** Migrates the store behind `backend` and writes the campaign's rows. */
export async function seedCampaign(backend: SqlBackend, messages: number): Promise<void> {
	await migrate(backend);
	const t = tablesFor(backend.dialect);
	const outbound: SqlValue[][] = [];
	const statuses: SqlValue[][] = [];
	const contacts: SqlValue[][] = [];
	const history: SqlValue[][] = [];
	for (let i = 0; i < messages; i++) {
		const f = fate(i);
		const wamid = `wamid.BENCH${i}`;
		const sentAt = sentAtOf(i);
		outbound.push([
			wamid,
			ACCOUNT,
			PHONE,
			recipientOf(i),
			'template',
			'spring_sale',
			'en_US',
			'MARKETING',
			CAMPAIGN,
			'marketing',
			sentAt,
			f.replied ? sentAt + HOUR : null,
		]);
		statuses.push([wamid, 'sent', sentAt + 1000, null, null]);
		if (f.failed)
			statuses.push([wamid, 'failed', sentAt + 2000, f.errorCode, `error ${f.errorCode}`]);
		if (f.delivered) statuses.push([wamid, 'delivered', sentAt + 2000, null, null]);
		if (f.read) statuses.push([wamid, 'read', sentAt + 60_000, null, null]);
		contacts.push([`contact-${i}`, ACCOUNT, recipientOf(i), sentAt]);
		if (f.optedOut) {
			history.push([
				`contact-${i}`,
				'unknown',
				'opted_out',
				'keyword',
				sentAt + 12 * HOUR,
				sentAt + 12 * HOUR,
				1,
			]);
		}
	}
	await insertRows(
		backend,
		t.outbound_messages,
		[
			'wamid',
			'account',
			'phone_number_id',
			'recipient',
			'kind',
			'template_name',
			'template_language',
			'category',
			'callback_data',
			'purpose',
			'sent_at',
			'replied_at',
		],
		outbound,
	);
	await insertRows(
		backend,
		t.outbound_statuses,
		['wamid', 'status', 'status_at', 'error_code', 'error_title'],
		statuses,
	);
	await insertRows(backend, t.contacts, ['id', 'account', 'wa_id', 'created_at'], contacts);
	await insertRows(
		backend,
		t.consent_history,
		['contact_id', 'previous_status', 'new_status', 'source', 'event_at', 'recorded_at', 'applied'],
		history,
	);
}
