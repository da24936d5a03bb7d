import { homedir } from 'node:os';
import path from 'node:path';

export type PostgresSslMode = 'disable' | 'require' | 'verify-full';

export interface SqliteStoreConfig {
	backend: 'sqlite';
	/** Absolute path of the database file. */
	path: string;
}

export interface PostgresStoreConfig {
	backend: 'postgres';
	host: string;
	port: number;
	database: string;
	user: string;
	password: string;
	ssl: PostgresSslMode;
	/** The package's tables live in this schema (created when missing). */
	schema: string;
}

export type StoreConfig = SqliteStoreConfig | PostgresStoreConfig;

/** The credential's store settings cannot work; the message says which field to change. */
export class StoreConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'StoreConfigError';
	}
}

export const SQLITE_FILE_NAME = 'whatsapp-automation.sqlite';
export const DEFAULT_POSTGRES_SCHEMA = 'whatsapp_automation';
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SSL_MODES: readonly PostgresSslMode[] = ['disable', 'require', 'verify-full'];

type Env = Record<string, string | undefined>;

/**
 * n8n's own folder, computed the way n8n does (`getN8nFolder` in @n8n/config): `.n8n` inside
 * N8N_USER_FOLDER, else inside the home directory, else inside the working directory.
 */
export function n8nFolder(env: Env = process.env): string {
	const homeVariable = process.platform === 'win32' ? 'USERPROFILE' : 'HOME';
	return path.resolve(env.N8N_USER_FOLDER ?? env[homeVariable] ?? process.cwd(), '.n8n');
}

/**
 * Turns the WhatsApp Cloud API credential's State Store fields into a store configuration.
 * Refuses the built-in SQLite store in queue mode, where main, webhook and worker processes
 * would each see a different file.
 */
export function storeConfigFromCredentials(
	credentials: Record<string, unknown>,
	env: Env = process.env,
): StoreConfig {
	const store = credentials.store ?? 'builtin';
	if (store === 'builtin') {
		if (env.EXECUTIONS_MODE === 'queue') {
			throw new StoreConfigError(
				'n8n runs in queue mode (EXECUTIONS_MODE=queue), where the main, webhook and worker processes cannot share the built-in SQLite store. Open the WhatsApp Cloud API credential and switch its State Store to PostgreSQL.',
			);
		}
		return { backend: 'sqlite', path: sqlitePath(credentials.sqlitePath, env) };
	}
	if (store === 'postgres') return postgresConfig(credentials);
	throw new StoreConfigError(
		`The WhatsApp Cloud API credential's State Store is ${JSON.stringify(store)}. Choose "Built-in (SQLite File)" or "PostgreSQL".`,
	);
}

function sqlitePath(value: unknown, env: Env): string {
	const folder = n8nFolder(env);
	const given = typeof value === 'string' ? value.trim() : '';
	if (given === '') return path.join(folder, SQLITE_FILE_NAME);
	const expanded = /^~(?=$|[\\/])/.test(given)
		? path.join(env.HOME ?? homedir(), given.slice(1))
		: given;
	// A relative path is taken inside n8n's folder, not the unpredictable working directory.
	return path.resolve(folder, expanded);
}

function postgresConfig(credentials: Record<string, unknown>): PostgresStoreConfig {
	const schema = textField(credentials, 'postgresSchema', 'Schema') || DEFAULT_POSTGRES_SCHEMA;
	if (!SCHEMA_NAME.test(schema)) {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's Schema ${JSON.stringify(schema)} is not a plain PostgreSQL name. Use letters, digits and underscores (at most 63), starting with a letter, e.g. ${DEFAULT_POSTGRES_SCHEMA}.`,
		);
	}
	const ssl = credentials.postgresSsl ?? 'disable';
	if (!SSL_MODES.includes(ssl as PostgresSslMode)) {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's SSL setting ${JSON.stringify(ssl)} is unknown. Choose Disable, Require or Verify Full.`,
		);
	}
	const password = credentials.postgresPassword;
	return {
		backend: 'postgres',
		host: requiredTextField(credentials, 'postgresHost', 'Host'),
		port: portField(credentials.postgresPort),
		database: requiredTextField(credentials, 'postgresDatabase', 'Database'),
		user: requiredTextField(credentials, 'postgresUser', 'User'),
		password: typeof password === 'string' ? password : '',
		ssl: ssl as PostgresSslMode,
		schema,
	};
}

function textField(credentials: Record<string, unknown>, name: string, label: string): string {
	const value = credentials[name];
	if (value === undefined || value === null) return '';
	if (typeof value !== 'string') {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's ${label} must be text, got a ${typeof value}.`,
		);
	}
	return value.trim();
}

function requiredTextField(
	credentials: Record<string, unknown>,
	name: string,
	label: string,
): string {
	const value = textField(credentials, name, label);
	if (value === '') {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's ${label} is empty. Fill in the PostgreSQL ${label.toLowerCase()} of the store.`,
		);
	}
	return value;
}

function portField(value: unknown): number {
	const port = value === undefined || value === '' ? 5432 : Number(value);
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's Port ${JSON.stringify(value)} is not a TCP port. Use a whole number from 1 to 65535 (PostgreSQL's default is 5432).`,
		);
	}
	return port;
}
