/**
 * PostgreSQL connections that drop while a transaction holds them (a server restart, a network
 * cut) must fail that call, not crash the process: n8n runs every workflow in it.
 */
import { createServer, type Server, Socket } from 'node:net';

import { createStore, type Store } from '../../lib/store';
import { useStoreEnvironment } from './support/storeEnvironment';

/** A TCP proxy to the local PostgreSQL whose connections the test can cut at will. */
async function startProxy(): Promise<{ port: number; cutAll(): void; close(): Promise<void> }> {
	const sockets = new Set<Socket>();
	const server: Server = createServer((client) => {
		const upstream = new Socket();
		upstream.connect(5432, '127.0.0.1');
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
			socket.on('error', () => undefined);
		}
		client.pipe(upstream).pipe(client);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as { port: number }).port;
	return {
		port,
		cutAll: () => {
			for (const socket of sockets) socket.destroy();
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

describe('PostgreSQL connection lost mid-transaction', () => {
	const env = useStoreEnvironment('postgres');

	it('rejects the call and leaves the process running; the next call reconnects', async () => {
		const proxy = await startProxy();
		const config = env.freshConfig();
		if (config.backend !== 'postgres') throw new Error('expected a PostgreSQL config');
		const store: Store = await createStore({ ...config, port: proxy.port });
		try {
			await store.markSeen('before-cut', Date.now());
			const inTransaction = store.transaction(async (tx) => {
				await tx.markSeen('inside', Date.now());
				proxy.cutAll();
				await new Promise((resolve) => setImmediate(resolve));
				await tx.markSeen('after-cut', Date.now());
			});
			// The driver's own words reach the caller: the call failed because the connection went.
			await expect(inTransaction).rejects.toThrow(/^Connection terminated unexpectedly$/);
			// Give a stray 'error' event the chance to surface; an unhandled one would fail the run.
			await new Promise((resolve) => setTimeout(resolve, 100));
			expect(await store.markSeen('after-reconnect', Date.now())).toBe(true);
			expect(await store.markSeen('inside', Date.now())).toBe(true);
		} finally {
			await store.close();
			await proxy.close();
		}
	});
});
