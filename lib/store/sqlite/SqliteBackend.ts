import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';

import type { SqliteStoreConfig } from '../config';
import type { Dialect, SqlBackend, SqlSession, SqlValue } from '../sql/session';
import { TransactionScope } from '../sql/transactionScope';
import { BUSY_TIMEOUT_MS, LOCK_WAIT_LIMIT_MS, isBusy, lockedError, retryWhileBusy } from './busy';

/** The store holds consent records, phone numbers and resume URLs: only n8n's own user may read it. */
const PRIVATE_FILE_MODE = 0o600;
const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Files open in this process. A second connection to the same file in the same process would
 * wait for locks that only this process can release (up to LOCK_WAIT_LIMIT_MS each time): refuse it.
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
	let db: DatabaseSync | undefined;
	try {
		createPrivateFile(config.path);
		db = new DatabaseSync(config.path);
		// busy_timeout first: switching to WAL itself may wait for another process's lock.
		db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
		const opened = db;
		await retryWhileBusy(config.path, Date.now() + LOCK_WAIT_LIMIT_MS, () =>
			opened.exec('PRAGMA journal_mode = WAL'),
		);
		// Every commit reaches the disk before it returns: the trigger answers Meta 200 only after
		// its commit, so a power cut must not lose what Meta will not send again. Pinned, not left to
		// the build's default; the send node batches its message log instead (docs/STORE.md).
		db.exec('PRAGMA synchronous = FULL');
	} catch (error) {
		db?.close();
		throw new Error(
			`Could not open the SQLite store at ${config.path}: ${(error as Error).message}. Check that n8n may write to that folder, or set another SQLite File in the WhatsApp Cloud API credential.`,
			{ cause: error },
		);
	}
	openPaths.add(config.path);
	return new SqliteBackend(db, config.path, () => openPaths.delete(config.path));
}

/**
 * node:sqlite has no mode option and would create the file 0644 (readable by every local user).
 * So a missing folder is created 0700 and a missing file 0600 before SQLite opens it; SQLite
 * gives its -wal and -shm files the database file's mode. An existing file keeps the mode its
 * owner gave it.
 */
function createPrivateFile(file: string): void {
	mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_FOLDER_MODE });
	try {
		closeSync(openSync(file, 'wx', PRIVATE_FILE_MODE));
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
	}
}

/**
 * One connection per store. node:sqlite is synchronous, so single statements never interleave;
 * transactions span awaits, so every use of the connection queues behind the one before it.
 * Another process's lock is waited for in short synchronous slices (BUSY_TIMEOUT_MS) with the
 * thread free in between, for LOCK_WAIT_LIMIT_MS per call at most (see ./busy).
 */
class SqliteBackend implements SqlBackend {
	readonly dialect = sqliteDialect;

	private readonly scope = new TransactionScope();

	private readonly statements = new Map<string, StatementSync>();

	private queueTail: Promise<unknown> = Promise.resolve();

	private closed = false;

	/** Inside a transaction: a busy error is thrown, and the whole transaction retried or failed. */
	private readonly transactionSession: SqlSession = {
		query: async <R>(sql: string, params: readonly SqlValue[] = []) =>
			this.prepare(sql).all(...bindable(params)) as R[],
		execute: async (sql, params = []) => Number(this.prepare(sql).run(...bindable(params)).changes),
	};

	constructor(
		private readonly db: DatabaseSync,
		private readonly file: string,
		private readonly onClose: () => void,
	) {}

	async run<T>(fn: (session: SqlSession) => Promise<T>): Promise<T> {
		this.scope.assertOutside();
		return await this.exclusive(() => fn(this.autocommitSession(Date.now() + LOCK_WAIT_LIMIT_MS)));
	}

	async transaction<T>(
		fn: (session: SqlSession) => Promise<T>,
		options: { retryOnConflict?: boolean } = {},
	): Promise<T> {
		this.scope.assertOutside();
		return await this.exclusive(async () => {
			const deadline = Date.now() + LOCK_WAIT_LIMIT_MS;
			const once = async () => {
				// BEGIN IMMEDIATE takes the write lock up front, so no other process can slip in between.
				await retryWhileBusy(this.file, deadline, () => this.db.exec('BEGIN IMMEDIATE'));
				try {
					const result = await this.scope.runInside(() => fn(this.transactionSession));
					await retryWhileBusy(this.file, deadline, () => this.db.exec('COMMIT'));
					return result;
				} catch (error) {
					this.rollback();
					throw error;
				}
			};
			// A busy error inside fn (rare once BEGIN IMMEDIATE holds the lock) undid the transaction:
			// run it again only when fn may run twice, else fail saying the file is locked.
			if (options.retryOnConflict) return await retryWhileBusy(this.file, deadline, once);
			try {
				return await once();
			} catch (error) {
				throw isBusy(error) ? lockedError(this.file, error) : error;
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

	/** Outside a transaction each statement is atomic on its own, so a busy one is simply tried again. */
	private autocommitSession(deadline: number): SqlSession {
		const retry = <T>(statement: () => T) => retryWhileBusy(this.file, deadline, statement);
		return {
			query: async <R>(sql: string, params: readonly SqlValue[] = []) =>
				await retry(() => this.prepare(sql).all(...bindable(params)) as R[]),
			execute: async (sql, params = []) =>
				await retry(() => Number(this.prepare(sql).run(...bindable(params)).changes)),
		};
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
