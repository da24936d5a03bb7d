import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** Where PostgreSQL is; trust auth on this project's machines. */
export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	password: string;
}

export const localPostgres: PostgresServer = {
	host: '127.0.0.1',
	port: 5432,
	user: 'postgres',
	password: '',
};

/** A database of its own for one n8n instance, created empty and dropped when done. */
export async function createScratchDatabase(server: PostgresServer): Promise<string> {
	const name = `n8n_e2e_${randomBytes(6).toString('hex')}`;
	await withAdminClient(server, async (client) => await client.query(`CREATE DATABASE "${name}"`));
	return name;
}

export async function dropScratchDatabase(server: PostgresServer, name: string): Promise<void> {
	await withAdminClient(
		server,
		async (client) => await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
	);
}

async function withAdminClient(
	server: PostgresServer,
	body: (client: Client) => Promise<unknown>,
): Promise<void> {
	const client = new Client({ ...server, database: 'postgres' });
	try {
		await client.connect();
	} catch (error) {
		throw new Error(
			`cannot reach PostgreSQL at ${server.host}:${server.port} as ${server.user} (${(error as Error).message}); ` +
				'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
		);
	}
	try {
		await body(client);
	} finally {
		await client.end();
	}
}

/** Deletes the keys an n8n run left in Redis under its own prefixes (queues, cache, instance state). */
export async function deleteRedisKeys(
	server: { host: string; port: number; db: number },
	prefixes: string[],
): Promise<void> {
	const connection = ['-h', server.host, '-p', String(server.port), '-n', String(server.db)];
	for (const prefix of prefixes) {
		const { stdout } = await run('redis-cli', [...connection, '--scan', '--pattern', `${prefix}*`]);
		const keys = stdout.split('\n').filter((key) => key.length > 0);
		for (let start = 0; start < keys.length; start += 500) {
			await run('redis-cli', [...connection, 'DEL', ...keys.slice(start, start + 500)]);
		}
	}
}
