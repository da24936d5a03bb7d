import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Client } from 'pg';

import { createStore, type Store, type StoreBackend, type StoreConfig } from '../../../lib/store';
import { TABLE_NAMES } from '../../../lib/store/sql/schema';

export const BACKENDS: StoreBackend[] = ['sqlite', 'postgres'];

/** Tables the migrations fill, not the store's calls. */
const BOOKKEEPING_TABLES = new Set<string>(['schema_migrations', 'housekeeping']);

/** The local PostgreSQL on 127.0.0.1:5432; PG* variables may point elsewhere (still loopback). */
const ADMIN = {
	host: process.env.PGHOST ?? '127.0.0.1',
	port: Number(process.env.PGPORT ?? 5432),
	user: process.env.PGUSER ?? 'postgres',
	password: process.env.PGPASSWORD ?? '',
};

export type TableCounts = Record<string, number>;

export interface StoreEnvironment {
	/** A configuration nobody has used yet: a new SQLite file, or a new schema in this run's database. */
	freshConfig(): StoreConfig;
	/** A store on a fresh configuration, closed after the test (or the suite, when opened in beforeAll). */
	freshStore(): Promise<Store>;
	/** Closes the store after the test (or the suite, when opened in beforeAll). */
	track(store: Store, config: StoreConfig): Store;
	/** The configuration a tracked store was opened with. */
	configOf(store: Store): StoreConfig;
	/** Row count of every store table but the bookkeeping ones, read over a connection of its own. */
	countRows(config: StoreConfig): Promise<TableCounts>;
	/** Runs raw SQL over a connection of its own (tests that inspect or tamper with the database). */
	rawQuery(config: StoreConfig, sql: string): Promise<Array<Record<string, unknown>>>;
}

/**
 * Registers beforeAll/afterAll hooks that give a describe block its own place to store: a temp
 * folder for SQLite, or a database created for this run on the local PostgreSQL, dropped after.
 */
export function useStoreEnvironment(backend: StoreBackend): StoreEnvironment {
	const stores = new Map<Store, StoreConfig>();
	// Stores opened during a test are closed after it, so idle pools do not pile up on the server.
	let openedInTest: Store[] | null = null;
	let folder = '';
	let database = '';
	let counter = 0;

	beforeAll(async () => {
		if (backend === 'sqlite') {
			folder = mkdtempSync(path.join(tmpdir(), 'wa-store-test-'));
		} else {
			database = `wa_store_test_${randomBytes(6).toString('hex')}`;
			await withAdmin('postgres', (client) => client.query(`CREATE DATABASE ${database}`));
		}
	});

	beforeEach(() => {
		openedInTest = [];
	});

	afterEach(async () => {
		const opened = openedInTest ?? [];
		openedInTest = null;
		await Promise.allSettled(opened.map((store) => store.close()));
	});

	afterAll(async () => {
		await Promise.allSettled([...stores.keys()].map((store) => store.close()));
		if (backend === 'sqlite') {
			rmSync(folder, { recursive: true, force: true });
		} else {
			await withAdmin('postgres', (client) =>
				client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
			);
		}
	});

	const freshConfig = (): StoreConfig => {
		counter += 1;
		return backend === 'sqlite'
			? { backend: 'sqlite', path: path.join(folder, `store-${counter}.sqlite`) }
			: { backend: 'postgres', ...ADMIN, database, ssl: 'disable', schema: `store_${counter}` };
	};

	const track = (store: Store, config: StoreConfig) => {
		stores.set(store, config);
		openedInTest?.push(store);
		return store;
	};

	const rawQuery = async (config: StoreConfig, sql: string) => {
		if (config.backend === 'sqlite') {
			const db = new DatabaseSync(config.path);
			try {
				return db.prepare(sql).all() as Array<Record<string, unknown>>;
			} finally {
				db.close();
			}
		}
		return await withAdmin(config.database, async (client) => {
			await client.query(`SET search_path TO "${config.schema}"`);
			return (await client.query(sql)).rows as Array<Record<string, unknown>>;
		});
	};

	return {
		freshConfig,
		track,
		rawQuery,
		configOf: (store) => {
			const config = stores.get(store);
			if (!config)
				throw new Error('configOf: this store was not opened through the test environment');
			return config;
		},
		freshStore: async () => {
			const config = freshConfig();
			return track(await createStore(config), config);
		},
		countRows: async (config) => {
			const union = TABLE_NAMES.filter((name) => !BOOKKEEPING_TABLES.has(name))
				.map((name) => `SELECT '${name}' AS name, COUNT(*) AS count FROM ${name}`)
				.join(' UNION ALL ');
			const rows = await rawQuery(config, union);
			return Object.fromEntries(rows.map((row) => [row.name as string, Number(row.count)]));
		},
	};
}

async function withAdmin<T>(database: string, fn: (client: Client) => Promise<T>): Promise<T> {
	const client = new Client({ ...ADMIN, database });
	await client.connect();
	try {
		return await fn(client);
	} finally {
		await client.end();
	}
}

/** Fisher–Yates with a seeded generator, so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
	const result = [...items];
	let state = seed >>> 0 || 1;
	const next = () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 2 ** 32;
	};
	for (let i = result.length - 1; i > 0; i--) {
		const j = Math.floor(next() * (i + 1));
		[result[i], result[j]] = [result[j], result[i]];
	}
	return result;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A fixed, recent base time, so tests do not depend on the clock (validation allows ≤ 1 year ahead). */
export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
