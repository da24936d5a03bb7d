import type { CloudApiCredentials } from '../../lib/transport/graphApi';
import { deriveForwardKey } from '../../lib/inbound';
import {
	CREDENTIAL_TTL_MS,
	CredentialCache,
	derivedFromCredential,
} from '../../nodes/helpers/credentialCache';

const credentials = (appSecret: string) => ({ appSecret }) as unknown as CloudApiCredentials;

describe('CredentialCache', () => {
	let now: number;
	let cache: CredentialCache;

	beforeEach(() => {
		now = 1_000_000;
		cache = new CredentialCache(() => now);
	});

	it('loads once per credential id within the TTL, then again', async () => {
		const load = jest.fn(async () => credentials(`secret-${now}`));
		expect((await cache.get('cred-1', load)).appSecret).toBe('secret-1000000');
		now += CREDENTIAL_TTL_MS - 1;
		expect((await cache.get('cred-1', load)).appSecret).toBe('secret-1000000');
		expect(load).toHaveBeenCalledTimes(1);
		now += 1;
		expect((await cache.get('cred-1', load)).appSecret).toBe(`secret-${now}`);
		expect(load).toHaveBeenCalledTimes(2);
	});

	it('keeps credentials apart by id and never caches without one', async () => {
		const load = jest.fn(async () => credentials('x'));
		await cache.get('cred-1', load);
		await cache.get('cred-2', load);
		await cache.get(undefined, load);
		await cache.get(undefined, load);
		expect(load).toHaveBeenCalledTimes(4);
	});

	it('a failed load is not cached', async () => {
		await expect(
			cache.get('cred-1', async () => Promise.reject(new Error('db down'))),
		).rejects.toThrow('db down');
		expect((await cache.get('cred-1', async () => credentials('ok'))).appSecret).toBe('ok');
	});
});

it('a burst of calls shares one load', async () => {
	const cache = new CredentialCache(() => 0);
	const load = jest.fn(async () => credentials('once'));
	const results = await Promise.all(
		Array.from({ length: 8 }, async () => await cache.get('cred-1', load)),
	);
	expect(results.map((result) => result.appSecret)).toEqual(Array(8).fill('once'));
	expect(load).toHaveBeenCalledTimes(1);
});

describe('derivedFromCredential', () => {
	it('derives once per credential object and name, again for a newly loaded credential', () => {
		const loaded = credentials('secret-a');
		const derive = jest.fn(() => deriveForwardKey({ ...loaded, account: '419561257915477' }));
		const first = derivedFromCredential(loaded, 'forward key 419561257915477', derive);
		expect(derivedFromCredential(loaded, 'forward key 419561257915477', derive)).toBe(first);
		expect(derive).toHaveBeenCalledTimes(1);

		const other = jest.fn(() => null);
		expect(derivedFromCredential(loaded, 'forward key 1', other)).toBeNull();
		expect(derivedFromCredential(loaded, 'forward key 1', other)).toBeNull();
		expect(other).toHaveBeenCalledTimes(1);

		// A changed credential comes back from n8n as a new object: its key is derived from it.
		const changed = credentials('secret-b');
		const rederived = derivedFromCredential(changed, 'forward key 419561257915477', () =>
			deriveForwardKey({ ...changed, account: '419561257915477' }),
		);
		expect(rederived?.equals(first as Buffer)).toBe(false);
	});
});
