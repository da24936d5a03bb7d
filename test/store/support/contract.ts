/**
 * The store contract's set-up, shared by the files of test/store/contract/: every case runs on
 * SQLite (a temp file) and PostgreSQL (a database created for this run on the local server), each
 * on a fresh store.
 */
import type { Store, StoreBackend } from '../../../lib/store';
import { BACKENDS, type StoreEnvironment, useStoreEnvironment } from './storeEnvironment';

export const ACCOUNT = 'waba-1';
export const WA = '4915112345678';
export const USER = 'DE.11815799212886844830';
export const PHONE = 'phone-1';

export interface Contract {
	backend: StoreBackend;
	env: StoreEnvironment;
	/** A fresh store for each case. */
	store: Store;
}

/** Runs one section of the store contract on every backend: `<backend> store contract <section> …`. */
export function describeContract(
	section: string | undefined,
	cases: (contract: Contract) => void,
): void {
	describe.each(BACKENDS)('%s store contract', (backend) => {
		const env = useStoreEnvironment(backend);
		const contract = { backend, env } as Contract;
		beforeEach(async () => {
			contract.store = await env.freshStore();
		});
		if (section === undefined) cases(contract);
		else describe(section, () => cases(contract));
	});
}
