import type { SuppressionKey } from '../suppressionKey';
import type { Dialect, SqlBackend, SqlSession } from './session';

/**
 * The store's tables and their versioned migrations. Times are epoch milliseconds (BIGINT) and
 * JSON is TEXT on both databases, so the same statements read and write both.
 */

export const TABLE_NAMES = [
	'schema_migrations',
	'contacts',
	'consent_history',
	'consent_suppressions',
	'conversation_windows',
	'waits',
	'seen_events',
	'outbound_messages',
	'outbound_statuses',
	'ai_conversations',
	'ai_messages',
	'housekeeping',
	'routes',
	'callback_holders',
	'forwarded_events',
	'handovers',
	'pending_forwards',
	'send_budgets',
	'follow_up_sequences',
] as const;

export type Tables = Record<(typeof TABLE_NAMES)[number], string>;

/** Per dialect (a PostgreSQL dialect carries its schema): every transaction handle asks again. */
const tablesByDialect = new WeakMap<Dialect, Tables>();

export function tablesFor(dialect: Dialect): Tables {
	let tables = tablesByDialect.get(dialect);
	if (tables === undefined) {
		tables = Object.fromEntries(TABLE_NAMES.map((name) => [name, dialect.table(name)])) as Tables;
		tablesByDialect.set(dialect, tables);
	}
	return tables;
}

/** Everything a query needs: where to send it, how to spell it, and the accounts' suppression keys. */
export interface Db {
	session: SqlSession;
	dialect: Dialect;
	tables: Tables;
	/** Registered from the credential for this process (useSuppressionKey); null when none was. */
	suppressionKeyOf(account: string): SuppressionKey | null;
}

