import { createHash } from 'node:crypto';
import { Pool, types, type PoolClient, type PoolConfig } from 'pg';

import type { PostgresStoreConfig } from '../config';
import type { Dialect, SqlBackend, SqlSession, SqlValue } from '../sql/session';
import { TransactionScope } from '../sql/transactionScope';
import { pgSslOptions } from './ssl';

const POOL_SIZE = 10;
const MAX_ATTEMPTS = 5;
/** deadlock_detected, serialization_failure, unique_violation (two first-time inserts racing). */
const RETRYABLE_CODES = new Set(['40P01', '40001', '23505']);
const INT8_OID = 20;

function quoteIdentifier(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

function postgresDialect(schema: string): Dialect {
	return {
		name: 'postgres',
		table: (name) => `${quoteIdentifier(schema)}.${name}`,
		forUpdate: ' FOR UPDATE',
		autoIncrementKey: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
		inList: (column, param) => `${column} = ANY(CAST(${param} AS TEXT[]))`,
		listParam: (values) => values,
	};
}

export function openPostgresBackend(config: PostgresStoreConfig): SqlBackend {
	const pool = new Pool(poolConfig(config));
	// An idle connection that dies (server restart) is dropped by the pool and replaced on next
	// use; without a listener the error event would crash n8n.
	pool.on('error', () => undefined);
	return new PostgresBackend(pool, config);
}

function poolConfig(config: PostgresStoreConfig): PoolConfig {
	return {
		host: config.host,
		port: config.port,
		database: config.database,
		user: config.user,
		password: config.password,
		ssl: pgSslOptions(config),
		max: POOL_SIZE,
		idleTimeoutMillis: 30_000,
		connectionTimeoutMillis: 10_000,
		// A network partition must fail a webhook (so Meta redelivers), not hang it.
		statement_timeout: 30_000,
		query_timeout: 35_000,
		application_name: 'n8n-nodes-whatsapp-automation',
		// Times are epoch milliseconds in BIGINT columns: well inside Number's exact range.
		types: {
			getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
				oid === INT8_OID ? Number : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
		},
	};
}

class PostgresBackend implements SqlBackend {
	readonly dialect: Dialect;

	private readonly scope = new TransactionScope();

	private readonly poolSession: SqlSession;

	constructor(
		private readonly pool: Pool,
		private readonly config: PostgresStoreConfig,
	) {
		this.dialect = postgresDialect(config.schema);
		this.poolSession = sessionOf(pool, config);
	}

	async run<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
		this.scope.assertOutside();
		return await fn(this.poolSession);
	}

	async transaction<T>(
		fn: (session: SqlSession) => Promise<T>,
		options: { retryOnConflict?: boolean } = {},
	): Promise<T> {
		this.scope.assertOutside();
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.inTransaction(fn);
			} catch (error) {
				const retryable = RETRYABLE_CODES.has((error as { code?: string }).code ?? '');
				if (!options.retryOnConflict || !retryable || attempt >= MAX_ATTEMPTS) throw error;
			}
		}
	}

	async withMigrationLock<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
		return await this.inTransaction(async (session) => {
			// Held until commit; every process starting at once queues here, then finds the work done.
			await session.query('SELECT pg_advisory_xact_lock(CAST($1 AS BIGINT))', [
				migrationLockKey(this.config.schema),
			]);
			const existing = await session.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
				this.config.schema,
			]);
			if (existing.length === 0) await this.createSchema(session);
			return await fn(session);
		});
	}

	async close(): Promise<void> {
		if (!this.pool.ended) await this.pool.end();
	}

	private async createSchema(session: SqlSession): Promise<void> {
		try {
			await session.execute(`CREATE SCHEMA ${quoteIdentifier(this.config.schema)}`);
		} catch (error) {
			if ((error as { code?: string }).code !== '42501') throw error;
			throw new Error(
				`PostgreSQL user "${this.config.user}" may not create the schema "${this.config.schema}" in database "${this.config.database}". Create it once as an administrator (CREATE SCHEMA "${this.config.schema}" AUTHORIZATION "${this.config.user}"), or enter an existing schema in the WhatsApp Cloud API credential.`,
				{ cause: error },
			);
		}
	}

	private async inTransaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
		const client = await connect(this.pool, this.config);
		let broken = false;
		try {
			await client.query('BEGIN');
			const result = await this.scope.runInside(() => fn(sessionOf(client, this.config)));
			await client.query('COMMIT');
			return result;
		} catch (error) {
			await client.query('ROLLBACK').catch(() => {
				broken = true;
			});
			throw error;
		} finally {
			client.release(broken);
		}
	}
}

