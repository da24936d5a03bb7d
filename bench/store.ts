/**
 * State-store benchmark, per backend: batched consent lookups for 10,000 contacts (against one
 * query per contact, measured in the same run), dedup inserts, window upserts and wait claims
 * per second, one at a time and 16 at once. Measures; gates nothing.
 *
 *   npm exec -- tsx bench/store.ts
 *
 * Writes bench/results/store.json. SQLite uses a temp file; PostgreSQL a database created on
 * 127.0.0.1:5432 (PG* variables override) for this run and dropped after.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

import { createStore, type Store, type StoreBackend, type StoreConfig } from '../lib/store';

const CONTACTS = 10_000;
const CONCURRENCY = 16;
const OPERATIONS = { dedup: 4_000, windows: 3_000, claims: 2_000 };
const ACCOUNT = 'waba-bench';
const PHONE = 'phone-bench';
const BASE_TIME = Date.UTC(2026, 0, 1);

const admin = {
	host: process.env.PGHOST ?? '127.0.0.1',
	port: Number(process.env.PGPORT ?? 5432),
	user: process.env.PGUSER ?? 'postgres',
	password: process.env.PGPASSWORD ?? '',
};

interface BackendResult {
	consentBatch10k_ms: number;
	consentOnePerItem10k_ms: number;
	batchSpeedup: number;
	dedupInserts_per_s: { sequential: number; concurrent16: number };
	windowUpserts_per_s: { sequential: number; concurrent16: number };
	claims_per_s: { sequential: number; concurrent16: number };
}

const contactId = (index: number) => `49151${String(index).padStart(8, '0')}`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
	const start = performance.now();
	await fn();
	return performance.now() - start;
}

/** Runs `count` operations with at most `parallel` in flight; returns operations per second. */
async function throughput(
	count: number,
	parallel: number,
	op: (index: number) => Promise<unknown>,
): Promise<number> {
	let next = 0;
	const lane = async () => {
		while (next < count) await op(next++);
	};
	const ms = await timed(() => Promise.all(Array.from({ length: parallel }, lane)));
	return Math.round((count / ms) * 1000);
}

async function seedConsent(store: Store): Promise<void> {
	for (let start = 0; start < CONTACTS; start += 500) {
		await store.transaction(async (tx) => {
			for (let index = start; index < start + 500; index++) {
				await tx.recordConsent({
					account: ACCOUNT,
					contact: contactId(index),
					status: index % 3 === 0 ? 'opted_out' : 'opted_in',
					source: 'import',
					eventAt: BASE_TIME,
				});
			}
		});
	}
}

async function registerWaits(store: Store, count: number, tag: string): Promise<string[]> {
	const ids: string[] = [];
	for (let index = 0; index < count; index++) {
		const wait = await store.registerWait({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: contactId(index % CONTACTS),
			executionId: `${tag}-${index}`,
			resumeUrl: `http://127.0.0.1:5678/webhook-waiting/${tag}-${index}`,
			deadline: Date.now() + 3_600_000,
			matchRule: { anyMessage: true },
		});
		ids.push(wait.id);
	}
	return ids;
}

async function measureBackend(store: Store): Promise<BackendResult> {
	await seedConsent(store);
	const contacts = Array.from({ length: CONTACTS }, (_, index) => contactId(index));
	await store.getConsentMany(ACCOUNT, contacts.slice(0, 100)); // warm up statements and caches
	const consentBatch10k_ms = await timed(() => store.getConsentMany(ACCOUNT, contacts));
	const consentOnePerItem10k_ms = await timed(async () => {
		for (const contact of contacts) await store.getConsent(ACCOUNT, contact);
	});

	const now = Date.now();
	const dedup = (prefix: string) => (index: number) =>
		store.markSeen(`${prefix}:wamid.${index}`, now);
	// Steady state: every contact already has a window, as for most inbound messages.
	const touch = (firstContact: number, at: number) => (index: number) =>
		store.touchWindow({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: contactId(firstContact + index),
			inboundAt: at,
		});
	await throughput(2 * OPERATIONS.windows, CONCURRENCY, touch(0, BASE_TIME));
	const sequentialWaits = await registerWaits(store, OPERATIONS.claims, 'seq');
	const concurrentWaits = await registerWaits(store, OPERATIONS.claims, 'par');
	const claim = (ids: string[]) => (index: number) =>
		store.claimWait(ids[index], 'claimed', Date.now());

	return {
		consentBatch10k_ms: Math.round(consentBatch10k_ms),
		consentOnePerItem10k_ms: Math.round(consentOnePerItem10k_ms),
		batchSpeedup: Math.round((consentOnePerItem10k_ms / consentBatch10k_ms) * 10) / 10,
		dedupInserts_per_s: {
			sequential: await throughput(OPERATIONS.dedup, 1, dedup('seq')),
			concurrent16: await throughput(OPERATIONS.dedup, CONCURRENCY, dedup('par')),
		},
		windowUpserts_per_s: {
			sequential: await throughput(OPERATIONS.windows, 1, touch(0, BASE_TIME + 3_600_000)),
			concurrent16: await throughput(
				OPERATIONS.windows,
				CONCURRENCY,
				touch(OPERATIONS.windows, BASE_TIME + 3_600_000),
			),
		},
		claims_per_s: {
			sequential: await throughput(OPERATIONS.claims, 1, claim(sequentialWaits)),
			concurrent16: await throughput(OPERATIONS.claims, CONCURRENCY, claim(concurrentWaits)),
		},
	};
}

