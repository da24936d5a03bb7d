import { createHash } from 'node:crypto';

import type { PostgresStoreConfig, StoreConfig } from './config';
import { migrate } from './sql/schema';
import type { SqlBackend } from './sql/session';
import { SqlStore } from './sql/SqlStore';
import { openSqliteBackend } from './sqlite/SqliteBackend';
import type { Store } from './types';

/**
 * One open store per configuration per process, shared by every execution: it caches
 * connections (a SQLite handle or a PostgreSQL pool), never state.
 */
const openStores = new Map<string, Promise<Store>>();

/** The shared store for this configuration, opened (and migrated) on first use. Do not close it from a node. */
export async function openStore(config: StoreConfig): Promise<Store> {
	const key = fingerprint(config);
	const existing = openStores.get(key);
	if (existing) return await existing;
	const forget = () => {
		if (openStores.get(key) === store) openStores.delete(key);
	};
	const store = createStore(config, forget);
	openStores.set(key, store);
	store.catch(forget);
	return await store;
}

/** A store of its own, not shared through openStore: for tools, tests and benchmarks. The caller closes it. */
export async function createStore(
	config: StoreConfig,
	onClose: () => void = () => undefined,
): Promise<Store> {
	const backend: SqlBackend =
		config.backend === 'sqlite' ? await openSqliteBackend(config) : await openPostgres(config);
	try {
		await migrate(backend);
	} catch (error) {
		await backend.close();
		throw error;
	}
	return new SqlStore(backend, onClose);
}

/** pg (and its dependencies) is loaded only when a PostgreSQL store is opened, not for SQLite users. */
async function openPostgres(config: PostgresStoreConfig): Promise<SqlBackend> {
	const { openPostgresBackend } = await import('./postgres/PostgresBackend');
	return openPostgresBackend(config);
}

export async function closeAllStores(): Promise<void> {
	const stores = [...openStores.values()];
	openStores.clear();
	await Promise.allSettled(stores.map(async (store) => await (await store).close()));
}

function fingerprint(config: StoreConfig): string {
	if (config.backend === 'sqlite') return `sqlite:${config.path}`;
	// Keyed by the password's hash so the map never holds it in plain text.
	const password = createHash('sha256').update(config.password).digest('hex');
	return `postgres:${JSON.stringify([config.host, config.port, config.database, config.user, config.ssl, config.sslCa ?? '', config.schema, password])}`;
}
