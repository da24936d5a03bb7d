/**
 * A TLS front for the emulator: HTTPS on loopback with a certificate made for this run, forwarding
 * every request to the emulator's plain-HTTP address. It lets n8n's built-in WhatsApp node, which
 * only calls https://graph.facebook.com, reach the emulator (its n8n trusts the certificate through
 * NODE_EXTRA_CA_CERTS and resolves the host to 127.0.0.1), and it counts what the senders got:
 * every message accepted or refused, and when the first and last one went through, per series of
 * recipients (the first RECIPIENT_SERIES_DIGITS digits of the number), so that a warm-up run and
 * the measured run of the same sender are told apart.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Names the certificate is valid for: Meta's host for the built-in node, loopback for ours. */
export const FRONT_HOSTNAMES = ['graph.facebook.com', 'localhost'];

export interface SendCounts {
	/** POST …/messages requests answered. */
	sendRequests: number;
	accepted: number;
	/** Refused with 130429: the number's throughput cap was exceeded. */
	refusedThroughput: number;
	/** Any other refusal, by Meta error code (or HTTP status when the body had none). */
	otherErrors: Record<string, number>;
	/** Epoch ms of the first and the last accepted message. */
	firstAcceptedAt: number | null;
	lastAcceptedAt: number | null;
}

/**
 * The send phase's rate, messages per second from the first to the last accepted message: the
 * N accepted messages span N − 1 intervals, so a sender paced at r per second shows exactly r.
 * Null with fewer than two accepted messages (or both in the same millisecond).
 */
export function sendPhaseRate(
	counts: Pick<SendCounts, 'accepted' | 'firstAcceptedAt' | 'lastAcceptedAt'>,
): number | null {
	const { accepted, firstAcceptedAt, lastAcceptedAt } = counts;
	if (accepted < 2 || firstAcceptedAt === null || lastAcceptedAt === null) return null;
	const seconds = (lastAcceptedAt - firstAcceptedAt) / 1000;
	return seconds > 0 ? Math.round(((accepted - 1) / seconds) * 10) / 10 : null;
}

export interface GraphFront {
	port: number;
	/** The certificate to trust (NODE_EXTRA_CA_CERTS); it is its own authority. */
	certificateFile: string;
	/** What was sent to recipients whose number starts with `series` (digits, no "+"). */
	counts(series: string): SendCounts;
	stop(): Promise<void>;
}

export const RECIPIENT_SERIES_DIGITS = 5;

/** A self-signed certificate for FRONT_HOSTNAMES and 127.0.0.1, valid one day, in `folder`. */
export async function makeCertificate(folder: string): Promise<{ key: string; cert: string }> {
	const key = join(folder, 'front-key.pem');
	const cert = join(folder, 'front-cert.pem');
	const names = [...FRONT_HOSTNAMES.map((name) => `DNS:${name}`), 'IP:127.0.0.1'].join(',');
	await run('openssl', [
		'req',
		'-x509',
		// ECDSA: every request of n8n's HTTP helper opens a new TLS connection, and the front
		// (in this process) should not be what limits the senders.
		'-newkey',
		'ec',
		'-pkeyopt',
		'ec_paramgen_curve:prime256v1',
		'-nodes',
		'-days',
		'1',
		'-subj',
		'/CN=graph.facebook.com',
		'-addext',
		`subjectAltName=${names}`,
		'-keyout',
		key,
		'-out',
		cert,
	]);
	return { key, cert };
}

function emptyCounts(): SendCounts {
	return {
		sendRequests: 0,
		accepted: 0,
		refusedThroughput: 0,
		otherErrors: {},
		firstAcceptedAt: null,
		lastAcceptedAt: null,
	};
}

const THROUGHPUT_CAP_CODE = 130429;
/** The kernel caps it at net.core.somaxconn (4096 here). */
const ACCEPT_BACKLOG = 65_535;

/** The recipient's digits from a send body (JSON or form); '' when there is none. */
function recipientOf(requestBody: Buffer): string {
	const text = requestBody.toString('utf8');
	try {
		const parsed = JSON.parse(text) as { to?: unknown };
		return String(parsed.to ?? '').replace(/^\+/, '');
	} catch {
		return (new URLSearchParams(text).get('to') ?? '').replace(/^\+/, '');
	}
}

export async function startGraphFront(options: {
	emulatorBaseUrl: string;
	certificate: { key: string; cert: string };
	port: number;
}): Promise<GraphFront> {
	const target = new URL(options.emulatorBaseUrl);
	const upstream = new Agent({ keepAlive: true, maxSockets: 256 });
	const countsBySeries = new Map<string, SendCounts>();

	const count = (requestBody: Buffer, status: number, body: Buffer) => {
		const series = recipientOf(requestBody).slice(0, RECIPIENT_SERIES_DIGITS);
		let counts = countsBySeries.get(series);
		if (!counts) countsBySeries.set(series, (counts = emptyCounts()));
		counts.sendRequests++;
		if (status === 200) {
			const now = Date.now();
			counts.accepted++;
			counts.firstAcceptedAt ??= now;
			counts.lastAcceptedAt = now;
			return;
		}
		let code = `HTTP ${status}`;
		try {
			const parsed = JSON.parse(body.toString('utf8')) as { error?: { code?: number } };
			if (parsed.error?.code !== undefined) code = String(parsed.error.code);
		} catch {
			// Not JSON: counted by HTTP status.
		}
		if (code === String(THROUGHPUT_CAP_CODE)) counts.refusedThroughput++;
		else counts.otherErrors[code] = (counts.otherErrors[code] ?? 0) + 1;
	};

	const server: Server = createServer(
		{
			key: await readFile(options.certificate.key),
			cert: await readFile(options.certificate.cert),
		},
		(request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				const requestBody = Buffer.concat(chunks);
				const headers: IncomingHttpHeaders = { ...request.headers, host: target.host };
				const forward = httpRequest(
					{
						host: target.hostname,
						port: target.port,
						method: request.method,
						path: request.url,
						headers,
						agent: upstream,
					},
					(answer) => {
						const parts: Buffer[] = [];
						answer.on('data', (part: Buffer) => parts.push(part));
						answer.on('end', () => {
							const body = Buffer.concat(parts);
							const status = answer.statusCode ?? 502;
							if (
								request.method === 'POST' &&
								/\/messages$/.test(request.url?.split('?')[0] ?? '')
							) {
								count(requestBody, status, body);
							}
							response.writeHead(status, answer.headers);
							response.end(body);
						});
					},
				);
				forward.on('error', (error) => {
					response.writeHead(502, { 'content-type': 'text/plain' });
					response.end(`emulator unreachable: ${error.message}`);
				});
				forward.end(requestBody);
			});
		},
	);
	await new Promise<void>((resolve, reject) => {
		server.once('error', (error: NodeJS.ErrnoException) =>
			reject(
				new Error(
					`the TLS front cannot listen on 127.0.0.1:${options.port} (${error.code ?? error.message}): ` +
						'the built-in node only calls port 443, which needs root and must be free',
				),
			),
		);
		// n8n's built-in node opens one connection per item, all at once: a short accept queue
		// would refuse them where Meta would not.
		server.listen({ port: options.port, host: '127.0.0.1', backlog: ACCEPT_BACKLOG }, () =>
			resolve(),
		);
	});

	return {
		port: (server.address() as AddressInfo).port,
		certificateFile: options.certificate.cert,
		counts: (series) => structuredClone(countsBySeries.get(series) ?? emptyCounts()),
		stop: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			upstream.destroy();
		},
	};
}
