import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { repoRoot } from './paths';
import { freePorts, spawnGroup, type GroupProcess } from './processes';

const run = promisify(execFile);

/** The registry n8n's Community Nodes screen installs from unless told otherwise. */
const PUBLIC_NPM_REGISTRY = 'https://registry.npmjs.org';

/** A Verdaccio on loopback with nothing behind it: it serves only what was published to it. */
export interface LocalRegistry {
	/** e.g. http://127.0.0.1:4873 (no trailing slash). */
	url: string;
	/** Publishes a packed tarball (`npm pack` output); returns its name and version. */
	publish(tarball: string, tag?: string): Promise<{ name: string; version: string }>;
	/**
	 * Publishes the packages a package needs at run time, as installed in this repository's
	 * node_modules (its dependencies and theirs), so that `npm install` of it resolves offline.
	 */
	publishDependenciesOf(manifest: { dependencies?: Record<string, string> }): Promise<string[]>;
	stop(): Promise<void>;
}

/**
 * Starts Verdaccio (the devDependency) on a free loopback port, storage in a temp folder removed
 * by stop(), no uplink: nothing it serves comes from the internet.
 */
export async function startLocalRegistry(): Promise<LocalRegistry> {
	const folder = await mkdtemp(join(tmpdir(), 'local-registry-'));
	const [port] = await freePorts(1);
	const url = `http://127.0.0.1:${port}`;
	const configPath = join(folder, 'config.yaml');
	await writeFile(
		configPath,
		[
			`storage: ${join(folder, 'storage')}`,
			'auth:',
			'  htpasswd:',
			`    file: ${join(folder, 'htpasswd')}`,
			'uplinks: {}',
			'packages:',
			"  '**':",
			'    access: $all',
			'    publish: $authenticated',
			'web:',
			'  enable: false',
			'log: { type: stdout, format: pretty, level: warn }',
			// A package's tarball is a few hundred kB; Verdaccio's default limit is 10 MB.
			'max_body_size: 50mb',
			'',
		].join('\n'),
	);

	let child: GroupProcess | undefined;
	const stop = async () => {
		await child?.stop();
		await rm(folder, { recursive: true, force: true });
	};
	try {
		child = spawnGroup(
			process.execPath,
			[
				join(repoRoot, 'node_modules', 'verdaccio', 'bin', 'verdaccio'),
				'--config',
				configPath,
				'--listen',
				`127.0.0.1:${port}`,
			],
			{ name: 'verdaccio', env: { ...process.env, NODE_ENV: 'production' }, cwd: folder },
		);
		await waitForPing(url, child);
		const token = await createUser(url);
		const published = new Set<string>();
		const publish = async (tarball: string, tag = 'latest') => {
			const manifest = JSON.parse(
				(await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout,
			) as PublishedManifest;
			await putPackage(url, token, manifest, await readFile(tarball), tag);
			published.add(`${manifest.name}@${manifest.version}`);
			return { name: manifest.name, version: manifest.version };
		};

		return {
			url,
			publish,
			publishDependenciesOf: async (manifest) => {
				const packDir = join(folder, 'packed');
				await mkdir(packDir, { recursive: true });
				const names: string[] = [];
				for (const dir of dependencyClosure(manifest, repoRoot)) {
					const { name, version } = JSON.parse(
						await readFile(join(dir, 'package.json'), 'utf8'),
					) as {
						name: string;
						version: string;
					};
					if (published.has(`${name}@${version}`)) continue;
					// The installed folder is what the package's tarball held; its own node_modules stays out.
					const tarball = join(packDir, `${name.replace('/', '-')}-${version}.tgz`);
					await run('tar', [
						'-czf',
						tarball,
						'--exclude=./node_modules',
						'--transform=s,^\\.,package,',
						'-C',
						dir,
						'.',
					]);
					await publish(tarball);
					names.push(`${name}@${version}`);
				}
				return names;
			},
			stop,
		};
	} catch (error) {
		const output = child?.output() ?? '';
		await stop();
		if (output) (error as Error).message += `\n--- verdaccio output ---\n${output.slice(-5000)}`;
		throw error;
	}
}

interface PublishedManifest {
	name: string;
	version: string;
	description?: string;
	[field: string]: unknown;
}

/**
 * What `npm publish` sends (the registry's publish call): the version's manifest with its dist
 * fields and the tarball as an attachment, with the user's token.
 */
async function putPackage(
	url: string,
	token: string,
	manifest: PublishedManifest,
	tarball: Buffer,
	tag: string,
): Promise<void> {
	const { name, version } = manifest;
	const filename = `${name.split('/').pop()}-${version}.tgz`;
	const body = {
		_id: name,
		name,
		description: manifest.description,
		'dist-tags': { [tag]: version },
		versions: {
			[version]: {
				...manifest,
				_id: `${name}@${version}`,
				dist: {
					shasum: createHash('sha1').update(tarball).digest('hex'),
					integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
					tarball: `${url}/${name}/-/${filename}`,
				},
			},
		},
		_attachments: {
			[filename]: {
				content_type: 'application/octet-stream',
				data: tarball.toString('base64'),
				length: tarball.length,
			},
		},
	};
	const response = await fetch(`${url}/${name.replace('/', '%2f')}`, {
		method: 'PUT',
		headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
		body: JSON.stringify(body),
	});
	if (!response.ok)
		throw new Error(
			`publishing ${name}@${version} answered ${response.status}: ${await response.text()}`,
		);
}

async function waitForPing(url: string, child: GroupProcess): Promise<void> {
	let exitedWith: string | undefined;
	void child.exited.then((how) => (exitedWith = how));
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (exitedWith) throw new Error(`Verdaccio exited before it was ready (${exitedWith})`);
		try {
			if ((await fetch(`${url}/-/ping`)).ok) return;
		} catch {
			// Not listening yet.
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`Verdaccio was not ready at ${url} within 60 s`);
}

/** `npm adduser` as an HTTP call: Verdaccio's htpasswd plugin registers the user, answers a token. */
async function createUser(url: string): Promise<string> {
	const name = 'publisher';
	const response = await fetch(`${url}/-/user/org.couchdb.user:${name}`, {
		method: 'PUT',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			name,
			password: createHash('sha256').update(url).digest('hex'),
			type: 'user',
		}),
	});
	const body = (await response.json()) as { token?: string };
	if (!response.ok || !body.token)
		throw new Error(
			`Verdaccio refused to create a user (${response.status}: ${JSON.stringify(body)})`,
		);
	return body.token;
}