async function withAdmin(fn: (client: Client) => Promise<unknown>): Promise<void> {
	const client = new Client({ ...admin, database: 'postgres' });
	await client.connect();
	try {
		await fn(client);
	} finally {
		await client.end();
	}
}

async function runOn(backend: StoreBackend): Promise<BackendResult> {
	let config: StoreConfig;
	let cleanUp: () => Promise<void>;
	if (backend === 'sqlite') {
		const folder = mkdtempSync(path.join(tmpdir(), 'wa-store-bench-'));
		config = { backend, path: path.join(folder, 'bench.sqlite') };
		cleanUp = async () => rmSync(folder, { recursive: true, force: true });
	} else {
		const database = `wa_store_bench_${randomBytes(6).toString('hex')}`;
		await withAdmin((client) => client.query(`CREATE DATABASE ${database}`));
		config = { backend, ...admin, database, ssl: 'disable', schema: 'whatsapp_automation' };
		cleanUp = () =>
			withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
	}
	const store = await createStore(config);
	try {
		return await measureBackend(store);
	} finally {
		await store.close();
		await cleanUp();
	}
}

function printTable(results: Record<StoreBackend, BackendResult>): void {
	const rows: Array<[string, (result: BackendResult) => string]> = [
		['consent lookup, 10,000 contacts, batched (ms)', (r) => String(r.consentBatch10k_ms)],
		[
			'consent lookup, 10,000 contacts, one query each (ms)',
			(r) => String(r.consentOnePerItem10k_ms),
		],
		['batched speed-up (×)', (r) => String(r.batchSpeedup)],
		[
			'dedup inserts/s (1 | 16 at once)',
			(r) => `${r.dedupInserts_per_s.sequential} | ${r.dedupInserts_per_s.concurrent16}`,
		],
		[
			'window upserts/s (1 | 16 at once)',
			(r) => `${r.windowUpserts_per_s.sequential} | ${r.windowUpserts_per_s.concurrent16}`,
		],
		[
			'wait claims/s (1 | 16 at once)',
			(r) => `${r.claims_per_s.sequential} | ${r.claims_per_s.concurrent16}`,
		],
	];
	const width = Math.max(...rows.map(([label]) => label.length));
	console.log(`${'measure'.padEnd(width)}  ${'sqlite'.padStart(14)}  ${'postgres'.padStart(14)}`);
	for (const [label, value] of rows) {
		console.log(
			`${label.padEnd(width)}  ${value(results.sqlite).padStart(14)}  ${value(results.postgres).padStart(14)}`,
		);
	}
}

async function main(): Promise<void> {
	const results = { sqlite: await runOn('sqlite'), postgres: await runOn('postgres') };
	printTable(results);
	const report = {
		measuredAt: new Date().toISOString(),
		node: process.versions.node,
		cpus: cpus().length,
		operations: { contacts: CONTACTS, concurrency: CONCURRENCY, ...OPERATIONS },
		results,
		ratios: {
			sqliteBatchedVsOnePerItem: results.sqlite.batchSpeedup,
			postgresBatchedVsOnePerItem: results.postgres.batchSpeedup,
		},
	};
	const folder = path.join(__dirname, 'results');
	mkdirSync(folder, { recursive: true });
	writeFileSync(path.join(folder, 'store.json'), `${JSON.stringify(report, null, '\t')}\n`);
	console.log(`\nwritten to ${path.relative(process.cwd(), path.join(folder, 'store.json'))}`);
}

main().catch((error: Error) => {
	console.error(error);
	process.exit(1);
});