export interface Migration {
	version: number;
	name: string;
	statements(t: Tables, dialect: Dialect): string[];
}

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		name: 'contacts, consent, windows, waits, dedup, outbound log, AI history',
		statements: (t, d) => [
			// Current consent lives on the contact row, so a lookup by either id is one row.
			`CREATE TABLE ${t.contacts} (
				id TEXT PRIMARY KEY,
				account TEXT NOT NULL,
				wa_id TEXT,
				user_id TEXT,
				profile_name TEXT,
				created_at BIGINT NOT NULL,
				last_seen_at BIGINT,
				consent_status TEXT,
				consent_source TEXT,
				consent_event_at BIGINT,
				UNIQUE (account, wa_id),
				UNIQUE (account, user_id)
			)`,
			`CREATE TABLE ${t.consent_history} (
				id ${d.autoIncrementKey},
				contact_id TEXT NOT NULL,
				previous_status TEXT NOT NULL,
				new_status TEXT NOT NULL,
				source TEXT NOT NULL,
				evidence TEXT,
				event_at BIGINT NOT NULL,
				recorded_at BIGINT NOT NULL,
				applied INTEGER NOT NULL
			)`,
			`CREATE INDEX consent_history_by_contact ON ${t.consent_history} (contact_id, event_at)`,
			// What survives an erasure: sha256 of an identity, so an opt-out stays honoured.
			`CREATE TABLE ${t.consent_suppressions} (
				account TEXT NOT NULL,
				identity_hash TEXT NOT NULL,
				status TEXT NOT NULL,
				source TEXT,
				event_at BIGINT NOT NULL,
				recorded_at BIGINT NOT NULL,
				PRIMARY KEY (account, identity_hash)
			)`,
			`CREATE TABLE ${t.conversation_windows} (
				contact_id TEXT NOT NULL,
				phone_number_id TEXT NOT NULL,
				first_inbound_at BIGINT NOT NULL,
				last_inbound_at BIGINT NOT NULL,
				previous_inbound_at BIGINT,
				conversation_id TEXT NOT NULL,
				conversation_started_at BIGINT NOT NULL,
				PRIMARY KEY (contact_id, phone_number_id)
			)`,
			`CREATE TABLE ${t.waits} (
				id TEXT PRIMARY KEY,
				contact_id TEXT NOT NULL,
				phone_number_id TEXT NOT NULL,
				execution_id TEXT NOT NULL,
				workflow_id TEXT,
				resume_url TEXT NOT NULL,
				secret TEXT,
				deadline BIGINT NOT NULL,
				match_rule TEXT NOT NULL,
				status TEXT NOT NULL,
				created_at BIGINT NOT NULL,
				resolved_at BIGINT
			)`,
			`CREATE INDEX waits_by_contact ON ${t.waits} (contact_id, status)`,
			`CREATE INDEX waits_by_deadline ON ${t.waits} (status, deadline)`,
			`CREATE TABLE ${t.seen_events} (
				event_key TEXT PRIMARY KEY,
				seen_at BIGINT NOT NULL
			)`,
			`CREATE INDEX seen_events_by_time ON ${t.seen_events} (seen_at)`,
			`CREATE TABLE ${t.outbound_messages} (
				wamid TEXT PRIMARY KEY,
				phone_number_id TEXT NOT NULL,
				recipient TEXT NOT NULL,
				kind TEXT NOT NULL,
				template_name TEXT,
				template_language TEXT,
				category TEXT,
				body_text TEXT,
				sent_at BIGINT NOT NULL
			)`,
			`CREATE INDEX outbound_messages_by_recipient ON ${t.outbound_messages} (recipient)`,
			// No foreign key: a status webhook may arrive before the send is logged.
			`CREATE TABLE ${t.outbound_statuses} (
				wamid TEXT NOT NULL,
				status TEXT NOT NULL,
				status_at BIGINT NOT NULL,
				error_code BIGINT,
				error_title TEXT,
				PRIMARY KEY (wamid, status, status_at)
			)`,
			`CREATE TABLE ${t.ai_conversations} (
				assistant TEXT NOT NULL,
				customer TEXT NOT NULL,
				conversation_id TEXT NOT NULL UNIQUE,
				started_at BIGINT NOT NULL,
				PRIMARY KEY (assistant, customer)
			)`,
			`CREATE INDEX ai_conversations_by_customer ON ${t.ai_conversations} (customer)`,
			`CREATE TABLE ${t.ai_messages} (
				id ${d.autoIncrementKey},
				conversation_id TEXT NOT NULL,
				role TEXT NOT NULL,
				content TEXT NOT NULL,
				at BIGINT NOT NULL
			)`,
			`CREATE INDEX ai_messages_by_conversation ON ${t.ai_messages} (conversation_id, at)`,
			`CREATE INDEX ai_messages_by_time ON ${t.ai_messages} (at)`,
		],
	},
	{
		version: 2,
		name: 'resume URLs cleared once settled, housekeeping schedule',
		statements: (t, d) => [
			...waitsWithOptionalResumeUrl(t, d),
			// Before this version nothing recorded whether a hand-off was over: take every
			// resolved wait as settled, so none is mistaken for an abandoned hand-off.
			`UPDATE ${t.waits} SET resume_url = NULL, secret = NULL WHERE status <> 'waiting'`,
			`CREATE TABLE ${t.housekeeping} (
				task TEXT PRIMARY KEY,
				due_at BIGINT NOT NULL
			)`,
			`INSERT INTO ${t.housekeeping} (task, due_at) VALUES ('store', 0)`,
		],
	},
	{
		version: 3,
		name: 'consent before an in-app stop, windows Meta reported closed (131047)',
		statements: (t) => [
			// With previous_status, what an in-app "resume" goes back to. Older rows keep NULL.
			`ALTER TABLE ${t.consent_history} ADD COLUMN previous_source TEXT`,
			// The event time of a 131047 failure: the window is closed until a newer inbound message.
			`ALTER TABLE ${t.conversation_windows} ADD COLUMN reengagement_failed_at BIGINT`,
		],
	},
	{
		version: 4,
		name: 'suppression records keyed per account',
		statements: (t) => [
			// 0: plain SHA-256 of the identity (before this version, or written without a key);
			// 1: HMAC with the account's suppression key, whose fingerprint is kept beside it.
			`ALTER TABLE ${t.consent_suppressions} ADD COLUMN key_version INTEGER NOT NULL DEFAULT 0`,
			`ALTER TABLE ${t.consent_suppressions} ADD COLUMN key_fingerprint TEXT`,
		],
	},
	{
		version: 5,
		name: 'retention: indexes by age',
		// Housekeeping deletes these by age in batches; without an index each batch scans the table.
		statements: (t) => [
			`CREATE INDEX outbound_messages_by_time ON ${t.outbound_messages} (sent_at)`,
			`CREATE INDEX outbound_statuses_by_time ON ${t.outbound_statuses} (status_at)`,
			`CREATE INDEX conversation_windows_by_last_inbound ON ${t.conversation_windows} (last_inbound_at)`,
		],
	},
	{
		version: 6,
		name: 'many trigger workflows on one number: routes, callback holders, forwards, handovers',
		statements: (t) => [
			// One row per published trigger: where its own webhook is and what it wants.
			`CREATE TABLE ${t.routes} (
				account TEXT NOT NULL,
				route_id TEXT NOT NULL,
				webhook_url TEXT NOT NULL,
				role TEXT NOT NULL,
				priority INTEGER NOT NULL,
				filters TEXT NOT NULL,
				receive_consumed_replies INTEGER NOT NULL,
				registration_mode TEXT NOT NULL,
				scopes TEXT NOT NULL,
				published_at BIGINT NOT NULL,
				refreshed_at BIGINT NOT NULL,
				PRIMARY KEY (account, route_id)
			)`,
			// Which route holds Meta's callback of one registration scope; NULL route_id: vacant.
			`CREATE TABLE ${t.callback_holders} (
				account TEXT NOT NULL,
				scope TEXT NOT NULL,
				route_id TEXT,
				held_since BIGINT NOT NULL,
				PRIMARY KEY (account, scope)
			)`,
			// Which routes already got an event, so a redelivery serves only the others.
			`CREATE TABLE ${t.forwarded_events} (
				event_key TEXT NOT NULL,
				route_id TEXT NOT NULL,
				forwarded_at BIGINT NOT NULL,
				PRIMARY KEY (event_key, route_id)
			)`,
			`CREATE INDEX forwarded_events_by_time ON ${t.forwarded_events} (forwarded_at)`,
			// A contact handed over to a person; erased and pruned with the contact.
			`CREATE TABLE ${t.handovers} (
				contact_id TEXT PRIMARY KEY,
				since BIGINT NOT NULL,
				until_at BIGINT,
				reason TEXT,
				started_by TEXT
			)`,
		],
	},
	{
		version: 7,
		name: 'many trigger workflows: what a redelivery needs to finish forwards',
		statements: (t) => [
			// The routed events of a delivery whose forwards are not all done; deleted when they are.
			// The payload holds the message: the event's contact ids let an erase find it.
			`CREATE TABLE ${t.pending_forwards} (
				event_key TEXT PRIMARY KEY,
				payload TEXT NOT NULL,
				saved_at BIGINT NOT NULL,
				wa_id TEXT,
				user_id TEXT
			)`,
			`CREATE INDEX pending_forwards_by_time ON ${t.pending_forwards} (saved_at)`,
		],
	},
	{
		version: 8,
		name: 'one send timeline per business number, shared by executions and processes',
		statements: (t) => [
			// Where the number's send timeline ends (µs): the next free slot for any sender.
			`CREATE TABLE ${t.send_budgets} (
				account TEXT NOT NULL,
				phone_number_id TEXT NOT NULL,
				next_free_us BIGINT NOT NULL,
				PRIMARY KEY (account, phone_number_id)
			)`,
		],
	},
	{
		version: 9,
		name: 'follow-up sequences: a wait’s sequence and number, the count per contact and sequence',
		statements: (t) => [
			// Older waits keep NULL: they belong to no sequence and were not counted.
			`ALTER TABLE ${t.waits} ADD COLUMN sequence TEXT`,
			`ALTER TABLE ${t.waits} ADD COLUMN follow_up INTEGER`,
			`CREATE INDEX waits_by_sequence ON ${t.waits} (sequence, status)`,
			// The count outlives the waits (housekeeping deletes resolved ones): one row per
			// contact and sequence, erased and pruned with the contact.
			`CREATE TABLE ${t.follow_up_sequences} (
				contact_id TEXT NOT NULL,
				sequence TEXT NOT NULL,
				follow_ups INTEGER NOT NULL,
				last_follow_up_at BIGINT NOT NULL,
				PRIMARY KEY (contact_id, sequence)
			)`,
		],
	},
	{
		version: 10,
		name: 'reports from the message log: account, callback data, recipient name, purpose, replies',
		statements: (t, d) => [
			// Older rows keep NULL: no account, so no report selects them.
			`ALTER TABLE ${t.outbound_messages} ADD COLUMN account TEXT`,
			`ALTER TABLE ${t.outbound_messages} ADD COLUMN callback_data TEXT`,
			`ALTER TABLE ${t.outbound_messages} ADD COLUMN recipient_name TEXT`,
			`ALTER TABLE ${t.outbound_messages} ADD COLUMN purpose TEXT`,
			// The recipient's first inbound message after the send, set by the trigger.
			`ALTER TABLE ${t.outbound_messages} ADD COLUMN replied_at BIGINT`,
			// A campaign report reads one campaign's rows; a time-range report one number's.
			`CREATE INDEX outbound_messages_by_campaign ON ${t.outbound_messages} (account, callback_data, sent_at)`,
			`CREATE INDEX outbound_messages_by_sender ON ${t.outbound_messages} (phone_number_id, sent_at)`,
			// recordReply finds a contact's recent messages; it replaces the index by recipient alone.
			`CREATE INDEX outbound_messages_by_recipient_time ON ${t.outbound_messages} (recipient, sent_at)`,
			`DROP INDEX ${d.table('outbound_messages_by_recipient')}`,
		],
	},
];

