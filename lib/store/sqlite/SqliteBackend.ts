import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

import type { SqliteStoreConfig } from '../config';
import type { Dialect, SqlBackend, SqlSession, SqlValue } from '../sql/session';
import { TransactionScope } from '../sql/transactionScope';

const BUSY_TIMEOUT_MS = 10_000;

/**
 * Files open in this process. node:sqlite waits for a busy lock synchronously, so a second
 * connection to the same file in the same process would block the very thread that must
 * release the lock: refuse it instead of hanging for the busy timeout.
 */
const openPaths = new Set<string>();

const sqliteDialect: Dialect = {
	name: 'sqlite',
	table: (name) => name,
	forUpdate: '',
	autoIncrementKey: 'INTEGER PRIMARY KEY',
	inList: (column, param) => `${column} IN (SELECT value FROM json_each(${param}))`,
	listParam: (values) => JSON.stringify(values),
};

/** node:sqlite is loaded only when a SQLite store is opened, so older Node can still load the package. */
async function loadSqlite(): Promise<typeof import('node:sqlite')> {
	try {
		return await import('node:sqlite');
	} catch (error) {
		throw new Error(
			`The built-in SQLite store needs Node.js 22.13 or newer (node:sqlite), like the whole package, and this n8n runs on Node.js ${process.versions.node}. Upgrade Node.js, or switch the WhatsApp Cloud API credential's State Store to PostgreSQL.`,
			{ cause: error },
		);
	}
}

export async function openSqliteBackend(config: SqliteStoreConfig): Promise<SqlBackend> {
	const { DatabaseSync } = await loadSqlite();
	if (openPaths.has(config.path)) {
		throw new Error(
			`The SQLite store ${config.path} is already open in this process. Use openStore(), which shares one connection per file, or close the other store first.`,
		);
	}
	mkdirSync(path.dirname(config.path), { recursive: true });
	const db = new DatabaseSync(config.path);
	try {
		// busy_timeout first: switching to WAL itself may wait for another process's lock.
		db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
		db.exec('PRAGMA journal_mode = WAL');
	} catch (error) {
		db.close();
		throw new Error(
			`Could not open the SQLite store at ${config.path}: ${(error as Error).message}. Check that n8n may write to that folder, or set another SQLite File in the WhatsApp Cloud API credential.`,
			{ cause: error },
		);
	}
	openPaths.add(config.path);
	return new SqliteBackend(db, () => openPaths.delete(config.path));
}

/**
 * One connection per store. node:sqlite is synchronous, so single statements never interleave;
 * transactions span awaits, so every use of the connection queues behind the one before it.
 */
class SqliteBackend implements SqlBackend {
	readonly dialect = sqliteDialect;

	private readonly scope = new TransactionScope();

	private readonly statements = new Map<string, StatementSync>();

	private queueTail: Promise<unknown> = Promise.resolve();

	private closed = false;

	private readonly session: SqlSession = {
		query: async <R>(sql: string, params: readonly SqlValue[] = []) =>
			this.prepare(sql).all(...bindable(params)) as R[],
		execute: async (sql, params = []) => Number(this.prepare(sql).run(...bindable(params)).changes),
	};

	constructor(
		private readonly db: DatabaseSync,
		private readonly onClose: () => void,
	) {}

	async run<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
		this.scope.assertOutside();
		return await this.exclusive(() => fn(this.session));
	}

	async transaction<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
		this.scope.assertOutside();
		// BEGIN IMMEDIATE takes the write lock up front, so no other process can slip in between.
		return await this.exclusive(async () => {
			this.db.exec('BEGIN IMMEDIATE');
			try {
				const result = await this.scope.runInside(() => fn(this.session));
				this.db.exec('COMMIT');
				return result;
			} catch (error) {
				this.rollback();
				throw error;
			}
		});
	}

	async withMigrationLock<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
		return await this.transaction(fn);
	}

	async close(): Promise<void> {
		await this.exclusive(async () => {
			if (this.closed) return;
			this.closed = true;
			this.statements.clear();
			this.db.close();
			this.onClose();
		});
	}

	private rollback(): void {
		try {
			this.db.exec('ROLLBACK');
		} catch {
			// SQLite already rolled back (e.g. after SQLITE_FULL); nothing is left to undo.
		}
	}

	private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
		const result = this.queueTail.then(fn);
		this.queueTail = result.catch(() => undefined);
		return await result;
	}

	private prepare(sql: string): StatementSync {
		let statement = this.statements.get(sql);
		if (!statement) {
			// The shared statements use PostgreSQL's $n; SQLite spells a numbered parameter ?n.
			statement = this.db.prepare(sql.replace(/\$(\d+)/g, '?$1'));
			this.statements.set(sql, statement);
		}
		return statement;
	}
}

function bindable(params: readonly SqlValue[]): Array<string | number | null> {
	return params.map((value) => {
		if (Array.isArray(value))
			throw new Error('A list parameter reached SQLite without listParam()');
		return value as string | number | null;
	});
}
