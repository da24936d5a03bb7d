/**
 * The seam between the store's logic and its two databases. Statements are written once, with
 * PostgreSQL-style `$1` placeholders and portable SQL (UPSERT, RETURNING); each backend supplies
 * a Dialect for the few places where the databases differ.
 */

export type SqlValue = string | number | null | readonly string[];
export type Row = Record<string, unknown>;

export interface SqlSession {
	query<R = Row>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
	/** Runs a statement and returns how many rows it changed. */
	execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Dialect {
	readonly name: 'sqlite' | 'postgres';
	/** A table name, qualified with the configured schema where the database has one. */
	table(name: string): string;
	/** Row-lock clause for SELECTs in write transactions (SQLite locks the whole file instead). */
	readonly forUpdate: string;
	/** Column definition of an auto-incrementing integer primary key. */
	readonly autoIncrementKey: string;
	/** `column` is one of the strings bound to `param` (which must come from listParam). */
	inList(column: string, param: string): string;
	listParam(values: readonly string[]): SqlValue;
}

export interface SqlBackend {
	readonly dialect: Dialect;
	/** Runs statements outside any transaction (each one atomic on its own). */
	run<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
	/**
	 * Runs `fn` in a transaction. `retryOnConflict` re-runs it after a deadlock or serialization
	 * failure, so pass it only for functions without effects outside the database.
	 */
	transaction<T>(
		fn: (session: SqlSession) => Promise<T>,
		options?: { retryOnConflict?: boolean },
	): Promise<T>;
	/** Runs `fn` in a transaction that holds the migration lock for the whole database. */
	withMigrationLock<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
	close(): Promise<void>;
}
