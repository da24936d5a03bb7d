/**
 * Graph API calls over kept-alive connections. n8n 2.41's request helper builds new agents for
 * every request, so each message of a campaign opened its own TLS connection (about 1 ms of CPU
 * per message in the profiles, on top of the round trips). This is the transport n8n's
 * `getSecureEgressFilter` is made for ("clients that build their own HTTP transport"): one
 * keep-alive agent per process whose DNS lookup is n8n's secure lookup, and n8n's check of an IP
 * literal host, so n8n's SSRF settings hold as for its own nodes. It is used only where nothing
 * else of n8n's would apply: no proxy in the environment (those calls stay with n8n's helper and
 * its proxy handling), plain JSON requests (uploads and downloads stay with n8n), and an n8n that
 * offers the filter (2.39 on). What these calls do not get from n8n's helper: its OpenTelemetry
 * trace headers and its optional global User-Agent (docs/ARCHITECTURE.md, "Layers").
 */
import { Agent as HttpAgent, request as plainRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as tlsRequest } from 'node:https';
import { isIP } from 'node:net';

import type { NodeEgressFilter } from 'n8n-workflow';

/**
 * An idle connection is closed after this long: below Node's own servers' 5 s keep-alive timeout
 * and the usual load balancers', so a request rarely meets a socket the other side just closed.
 */
const IDLE_CONNECTION_MS = 4_000;

/** Setting this to `false` sends every Graph call through n8n's helper, a connection per call. */
export const KEEP_ALIVE_SWITCH = 'WHATSAPP_GRAPH_KEEP_ALIVE';

/** The variables that make n8n route requests through a proxy (`hasProxyEnvironmentVariables`). */
const PROXY_VARIABLES = [
	'HTTP_PROXY',
	'http_proxy',
	'HTTPS_PROXY',
	'https_proxy',
	'ALL_PROXY',
	'all_proxy',
];

export interface KeptRequest {
	method: string;
	url: URL;
	headers: Record<string, string>;
	/** Already serialised JSON, or nothing. */
	body?: string;
	timeoutMs: number;
	signal?: AbortSignal;
}

export interface KeptResponse {
	statusCode: number;
	headers: IncomingHttpHeaders;
	body: string;
}

interface Agents {
	http: HttpAgent;
	https: HttpsAgent;
}

/** Per egress filter (n8n hands out one per policy), so a connection is only made by its lookup. */
const agentsByFilter = new WeakMap<NodeEgressFilter, Agents>();

/**
 * The egress filter to keep connections under, or undefined when calls must go through n8n's
 * helper: an n8n without the filter (before 2.39) or the switch off.
 */
export function keptConnectionFilter(helpers: object): NodeEgressFilter | undefined {
	if (process.env[KEEP_ALIVE_SWITCH]?.trim().toLowerCase() === 'false') return undefined;
	const get = (helpers as { getSecureEgressFilter?: () => NodeEgressFilter }).getSecureEgressFilter;
	return typeof get === 'function' ? get.call(helpers) : undefined;
}

/** Read for every request, as n8n does: a proxy set later still carries the calls. */
export function proxyInEnvironment(): boolean {
	return PROXY_VARIABLES.some((name) => Boolean(process.env[name]));
}

function agentsFor(filter: NodeEgressFilter): Agents {
	let agents = agentsByFilter.get(filter);
	if (agents === undefined) {
		const options = {
			keepAlive: true,
			timeout: IDLE_CONNECTION_MS,
			lookup: filter.createSecureLookup(),
		};
		agents = { http: new HttpAgent(options), https: new HttpsAgent(options) };
		agentsByFilter.set(filter, agents);
	}
	return agents;
}

/**
 * A literal address never reaches the lookup: n8n checks it itself before connecting. n8n 2.39
 * and 2.40 hand out a filter without `validateConnectionHost`; their `validateUrl` checks an IP
 * literal against the same rules, without DNS.
 */
async function checkLiteralHost(filter: NodeEgressFilter, host: string, url: URL): Promise<void> {
	const olderFilter = filter as Partial<Pick<NodeEgressFilter, 'validateConnectionHost'>>;
	const verdict =
		typeof olderFilter.validateConnectionHost === 'function'
			? filter.validateConnectionHost(host)
			: await filter.validateUrl(url);
	if (!verdict.ok) throw verdict.error;
}

/**
 * Sends one request and reads its whole answer. Failures look like n8n's helper's: the socket's
 * error (code, syscall) as it is, `ECONNABORTED` without a system call when no answer came in
 * time, `ERR_CANCELED` when the execution was stopped, and n8n's own SSRF error for a refused host.
 */
export async function requestOverKeptConnection(
	filter: NodeEgressFilter,
	request: KeptRequest,
): Promise<KeptResponse> {
	const { url } = request;
	const host = url.hostname.replace(/^\[|\]$/g, '');
	if (isIP(host) !== 0) await checkLiteralHost(filter, host, url);
	if (request.signal?.aborted) throw cancelled();
	const secure = url.protocol === 'https:';
	if (!secure && url.protocol !== 'http:') {
		throw new Error(
			`The Graph API Base URL must start with https:// or http://, not ${url.protocol}`,
		);
	}
	const agents = agentsFor(filter);
	const send = secure ? tlsRequest : plainRequest;
	const headers: Record<string, string | number> = { ...request.headers };
	if (request.body !== undefined) headers['Content-Length'] = Buffer.byteLength(request.body);

	return await new Promise<KeptResponse>((resolve, reject) => {
		const outgoing = send(url, {
			method: request.method,
			headers,
			agent: secure ? agents.https : agents.http,
			...(request.signal === undefined ? {} : { signal: request.signal }),
		});
		outgoing.setTimeout(request.timeoutMs, () => {
			outgoing.destroy(
				Object.assign(new Error(`timeout of ${request.timeoutMs}ms exceeded`), {
					code: 'ECONNABORTED',
				}),
			);
		});
		outgoing.on('error', (error: Error & { code?: string }) => {
			reject(error.name === 'AbortError' ? cancelled() : error);
		});
		outgoing.on('response', (incoming) => {
			const chunks: Buffer[] = [];
			incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
			incoming.on('error', reject);
			incoming.on('end', () =>
				resolve({
					statusCode: incoming.statusCode ?? 0,
					headers: incoming.headers,
					body: Buffer.concat(chunks).toString('utf8'),
				}),
			);
		});
		outgoing.end(request.body);
	});
}

/** What axios (n8n's helper) throws for a cancelled request. */
function cancelled(): Error {
	return Object.assign(new Error('canceled: the execution was stopped'), {
		code: 'ERR_CANCELED',
		name: 'CanceledError',
	});
}
