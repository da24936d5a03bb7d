import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';

/** A child process started in its own process group, so that stopping it also stops what it spawned. */
export interface GroupProcess {
	name: string;
	pid: number;
	/** Settles when the process has exited, with its exit code or the signal that ended it. */
	exited: Promise<string>;
	/** What the process printed (stdout and stderr interleaved), at most the last `maxLogChars`. */
	output(): string;
	/** SIGTERM to the whole group, SIGKILL if it is still there after `graceMs`. */
	stop(graceMs?: number): Promise<void>;
}

export interface SpawnGroupOptions {
	name: string;
	env: NodeJS.ProcessEnv;
	cwd?: string;
	/** Called for every line printed, e.g. to stream it while debugging. */
	onLine?: (line: string) => void;
}

const maxLogChars = 2_000_000;
const liveGroups = new Set<number>();

// The groups are detached from ours, so nothing would end them with us: a test run that exits or
// is interrupted (Ctrl-C, a CI timeout) must not leave n8n processes behind.
process.once('exit', killLiveGroups);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.once(signal, () => {
		killLiveGroups();
		process.kill(process.pid, signal);
	});
}

function killLiveGroups(): void {
	for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
}

export function spawnGroup(
	command: string,
	args: string[],
	options: SpawnGroupOptions,
): GroupProcess {
	const child = spawn(command, args, {
		cwd: options.cwd,
		env: options.env,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	if (child.pid === undefined) throw new Error(`could not start ${options.name} (${command})`);
	const pid = child.pid;
	liveGroups.add(pid);

	let log = '';
	let partialLine = '';
	const collect = (chunk: Buffer) => {
		const text = chunk.toString('utf8');
		log = (log + text).slice(-maxLogChars);
		if (!options.onLine) return;
		const lines = (partialLine + text).split('\n');
		partialLine = lines.pop() ?? '';
		for (const line of lines) options.onLine(line);
	};
	child.stdout.on('data', collect);
	child.stderr.on('data', collect);
	// A forgotten stop() must not keep the test runner alive; the exit hook above ends the group.
	child.unref();
	(child.stdout as unknown as { unref(): void }).unref();
	(child.stderr as unknown as { unref(): void }).unref();

	const exited = new Promise<string>((resolve) => {
		child.on('exit', (code, signal) => {
			liveGroups.delete(pid);
			resolve(signal ? `signal ${signal}` : `exit code ${code}`);
		});
		child.on('error', (error) => {
			liveGroups.delete(pid);
			log += `\n${error.message}\n`;
			resolve(`failed to start: ${error.message}`);
		});
	});

	return {
		name: options.name,
		pid,
		exited,
		output: () => log,
		stop: async (graceMs = 20_000) => {
			if (!liveGroups.has(pid)) return;
			killGroup(pid, 'SIGTERM');
			const killed = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
			await exited;
			clearTimeout(killed);
			// The leader has gone; children it left (task runners) go with the group.
			killGroup(pid, 'SIGKILL');
		},
	};
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pid, signal);
	} catch {
		// The group is already gone.
	}
}

/**
 * `count` distinct TCP ports that were free on 127.0.0.1 a moment ago, chosen by the kernel. They are
 * held open together until all are chosen, so the same port never comes back twice.
 */
export async function freePorts(count: number): Promise<number[]> {
	const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
	const ports = servers.map((server) => {
		const address = server.address();
		return typeof address === 'object' && address ? address.port : 0;
	});
	await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
	return ports;
}

function listenOnAnyPort(): Promise<Server> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => resolve(server));
	});
}
