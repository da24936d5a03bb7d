/**
 * From the credential to an open store: the default SQLite path (as n8n computes its folder),
 * PostgreSQL settings, the queue-mode guard, one shared store per configuration, and a clear
 * message on a Node.js without node:sqlite.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
	StoreConfigError,
	closeAllStores,
	createStore,
	openStore,
	storeConfigFromCredentials,
	type StoreConfig,
} from '../../lib/store';
import { T0, useStoreEnvironment } from './support/storeEnvironment';

const postgresCredentials = {
	store: 'postgres',
	postgresHost: ' db.internal ',
	postgresPort: 5433,
	postgresDatabase: 'n8n',
	postgresUser: 'n8n_user',
	postgresPassword: 'pw',
	postgresSsl: 'verify-full',
	postgresSchema: 'wa_state',
};

describe('storeConfigFromCredentials', () => {
	it('puts the default SQLite file in .n8n inside N8N_USER_FOLDER, as n8n does', () => {
		expect(
			storeConfigFromCredentials(
				{ store: 'builtin', sqlitePath: '' },
				{ N8N_USER_FOLDER: '/srv/n8n', HOME: '/home/ada' },
			),
		).toEqual({
			backend: 'sqlite',
			path: '/srv/n8n/.n8n/whatsapp-automation.sqlite',
		});
	});

	it('falls back to ~/.n8n, and the store defaults to built-in', () => {
		expect(storeConfigFromCredentials({}, { HOME: '/home/ada' })).toEqual({
			backend: 'sqlite',
			path: '/home/ada/.n8n/whatsapp-automation.sqlite',
		});
	});

	it('expands ~ and resolves a relative SQLite path inside the n8n folder', () => {
		const env = { HOME: '/home/ada' };
		expect(storeConfigFromCredentials({ sqlitePath: '~/state/wa.sqlite' }, env)).toMatchObject({
			path: '/home/ada/state/wa.sqlite',
		});
		expect(storeConfigFromCredentials({ sqlitePath: 'wa.sqlite' }, env)).toMatchObject({
			path: '/home/ada/.n8n/wa.sqlite',
		});
		expect(storeConfigFromCredentials({ sqlitePath: ' /data/wa.sqlite ' }, env)).toMatchObject({
			path: '/data/wa.sqlite',
		});
	});

	it('refuses the built-in store in queue mode, saying to switch to PostgreSQL', () => {
		const call = () =>
			storeConfigFromCredentials(
				{ store: 'builtin' },
				{ EXECUTIONS_MODE: 'queue', HOME: '/home/ada' },
			);
		expect(call).toThrow(StoreConfigError);
		expect(call).toThrow(/EXECUTIONS_MODE=queue.*switch its State Store to PostgreSQL/);
		expect(
			storeConfigFromCredentials(postgresCredentials, { EXECUTIONS_MODE: 'queue' }).backend,
		).toBe('postgres');
		expect(
			storeConfigFromCredentials({ store: 'builtin' }, { EXECUTIONS_MODE: 'regular', HOME: '/h' })
				.backend,
		).toBe('sqlite');
	});

	it('reads the PostgreSQL fields', () => {
		expect(storeConfigFromCredentials(postgresCredentials, {})).toEqual({
			backend: 'postgres',
			host: 'db.internal',
			port: 5433,
			database: 'n8n',
			user: 'n8n_user',
			password: 'pw',
			ssl: 'verify-full',
			schema: 'wa_state',
		});
		const defaults = storeConfigFromCredentials(
			{ ...postgresCredentials, postgresSsl: undefined, postgresSchema: '', postgresPort: '5432' },
			{},
		);
		expect(defaults).toMatchObject({ port: 5432, ssl: 'auto', schema: 'whatsapp_automation' });
		expect(defaults).not.toHaveProperty('sslCa');
	});

	it('keeps SSL Disable saved in an existing credential', () => {
		expect(
			storeConfigFromCredentials({ ...postgresCredentials, postgresSsl: 'disable' }, {}),
		).toMatchObject({ ssl: 'disable' });
	});

	it('reads a CA Certificate, also pasted on one line with literal \\n', () => {
		const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----';
		expect(
			storeConfigFromCredentials({ ...postgresCredentials, postgresSslCa: `  ${pem}\n` }, {}),
		).toMatchObject({ sslCa: pem });
		expect(
			storeConfigFromCredentials(
				{ ...postgresCredentials, postgresSslCa: pem.replace(/\n/g, '\\n') },
				{},
			),
		).toMatchObject({ sslCa: pem });
	});

	it.each([
		[{ postgresHost: '' }, /Host is empty/],
		[{ postgresPort: 70000 }, /Port 70000 is not a TCP port/],
		[{ postgresSchema: 'wa-state"; DROP' }, /Schema .* is not a plain PostgreSQL name/],
		[{ postgresSsl: 'prefer' }, /SSL setting "prefer" is unknown. Choose Automatic, Disable/],
		[{ postgresSslCa: 'MIIBszCCAVmg' }, /CA Certificate "MIIBszCCAVmg" is not a PEM certificate/],
		[{ store: 'mysql' }, /State Store is "mysql"/],
	])('explains a bad setting %j', (override, message) => {
		expect(() => storeConfigFromCredentials({ ...postgresCredentials, ...override }, {})).toThrow(
			message,
		);
	});
});

describe("the SQLite File refuses n8n's own database", () => {
	let home: string;
	let n8n: string;

	beforeAll(() => {
		home = mkdtempSync(path.join(tmpdir(), 'wa-store-config-'));
		n8n = path.join(home, '.n8n');
		mkdirSync(n8n);
		// n8n created its database on first start.
		writeFileSync(path.join(n8n, 'database.sqlite'), '');
		symlinkSync(n8n, path.join(home, 'n8n-link'));
		symlinkSync(path.join(n8n, 'database.sqlite'), path.join(home, 'db-link.sqlite'));
	});

	afterAll(() => rmSync(home, { recursive: true, force: true }));

	it.each([
		['database.sqlite', {}],
		['./sub/../database.sqlite', {}],
		['~/.n8n/database.sqlite', {}],
		['{home}/.n8n/database.sqlite-wal', {}],
		['{home}/n8n-link/database.sqlite', {}],
		['{home}/db-link.sqlite', {}],
		['n8n.db', { DB_SQLITE_DATABASE: 'n8n.db' }],
		['{home}/.n8n/n8n.db', { DB_SQLITE_DATABASE: '{home}/n8n-link/n8n.db' }],
	])('%s (env %j)', (given, extraEnv) => {
		const fill = (value: string) => value.replace('{home}', home);
		const env = {
			HOME: home,
			...Object.fromEntries(Object.entries(extraEnv).map(([key, value]) => [key, fill(value)])),
		};
		const call = () => storeConfigFromCredentials({ sqlitePath: fill(given) }, env);
		expect(call).toThrow(StoreConfigError);
		expect(call).toThrow(
			new RegExp(
				`SQLite File "${fill(given).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" is n8n's own database .*leave SQLite File empty`,
			),
		);
	});

	it('accepts database.sqlite when n8n keeps its database elsewhere, and the default file', () => {
		const env = { HOME: home, DB_SQLITE_DATABASE: 'n8n.db' };
		expect(storeConfigFromCredentials({ sqlitePath: 'database.sqlite' }, env)).toMatchObject({
			path: path.join(n8n, 'database.sqlite'),
		});
		expect(storeConfigFromCredentials({}, { HOME: home })).toMatchObject({
			path: path.join(n8n, 'whatsapp-automation.sqlite'),
		});
	});
});

describe('openStore', () => {
	const env = useStoreEnvironment('sqlite');
	afterEach(closeAllStores);

	it('shares one store per configuration and opens a new one after it was closed', async () => {
		const config: StoreConfig = env.freshConfig();
		const [first, second] = await Promise.all([openStore(config), openStore({ ...config })]);
		expect(second).toBe(first);
		expect(await first.markSeen('msg:shared', T0)).toBe(true);
		await closeAllStores();
		const reopened = await openStore(config);
		expect(reopened).not.toBe(first);
		expect(await reopened.markSeen('msg:shared', T0)).toBe(false);
		await reopened.close();
		const afterClose = await openStore(config);
		expect(afterClose).not.toBe(reopened);
	});

	it('refuses a second connection to a SQLite file already open in this process', async () => {
		const config = env.freshConfig();
		await openStore(config);
		await expect(createStore(config)).rejects.toThrow(
			/already open in this process. Use openStore\(\)/,
		);
	});
});

/** A Node.js older than 22.13 on this machine (Debian's system node is 20), if any. */
function olderNode(): string | undefined {
	return ['/usr/bin/node', '/usr/local/bin/node'].find((candidate) => {
		if (!existsSync(candidate)) return false;
		const version = execFileSync(candidate, ['--version']).toString().trim();
		const [major, minor] = version.slice(1).split('.').map(Number);
		return major < 22 || (major === 22 && minor < 13);
	});
}

const oldNode = olderNode();
(oldNode ? describe : describe.skip)(
	`the package on ${oldNode ?? 'an older Node.js (none found)'}`,
	() => {
		it('imports, and opening the built-in store says which Node.js it needs', () => {
			const repository = path.resolve(__dirname, '..', '..');
			const output = execFileSync(
				oldNode as string,
				[
					'--import',
					'tsx',
					path.join(__dirname, 'support', 'olderNodeProbe.ts'),
					path.join(repository, 'test-artifacts', 'never.sqlite'),
				],
				{ cwd: repository, timeout: 30_000 },
			).toString();
			expect(output).toMatch(
				/needs Node\.js 22\.13 or newer .* switch the WhatsApp Cloud API credential's State Store to PostgreSQL/,
			);
		});
	},
);
