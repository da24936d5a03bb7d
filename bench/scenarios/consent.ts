/**
 * Scenario 3, the Consent Gate at scale: `contacts` items through Check (marketing) in one
 * execution, with the store on SQLite and on PostgreSQL: items per second and the n8n process's
 * peak memory. To tell the gate's cost from n8n's own (n8n keeps every item of an execution in
 * memory and evaluates the Contact expression once per item), the control is the same workflow
 * with n8n's Set node in the gate's place, evaluating the same expression into a new field of
 * every item. Both also run at a tenth of the size: memory flat in the number of items means the
 * gate's extra memory over the control does not grow with them. Every measured run starts on a
 * freshly restarted n8n, so no run inherits another's heap.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';

import type { EmulatorInfo } from '../../emulator';
import {
	createStore,
	type ConsentStatus,
	type PostgresStoreConfig,
	type StoreConfig,
} from '../../lib/store';
import { localPostgres } from '../../scripts/harness';
import type { BenchConfig } from '../lib/config';
import { CLOUD_API_TYPE, cloudApiCredentialData } from '../lib/credentials';
import { deploy, runStamped, type BenchN8n } from '../lib/n8n';
import { watchProcess, waitUntilQuiet } from '../lib/processes';
import { mib, round } from '../lib/stats';
import { stampedWorkflow, type MeasuredNode } from '../lib/workflows';

const WARM_UP_ITEMS = 1000;
const CONTACT_EXPRESSION = '={{ $json.waId }}';
const SEED_BATCH = 500;
const SEED_LANES = 4;

export interface ConsentRun {
	items: number;
	seconds: number;
	itemsPerSecond: number;
	rssBeforeMiB: number;
	peakRssMiB: number;
	/** Peak minus before: what this execution added. */
	growthMiB: number;
	n8nCpuMsPerItem: number;
	n8nCoreShare: number;
}

export interface GateRuns {
	full: ConsentRun;
	tenth?: ConsentRun;
	/** The gate's growth minus the control's, at the same size. */
	extraOverControlMiB: { full: number; tenth?: number };
}

export interface ConsentResult {
	contacts: number;
	seededShare: string;
	control: { full: ConsentRun; tenth: ConsentRun };
	sqlite: GateRuns;
	postgres: GateRuns;
}

const contactOf = (index: number) => `4915200${String(index).padStart(6, '0')}`;

/** Every third contact has a record, the rest are unknown: all three outputs get items. */
function seededStatus(index: number): ConsentStatus | null {
	if (index % 3 !== 0) return null;
	return (['opted_in', 'opted_out', 'blocked', 'opted_in'] as const)[(index / 3) % 4];
}

