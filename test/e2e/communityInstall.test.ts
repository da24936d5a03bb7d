/**
 * The package installed the way a user installs it: Settings → Community Nodes → Install, which
 * calls n8n's REST endpoint POST /rest/community-packages as the owner. The packed package (and the
 * packages it needs at run time) is published to a Verdaccio on loopback; n8n downloads it with its
 * own npm calls, lists it with its five nodes, runs a workflow with the send node against the Cloud
 * API emulator, updates it (PATCH) to a newer version published meanwhile, and uninstalls it
 * (DELETE), each step checked through n8n's API.
 *
 * n8n 2.41 takes packages from npmjs.org only, unless an Enterprise licence allows another registry
 * (N8N_COMMUNITY_PACKAGES_REGISTRY), so its npm calls are sent to the local registry by an npm put
 * first on PATH (scripts/harness/registry.ts, npmRedirectingTo). n8n's own HTTP calls of the
 * install (the package check at api.n8n.io, the version check at npmjs.org) go to a proxy on
 * loopback that is not there: they fail at once, as they do on a machine without internet access,
 * and n8n goes on as it does then (the check passes; the version is asked of npm, i.e. the local
 * registry). The test talks to nothing but loopback.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import {
	ensureRuntime,
	freePorts,
	readPackageManifest,
	startN8n,
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
interface InstalledPackage {
	packageName: string;
	installedVersion: string;
	authorName?: string;
	updateAvailable?: string;
	failedLoading?: boolean;
	installedNodes: Array<{ name: string; type: string; latestVersion: number }>;
}

const NODE_TYPES = [
	'whatsAppAiReply',
	'whatsAppAutomation',
	'whatsAppAutomationTrigger',
	'whatsAppConsentGate',
	'whatsAppFollowUpWait',
];

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

function nextPatch(version: string): string {
	const [major, minor, patch] = version.split(/[.-]/).map(Number);
	return `${major}.${minor}.${patch + 1}`;
}

/** Manual trigger → Send Template (a utility template, no consent needed) to one number. */
function sendWorkflow(type: string, phoneNumberId: string, credentialId: string): WorkflowInput {
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
				type,
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

describe('installing, updating and uninstalling through n8n’s Community Nodes endpoint', () => {
	let folder: string;
	let registry: LocalRegistry;
	let emulator: RunningEmulator;
	let n8n: N8nInstance;
	let manifest: PackageManifest;
	let firstTarball: string;
	let installed: InstalledPackage;

	beforeAll(async () => {
		manifest = await readPackageManifest();
		folder = await mkdtemp(join(tmpdir(), 'community-install-'));
		registry = await startLocalRegistry();
		firstTarball = await pack(folder);
		await registry.publishDependenciesOf(
			JSON.parse((await run('tar', ['-xzOf', firstTarball, 'package/package.json'])).stdout) as {
				dependencies?: Record<string, string>;
			},
		);
		await registry.publish(firstTarball);
		emulator = await startEmulator();

		const runtime = await ensureRuntime();
		const npmBin = await npmRedirectingTo(registry.url, folder);
		const [deadProxyPort] = await freePorts(1);
		n8n = await startN8n({
			installPackage: false,
			env: {
				PATH: `${npmBin}:${runtime.binDir}:${process.env.PATH ?? ''}`,
				// `npm outdated` (the screen's "update available") is called without --registry.
				npm_config_registry: registry.url,
				HTTP_PROXY: `http://127.0.0.1:${deadProxyPort}`,
				HTTPS_PROXY: `http://127.0.0.1:${deadProxyPort}`,
				NO_PROXY: '127.0.0.1,localhost',
			},
		});
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		await registry?.stop();
		if (folder) await rm(folder, { recursive: true, force: true });
	});

	async function listed(): Promise<InstalledPackage[]> {
		const reply = await n8n.api.request('GET', '/rest/community-packages');
		expect(reply.status).toBe(200);
		return (reply.json as { data: InstalledPackage[] }).data;
	}

	async function sendOnce(): Promise<void> {
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
				store: 'builtin',
				sqlitePath: join(n8n.userFolder, `whatsapp-${Date.now()}.sqlite`),
			},
		});
		const phoneNumberId = info.phoneNumbers[0].id;
		const workflow = await n8n.api.importWorkflow(
			sendWorkflow(`${manifest.name}.whatsAppAutomation`, phoneNumberId, credential.id),
		);
		const control = new EmulatorControl(emulator.baseUrl);
		const before = (await control.messages({ phoneNumberId })).length;
		const execution = await n8n.api.runWorkflow(workflow.id);

		expect({ status: execution.status, error: execution.data?.resultData.error }).toEqual({
			status: 'success',
			error: undefined,
		});
		const messages = await control.messages({ phoneNumberId });
		expect(messages).toHaveLength(before + 1);
		expect(messages.at(-1)?.template?.name).toBe('appointment_reminder');
	}

	it('installs the package from the registry (POST), with its five nodes and its credential', async () => {
		const reply = await n8n.api.request('POST', '/rest/community-packages', {
			name: manifest.name,
		});
		expect({ status: reply.status, text: reply.status === 200 ? '' : reply.text }).toEqual({
			status: 200,
			text: '',
		});
		installed = (reply.json as { data: InstalledPackage }).data;

		expect(installed.packageName).toBe(manifest.name);
		expect(installed.installedVersion).toBe(manifest.version);
		expect(installed.installedNodes.map((node) => node.type).sort()).toEqual(
			NODE_TYPES.map((type) => `${manifest.name}.${type}`),
		);
		const packageDir = join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', manifest.name);
		// n8n installed the runtime dependencies from the registry itself (npm install in the package).
		for (const dependency of ['luxon', 'pg'])
			expect(existsSync(join(packageDir, 'node_modules', dependency, 'package.json'))).toBe(true);

		const [entry] = await listed();
		expect(entry).toMatchObject({
			packageName: manifest.name,
			installedVersion: manifest.version,
			failedLoading: false,
		});
		expect(entry.updateAvailable).toBeUndefined();
		const types = await n8n.api.loadedTypes();
		for (const type of NODE_TYPES) expect(types.nodes).toContain(`${manifest.name}.${type}`);
		expect(types.credentials).toContain('whatsAppCloudApi');
	});

	it('runs a workflow with the installed send node against the Cloud API emulator', async () => {
		await sendOnce();
	});

	it('shows a newer published version as an update and updates to it (PATCH)', async () => {
		const newer = nextPatch(manifest.version);
		await registry.publish(await withVersion(firstTarball, newer, folder));

		const [before] = await listed();
		expect(before.updateAvailable).toBe(newer);

		const reply = await n8n.api.request('PATCH', '/rest/community-packages', {
			name: manifest.name,
		});
		expect({ status: reply.status, text: reply.status === 200 ? '' : reply.text }).toEqual({
			status: 200,
			text: '',
		});
		const updated = (reply.json as { data: InstalledPackage }).data;
		expect(updated.installedVersion).toBe(newer);
		expect(updated.installedNodes.map((node) => node.type).sort()).toEqual(
			installed.installedNodes.map((node) => node.type).sort(),
		);
		const [after] = await listed();
		expect(after).toMatchObject({ installedVersion: newer, failedLoading: false });
		expect(after.updateAvailable).toBeUndefined();
		const onDisk = JSON.parse(
			await readFile(
				join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', manifest.name, 'package.json'),
				'utf8',
			),
		) as { version: string };
		expect(onDisk.version).toBe(newer);

		await sendOnce();
	});

	it('uninstalls the package (DELETE): its nodes are gone from n8n and from the disk', async () => {
		const reply = await n8n.api.request(
			'DELETE',
			`/rest/community-packages?name=${encodeURIComponent(manifest.name)}`,
		);
		expect({ status: reply.status, text: reply.status === 200 ? '' : reply.text }).toEqual({
			status: 200,
			text: '',
		});

		expect(await listed()).toEqual([]);
		const types = await n8n.api.loadedTypes();
		expect(types.nodes.filter((type) => type.startsWith(`${manifest.name}.`))).toEqual([]);
		expect(existsSync(join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', manifest.name))).toBe(
			false,
		);
	});
});
