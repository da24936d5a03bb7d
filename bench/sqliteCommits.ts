/**
 * What one commit of the message log costs on the SQLite store, in WAL mode, with
 * `synchronous=FULL` (the store's setting) and `NORMAL`: a commit per message, as the send node
 * logged before issue 18, and one transaction per batch, as it logs now. Raw node:sqlite on a
 * table shaped like `outbound_messages`, and the store's own calls (logOutbound per message,
 * logOutboundMany per batch) at the store's setting. Measures; gates nothing.
 *
 *   npm exec -- tsx bench/sqliteCommits.ts [rows]
 *
 * Prints microseconds per logged message. Uses temp files on the disk of the OS temp folder (set
 * TMPDIR to measure another disk); the figures depend on that disk's fsync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';

import { createStore, type OutboundMessageInput } from '../lib/store';

const ROWS = Number(process.argv[2] ?? 2000);
/** The send node's batch at its default 80 messages/s (half a second's worth), and its cap. */
const BATCHES = [40, 100];

const folder = mkdtempSync(path.join(tmpdir(), 'wa-sqlite-commits-'));
let files = 0;
const freshFile = () => path.join(folder, `run-${files++}.sqlite`);

const message = (i: number): OutboundMessageInput => ({
	wamid: `wamid.BENCH${i}`,
	account: 'waba-bench',
	phoneNumberId: '106540352242922',
	recipient: `49151${String(10_000_000 + i)}`,
	kind: 'template',
	templateName: 'appointment_reminder',
	templateLanguage: 'en_US',
	category: 'UTILITY',
	text: 'Hello Anna, your appointment with Dr. Weber on May 4 is confirmed.',
	sentAt: Date.now(),
});

/** µs per row: raw inserts, `batch` rows per commit (1: autocommit, one commit per row). */
function raw(synchronous: 'FULL' | 'NORMAL', batch: number): number {
	const db = new DatabaseSync(freshFile());
	db.exec('PRAGMA journal_mode = WAL');
	db.exec(`PRAGMA synchronous = ${synchronous}`);
	db.exec(`CREATE TABLE outbound_messages (wamid TEXT PRIMARY KEY, phone_number_id TEXT NOT NULL,
		recipient TEXT NOT NULL, kind TEXT NOT NULL, template_name TEXT, template_language TEXT,
		category TEXT, body_text TEXT, sent_at BIGINT NOT NULL)`);
	const insert = db.prepare(
		'INSERT INTO outbound_messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (wamid) DO NOTHING',
	);
	const start = performance.now();
	for (let first = 0; first < ROWS; first += batch) {
		if (batch > 1) db.exec('BEGIN IMMEDIATE');
		for (let i = first; i < Math.min(ROWS, first + batch); i++) {
			const m = message(i);
			insert.run(
				m.wamid,
				m.phoneNumberId,
				m.recipient,
				m.kind,
				m.templateName ?? null,
				m.templateLanguage ?? null,
				m.category ?? null,
				m.text ?? null,
				Number(m.sentAt),
			);
		}
		if (batch > 1) db.exec('COMMIT');
	}
	const elapsed = performance.now() - start;
	db.close();
	return (elapsed * 1000) / ROWS;
}

/** µs per message through the store (synchronous=FULL): per message, or `batch` per call. */
async function throughStore(batch: number): Promise<number> {
	const store = await createStore({ backend: 'sqlite', path: freshFile() });
	try {
		const start = performance.now();
		for (let first = 0; first < ROWS; first += batch) {
			const messages = Array.from({ length: Math.min(batch, ROWS - first) }, (_, k) =>
				message(first + k),
			);
			if (batch === 1) await store.logOutbound(messages[0]);
			else await store.logOutboundMany(messages);
		}
		return ((performance.now() - start) * 1000) / ROWS;
	} finally {
		await store.close();
	}
}

async function main(): Promise<void> {
	const rows: Array<[string, number]> = [];
	for (const synchronous of ['FULL', 'NORMAL'] as const) {
		rows.push([`raw, synchronous=${synchronous}, a commit per message`, raw(synchronous, 1)]);
		for (const batch of BATCHES) {
			rows.push([
				`raw, synchronous=${synchronous}, ${batch} messages per commit`,
				raw(synchronous, batch),
			]);
		}
	}
	rows.push(['store logOutbound, a commit per message (FULL)', await throughStore(1)]);
	for (const batch of BATCHES) {
		rows.push([`store logOutboundMany, ${batch} per call (FULL)`, await throughStore(batch)]);
	}
	console.log(`SQLite commit cost, WAL, ${ROWS} messages each, temp folder ${tmpdir()}`);
	for (const [what, micros] of rows)
		console.log(`${micros.toFixed(1).padStart(9)} µs/message  ${what}`);
}

main()
	.catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	})
	.finally(() => rmSync(folder, { recursive: true, force: true }));
