/**
 * What the Community Nodes tests share: the packed package published to a Verdaccio on loopback
 * (with the packages it needs at run time), the environment that sends n8n's npm calls there and
 * its own HTTP calls nowhere, n8n's install endpoint, and one workflow with the send node.
 *
 * n8n 2.41 takes packages from npmjs.org only, unless an Enterprise licence allows another registry
 * (N8N_COMMUNITY_PACKAGES_REGISTRY), so its npm calls are sent to the local registry by an npm put
 * first on PATH (scripts/harness/registry.ts, npmRedirectingTo). n8n's own HTTP calls of an install
 * (the package check at api.n8n.io, the version check at npmjs.org) go to a proxy on loopback that
 * is not there: they fail at once, as on a machine without internet access, and n8n goes on as it
 * does then (the check passes; the version is asked of npm, i.e. of the local registry).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { RunningEmulator } from '../../emulator';
import {
	ensureRuntime,
	freePorts,
	readPackageManifest,
	type N8nInstance,
	type PackageManifest,
	type WorkflowInput,
} from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';
import {
	npmRedirectingTo,
	startLocalRegistry,
	type LocalRegistry,
} from '../../scripts/harness/registry';

const run = promisify(execFile);

/** What n8n answers for an installed community package (GET/POST/PATCH /rest/community-packages). */
export interface InstalledPackage {
	packageName: string;
	installedVersion: string;
	authorName?: string;
	updateAvailable?: string;
	failedLoading?: boolean;
	installedNodes: Array<{ name: string; type: string; latestVersion: number }>;
}

/** The package's node type names, as n8n lists them after `<package name>.`. */
export const NODE_TYPES = [
	'whatsAppAiReply',
	'whatsAppAutomation',
	'whatsAppAutomationTrigger',
	'whatsAppConsentGate',
	'whatsAppFollowUpWait',
];

export interface PublishedPackage {
	registry: LocalRegistry;
	manifest: PackageManifest;
	/** The tarball published (`npm pack` of the build). */
	tarball: string;
	/** A temp folder of the test's own, removed by stop(). */
	folder: string;
	/** Environment for every n8n process: npm to the local registry, n8n's HTTP calls nowhere. */
	n8nEnv: Record<string, string>;
	/** Publishes the same tarball as `version` (only package.json's version differs). */
	publishVersion(version: string): Promise<void>;
	stop(): Promise<void>;
}

