/**
 * The Graph client's two tokens, both sent by the client itself through n8n's plain request
 * helper: the system-user token of a credential read once, and the app access token
 * `{app-id}|{app-secret}` that the app's own endpoints need (the emulator refuses the system-user
 * token there, like Meta). Neither may leave the client in an error. (The same client through
 * n8n's own helper, with its proxy and SSRF settings: test/e2e/graphTransport.test.ts.)
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';

import type { IHttpRequestOptions } from 'n8n-workflow';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { MetaApiError } from '../../lib/core/errors';
import {
	GraphClient,
	networkFailureOf,
	type CloudApiCredentials,
	type GraphContext,
} from '../../lib/transport/graphApi';
import { httpRequestViaFetch } from '../helpers/nodeHarness';

let emulator: RunningEmulator;

beforeAll(async () => {
	emulator = await startEmulator();
});

afterAll(async () => {
	await emulator.stop();
});

function emulatorCredentials(overrides: Partial<CloudApiCredentials> = {}): CloudApiCredentials {
	const info = emulator.info();
	return {
		accessToken: info.accessToken,
		businessAccountId: info.wabaId,
		appId: info.appId,
		appSecret: info.appSecret,
		graphApiVersion: info.graphVersion,
		baseUrl: info.baseUrl,
		...overrides,
	};
}

/**
 * A node context with n8n's request helper over real HTTP, counting credential reads. Like axios
 * inside n8n's helper, a failed request keeps its options, headers included, on the error.
 */
function contextFor(credentials: CloudApiCredentials): GraphContext & { credentialReads: number } {
	const context = {
		credentialReads: 0,
		getCredentials: async () => {
			context.credentialReads++;
			return credentials;
		},
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => {
				try {
					return await httpRequestViaFetch(options);
				} catch (error) {
					throw Object.assign(error as Error, { config: options });
				}
			},
		},
	};
	return context as unknown as GraphContext & { credentialReads: number };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

describe('GraphClient with the app access token', () => {
	it("calls the app's subscriptions with the app token, which the system-user token cannot", async () => {
		const credentials = emulatorCredentials();
		const client = new GraphClient(contextFor(credentials), credentials);
		const path = `${credentials.appId}/subscriptions`;

		await expect(client.appRequest('GET', path)).resolves.toEqual({ data: expect.any(Array) });
		await expect(client.request('GET', path)).rejects.toBeInstanceOf(MetaApiError);
	});

	it('names the missing App Secret instead of sending a token without it', async () => {
		const credentials = emulatorCredentials({ appSecret: '' });
		const client = new GraphClient(contextFor(credentials), credentials);

		await expect(client.appRequest('GET', `${credentials.appId}/subscriptions`)).rejects.toThrow(
			/credential has no App Secret: calls with the app access token/,
		);
	});

	it('a failed call carries neither the app token nor the secret, only what failed', async () => {
		const credentials = emulatorCredentials({
			baseUrl: `http://127.0.0.1:${await closedPort()}`,
		});
		const client = new GraphClient(contextFor(credentials), credentials);

		const error = await client
			.appRequest('GET', `${credentials.appId}/subscriptions`)
			.catch((failure: unknown) => failure);

		expect(error).toBeInstanceOf(Error);
		expect(networkFailureOf(error)).toMatchObject({ code: 'ECONNREFUSED' });
		const everything = inspect(error, { depth: null, showHidden: true });
		expect(everything).not.toContain(String(credentials.appSecret));
	});
});

describe('GraphClient with the system-user token', () => {
	it('reads the credential once and sends its token on every call', async () => {
		const credentials = emulatorCredentials();
		const context = contextFor(credentials);
		const client = await GraphClient.create(context);

		const numbers = await client.listPhoneNumbers();
		for (const number of numbers) await client.getPhoneNumber(number.id);

		expect(numbers.length).toBeGreaterThan(1);
		expect(context.credentialReads).toBe(1);
	});

	it("turns Meta's error answer to a wrong token into the same MetaApiError", async () => {
		const credentials = emulatorCredentials({ accessToken: 'not-the-emulator-token' });
		const client = new GraphClient(contextFor(credentials), credentials);

		const error = await client.listPhoneNumbers().catch((failure: unknown) => failure);

		expect(error).toBeInstanceOf(MetaApiError);
		expect(error).toMatchObject({ httpStatus: 401, code: 190 });
	});

	it('a failed call carries no token, only what failed', async () => {
		const credentials = emulatorCredentials({
			baseUrl: `http://127.0.0.1:${await closedPort()}`,
		});
		const client = new GraphClient(contextFor(credentials), credentials);

		const error = await client.getPhoneNumber('123').catch((failure: unknown) => failure);

		expect(error).toBeInstanceOf(Error);
		expect(networkFailureOf(error)).toMatchObject({ code: 'ECONNREFUSED' });
		const everything = inspect(error, { depth: null, showHidden: true });
		expect(everything).not.toContain(credentials.accessToken);
	});
});
