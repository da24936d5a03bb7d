/**
 * Nothing is lost: when the store cannot be reached the trigger answers 5xx and starts nothing,
 * so Meta delivers again; once the store is back, the redelivery is processed exactly once.
 * PostgreSQL is reached through a loopback TCP proxy that the test takes down and brings back.
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import {
	createConnection,
	createServer,
	type AddressInfo,
	type Server,
	type Socket,
} from 'node:net';

import { Client } from 'pg';

import { closeAllStores, openStore } from '../../lib/store';
import {
	APP_SECRET,
	jsonOf,
	tempSqlitePath,
	textMessagesBody,
	triggerCredentials,
	triggerFixture,
	unixNow,
	WABA_ID,
} from '../helpers/triggerSetup';
import { callTriggerWebhook, metaPost, type TriggerFixture } from '../helpers/webhookHarness';

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };
const EVENTS = { events: ['messageReceived', 'consentChanged'] };

async function deliver(fixture: TriggerFixture, body: unknown) {
	const call = await callTriggerWebhook(fixture, metaPost(body, APP_SECRET));
	expect(call.threw).toBeUndefined();
	return {
		status: call.status,
		items: jsonOf(call.workflowData?.[0]),
		started: call.workflowData !== undefined,
		logs: call.logs,
	};
}

const stopMessage = (id: string) =>
	textMessagesBody([{ id, from: '4915112345678', text: 'STOP', timestamp: unixNow(5) }]);

afterAll(async () => {
	await closeAllStores();
});

describe('SQLite store', () => {
	it('cannot be opened → 503 and no run; once it can, the redelivery is processed once', async () => {
		const sqlitePath = tempSqlitePath();
		mkdirSync(sqlitePath); // a folder where the database file should be: SQLite cannot open it
		const fixture = triggerFixture(EVENTS, triggerCredentials({ sqlitePath }));

		const down = await deliver(fixture, stopMessage('wamid.sqlite'));
		expect(down).toMatchObject({ status: 503, started: false });
		expect(down.logs).toEqual([
			expect.objectContaining({
				level: 'warn',
				message: expect.stringMatching(/store cannot be opened/),
			}),
		]);

		rmdirSync(sqlitePath);
		const back = await deliver(fixture, stopMessage('wamid.sqlite'));
		expect(back.status).toBe(200);
		expect(back.items.map((item) => item.event)).toEqual(['messageReceived', 'consentChanged']);
		expect(await deliver(fixture, stopMessage('wamid.sqlite'))).toMatchObject({
			status: 200,
			started: false,
		});
	});
});

describe('PostgreSQL store', () => {
	const database = `wa_trigger_${process.pid}_${Date.now()}`;
	let proxy: TcpProxy;

	beforeAll(async () => {
		const admin = new Client(PG);
		await admin.connect();
		await admin.query(`CREATE DATABASE ${database}`);
		await admin.end();
		proxy = new TcpProxy(PG.port);
		await proxy.start();
	});

	afterAll(async () => {
		await closeAllStores();
		await proxy.stop();
		const admin = new Client(PG);
		await admin.connect();
		await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
		await admin.end();
	});

	it('goes down → 503, nothing half-written; comes back → the redelivery is processed once', async () => {
		const credentials = triggerCredentials({
			store: 'postgres',
			postgresHost: '127.0.0.1',
			postgresPort: proxy.port,
			postgresDatabase: database,
			postgresUser: 'postgres',
			postgresPassword: '',
			postgresSchema: 'wa_trigger',
		});
		const fixture = triggerFixture(EVENTS, credentials);
		const hello = textMessagesBody([
			{ id: 'wamid.pg.1', from: '4915112345678', text: 'Hallo', timestamp: unixNow(60) },
		]);
		expect(await deliver(fixture, hello)).toMatchObject({
			status: 200,
			items: [expect.objectContaining({ messageId: 'wamid.pg.1' })],
		});

		// A restart of n8n while the database is down: no pooled connections survive.
		await closeAllStores();
		await proxy.stop();
		const down = await deliver(fixture, stopMessage('wamid.pg.2'));
		expect(down).toMatchObject({ status: 503, started: false });

		await proxy.start();
		const back = await deliver(fixture, stopMessage('wamid.pg.2'));
		expect(back.status).toBe(200);
		expect(back.items.map((item) => [item.event, item.messageId ?? null])).toEqual([
			['messageReceived', 'wamid.pg.2'],
			['consentChanged', 'wamid.pg.2'],
		]);
		expect(back.items[0].conversation).toMatchObject({ isNew: false, windowWasOpen: true });
		expect(await deliver(fixture, stopMessage('wamid.pg.2'))).toMatchObject({
			status: 200,
			started: false,
		});

		const store = await openStore({
			backend: 'postgres',
			host: '127.0.0.1',
			port: proxy.port,
			database,
			user: 'postgres',
			password: '',
			ssl: 'disable',
			schema: 'wa_trigger',
		});
		expect(await store.getConsentHistory(WABA_ID, '4915112345678')).toHaveLength(1);
	});
});

/** Forwards loopback TCP to PostgreSQL; stop() cuts every connection, start() listens again on the same port. */
class TcpProxy {
	port = 0;

	private server: Server | undefined;

	private readonly sockets = new Set<Socket>();

	constructor(private readonly targetPort: number) {}

	async start(): Promise<void> {
		const server = createServer((client) => {
			const upstream = createConnection(this.targetPort, '127.0.0.1');
			for (const socket of [client, upstream]) {
				this.sockets.add(socket);
				socket.on('close', () => this.sockets.delete(socket));
				socket.on('error', () => {
					client.destroy();
					upstream.destroy();
				});
			}
			client.pipe(upstream).pipe(client);
		});
		await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
		this.port = (server.address() as AddressInfo).port;
		this.server = server;
	}

	async stop(): Promise<void> {
		const server = this.server;
		this.server = undefined;
		for (const socket of this.sockets) socket.destroy();
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}