/** SQLite cannot drop a NOT NULL constraint: it rebuilds the table (inside the migration's transaction). */
function waitsWithOptionalResumeUrl(t: Tables, dialect: Dialect): string[] {
	if (dialect.name === 'postgres') {
		return [`ALTER TABLE ${t.waits} ALTER COLUMN resume_url DROP NOT NULL`];
	}
	const columns =
		'id, contact_id, phone_number_id, execution_id, workflow_id, resume_url, secret, deadline, match_rule, status, created_at, resolved_at';
	return [
		`CREATE TABLE waits_v2 (
			id TEXT PRIMARY KEY,
			contact_id TEXT NOT NULL,
			phone_number_id TEXT NOT NULL,
			execution_id TEXT NOT NULL,
			workflow_id TEXT,
			resume_url TEXT,
			secret TEXT,
			deadline BIGINT NOT NULL,
			match_rule TEXT NOT NULL,
			status TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			resolved_at BIGINT
		)`,
		`INSERT INTO waits_v2 (${columns}) SELECT ${columns} FROM ${t.waits}`,
		`DROP TABLE ${t.waits}`,
		`ALTER TABLE waits_v2 RENAME TO ${t.waits}`,
		`CREATE INDEX waits_by_contact ON ${t.waits} (contact_id, status)`,
		`CREATE INDEX waits_by_deadline ON ${t.waits} (status, deadline)`,
	];
}

