import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ChangeFeed } from './chat/changes';
import { handleChat, isChatRequest } from './chat/routes';
import { Scheduler, VirtualClock } from './clock';
import { controlPrefix, handleControl } from './control/routes';
import type { EmulatorCore } from './core';
import { GraphError, graphErrors } from './graph/errors';
import { downloadMedia, downloadPath } from './graph/media';
import { readParams, type GraphRequest } from './graph/request';
import { handleGraph } from './graph/router';
import { InputError } from './input-error';
import { MessageLifecycle } from './lifecycle';
import { RateLimits } from './rate-limits';
import { resolveSeed, type EmulatorSeed } from './seed';
import { EmulatorState } from './state';
import { WebhookDispatcher } from './webhooks/dispatcher';

export interface EmulatorOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	/** Loopback by default; the emulator has no authentication on its control API. */
	host?: string;
	/** A seed from loadSeedFile, or a partial seed object merged with the defaults (resolveSeed). */
	seed?: EmulatorSeed | Record<string, unknown>;
	/** Receives one line per request and webhook; silent by default. */
	log?: (line: string) => void;
}

/** The start line: everything a client needs to point a credential at the emulator. */
export interface EmulatorInfo {
	baseUrl: string;
	graphVersion: string;
	accessToken: string;
	wabaId: string;
	appId: string;
	appSecret: string;
	phoneNumbers: Array<{ id: string; displayPhoneNumber: string; status: string }>;
	templates: Array<{ name: string; language: string; category: string; status: string }>;
}

export interface RunningEmulator {
	baseUrl: string;
	info(): EmulatorInfo;
	stop(): Promise<void>;
}

const maxBodyBytes = 110 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > maxBodyBytes) {
				reject(
					graphErrors.invalidParameter(`The request body is larger than ${maxBodyBytes} bytes.`),
				);
				request.destroy();
				return;
			}
			chunks.push(chunk);
		});
		request.on('end', () => resolve(Buffer.concat(chunks)));
		request.on('error', reject);
	});
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
	const payload = JSON.stringify(body);
	response.writeHead(status, {
		'content-type': 'application/json; charset=UTF-8',
		'content-length': Buffer.byteLength(payload),
	});
	response.end(payload);
}

function buildCore(seed: EmulatorSeed, log: (line: string) => void): EmulatorCore {
	const state = new EmulatorState(seed);
	const clock = new VirtualClock();
	const scheduler = new Scheduler(clock, (error) =>
		log(`scheduled task failed: ${(error as Error).stack ?? String(error)}`),
	);
	const dispatcher = new WebhookDispatcher(state, clock, scheduler, log);
	const changes = new ChangeFeed();
	const lifecycle = new MessageLifecycle(state, clock, scheduler, dispatcher, changes);
	return {
		seed,
		state,
		clock,
		scheduler,
		dispatcher,
		lifecycle,
		limits: new RateLimits(state, clock),
		changes,
		log,
	};
}

/** Writes `body`, then zeros up to `size` bytes, at the pace the receiver reads; stops if it hangs up. */
async function writePadded(response: ServerResponse, body: Buffer, size: number): Promise<void> {
	response.write(body);
	const zeros = Buffer.alloc(1024 * 1024);
	for (let sent = body.length; sent < size && !response.destroyed; sent += zeros.length) {
		const chunk = zeros.subarray(0, Math.min(zeros.length, size - sent));
		if (!response.write(chunk)) {
			await new Promise<void>((resolve) => {
				response.once('drain', resolve);
				response.once('close', resolve);
			});
		}
	}
	response.end();
}

/** Starts the emulator on loopback; resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
	const seed = resolveSeed(options.seed ?? {});
	const log = options.log ?? (() => undefined);
	const core = buildCore(seed, log);
	let baseUrl = '';

	const info = (): EmulatorInfo => ({
		baseUrl,
		graphVersion: seed.graphVersion,
		accessToken: seed.accessToken,
		wabaId: seed.wabaId,
		appId: seed.appId,
		appSecret: seed.appSecret,
		phoneNumbers: [...core.state.phoneNumbers.values()].map(
			({ id, displayPhoneNumber, status }) => ({
				id,
				displayPhoneNumber,
				status,
			}),
		),
		templates: core.state.templates.map(({ name, language, category, status }) => ({
			name,
			language,
			category,
			status,
		})),
	});

	const handle = async (request: IncomingMessage, response: ServerResponse): Promise<number> => {
		const url = new URL(request.url ?? '/', 'http://emulator.invalid');
		const method = (request.method ?? 'GET').toUpperCase();
		const origin = request.headers.host ? `http://${request.headers.host}` : baseUrl;
		try {
			const rawBody = await readBody(request);
			if (isChatRequest(method, url.pathname)) return handleChat(core, request, response, url);
			if (url.pathname === controlPrefix || url.pathname.startsWith(`${controlPrefix}/`)) {
				const result = await handleControl(
					core,
					method,
					url.pathname,
					url.searchParams,
					rawBody,
					info,
				);
				sendJson(response, result.status, result.body);
				return result.status;
			}
			if (url.pathname === downloadPath && method === 'GET') {
				const download = downloadMedia(core, url.searchParams, request.headers.authorization);
				response.writeHead(download.status, {
					'content-type': download.contentType,
					'content-length': download.size,
				});
				await writePadded(response, download.body, download.size);
				return download.status;
			}
			const { graphDelayMs } = core.state.settings;
			if (graphDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, graphDelayMs));
			const [version, objectId, edge, ...rest] = url.pathname.split('/').filter(Boolean);
			if (!version || !/^v\d+\.\d+$/.test(version) || !objectId || rest.length > 0) {
				throw graphErrors.unknownPath(url.pathname);
			}
			const contentType = String(request.headers['content-type'] ?? '');
			const graphRequest: GraphRequest = {
				method,
				version,
				objectId,
				...(edge ? { edge } : {}),
				query: url.searchParams,
				params: readParams(
					url.searchParams,
					contentType,
					contentType.includes('multipart/') ? Buffer.alloc(0) : rawBody,
				),
				rawBody,
				contentType,
				headers: request.headers,
				origin,
			};
			const result = await handleGraph(core, graphRequest);
			sendJson(response, result.status, result.body);
			return result.status;
		} catch (error) {
			if (error instanceof GraphError) {
				sendJson(response, error.httpStatus, error.toBody());
				return error.httpStatus;
			}
			if (error instanceof InputError) {
				sendJson(response, error.httpStatus, {
					error: { message: error.message, field: error.field, fix: error.fix },
				});
				return error.httpStatus;
			}
			log(`internal error: ${(error as Error).stack ?? String(error)}`);
			sendJson(
				response,
				500,
				new GraphError(500, 2, 'Service temporarily unavailable', {
					details: 'Emulator internal error; see its log.',
				}).toBody(),
			);
			return 500;
		}
	};

	const server: Server = createServer((request, response) => {
		const started = Date.now();
		void handle(request, response).then((status) => {
			// Whatever a request may have changed, the chat page refetches; GETs change nothing.
			if (request.method !== 'GET') core.changes.notify();
			const path = (request.url ?? '/').split('?')[0];
			log(`${request.method ?? 'GET'} ${path} → ${status} (${Date.now() - started} ms)`);
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const address = server.address() as AddressInfo;
	const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
	baseUrl = `http://${host}:${address.port}`;

	return {
		baseUrl,
		info,
		stop: async () => {
			core.scheduler.stop();
			core.dispatcher.stop();
			core.changes.stop();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
