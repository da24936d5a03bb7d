/**
 * A loopback proxy in front of the emulator that sees every message request the node sends, in
 * the order they arrive: the recipients so far (`arrivals`, readable while the node runs), and a
 * hook that may hold every request from the Nth message on until it is done (a STOP recorded at
 * that moment of the batch).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GraphProxy {
	/** Base URL to put in the credential instead of the emulator's. */
	url: string;
	/** The `to` of every message request so far, in arrival order. */
	arrivals: string[];
	close(): Promise<void>;
}

export async function startGraphProxy(
	target: string,
	options: {
		/** Called when the message request number `nth` (1-based) arrives. */
		nth?: number;
		/** Every request waits until it is done, from the nth message request on. */
		onNth?: () => Promise<void>;
	} = {},
): Promise<GraphProxy> {
	const upstream = new URL(target);
	const arrivals: string[] = [];
	let gate: Promise<void> | undefined;
	const server: Server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			if (request.method === 'POST' && request.url?.endsWith('/messages')) {
				const to = (JSON.parse(body.toString('utf8')) as { to?: string }).to ?? '';
				arrivals.push(to);
				if (arrivals.length === options.nth && options.onNth) gate = options.onNth();
			}
			void (async () => {
				if (gate) await gate;
				const forwarded = httpRequest(
					{
						host: upstream.hostname,
						port: upstream.port,
						path: request.url,
						method: request.method,
						headers: request.headers,
					},
					(answer) => {
						response.writeHead(answer.statusCode ?? 502, answer.headers);
						answer.pipe(response);
					},
				);
				forwarded.end(body);
			})();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		arrivals,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