/**
 * The folders of every package `manifest` needs at run time, resolved as Node resolves them from
 * `root` (a package's own node_modules first, then its parents'), optional dependencies included
 * when installed.
 */
function dependencyClosure(
	manifest: { dependencies?: Record<string, string> },
	root: string,
): string[] {
	const found = new Map<string, string>();
	const visit = (from: string, deps: Record<string, string>) => {
		for (const name of Object.keys(deps)) {
			const dir = resolvePackageDir(from, name);
			if (!dir) continue;
			if (found.has(dir)) continue;
			found.set(dir, name);
			const own = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
				dependencies?: Record<string, string>;
				optionalDependencies?: Record<string, string>;
			};
			visit(dir, { ...own.dependencies, ...own.optionalDependencies });
		}
	};
	visit(root, manifest.dependencies ?? {});
	return [...found.keys()];
}

function resolvePackageDir(from: string, name: string): string | undefined {
	for (let dir = from; ; dir = dirname(dir)) {
		const candidate = join(dir, 'node_modules', name);
		if (existsSync(join(candidate, 'package.json'))) return candidate;
		if (dir === dirname(dir) || dir === dirname(repoRoot)) return undefined;
	}
}

/**
 * A folder holding an `npm` that sends n8n's npm calls to `registryUrl`. n8n 2.41 passes
 * `--registry=<N8N_COMMUNITY_PACKAGES_REGISTRY>` on every npm call of the Community Nodes screen,
 * and refuses any registry but npmjs.org without an Enterprise licence
 * (CommunityPackagesService.getNpmRegistry), so a test cannot point n8n at a local registry
 * directly. Put first on PATH, this npm replaces `--registry=https://registry.npmjs.org` by the local one
 * and runs the real npm with everything else unchanged: n8n's own code runs as for a user.
 */
export async function npmRedirectingTo(registryUrl: string, folder: string): Promise<string> {
	const realNpm = (await run('sh', ['-c', 'command -v npm'])).stdout.trim();
	if (!realNpm) throw new Error('npm is not on PATH');
	const binDir = join(folder, 'npm-redirect-bin');
	await mkdir(binDir, { recursive: true });
	const script = join(binDir, 'npm');
	await writeFile(
		script,
		[
			'#!/bin/sh',
			'for arg do',
			'\tshift',
			'\tcase "$arg" in',
			`\t\t--registry=${PUBLIC_NPM_REGISTRY} | --registry=${PUBLIC_NPM_REGISTRY}/) set -- "$@" "--registry=${registryUrl}" ;;`,
			'\t\t*) set -- "$@" "$arg" ;;',
			'\tesac',
			'done',
			`exec '${realNpm}' "$@"`,
			'',
		].join('\n'),
	);
	await chmod(script, 0o755);
	return binDir;
}
