import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const tsxCli = join(root, 'node_modules/tsx/dist/cli.mjs');

interface Started {
	firstLine: string;
	stop(): Promise<void>;
}

/** Runs the CLI like `npm run emulator`, returns its first stdout line, stops it by its own pid. */
function startCli(args: string[]): Promise<Started> {
	const child = spawn(process.execPath, [tsxCli, 'emulator/cli.ts', ...args], {
		cwd: root,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const stop = () =>
		new Promise<void>((done) => {
			if (child.exitCode !== null) return done();
			child.once('exit', () => done());
			child.kill('SIGTERM');
		});
	return new Promise((resolvePromise, reject) => {
		let stdout = '';
		let stderr = '';
		const timer = setTimeout(() => {
			void stop();
			reject(new Error(`no start line within 20 s; stderr: ${stderr}`));
		}, 20_000);
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.stdout.on('data', (chunk: Buffer) => {
			stdout += chunk.toString();
			const newline = stdout.indexOf('\n');
			if (newline >= 0) {
				clearTimeout(timer);
				resolvePromise({ firstLine: stdout.slice(0, newline), stop });
			}
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`exited with ${code}: ${stderr}`));
		});
	});
}

describe('npm run emulator', () => {
	jest.setTimeout(30_000);

	it('prints one JSON line describing the emulator, then serves it', async () => {
		const started = await startCli(['--port', '0']);
		try {
			const info = JSON.parse(started.firstLine) as Record<string, any>;
			expect(Object.keys(info)).toEqual([
				'baseUrl',
				'graphVersion',
				'accessToken',
				'wabaId',
				'appId',
				'appSecret',
				'phoneNumbers',
				'templates',
			]);
			expect(info.phoneNumbers[0]).toEqual({
				id: expect.any(String),
				displayPhoneNumber: expect.any(String),
				status: 'CONNECTED',
			});
			expect(info.templates).toContainEqual({
				name: 'spring_sale',
				language: 'en_US',
				category: 'MARKETING',
				status: 'APPROVED',
			});
			const answer = await fetch(
				`${info.baseUrl}/${info.graphVersion}/${info.wabaId}/phone_numbers`,
				{
					headers: { authorization: `Bearer ${info.accessToken}` },
				},
			);
			expect(answer.status).toBe(200);
		} finally {
			await started.stop();
		}
	});

	it('takes its seed from a JSON file', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'emulator-seed-'));
		const seedPath = join(dir, 'seed.json');
		writeFileSync(seedPath, JSON.stringify({ accessToken: 'seeded-token', graphVersion: 'v23.0' }));
		const started = await startCli(['--port', '0', '--seed', seedPath, '--quiet']);
		try {
			expect(JSON.parse(started.firstLine)).toMatchObject({
				accessToken: 'seeded-token',
				graphVersion: 'v23.0',
			});
		} finally {
			await started.stop();
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('exits with a clear error for a bad seed', async () => {
		await expect(startCli(['--port', '0', '--seed', '/nonexistent/seed.json'])).rejects.toThrow(
			/--seed.*cannot read the file/,
		);
	});
});
