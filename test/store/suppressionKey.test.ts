/**
 * Suppression records hold a keyed hash (HMAC with a key derived from the credential, never
 * stored), not a plain SHA-256 that enumerating every phone number reverses. Records of older
 * versions are re-keyed when the key is first registered; a changed key is reported.
 */
import { createHash, createHmac } from 'node:crypto';

import { createStore, deriveSuppressionKey, type Store } from '../../lib/store';
import { BACKENDS, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const plain = createHash('sha256').update(`wa:${WA}`).digest('hex');
const KEY = deriveSuppressionKey({
	appSecret: 'app-secret-1',
	accessToken: 'EAAG…',
	account: ACCOUNT,
})!;

describe.each(BACKENDS)('%s suppression key', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	async function optOutAndErase(): Promise<void> {
		await store.recordConsent({
			account: ACCOUNT,
			contact: WA,
			status: 'opted_out',
			source: 'keyword',
			eventAt: T0,
		});
		await store.eraseContact(ACCOUNT, WA);
	}

	const storedHashes = async () =>
		await env.rawQuery(
			env.configOf(store),
			'SELECT identity_hash, key_version, key_fingerprint FROM consent_suppressions',
		);

	/** Another process opening the same store: nothing in memory survives. */
	async function reopen(): Promise<Store> {
		const config = env.configOf(store);
		await store.close();
		store = env.track(await createStore(config), config);
		return store;
	}

	it('derives different keys per account and secret, and none without a secret', () => {
		const other = deriveSuppressionKey({ appSecret: 'app-secret-1', account: 'waba-2' })!;
		const byToken = deriveSuppressionKey({ accessToken: 'EAAG…', account: ACCOUNT })!;
		expect(other.fingerprint).not.toBe(KEY.fingerprint);
		expect(byToken.fingerprint).not.toBe(KEY.fingerprint);
		expect(deriveSuppressionKey({ appSecret: ' ', accessToken: '', account: ACCOUNT })).toBeNull();
	});

	it('stores a keyed hash that the plain SHA-256 of the number does not find', async () => {
		await store.useSuppressionKey(ACCOUNT, KEY);
		await optOutAndErase();

		const [row] = await storedHashes();
		expect(row.identity_hash).not.toBe(plain);
		expect(row.identity_hash).toBe(createHmac('sha256', KEY.key).update(plain).digest('hex'));
		expect(Number(row.key_version)).toBe(1);
		expect(row.key_fingerprint).toBe(KEY.fingerprint);
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('opted_out');
		await expect((await reopen()).useSuppressionKey(ACCOUNT, KEY)).resolves.toEqual({
			rekeyed: 0,
			otherKeyRecords: 0,
		});
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('opted_out');
	});

	it('re-keys records of older versions once, and the opt-out stays honoured', async () => {
		await optOutAndErase();
		expect((await storedHashes())[0].identity_hash).toBe(plain);

		expect(await (await reopen()).useSuppressionKey(ACCOUNT, KEY)).toEqual({
			rekeyed: 1,
			otherKeyRecords: 0,
		});
		const [row] = await storedHashes();
		expect(row.identity_hash).not.toBe(plain);
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('opted_out');
		expect(await (await reopen()).useSuppressionKey(ACCOUNT, KEY)).toEqual({
			rekeyed: 0,
			otherKeyRecords: 0,
		});
	});

	it('reports records written under another key (a rotated App Secret)', async () => {
		await store.useSuppressionKey(ACCOUNT, KEY);
		await optOutAndErase();
		const rotated = deriveSuppressionKey({ appSecret: 'app-secret-2', account: ACCOUNT })!;

		expect(await (await reopen()).useSuppressionKey(ACCOUNT, rotated)).toEqual({
			rekeyed: 0,
			otherKeyRecords: 1,
		});
		// The documented consequence: the old record no longer matches the number.
		expect((await store.getConsent(ACCOUNT, WA)).status).toBe('unknown');
	});
});
