/**
 * PostgreSQL SSL: the credential's mode → pg's `ssl` option, a real connection to the local
 * server on the default (Automatic, loopback → no TLS), and pg's real TLS handshake against a
 * loopback stand-in that answers PostgreSQL's SSLRequest with a self-signed certificate (the local
 * cluster runs without TLS): verified with the CA Certificate, refused without it, accepted
 * unverified only by "Require".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TLSSocket } from 'node:tls';

import {
	createStore,
	storeConfigFromCredentials,
	type PostgresSslMode,
	type PostgresStoreConfig,
} from '../../lib/store';
import { isLocalHost, pgSslOptions } from '../../lib/store/postgres/ssl';
import { useStoreEnvironment } from './support/storeEnvironment';

jest.setTimeout(30_000);

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';

describe('pgSslOptions', () => {
	const options = (ssl: PostgresSslMode, host: string, sslCa?: string) =>
		pgSslOptions({ ssl, host, sslCa });

	it.each(['localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '/var/run/postgresql'])(
		'Automatic: no TLS to the local %s',
		(host) => {
			expect(isLocalHost(host)).toBe(true);
			expect(options('auto', host)).toBe(false);
		},
	);

	it.each(['db.internal', '10.0.0.5', 'example.com', '::ffff:10.0.0.5', 'localhost.example.com'])(
		'Automatic: verified TLS to %s',
		(host) => {
			expect(isLocalHost(host)).toBe(false);
			expect(options('auto', host)).toEqual({ rejectUnauthorized: true });
			expect(options('auto', host, CA)).toEqual({ rejectUnauthorized: true, ca: CA });
		},
	);

	it('Disable, Require (no check) and Verify Full do what they say for any host', () => {
		expect(options('disable', 'db.internal')).toBe(false);
		expect(options('require', 'db.internal', CA)).toEqual({ rejectUnauthorized: false });
		expect(options('verify-full', 'localhost')).toEqual({ rejectUnauthorized: true });
		expect(options('verify-full', '10.0.0.5', CA)).toEqual({ rejectUnauthorized: true, ca: CA });
	});
});

describe('a credential without an SSL choice (Automatic) on the local PostgreSQL', () => {
	const env = useStoreEnvironment('postgres');

	it('connects without TLS, as before', async () => {
		const local = env.freshConfig() as PostgresStoreConfig;
		const config = storeConfigFromCredentials({
			store: 'postgres',
			postgresHost: local.host,
			postgresPort: local.port,
			postgresDatabase: local.database,
			postgresUser: local.user,
			postgresPassword: local.password,
			postgresSchema: local.schema,
		});
		expect(config).toMatchObject({ ssl: 'auto' });
		const store = env.track(await createStore(config), config);
		expect(await store.markSeen('msg:auto', Date.now())).toBe(true);
	});
});

/** The first message of pg's connection: an SSLRequest (8 bytes, code 80877103) or a startup. */
const SSL_REQUEST_CODE = 80877103;

/**
 * Speaks just enough of PostgreSQL's protocol to test pg's TLS: answers an SSLRequest with 'S' and
 * a TLS handshake, then refuses the startup with an ErrorResponse that says what it saw.
 */
function tlsStandIn(key: string, cert: string): Promise<{ server: Server; port: number }> {
	const refuse = (socket: Socket | TLSSocket, message: string) => {
		const fields = Buffer.from(`SFATAL\0CXX000\0M${message}\0\0`);
		const header = Buffer.alloc(5);
		header.write('E');
		header.writeInt32BE(4 + fields.length, 1);
		socket.end(Buffer.concat([header, fields]));
	};
	const server = createServer((socket) => {
		socket.once('data', (first) => {
			if (first.length < 8 || first.readInt32BE(4) !== SSL_REQUEST_CODE) {
				refuse(socket, 'stand-in: plain connection');
				return;
			}
			socket.write('S');
			const secure = new TLSSocket(socket, { isServer: true, key, cert });
			secure.on('error', () => undefined);
			secure.once('data', () => refuse(secure, 'stand-in: TLS handshake done'));
		});
		socket.on('error', () => undefined);
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
		});
	});
}

function hasOpenssl(): boolean {
	try {
		execFileSync('openssl', ['version']);
		return true;
	} catch {
		return false;
	}
}

(hasOpenssl() ? describe : describe.skip)('pg over TLS to a loopback stand-in', () => {
	let folder: string;
	let cert: string;
	let standIn: { server: Server; port: number };

	beforeAll(async () => {
		folder = mkdtempSync(path.join(tmpdir(), 'wa-store-tls-'));
		execFileSync(
			'openssl',
			[
				...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
				...['-nodes', '-days', '2', '-subj', '/CN=localhost'],
				...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
				...['-keyout', path.join(folder, 'key.pem'), '-out', path.join(folder, 'cert.pem')],
			],
			{ stdio: 'ignore' },
		);
		cert = readFileSync(path.join(folder, 'cert.pem'), 'utf8');
		standIn = await tlsStandIn(readFileSync(path.join(folder, 'key.pem'), 'utf8'), cert);
	});

	afterAll(async () => {
		await new Promise((resolve) => standIn.server.close(resolve));
		rmSync(folder, { recursive: true, force: true });
	});

	const open = (host: string, ssl: string, sslCa?: string) =>
		createStore(
			storeConfigFromCredentials({
				store: 'postgres',
				postgresHost: host,
				postgresPort: standIn.port,
				postgresDatabase: 'n8n',
				postgresUser: 'n8n',
				postgresSsl: ssl,
				postgresSslCa: sslCa,
			}),
		);

	it.each(['localhost', '127.0.0.1'])(
		'Verify Full with the CA Certificate completes the handshake with %s',
		async (host) => {
			await expect(open(host, 'verify-full', cert)).rejects.toThrow('stand-in: TLS handshake done');
		},
	);

	it('Verify Full without it refuses the self-signed certificate, saying what to do', async () => {
		await expect(open('localhost', 'verify-full')).rejects.toThrow(
			/certificate was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT.*Paste the certificate of the authority that signed it into CA Certificate/,
		);
	});

	it('Require accepts any certificate (the insecure choice)', async () => {
		await expect(open('localhost', 'require')).rejects.toThrow('stand-in: TLS handshake done');
	});

	it('Automatic and Disable do not use TLS to this machine', async () => {
		await expect(open('localhost', 'auto')).rejects.toThrow('stand-in: plain connection');
		await expect(open('localhost', 'disable')).rejects.toThrow('stand-in: plain connection');
	});
});