/** Starts the local registry and publishes the built package and its runtime dependencies to it. */
export async function publishBuiltPackage(): Promise<PublishedPackage> {
	const manifest = await readPackageManifest();
	const folder = await mkdtemp(join(tmpdir(), 'community-install-'));
	let registry: LocalRegistry | undefined;
	const stop = async () => {
		await registry?.stop();
		await rm(folder, { recursive: true, force: true });
	};
	try {
		registry = await startLocalRegistry();
		const tarball = await pack(folder);
		const packed = JSON.parse(
			(await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout,
		) as { dependencies?: Record<string, string> };
		await registry.publishDependenciesOf(packed);
		await registry.publish(tarball);

		const runtime = await ensureRuntime();
		const npmBin = await npmRedirectingTo(registry.url, folder);
		const [deadProxyPort] = await freePorts(1);
		const started = registry;
		return {
			registry,
			manifest,
			tarball,
			folder,
			n8nEnv: {
				PATH: `${npmBin}:${runtime.binDir}:${process.env.PATH ?? ''}`,
				// `npm outdated` (the screen's "update available") is called without --registry.
				npm_config_registry: registry.url,
				HTTP_PROXY: `http://127.0.0.1:${deadProxyPort}`,
				HTTPS_PROXY: `http://127.0.0.1:${deadProxyPort}`,
				NO_PROXY: '127.0.0.1,localhost',
			},
			publishVersion: async (version) => {
				await started.publish(await withVersion(tarball, version, folder));
			},
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/** Packs the built package as `npm publish` would. */
async function pack(into: string): Promise<string> {
	const { stdout } = await run(
		'npm',
		['pack', '--json', '--ignore-scripts', '--pack-destination', into],
		{ cwd: repoRoot },
	);
	const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
	return join(into, filename);
}

/** The same tarball as a newer release: only the version in its package.json differs. */
async function withVersion(tarball: string, version: string, into: string): Promise<string> {
	const unpacked = await mkdtemp(join(tmpdir(), 'bumped-package-'));
	try {
		await run('tar', ['-xzf', tarball, '-C', unpacked]);
		const manifestPath = join(unpacked, 'package', 'package.json');
		const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { version: string };
		manifest.version = version;
		await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
		const bumped = join(into, `bumped-${version}.tgz`);
		await run('tar', ['-czf', bumped, '-C', unpacked, 'package']);
		return bumped;
	} finally {
		await rm(unpacked, { recursive: true, force: true });
	}
}

export function nextPatch(version: string): string {
	const [major, minor, patch] = version.split(/[.-]/).map(Number);
	return `${major}.${minor}.${patch + 1}`;
}

/** A call to n8n's Community Nodes endpoint as the screen makes it; fails on anything but 200. */
export async function communityPackages(
	n8n: N8nInstance,
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
	name?: string,
): Promise<unknown> {
	const path =
		method === 'DELETE' && name
			? `/rest/community-packages?name=${encodeURIComponent(name)}`
			: '/rest/community-packages';
	const body = method === 'POST' || method === 'PATCH' ? { name } : undefined;
	const reply = await n8n.api.request(method, path, body);
	if (reply.status !== 200)
		throw new Error(`${method} ${path} answered ${reply.status}: ${reply.text}`);
	return (reply.json as { data?: unknown } | undefined)?.data;
}

export async function installedPackages(n8n: N8nInstance): Promise<InstalledPackage[]> {
	return (await communityPackages(n8n, 'GET')) as InstalledPackage[];
}

/** Where n8n's Community Nodes screen puts a package, in one process's n8n folder. */
export function packageFolder(n8n: N8nInstance, processName: string, name: string): string {
	return join(n8n.processFolder(processName), '.n8n', 'nodes', 'node_modules', name);
}

/** The WhatsApp credential against the emulator, with the store given (SQLite or PostgreSQL fields). */
export async function createWhatsAppCredential(
	n8n: N8nInstance,
	emulator: RunningEmulator,
	store: Record<string, unknown>,
): Promise<string> {
	const info = emulator.info();
	const credential = await n8n.api.createCredential({
		name: 'WhatsApp Cloud API',
		type: 'whatsAppCloudApi',
		data: {
			accessToken: info.accessToken,
			businessAccountId: info.wabaId,
			appId: info.appId,
			appSecret: info.appSecret,
			graphApiVersion: info.graphVersion,
			baseUrl: info.baseUrl,
			...store,
		},
	});
	return credential.id;
}

/** Manual trigger → Send Template (a utility template, no consent needed) to one number. */
export function sendWorkflow(
	packageName: string,
	phoneNumberId: string,
	credentialId: string,
): WorkflowInput {
	return {
		name: 'Installed from the Community Nodes screen',
		nodes: [
			{
				name: 'Start',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				name: 'WhatsApp Automation',
				type: `${packageName}.whatsAppAutomation`,
				typeVersion: 1,
				position: [220, 0],
				credentials: { whatsAppCloudApi: { id: credentialId, name: 'WhatsApp Cloud API' } },
				parameters: {
					operation: 'sendTemplate',
					sender: { __rl: true, mode: 'id', value: phoneNumberId },
					recipientPhone: '+4917612345678',
					template: { __rl: true, mode: 'name', value: 'appointment_reminder|en_US' },
					variables: {
						mappingMode: 'defineBelow',
						value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4', body_4: 'Main St 1' },
					},
				},
			},
		],
		connections: { Start: { main: [[{ node: 'WhatsApp Automation', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}
