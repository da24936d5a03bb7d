/**
 * The Graph client's second token: the app access token `{app-id}|{app-secret}` that the app's own
 * endpoints need (the emulator refuses the system-user token there, like Meta), and that must
 * never leave the client in an error.
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
 * A node context with n8n's two request helpers over real HTTP. Like axios inside n8n's helpers,
 * a failed request keeps its options, headers included, on the error.
 */
function contextFor(credentials: CloudApiCredentials): GraphContext {
	const send = async (options: IHttpRequestOptions, auth?: CloudApiCredentials) => {
		try {
			return await httpRequestViaFetch(options, auth);
		} catch (error) {
			throw Object.assign(error as Error, { config: options });
		}
	};
	return {
		getCredentials: async () => credentials,
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => await send(options),
			httpRequestWithAuthentication: async (_type: string, options: IHttpRequestOptions) =>
				await send(options, credentials),
		},
	} as unknown as GraphContext;
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