export async function runConsent(
	config: BenchConfig,
	ours: BenchN8n,
	info: EmulatorInfo,
	log: (line: string) => void,
): Promise<ConsentResult> {
	const contacts = config.consentContacts;
	const tenth = Math.max(1, Math.round(contacts / 10));
	const database = `wa_bench_${randomBytes(6).toString('hex')}`;
	await withAdmin((client) => client.query(`CREATE DATABASE "${database}"`));
	try {
		const sqliteStore: StoreConfig = {
			backend: 'sqlite',
			path: join(ours.userFolder, 'consent-store.sqlite'),
		};
		const postgresStore: PostgresStoreConfig = {
			backend: 'postgres',
			...localPostgres,
			database,
			ssl: 'disable',
			schema: 'whatsapp_automation',
		};
		log(`seeding consent for ${contacts} contacts on SQLite and PostgreSQL`);
		await seed(sqliteStore, info.wabaId, contacts);
		await seed(postgresStore, info.wabaId, contacts);

		const paths = {
			control: 'bench-consent-control',
			sqlite: 'bench-consent-sqlite',
			postgres: 'bench-consent-postgres',
		};
		await deploy(ours.n8n, consentWorkflow(paths.control, controlNode()));
		for (const [backend, store] of [
			['sqlite', sqliteStore],
			['postgres', postgresStore],
		] as const) {
			const credential = await ours.n8n.api.createCredential({
				name: `WhatsApp (bench consent, ${backend})`,
				type: CLOUD_API_TYPE,
				data: cloudApiCredentialData(info, info.baseUrl, store),
			});
			await deploy(
				ours.n8n,
				consentWorkflow(paths[backend], gateNode(ours.packageName ?? '', credential.name)),
				{ credentials: { [CLOUD_API_TYPE]: credential } },
			);
		}

		const measure = async (path: string, items: number) => {
			await ours.restart();
			await runStamped(ours.n8n, path, { contacts: contactList(WARM_UP_ITEMS) });
			await waitUntilQuiet(ours.pid);
			const watch = watchProcess(ours.pid);
			const span = await runStamped(ours.n8n, path, { contacts: contactList(items) });
			const profile = watch.stop();
			const run: ConsentRun = {
				items,
				seconds: round(span.seconds, 2),
				itemsPerSecond: Math.round(items / span.seconds),
				rssBeforeMiB: mib(profile.startBytes),
				peakRssMiB: mib(profile.peakBytes),
				growthMiB: mib(profile.peakBytes - profile.startBytes),
				n8nCpuMsPerItem: round((profile.cpuSeconds * 1000) / items, 3),
				n8nCoreShare: round(profile.coreShare, 2),
			};
			log(`  ${path}, ${items} items: ${run.itemsPerSecond} items/s, +${run.growthMiB} MiB`);
			return run;
		};

		const control = {
			tenth: await measure(paths.control, tenth),
			full: await measure(paths.control, contacts),
		};
		const sqliteTenth = await measure(paths.sqlite, tenth);
		const sqliteFull = await measure(paths.sqlite, contacts);
		const postgresFull = await measure(paths.postgres, contacts);
		const extra = (run: ConsentRun, base: ConsentRun) => round(run.growthMiB - base.growthMiB, 1);
		const sqlite: GateRuns = {
			full: sqliteFull,
			tenth: sqliteTenth,
			extraOverControlMiB: {
				full: extra(sqliteFull, control.full),
				tenth: extra(sqliteTenth, control.tenth),
			},
		};
		return {
			contacts,
			seededShare:
				'every third contact has a consent record (opted in, opted out or blocked); the rest are unknown',
			control,
			sqlite,
			postgres: {
				full: postgresFull,
				extraOverControlMiB: { full: extra(postgresFull, control.full) },
			},
		};
	} finally {
		await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
	}
}

function contactList(count: number): Array<{ waId: string }> {
	return Array.from({ length: count }, (_, index) => ({ waId: contactOf(index) }));
}

/** Consent is kept per WhatsApp Business Account: the credential's, here the emulator's. */
async function seed(config: StoreConfig, account: string, contacts: number): Promise<void> {
	const store = await createStore(config);
	try {
		const seeded = Array.from({ length: contacts }, (_, index) => index).filter(
			(index) => seededStatus(index) !== null,
		);
		let next = 0;
		const lane = async () => {
			while (next < seeded.length) {
				const batch = seeded.slice(next, next + SEED_BATCH);
				next += SEED_BATCH;
				await store.transaction(async (tx) => {
					for (const index of batch) {
						await tx.recordConsent({
							account,
							contact: contactOf(index),
							status: seededStatus(index) ?? 'unknown',
							source: 'import',
							eventAt: Date.UTC(2026, 0, 1),
						});
					}
				});
			}
		};
		// SQLite has one writer; PostgreSQL takes several transactions at once.
		const lanes = config.backend === 'sqlite' ? 1 : SEED_LANES;
		await Promise.all(Array.from({ length: lanes }, lane));
	} finally {
		await store.close();
	}
}

function gateNode(packageName: string, credentialName: string): MeasuredNode {
	return {
		name: 'Consent Gate',
		type: `${packageName}.whatsAppConsentGate`,
		typeVersion: 1,
		credentials: { [CLOUD_API_TYPE]: { name: credentialName } },
		parameters: {
			operation: 'check',
			contact: CONTACT_EXPRESSION,
			purpose: 'marketing',
			unknownConsent: 'needsOptIn',
		},
	};
}

/** n8n's Set node doing the gate's n8n-side work: the Contact expression per item, new items out. */
function controlNode(): MeasuredNode {
	return {
		name: 'Set Contact',
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		parameters: {
			mode: 'manual',
			includeOtherFields: true,
			assignments: {
				assignments: [
					{ id: randomUUID(), name: 'contactChecked', type: 'string', value: CONTACT_EXPRESSION },
				],
			},
			options: {},
		},
	};
}

function consentWorkflow(path: string, measured: MeasuredNode) {
	return stampedWorkflow({
		name: `Consent at scale (${path})`,
		webhookPath: path,
		listField: 'contacts',
		measured,
		saveSuccessfulExecutions: false,
	});
}

async function withAdmin(fn: (client: Client) => Promise<unknown>): Promise<void> {
	const client = new Client({ ...localPostgres, database: 'postgres' });
	await client.connect();
	try {
		await fn(client);
	} finally {
		await client.end();
	}
}
