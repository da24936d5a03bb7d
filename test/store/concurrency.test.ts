/**
 * Concurrency on both backends: many executions of one n8n process hitting the store at once.
 * (Several processes at once: multiprocess.test.ts.)
 */
import { createStore, type ConsentStatus, type Store } from '../../lib/store';
import { MIGRATIONS } from '../../lib/store/sql/schema';
import {
	BACKENDS,
	HOUR,
	MINUTE,
	T0,
	shuffled,
	useStoreEnvironment,
} from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const PHONE = 'phone-1';
const WA = '4915112345678';
const USER = 'DE.11815799212886844830';

describe.each(BACKENDS)('%s store under concurrency', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	it('50 parallel opt-in/opt-out writers in shuffled order end in the latest status with a complete history', async () => {
		const events = Array.from({ length: 50 }, (_, index) => ({
			status: (index % 2 === 0 ? 'opted_in' : 'opted_out') as ConsentStatus,
			eventAt: T0 + index * MINUTE,
		}));
		const latest = events[events.length - 1];
		// Mixed references: the contact row is created and linked by whichever writer comes first.
		const references = [WA, USER, { waId: WA, userId: USER }];
		await Promise.all(
			shuffled(events, 4242).map((event, index) =>
				store.recordConsent({
					account: ACCOUNT,
					contact: references[index % references.length],
					status: event.status,
					source: 'keyword',
					evidence: { text: event.status === 'opted_in' ? 'START' : 'STOP' },
					eventAt: event.eventAt,
				}),
			),
		);
		for (const contact of [WA, USER]) {
			expect(await store.getConsent(ACCOUNT, contact)).toEqual({
				status: latest.status,
				since: new Date(latest.eventAt),
				source: 'keyword',
			});
		}
		const history = await store.getConsentHistory(ACCOUNT, WA);
		expect(history.map((entry) => entry.eventAt.getTime())).toEqual(
			events.map((event) => event.eventAt),
		);
		// Every applied event was newer than the one applied before it: no lost update.
		const applied = history.filter((entry) => entry.applied);
		expect(applied.length).toBeGreaterThan(0);
		expect(applied[applied.length - 1].eventAt.getTime()).toBe(latest.eventAt);
		const counts = await env.countRows(env.configOf(store));
		expect(counts.contacts).toBe(1);
	});

	it('of 20 concurrent claimers of one wait exactly one wins', async () => {
		const wait = await store.registerWait({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			executionId: 'exec-1',
			resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1',
			deadline: T0 + HOUR,
			matchRule: { anyMessage: true },
			createdAt: T0,
		});
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, index) =>
				store.claimWait(wait.id, index % 4 === 0 ? 'cancelled' : 'claimed', T0 + MINUTE),
			),
		);
		const winners = results.filter((result) => result !== null);
		expect(winners).toHaveLength(1);
		expect((await store.getWait(wait.id))?.status).toBe(winners[0]?.status);
	});

	it('of 20 concurrent releasers and expirers of one claim exactly one wins', async () => {
		const wait = await store.registerWait({
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			executionId: 'exec-1',
			resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1',
			deadline: T0 + HOUR,
			matchRule: { anyMessage: true },
			createdAt: T0,
		});
		await store.claimWait(wait.id, 'claimed', T0 + MINUTE);

		const results = await Promise.all(
			Array.from({ length: 20 }, (_, index) =>
				index % 2 === 0
					? store.releaseWait(wait.id, T0 + 2 * MINUTE)
					: store.expireClaimedWait(wait.id, T0 + 2 * MINUTE),
			),
		);

		const winners = results.filter((result) => result !== null);
		expect(winners).toHaveLength(1);
		expect((await store.getWait(wait.id))?.status).toBe(winners[0]?.status);
	});

	it('of 20 concurrent housekeeping calls exactly one runs', async () => {
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, index) => store.housekeeping(T0 + index)),
		);
		expect(results.filter((result) => result.ran)).toHaveLength(1);
	});

	it('of 20 concurrent inserts of one dedup key exactly one is new', async () => {
		const results = await Promise.all(
			Array.from({ length: 20 }, () => store.markSeen('msg:wamid.same', T0)),
		);
		expect(results.filter(Boolean)).toHaveLength(1);
	});

	it('20 concurrent first messages of one contact start exactly one conversation', async () => {
		const results = await Promise.all(
			Array.from({ length: 20 }, (_, index) =>
				store.touchWindow({
					account: ACCOUNT,
					phoneNumberId: PHONE,
					contact: index % 2 === 0 ? { waId: WA, userId: USER } : WA,
					inboundAt: T0 + index,
				}),
			),
		);
		expect(results.filter((result) => result.isFirstEver)).toHaveLength(1);
		expect(results.filter((result) => result.isNewConversation)).toHaveLength(1);
		expect(new Set(results.map((result) => result.conversationId)).size).toBe(1);
		const window = await store.getWindow({ account: ACCOUNT, phoneNumberId: PHONE, contact: USER });
		expect(window?.lastInboundAt).toEqual(new Date(T0 + 19));
	});
});

describe('postgres store opened by several pools at once', () => {
	const env = useStoreEnvironment('postgres');

	// SQLite allows one store per file per process; several processes: multiprocess.test.ts.
	it('6 stores opening one fresh schema at once migrate it exactly once', async () => {
		const config = env.freshConfig();
		const stores = await Promise.all(
			Array.from({ length: 6 }, async () => env.track(await createStore(config), config)),
		);
		const migrations = await env.rawQuery(config, 'SELECT version FROM schema_migrations');
		expect(migrations.map((row) => Number(row.version)).sort((a, b) => a - b)).toEqual(
			MIGRATIONS.map((migration) => migration.version),
		);
		const results = await Promise.all(
			stores.map((opened) => opened.markSeen('msg:after-migration', T0)),
		);
		expect(results.filter(Boolean)).toHaveLength(1);
	});
});
