/**
 * Several processes on one store at once, as n8n's main, webhook and worker processes (or
 * several n8n instances) would be: they race to migrate a fresh database, write consent events
 * for one contact, insert the same dedup keys, claim the same waits and run housekeeping.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import type { ConsentStatus } from '../../lib/store';
import { createStore } from '../../lib/store';
import { MIGRATIONS } from '../../lib/store/sql/schema';
import {
	BACKENDS,
	HOUR,
	MINUTE,
	T0,
	shuffled,
	useStoreEnvironment,
} from './support/storeEnvironment';
import type { WorkerJob, WorkerReport } from './support/storeWorker';

jest.setTimeout(90_000);

const PROCESSES = 4;
const ACCOUNT = 'waba-1';
const CONTACT = '4915112345678';
const WORKER = path.join(__dirname, 'support', 'storeWorker.ts');
const REPOSITORY = path.resolve(__dirname, '..', '..');

function runWorker(job: WorkerJob): Promise<WorkerReport> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(job)], {
			cwd: REPOSITORY,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
		child.on('error', reject);
		child.on('close', (code) => {
			clearTimeout(timer);
			if (code === 0) resolve(JSON.parse(stdout.trim()) as WorkerReport);
			else reject(new Error(`store worker exited with ${code}:\n${stderr}`));
		});
	});
}

describe.each(BACKENDS)('%s store shared by several processes', (backend) => {
	const env = useStoreEnvironment(backend);

	it('migrates once, loses no consent update, hands out each key and wait once, keeps house once', async () => {
		const config = env.freshConfig();
		const events = Array.from({ length: 40 }, (_, index) => ({
			status: (index % 3 === 0 ? 'opted_in' : 'opted_out') as ConsentStatus,
			eventAt: T0 + index * MINUTE,
		}));
		const dedupKeys = Array.from({ length: 10 }, (_, index) => `msg:wamid.${index}`);
		const job = (index: number, waitIds: string[]): WorkerJob => ({
			config,
			account: ACCOUNT,
			contact: CONTACT,
			consentEvents: shuffled(
				events.filter((_, eventIndex) => eventIndex % PROCESSES === index),
				index + 1,
			),
			dedupKeys: waitIds.length === 0 ? dedupKeys : [],
			waitIds,
			at: T0 + MINUTE,
		});

		const firstRound = await Promise.all(
			Array.from({ length: PROCESSES }, (_, index) => runWorker(job(index, []))),
		);
		const newKeys = firstRound.flatMap((report) => report.newKeys).sort();
		expect(newKeys).toEqual([...dedupKeys].sort());
		expect(firstRound.filter((report) => report.ranHousekeeping)).toHaveLength(1);
		expect(await env.rawQuery(config, 'SELECT version FROM schema_migrations')).toHaveLength(
			MIGRATIONS.length,
		);

		const store = env.track(await createStore(config), config);
		const latest = events[events.length - 1];
		expect(await store.getConsent(ACCOUNT, CONTACT)).toMatchObject({
			status: latest.status,
			since: new Date(latest.eventAt),
		});
		const waitIds = await Promise.all(
			Array.from({ length: 5 }, async (_, index) => {
				const wait = await store.registerWait({
					account: ACCOUNT,
					phoneNumberId: 'phone-1',
					contact: CONTACT,
					executionId: `exec-${index}`,
					resumeUrl: `http://127.0.0.1:5678/webhook-waiting/${index}`,
					deadline: T0 + HOUR,
					matchRule: null,
					createdAt: T0,
				});
				return wait.id;
			}),
		);

		const secondRound = await Promise.all(
			Array.from({ length: PROCESSES }, (_, index) => runWorker(job(index, waitIds))),
		);
		const claimed = secondRound.flatMap((report) => report.claimedWaits).sort();
		expect(claimed).toEqual([...waitIds].sort());
		// Same time, within the hour: no process runs housekeeping again.
		expect(secondRound.filter((report) => report.ranHousekeeping)).toHaveLength(0);
		// The second round replays every consent event: each lands in the history again, changing nothing.
		const history = await store.getConsentHistory(ACCOUNT, CONTACT);
		expect(history).toHaveLength(2 * events.length);
		expect((await store.getConsent(ACCOUNT, CONTACT)).status).toBe(latest.status);
	});
});
