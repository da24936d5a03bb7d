/**
 * GraphClient with the pinned n8n's own request helpers: `httpRequest` and `getSecureEgressFilter`
 * of its n8n-core (getRequestHelperFunctions → @n8n/backend-network's OutboundHttp), loaded from
 * the runtime into this process, against the Cloud API emulator; no n8n server. Both transports
 * — kept-alive connections under n8n's egress filter (what runs in n8n 2.41) and n8n's helper (a
 * proxy in the environment, an n8n without the filter) — behave alike: the token the client sends
 * itself reaches Meta, Meta's error answer is the same MetaApiError, no failure keeps a token, a
 * stopped execution cancels the call; n8n's proxy (HTTP_PROXY, NO_PROXY) and SSRF settings
 * (N8N_SSRF_*) apply to the package's calls as to n8n's own nodes.
 */
import { createServer, request as forward, type IncomingHttpHeaders, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { inspect } from 'node:util';

import type { IHttpRequestOptions, NodeEgressFilter } from 'n8n-workflow';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { MessageMayHaveBeenSentError, MetaApiError } from '../../lib/core/errors';
import {
	GraphClient,
	networkFailureOf,
	sendRetryDecision,
	type CloudApiCredentials,
	type GraphContext,
} from '../../lib/transport/graphApi';
import { KEEP_ALIVE_SWITCH } from '../../lib/transport/keptConnections';
import { eventually } from '../helpers/e2eWorld';
import { ensureRuntime } from '../../scripts/harness';

/** n8n reads its SSRF settings once, when its HTTP service is first used: set before that. */
const SSRF_SETTINGS = {
	N8N_SSRF_PROTECTION_ENABLED: 'true',
	// Loopback is blocked by default; the emulator and the proxy live on 127.0.0.1 only.
	N8N_SSRF_ALLOWED_IP_RANGES: '127.0.0.1/32',
	// A name that resolves to an allowed address but is refused by name: only n8n's lookup knows.
	N8N_SSRF_BLOCKED_HOSTNAMES: 'localhost',
};
const PROXY_VARIABLES = [
	'HTTP_PROXY',
	'http_proxy',
	'NO_PROXY',
	'no_proxy',
	'ALL_PROXY',
	'all_proxy',
];

let emulator: RunningEmulator;
let control: EmulatorControl;
let httpRequest: (options: IHttpRequestOptions) => Promise<unknown>;
let getSecureEgressFilter: () => NodeEgressFilter;
const savedEnvironment = new Map<string, string | undefined>();

beforeAll(async () => {
	for (const name of [...Object.keys(SSRF_SETTINGS), ...PROXY_VARIABLES]) {
		savedEnvironment.set(name, process.env[name]);
		delete process.env[name];
	}
	Object.assign(process.env, SSRF_SETTINGS);
	const runtime = await ensureRuntime();
	const load = createRequire(join(runtime.dir, 'package.json'));
	const { getRequestHelperFunctions } = load(
		'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions.js',
	) as {
		getRequestHelperFunctions(
			workflow: object,
			node: object,
			additionalData: object,
		): { httpRequest: typeof httpRequest; getSecureEgressFilter: typeof getSecureEgressFilter };
	};
	// n8n 2.39 and 2.40 hand nodes the SSRF service through the execution's additional data, as
	// their WorkflowExecuteAdditionalData does with SSRF protection on (2.41 reads its container).
	const { Container } = load('@n8n/di') as { Container: { get(service: unknown): unknown } };
	const { SsrfProtectionService } = load('@n8n/backend-network') as {
		SsrfProtectionService: unknown;
	};
	// The helpers need no workflow, node data or execution around them.
	({ httpRequest, getSecureEgressFilter } = getRequestHelperFunctions(
		{},
		{ name: 'WhatsApp Automation' },
		{ ssrfBridge: Container.get(SsrfProtectionService) },
	));
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
});

afterEach(async () => {
	for (const name of PROXY_VARIABLES) delete process.env[name];
	await control.reset();
});

afterAll(async () => {
	await emulator?.stop();
	for (const [name, value] of savedEnvironment) {
		if (value === undefined) delete process.env[name];
		else process.env[name] = value;
	}
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

type Transport = 'kept connections' | "n8n's helper";

/**
 * An execution's context as GraphClient sees it, with n8n's helpers and counted credential reads;
 * without the egress filter (as in an n8n before 2.41) every call goes through n8n's helper.
 */
function executionContext(
	credentials: CloudApiCredentials,
	cancelSignal?: AbortSignal,
	transport: Transport = 'kept connections',
): GraphContext & { credentialReads: number } {
	const context = {
		credentialReads: 0,
		getCredentials: async () => {
			context.credentialReads++;
			return credentials;
		},
		getExecutionCancelSignal: () => cancelSignal,
		helpers:
			transport === 'kept connections' ? { httpRequest, getSecureEgressFilter } : { httpRequest },
	};
	return context as unknown as GraphContext & { credentialReads: number };
}

/** Everything an error holds, hidden properties and causes included. */
function everythingIn(error: unknown): string {
	return inspect(error, { depth: null, showHidden: true, maxStringLength: null });
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** A forward proxy for plain HTTP, as HTTP_PROXY names one: logs each request, then passes it on. */
async function startProxy(): Promise<{
	url: string;
	seen: Array<{ target: string; headers: IncomingHttpHeaders }>;
	stop(): Promise<void>;
}> {
	const seen: Array<{ target: string; headers: IncomingHttpHeaders }> = [];
	const server: Server = createServer((incoming, answer) => {
		seen.push({ target: incoming.url ?? '', headers: incoming.headers });
		const onward = forward(
			incoming.url ?? '',
			{ method: incoming.method, headers: incoming.headers },
			(response) => {
				answer.writeHead(response.statusCode ?? 502, response.headers);
				response.pipe(answer);
			},
		);
		onward.on('error', () => answer.writeHead(502).end());
		incoming.pipe(onward);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		seen,
		stop: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** A Graph-like server that counts the connections its callers open. */
async function startCountingServer(): Promise<{
	url: string;
	connections(): number;
	stop(): Promise<void>;
}> {
	let connections = 0;
	const server = createServer((incoming, answer) => {
		incoming.resume();
		incoming.on('end', () =>
			answer.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"1"}'),
		);
	});
	server.on('connection', () => connections++);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		connections: () => connections,
		stop: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

describe.each<Transport>(['kept connections', "n8n's helper"])(
	'GraphClient over %s',
	(transport) => {
		it('reads the credential once and Meta accepts the token on every call', async () => {
			const context = executionContext(emulatorCredentials(), undefined, transport);
			const client = await GraphClient.create(context);

			const numbers = await client.listPhoneNumbers();
			for (const number of numbers) {
				expect(await client.getPhoneNumber(number.id)).toMatchObject({ id: number.id });
			}

			expect(numbers.length).toBeGreaterThan(1);
			expect(context.credentialReads).toBe(1);
		});

		it("turns Meta's error answer into the same MetaApiError", async () => {
			const credentials = emulatorCredentials({ accessToken: 'a-token-meta-does-not-know' });
			const client = new GraphClient(
				executionContext(credentials, undefined, transport),
				credentials,
			);

			const error = await client.listPhoneNumbers().catch((failure: unknown) => failure);

			expect(error).toBeInstanceOf(MetaApiError);
			expect(error).toMatchObject({ httpStatus: 401, code: 190 });
		});

		it.each([
			['the system-user token', 'request'],
			['the app token', 'appRequest'],
		] as const)('a refused connection with %s leaves no secret in the error', async (_, call) => {
			const credentials = emulatorCredentials({
				baseUrl: `http://127.0.0.1:${await closedPort()}`,
			});
			const client = new GraphClient(
				executionContext(credentials, undefined, transport),
				credentials,
			);

			const error = await client[call]('GET', `${credentials.appId}/subscriptions`).catch(
				(failure: unknown) => failure,
			);

			expect(networkFailureOf(error)).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
			for (const secret of [credentials.accessToken, String(credentials.appSecret)]) {
				expect(everythingIn(error)).not.toContain(secret);
				expect(JSON.stringify(error)).not.toContain(secret);
			}
		});

		it('a call that gets no answer in time names the call, and keeps no token', async () => {
			const credentials = emulatorCredentials();
			const client = new GraphClient(
				executionContext(credentials, undefined, transport),
				credentials,
				250,
			);
			await control.settings({ graphDelayMs: 1000 });

			const error = await client.listPhoneNumbers().catch((failure: unknown) => failure);

			expect(error).toMatchObject({
				message: expect.stringMatching(/^The Graph API call GET \d+\/phone_numbers got no answer/),
			});
			expect(everythingIn(error)).not.toContain(credentials.accessToken);
		});

		it('a stopped execution cancels the call: nothing reaches Meta', async () => {
			const credentials = emulatorCredentials();
			const stopped = new AbortController();
			stopped.abort();
			const client = new GraphClient(
				executionContext(credentials, stopped.signal, transport),
				credentials,
			);
			const [sender] = emulator.info().phoneNumbers;

			await expect(
				client.sendMessage(sender.id, {
					messaging_product: 'whatsapp',
					to: '4915112345678',
					type: 'text',
					text: { body: 'never sent' },
				}),
			).rejects.toThrow();
			expect(await control.messages()).toEqual([]);
		});

		it('a send that fails after it went out is never retried (no answer in time)', async () => {
			const credentials = emulatorCredentials();
			const client = new GraphClient(
				executionContext(credentials, undefined, transport),
				credentials,
				250,
			);
			await control.settings({ graphDelayMs: 1000 });
			const [sender] = emulator.info().phoneNumbers;

			const error = await client
				.sendMessage(sender.id, {
					messaging_product: 'whatsapp',
					to: '4915112345678',
					type: 'text',
					text: { body: 'slow' },
				})
				.catch((failure: unknown) => failure);

			expect(error).toBeInstanceOf(MessageMayHaveBeenSentError);
			expect(sendRetryDecision(error)).toEqual({ retryable: false });
			// It did go out: the emulator takes it after its delay, whether or not the sender still
			// waits. Waiting for it here also keeps it out of the next test's messages.
			const sent = await eventually(async () => {
				const slow = (await control.messages()).filter(
					(message) => message.renderedText === 'slow',
				);
				return slow.length > 0 ? slow : undefined;
			}, 'the emulator to take the slow message');
			expect(sent).toHaveLength(1);
		});
	},
);

describe('kept connections', () => {
	it("one connection carries a run of calls; n8n's helper opens one per call", async () => {
		const server = await startCountingServer();
		try {
			const credentials = emulatorCredentials({ baseUrl: server.url });
			const kept = new GraphClient(executionContext(credentials), credentials);
			for (let call = 0; call < 20; call++) await kept.request('GET', '1');
			expect(server.connections()).toBe(1);

			const perCall = new GraphClient(
				executionContext(credentials, undefined, "n8n's helper"),
				credentials,
			);
			for (let call = 0; call < 20; call++) await perCall.request('GET', '1');
			expect(server.connections()).toBe(21);
		} finally {
			await server.stop();
		}
	});

	it('parallel calls open parallel connections and reuse them afterwards', async () => {
		const server = await startCountingServer();
		try {
			const credentials = emulatorCredentials({ baseUrl: server.url });
			const client = new GraphClient(executionContext(credentials), credentials);
			const burst = async () =>
				await Promise.all(Array.from({ length: 5 }, async () => await client.request('GET', '1')));
			await burst();
			await burst();
			expect(server.connections()).toBe(5);
		} finally {
			await server.stop();
		}
	});

	it(`${KEEP_ALIVE_SWITCH}=false sends every call through n8n's helper`, async () => {
		const server = await startCountingServer();
		process.env[KEEP_ALIVE_SWITCH] = 'false';
		try {
			const credentials = emulatorCredentials({ baseUrl: server.url });
			const client = new GraphClient(executionContext(credentials), credentials);
			for (let call = 0; call < 3; call++) await client.request('GET', '1');
			expect(server.connections()).toBe(3);
		} finally {
			delete process.env[KEEP_ALIVE_SWITCH];
			await server.stop();
		}
	});

	it('messages sent over kept connections reach Meta once each, in order', async () => {
		const credentials = emulatorCredentials();
		const client = new GraphClient(executionContext(credentials), credentials);
		const [sender] = emulator.info().phoneNumbers;
		for (let index = 0; index < 5; index++) {
			await client.sendMessage(sender.id, {
				messaging_product: 'whatsapp',
				to: '4915112345678',
				type: 'text',
				text: { body: `message ${index}` },
			});
		}
		const bodies = (await control.messages()).map((message) => message.renderedText);
		expect(bodies).toEqual([0, 1, 2, 3, 4].map((index) => `message ${index}`));
	});
});

describe("n8n's network settings apply to the package's calls", () => {
	it('HTTP_PROXY carries the calls, with the token; NO_PROXY exempts the host', async () => {
		const proxy = await startProxy();
		try {
			const credentials = emulatorCredentials();
			const client = new GraphClient(executionContext(credentials), credentials);

			process.env.HTTP_PROXY = proxy.url;
			const numbers = await client.listPhoneNumbers();
			expect(numbers.length).toBeGreaterThan(0);
			expect(proxy.seen).toEqual([
				expect.objectContaining({
					target: expect.stringMatching(
						new RegExp(
							`^${credentials.baseUrl}/${credentials.graphApiVersion}/\\d+/phone_numbers\\?`,
						),
					),
					headers: expect.objectContaining({ authorization: `Bearer ${credentials.accessToken}` }),
				}),
			]);

			process.env.NO_PROXY = '127.0.0.1';
			await client.listPhoneNumbers();
			expect(proxy.seen).toHaveLength(1);
		} finally {
			await proxy.stop();
		}
	});

	it.each<Transport>(['kept connections', "n8n's helper"])(
		'SSRF protection refuses a blocked host name over %s, naming why',
		async (transport) => {
			const credentials = emulatorCredentials({
				baseUrl: emulator.baseUrl.replace('127.0.0.1', 'localhost'),
			});
			const client = new GraphClient(
				executionContext(credentials, undefined, transport),
				credentials,
			);

			const error = await client.listPhoneNumbers().catch((failure: unknown) => failure);

			expect(error).toMatchObject({ message: expect.stringMatching(/blocked/i) });
			expect(everythingIn(error)).not.toContain(credentials.accessToken);
		},
	);

	it.each(['this n8n', 'n8n 2.39 and 2.40 (no validateConnectionHost)'])(
		'SSRF protection refuses a Base URL in a blocked range before connecting, naming why, with the filter of %s',
		async (filterOf) => {
			const credentials = emulatorCredentials({ baseUrl: 'http://127.0.0.2:9' });
			const context = executionContext(credentials);
			if (filterOf !== 'this n8n') {
				const filter = getSecureEgressFilter();
				context.helpers.getSecureEgressFilter = () =>
					({
						validateUrl: filter.validateUrl.bind(filter),
						createSecureLookup: filter.createSecureLookup.bind(filter),
						validateRedirectSync: filter.validateRedirectSync.bind(filter),
					}) as unknown as NodeEgressFilter;
			}
			const client = new GraphClient(context, credentials);

			const error = await client.listPhoneNumbers().catch((failure: unknown) => failure);

			expect(error).toMatchObject({
				message: expect.stringContaining('blocked because it resolves to a restricted IP address'),
				description: expect.stringContaining('127.0.0.2 is not allowed'),
			});
			expect(everythingIn(error)).not.toContain(credentials.accessToken);
		},
	);
});
