/**
 * Campaign Report over a large message log (issue 20), per backend: the summary of one campaign
 * of BENCH_REPORT_MESSAGES sends (default 100,000, each with its status timeline, every
 * recipient a contact, replies and opt-outs), a time-range summary of the sender, and the list of
 * every "delivered but not read" recipient. Each query runs three times; the median is reported,
 * and each answer is checked against what was seeded. Measures; gates nothing.
 *
 *   npm exec -- tsx bench/campaignReport.ts
 *
 * Writes bench/results/campaignReport.json. SQLite uses a temp file; PostgreSQL a database
 * created on 127.0.0.1:5432 (PG* variables override) for this run and dropped after.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

import { createStore, type StoreBackend, type StoreConfig } from '../lib/store';
import { openPostgresBackend } from '../lib/store/postgres/PostgresBackend';
import type { SqlBackend } from '../lib/store/sql/session';
import { openSqliteBackend } from '../lib/store/sqlite/SqliteBackend';
import {
	ACCOUNT,
	BASE_TIME,
	CAMPAIGN,
	expectedCounts,
	PHONE,
	seedCampaign,
	sentAtOf,
} from './lib/campaignReportSeed';

const MESSAGES = Number(process.env.BENCH_REPORT_MESSAGES ?? 100_000);
const RUNS = 3;
const WINDOWS = { replyWithinMs: 24 * 3_600_000, optOutWithinMs: 48 * 3_600_000 };

const admin = {
	host: process.env.PGHOST ?? '127.0.0.1',
	port: Number(process.env.PGPORT ?? 5432),
	user: process.env.PGUSER ?? 'postgres',
	password: process.env.PGPASSWORD ?? '',
};

export interface ReportBackendFigures {
	seed_s: number;
	campaignSummary_ms: number;
	timeRangeSummary_ms: number;
	deliveredNotReadList_ms: number;
	listedRecipients: number;
}

async function median(fn: () => Promise<unknown>): Promise<number> {
	const times: number[] = [];
	for (let run = 0; run < RUNS; run++) {
		const start = performance.now();
		await fn();
		times.push(performance.now() - start);
	}
	times.sort((a, b) => a - b);
	return Math.round(times[Math.floor(RUNS / 2)]);
}

function check(what: string, actual: unknown, expected: unknown): void {
	if (JSON.stringify(actual) !== JSON.stringify(expected)) {
		throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
	}
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

async function runOn(backend: StoreBackend): Promise<ReportBackendFigures> {
	let config: StoreConfig;
	let cleanUp: () => Promise<void>;
	let raw: SqlBackend;
	if (backend === 'sqlite') {
		const folder = mkdtempSync(path.join(tmpdir(), 'wa-report-bench-'));
		config = { backend, path: path.join(folder, 'bench.sqlite') };
		cleanUp = async () => rmSync(folder, { recursive: true, force: true });
		raw = await openSqliteBackend(config);
	} else {
		const database = `wa_report_bench_${randomBytes(6).toString('hex')}`;
		await withAdmin((client) => client.query(`CREATE DATABASE ${database}`));
		config = { backend, ...admin, database, ssl: 'disable', schema: 'whatsapp_automation' };
		cleanUp = () =>
			withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
		raw = openPostgresBackend(config);
	}
	try {
		const seedStart = performance.now();
		await seedCampaign(raw, MESSAGES);
		await raw.close();
		const seed_s = Math.round((performance.now() - seedStart) / 100) / 10;
		const store = await createStore(config);
		try {
			const expected = expectedCounts(MESSAGES);
			const summary = () =>
				store.campaignReport({ account: ACCOUNT, callbackData: CAMPAIGN, ...WINDOWS });
			const { sent, delivered, read, failed, replied, optedOut } = await summary();
			check('campaign summary', { sent, delivered, read, failed, replied, optedOut }, expected);
			const range = () =>
				store.campaignReport({
					account: ACCOUNT,
					phoneNumberId: PHONE,
					sentFrom: BASE_TIME,
					sentUntil: sentAtOf(MESSAGES),
					...WINDOWS,
				});
			check('time-range summary', (await range()).sent, expected.sent);
			const list = () =>
				store.reportRecipients({
					account: ACCOUNT,
					callbackData: CAMPAIGN,
					...WINDOWS,
					filter: 'deliveredNotRead',
					unreadForMs: 24 * 3_600_000,
					now: sentAtOf(MESSAGES) + 48 * 3_600_000,
					limit: MESSAGES,
				});
			const listed = (await list()).length;
			check('delivered but not read', listed, expected.delivered - expected.read);
			return {
				seed_s,
				campaignSummary_ms: await median(summary),
				timeRangeSummary_ms: await median(range),
				deliveredNotReadList_ms: await median(list),
				listedRecipients: listed,
			};
		} finally {
			await store.close();
		}
	} finally {
		await cleanUp();
	}
}

async function main(): Promise<void> {
	const results = { sqlite: await runOn('sqlite'), postgres: await runOn('postgres') };
	const rows: Array<[string, keyof ReportBackendFigures]> = [
		['seed (s, not the report)', 'seed_s'],
		[`campaign summary, ${MESSAGES} messages (ms)`, 'campaignSummary_ms'],
		['time-range summary of the sender (ms)', 'timeRangeSummary_ms'],
		['"delivered but not read" list, every recipient (ms)', 'deliveredNotReadList_ms'],
		['recipients listed', 'listedRecipients'],
	];
	const width = Math.max(...rows.map(([label]) => label.length));
	console.log(`${'measure'.padEnd(width)}  ${'sqlite'.padStart(10)}  ${'postgres'.padStart(10)}`);
	for (const [label, key] of rows) {
		console.log(
			`${label.padEnd(width)}  ${String(results.sqlite[key]).padStart(10)}  ${String(results.postgres[key]).padStart(10)}`,
		);
	}
	const folder = path.join(__dirname, 'results');
	mkdirSync(folder, { recursive: true });
	const file = path.join(folder, 'campaignReport.json');
	writeFileSync(
		file,
		`${JSON.stringify(
			{
				measuredAt: new Date().toISOString(),
				node: process.versions.node,
				cpus: cpus().length,
				messages: MESSAGES,
				runsPerQuery: RUNS,
				results,
			},
			null,
			'\t',
		)}\n`,
	);
	console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) {
	main().catch((error: Error) => {
		console.error(error);
		process.exit(1);
	});
}
