import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
	cp,
	mkdir,
	mkdtemp,
	readdir,
	readFile,
	rename,
	rm,
	stat,
	utimes,
	writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { repoRoot } from './paths';

const run = promisify(execFile);

/** This repository's package as n8n sees it once installed. */
export interface PackageManifest {
	name: string;
	version: string;
	n8n: { nodes: string[]; credentials: string[] };
}

/** The built package unpacked with its runtime dependencies, ready to copy into a user folder. */
export interface StagedPackage {
	manifest: PackageManifest;
	/** Folder holding package.json, dist/ and node_modules/ (the package's own dependencies). */
	dir: string;
}

const stagingRoot = join(repoRoot, '.cache', 'community-package');
const readyMarker = '.staged';

export async function readPackageManifest(): Promise<PackageManifest> {
	return JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as PackageManifest;
}

/**
 * Packs the BUILT package (`npm run build` output) and unpacks it the way n8n's Community Nodes
 * screen does (n8n 2.41, CommunityPackagesService.downloadPackage): the tarball extracted, dev,
 * peer and optional dependencies removed from its package.json, then `npm install` inside it with
 * shallow strategy and no scripts. n8n-workflow, a peer dependency, then resolves to n8n's own
 * copy through the NODE_PATH that n8n sets at boot. Staged once per tarball content.
 */
export async function stageBuiltPackage(): Promise<StagedPackage> {
	const manifest = await readPackageManifest();
	const distDir = join(repoRoot, 'dist');
	if (!existsSync(distDir)) {
		throw new Error(
			`${distDir} is missing: run \`npm run build\` before installing the package into n8n`,
		);
	}

	const packDir = await mkdtemp(join(tmpdir(), 'n8n-package-pack-'));
	try {
		const { stdout } = await run(
			'npm',
			['pack', '--json', '--ignore-scripts', '--pack-destination', packDir],
			{ cwd: repoRoot },
		);
		const [{ filename, files }] = JSON.parse(stdout) as Array<{
			filename: string;
			files: Array<{ path: string }>;
		}>;
		const packed = new Set(files.map(({ path }) => path));
		const missing = [...manifest.n8n.nodes, ...manifest.n8n.credentials].filter(
			(listed) => !packed.has(listed),
		);
		if (missing.length > 0) {
			throw new Error(
				`the built package lacks ${missing.join(', ')} listed in package.json "n8n": run \`npm run build\` ` +
					'(and let any build running at the same time finish) before installing it into n8n',
			);
		}
		const tarball = join(packDir, filename);
		const contentHash = createHash('sha256')
			.update(await readFile(tarball))
			.digest('hex')
			.slice(0, 16);
		const dir = join(stagingRoot, contentHash);
		if (existsSync(join(dir, readyMarker)))
			await utimes(join(dir, readyMarker), new Date(), new Date());
		else await unpackAndInstall(tarball, dir);
		await pruneStaleStagings(contentHash);
		return { manifest, dir };
	} finally {
		await rm(packDir, { recursive: true, force: true });
	}
}

async function unpackAndInstall(tarball: string, dir: string): Promise<void> {
	const partial = `${dir}.partial-${process.pid}`;
	await rm(partial, { recursive: true, force: true });
	await mkdir(partial, { recursive: true });
	await run('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1']);

	const packageJsonPath = join(partial, 'package.json');
	const installable = JSON.parse(await readFile(packageJsonPath, 'utf8')) as Record<
		string,
		unknown
	>;
	for (const field of ['devDependencies', 'peerDependencies', 'optionalDependencies'])
		delete installable[field];
	await writeFile(packageJsonPath, JSON.stringify(installable, null, 2), 'utf8');

	await run(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
			// The project's own `npm ci` has already cached these dependencies.
			'--prefer-offline',
		],
		{ cwd: partial },
	);
	await writeFile(join(partial, readyMarker), new Date().toISOString());
	// Another test run may have staged the same build meanwhile and be copying from it.
	if (existsSync(join(dir, readyMarker))) {
		await rm(partial, { recursive: true, force: true });
		return;
	}
	await rm(dir, { recursive: true, force: true });
	await rename(partial, dir);
}

/** Every build stages anew (~8 MB); stagings no run has used for an hour are removed. */
async function pruneStaleStagings(current: string): Promise<void> {
	const staleBefore = Date.now() - 60 * 60 * 1000;
	for (const entry of await readdir(stagingRoot)) {
		if (entry === current) continue;
		const lastUse = await stat(join(stagingRoot, entry, readyMarker)).then(
			(marker) => marker.mtimeMs,
			async () => (await stat(join(stagingRoot, entry))).mtimeMs,
		);
		if (lastUse < staleBefore) await rm(join(stagingRoot, entry), { recursive: true, force: true });
	}
}

/**
 * Puts a staged package where the Community Nodes screen installs it,
 * `<userFolder>/.n8n/nodes/node_modules/<name>`, and records it in that folder's package.json (the
 * ledger n8n keeps there). n8n loads every `n8n-nodes-*` package found there at boot, with node
 * types `<package name>.<node name>`.
 */
export async function installIntoUserFolder(
	userFolder: string,
	staged: StagedPackage,
): Promise<void> {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const target = join(nodesDir, 'node_modules', staged.manifest.name);
	await rm(target, { recursive: true, force: true });
	await mkdir(join(nodesDir, 'node_modules'), { recursive: true });
	await cp(staged.dir, target, { recursive: true });
	await rm(join(target, readyMarker), { force: true });

	const ledgerPath = join(nodesDir, 'package.json');
	const ledger: { dependencies?: Record<string, string> } = existsSync(ledgerPath)
		? JSON.parse(await readFile(ledgerPath, 'utf8'))
		: { name: 'installed-nodes', private: true };
	ledger.dependencies = { ...ledger.dependencies, [staged.manifest.name]: staged.manifest.version };
	await writeFile(ledgerPath, JSON.stringify(ledger, null, 2), 'utf8');
}
