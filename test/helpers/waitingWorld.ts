/**
 * The set-up the Follow-up Wait and Erase Contact node tests share: a fake waiting n8n for the
 * whole file, and per test a fresh store with credentials that point at it.
 */
import { closeAllStores, openStore, type Store, type StoreBackend } from '../../lib/store';
import { useStoreEnvironment } from '../store/support/storeEnvironment';
import { FakeWaitingN8n } from './fakeWaitingN8n';
import { credentialsFor } from './followUpWaitFixtures';

export interface WaitingWorld {
	n8n: FakeWaitingN8n;
	store: Store;
	credentials: Record<string, Record<string, unknown>>;
}

/** Registers the hooks in the calling `describe`; the fields are set before each test runs. */
export function useWaitingWorld(backend: StoreBackend): WaitingWorld {
	const environment = useStoreEnvironment(backend);
	const world = {} as WaitingWorld;

	beforeAll(async () => {
		world.n8n = await FakeWaitingN8n.start();
	});

	afterAll(async () => {
		await world.n8n.close();
	});

	beforeEach(async () => {
		const config = environment.freshConfig();
		world.credentials = credentialsFor(config);
		world.store = await openStore(config);
	});

	afterEach(async () => {
		await closeAllStores();
	});

	return world;
}