function sessionOf(runner: Pool | PoolClient, config: PostgresStoreConfig): SqlSession {
	const send = async (sql: string, params: readonly SqlValue[]) => {
		try {
			return await runner.query(sql, params as unknown[]);
		} catch (error) {
			throw explainConnectionError(error, config);
		}
	};
	return {
		query: async <R>(sql: string, params: readonly SqlValue[] = []) =>
			(await send(sql, params)).rows as R[],
		execute: async (sql, params = []) => (await send(sql, params)).rowCount ?? 0,
	};
}

/**
 * A checked-out client whose connection drops emits 'error' besides failing its query; without a
 * listener that event would crash n8n. The failed query already carries the error to the caller.
 */
const ignoreClientError = () => undefined;

async function connect(pool: Pool, config: PostgresStoreConfig): Promise<PoolClient> {
	let client: PoolClient;
	try {
		client = await pool.connect();
	} catch (error) {
		throw explainConnectionError(error, config);
	}
	if (!client.listeners('error').includes(ignoreClientError)) client.on('error', ignoreClientError);
	return client;
}

/** Node's codes for a server certificate that does not verify (chain, name or dates). */
const CERTIFICATE_CODES = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Turns driver errors about reaching the server into a message that says which field to fix. */
function explainConnectionError(error: unknown, config: PostgresStoreConfig): unknown {
	const code = (error as { code?: string }).code;
	const where = `PostgreSQL at ${config.host}:${config.port}, database "${config.database}", user "${config.user}"`;
	if (code && CERTIFICATE_CODES.has(code)) {
		return new Error(
			`Could not use the store in ${where}: the server's certificate was not accepted (${code}: ${(error as Error).message}). Paste the certificate of the authority that signed it into CA Certificate in the WhatsApp Cloud API credential, or connect to the name the certificate was issued for. Choose SSL "Require (No Certificate Check, Insecure)" only on a network you trust.`,
			{ cause: error },
		);
	}
	if ((error as Error).message === 'The server does not support SSL connections') {
		return new Error(
			`Could not use the store in ${where}: the server does not accept TLS connections, and SSL is ${config.ssl === 'auto' ? 'Automatic (verified TLS for any host that is not this machine)' : `"${config.ssl}"`}. Enable TLS on the PostgreSQL server (ssl = on), or, if the network between n8n and the server is private, set SSL to Disable in the WhatsApp Cloud API credential.`,
			{ cause: error },
		);
	}
	const hints: Record<string, string> = {
		ECONNREFUSED:
			'nothing listens there: check Host and Port in the WhatsApp Cloud API credential and that PostgreSQL runs',
		ENOTFOUND: 'the host name does not resolve: check Host in the WhatsApp Cloud API credential',
		ETIMEDOUT: 'the connection timed out: check Host, Port and firewalls',
		'28P01':
			'the password was rejected: check User and Password in the WhatsApp Cloud API credential',
		'28000':
			'the server refused this user: check User, Password and SSL in the WhatsApp Cloud API credential',
		'3D000':
			'the database does not exist: create it or fix Database in the WhatsApp Cloud API credential',
		'53300':
			'the server has no free connection (each n8n process keeps up to 10 for this store): raise max_connections or use fewer processes',
	};
	const hint = code ? hints[code] : undefined;
	if (!hint) return error;
	return new Error(`Could not use the store in ${where}: ${hint}.`, { cause: error });
}

/** A stable 64-bit advisory-lock key per schema, so stores in different schemas do not wait on each other. */
function migrationLockKey(schema: string): string {
	const digest = createHash('sha256').update(`n8n-nodes-whatsapp-automation:${schema}`).digest();
	return digest.readBigInt64BE(0).toString();
}
