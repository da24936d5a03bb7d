import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * `auto`: no TLS to a loopback host or unix socket, verify-full to any other host.
 * `require` encrypts without checking the certificate (insecure: anyone on the path can impersonate the server).
 */
export type PostgresSslMode = 'auto' | 'disable' | 'require' | 'verify-full';

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
	/** PEM certificate(s) the server's certificate must chain to when it is verified; else Node's trusted CAs. */
	sslCa?: string;
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
const SSL_MODES: readonly PostgresSslMode[] = ['auto', 'disable', 'require', 'verify-full'];
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

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
	const resolved = path.resolve(folder, expanded);
	refuseN8nDatabase(given, resolved, env);
	return resolved;
}

/**
 * Opening n8n's own database would put this package's tables (and WAL mode, and its locks) into
 * n8n's file. n8n keeps it at DB_SQLITE_DATABASE resolved inside its folder (default
 * database.sqlite); symlinks and relative paths are resolved before comparing.
 */
function refuseN8nDatabase(given: string, resolved: string, env: Env): void {
	const n8nDatabase = realPath(
		path.resolve(n8nFolder(env), env.DB_SQLITE_DATABASE || 'database.sqlite'),
	);
	const target = realPath(resolved);
	const n8nFiles = ['', '-wal', '-shm', '-journal'].map((suffix) => n8nDatabase + suffix);
	if (!n8nFiles.includes(target)) return;
	throw new StoreConfigError(
		`The WhatsApp Cloud API credential's SQLite File ${JSON.stringify(given)} is n8n's own database (${n8nDatabase}). The store needs a file of its own: leave SQLite File empty for ${SQLITE_FILE_NAME} in n8n's folder, or enter another file name.`,
	);
}

/** The path with every symlink resolved, as far as it exists (the store's file may not exist yet). */
function realPath(target: string): string {
	try {
		return realpathSync.native(target);
	} catch {
		const parent = path.dirname(target);
		if (parent === target) return target;
		return path.join(realPath(parent), path.basename(target));
	}
}

function postgresConfig(credentials: Record<string, unknown>): PostgresStoreConfig {
	const schema = textField(credentials, 'postgresSchema', 'Schema') || DEFAULT_POSTGRES_SCHEMA;
	if (!SCHEMA_NAME.test(schema)) {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's Schema ${JSON.stringify(schema)} is not a plain PostgreSQL name. Use letters, digits and underscores (at most 63), starting with a letter, e.g. ${DEFAULT_POSTGRES_SCHEMA}.`,
		);
	}
	// Credentials saved before SSL had an Automatic mode carry their choice (e.g. "disable") and keep it.
	const ssl = credentials.postgresSsl ?? 'auto';
	if (!SSL_MODES.includes(ssl as PostgresSslMode)) {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's SSL setting ${JSON.stringify(ssl)} is unknown. Choose Automatic, Disable, Require (No Certificate Check, Insecure) or Verify Full.`,
		);
	}
	const password = credentials.postgresPassword;
	const sslCa = caCertificateField(credentials);
	return {
		backend: 'postgres',
		host: requiredTextField(credentials, 'postgresHost', 'Host'),
		port: portField(credentials.postgresPort),
		database: requiredTextField(credentials, 'postgresDatabase', 'Database'),
		user: requiredTextField(credentials, 'postgresUser', 'User'),
		password: typeof password === 'string' ? password : '',
		ssl: ssl as PostgresSslMode,
		...(sslCa ? { sslCa } : {}),
		schema,
	};
}

function caCertificateField(credentials: Record<string, unknown>): string | undefined {
	// A PEM pasted into a one-line input may arrive with literal "\n" instead of line breaks.
	const pem = textField(credentials, 'postgresSslCa', 'CA Certificate').replace(/\\n/g, '\n');
	if (pem === '') return undefined;
	if (!PEM_CERTIFICATE.test(pem)) {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's CA Certificate ${JSON.stringify(pem.length > 40 ? `${pem.slice(0, 40)}…` : pem)} is not a PEM certificate. Paste the certificate of the authority that signed the PostgreSQL server's certificate, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, or leave it empty to trust Node.js's usual authorities.`,
		);
	}
	return pem;
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