const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Brings the schema to the latest version. Safe when several processes start at once: the
 * backend's migration lock (an advisory lock on PostgreSQL, the write lock on SQLite) lets one
 * apply the migrations while the others wait and then find nothing left to do. Tests pass the
 * first migrations only, to build a store as an older version of the package left it.
 */
export async function migrate(
	backend: SqlBackend,
	migrations: readonly Migration[] = MIGRATIONS,
): Promise<void> {
	const t = tablesFor(backend.dialect);
	await backend.withMigrationLock(async (session) => {
		await session.execute(
			`CREATE TABLE IF NOT EXISTS ${t.schema_migrations} (
				version INTEGER PRIMARY KEY,
				name TEXT NOT NULL,
				applied_at BIGINT NOT NULL
			)`,
		);
		const applied = await session.query<{ version: number }>(
			`SELECT version FROM ${t.schema_migrations}`,
		);
		const appliedVersions = new Set(applied.map((row) => Number(row.version)));
		const newest = Math.max(0, ...appliedVersions);
		if (newest > LATEST_SCHEMA_VERSION) {
			throw new Error(
				`The WhatsApp automation store has schema version ${newest}, newer than this package understands (${LATEST_SCHEMA_VERSION}). Update n8n-nodes-whatsapp-automation on every n8n instance that uses this store.`,
			);
		}
		for (const migration of migrations) {
			if (appliedVersions.has(migration.version)) continue;
			for (const statement of migration.statements(t, backend.dialect)) {
				await session.execute(statement);
			}
			await session.execute(
				`INSERT INTO ${t.schema_migrations} (version, name, applied_at) VALUES ($1, $2, $3)`,
				[migration.version, migration.name, Date.now()],
			);
		}
	});
}
