import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeCertificate, startGraphFront, type GraphFront } from '../lib/graphFront';
import { sendAtRate, type PreparedRequest } from '../lib/load';

/** A stand-in for the emulator: accepts 4917…, refuses 4918… for the cap, 4919… as not on WhatsApp. */
function fakeEmulator(): Promise<Server> {
	const server = createServer((req, res) => {
		let body = '';
		req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
		req.on('end', () => {
			const to = String((JSON.parse(body || '{}') as { to?: string }).to ?? '').replace(/^\+/, '');
			const [status, answer] = to.startsWith('4917')
				? [200, { messages: [{ id: 'wamid.x' }] }]
				: [400, { error: { code: to.startsWith('4918') ? 130429 : 131026 } }];
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(answer));
		});
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('the TLS front', () => {
	let folder: string;
	let emulator: Server;
	let front: GraphFront;
	let ca: Buffer;

	beforeAll(async () => {
		folder = await mkdtemp(join(tmpdir(), 'bench-front-test-'));
		const certificate = await makeCertificate(folder);
		ca = await readFile(certificate.cert);
		emulator = await fakeEmulator();
		front = await startGraphFront({ emulatorBaseUrl: urlOf(emulator), certificate, port: 0 });
	});

	afterAll(async () => {
		await front.stop();
		await new Promise((resolve) => emulator.close(resolve));
		await rm(folder, { recursive: true, force: true });
	});

	/** POSTs over HTTPS as n8n does, trusting only the run's certificate. */
	const send = (to: string, host = 'localhost') =>
		new Promise<number>((resolve, reject) => {
			const req = request(
				{
					host: '127.0.0.1',
					servername: host,
					port: front.port,
					method: 'POST',
					path: '/v13.0/106540352242922/messages',
					headers: { 'content-type': 'application/json' },
					ca,
				},
				(res) => {
					res.resume();
					res.on('end', () => resolve(res.statusCode ?? 0));
				},
			);
			req.on('error', reject);
			req.end(JSON.stringify({ messaging_product: 'whatsapp', to }));
		});

	it('forwards to the emulator under Meta’s host name and loopback’s, and counts per recipient series', async () => {
		const statuses = await Promise.all([
			send('4917000000001', 'graph.facebook.com'),
			send('+4917000000002'),
			send('4918000000001'),
			send('4918000000002'),
			send('4919000000001'),
		]);

		expect(statuses).toEqual([200, 200, 400, 400, 400]);
		expect(front.counts('49170')).toMatchObject({
			sendRequests: 2,
			accepted: 2,
			refusedThroughput: 0,
		});
		expect(front.counts('49180')).toMatchObject({ accepted: 0, refusedThroughput: 2 });
		expect(front.counts('49190').otherErrors).toEqual({ '131026': 1 });
		expect(front.counts('49999').sendRequests).toBe(0);
	});
});

describe('sendAtRate', () => {
	it('sends every request, counts what was acknowledged and names the requests that were not', async () => {
		const receiver = createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				res.writeHead(req.headers['x-fail'] ? 503 : 200);
				res.end('ok');
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
		try {
			const url = urlOf(receiver);
			const failing: Record<string, string> = { 'x-fail': '1' };
			const requests: PreparedRequest[] = Array.from({ length: 12 }, (_, index) => ({
				url,
				headers: index % 4 === 0 ? failing : {},
				body: `{"n":${index}}`,
			}));

			const unacknowledged: number[] = [];
			const step = await sendAtRate(requests, 200, (index) => unacknowledged.push(index));

			expect(step).toMatchObject({
				offeredPerSecond: 200,
				sent: 12,
				acknowledged: 9,
				errors: { '503': 3 },
			});
			expect(step.p50Ms).not.toBeNull();
			expect(unacknowledged.sort((a, b) => a - b)).toEqual([0, 4, 8]);
		} finally {
			await new Promise((resolve) => receiver.close(resolve));
		}
	});
});
