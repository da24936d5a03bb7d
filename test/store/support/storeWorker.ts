/**
 * One store client in its own process, for multiprocess.test.ts. Reads a job from argv, runs it
 * (housekeeping included) and prints what it observed as one JSON line on stdout.
 */
import { createStore, type ConsentStatus, type StoreConfig } from '../../../lib/store';

export interface WorkerJob {
	config: StoreConfig;
	account: string;
	contact: string;
	consentEvents: Array<{ status: ConsentStatus; eventAt: number }>;
	dedupKeys: string[];
	waitIds: string[];
	at: number;
}

export interface WorkerReport {
	newKeys: string[];
	claimedWaits: string[];
	ranHousekeeping: boolean;
}

async function main(): Promise<void> {
	const job = JSON.parse(process.argv[2]) as WorkerJob;
	const store = await createStore(job.config);
	try {
		const [, newKeys, claimedWaits, housekeeping] = await Promise.all([
			Promise.all(
				job.consentEvents.map((event) =>
					store.recordConsent({
						account: job.account,
						contact: job.contact,
						status: event.status,
						source: 'keyword',
						eventAt: event.eventAt,
					}),
				),
			),
			Promise.all(
				job.dedupKeys.map(async (key) => ((await store.markSeen(key, job.at)) ? [key] : [])),
			),
			Promise.all(
				job.waitIds.map(async (id) => ((await store.claimWait(id, 'claimed', job.at)) ? [id] : [])),
			),
			store.housekeeping(job.at),
		]);
		const report: WorkerReport = {
			newKeys: newKeys.flat(),
			claimedWaits: claimedWaits.flat(),
			ranHousekeeping: housekeeping.ran,
		};
		process.stdout.write(`${JSON.stringify(report)}\n`);
	} finally {
		await store.close();
	}
}

main().catch((error: Error) => {
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});
