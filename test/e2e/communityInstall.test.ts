/**
 * The package installed the way a user installs it: Settings → Community Nodes → Install, which
 * calls n8n's REST endpoint POST /rest/community-packages as the owner. The packed package (and the
 * packages it needs at run time) is published to a Verdaccio on loopback; n8n downloads it with its
 * own npm calls, lists it with its five nodes, runs a workflow with the send node against the Cloud
 * API emulator, updates it (PATCH) to a newer version published meanwhile, and uninstalls it
 * (DELETE), each step checked through n8n's API. The test talks to nothing but loopback (how n8n
 * is kept to the local registry: test/helpers/communityInstall.ts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { startN8n, type N8nInstance } from '../../scripts/harness';
import {
	communityPackages,
	createWhatsAppCredential,
	installedPackages,
	nextPatch,
	NODE_TYPES,
	packageFolder,
	publishBuiltPackage,
	sendWorkflow,
	type InstalledPackage,
	type PublishedPackage,
} from '../helpers/communityInstall';

describe('installing, updating and uninstalling through n8n’s Community Nodes endpoint', () => {
	let published: PublishedPackage;
	let emulator: RunningEmulator;
	let n8n: N8nInstance;
	let installed: InstalledPackage;

	beforeAll(async () => {
		published = await publishBuiltPackage();
		emulator = await startEmulator();
		n8n = await startN8n({ installPackage: false, env: published.n8nEnv });
	});

	afterAll(async () => {
		await n8n?.stop();
		await emulator?.stop();
		await published?.stop();
	});

	async function sendOnce(): Promise<void> {
		const credentialId = await createWhatsAppCredential(n8n, emulator, {
			store: 'builtin',
			sqlitePath: join(n8n.userFolder, `whatsapp-${Date.now()}.sqlite`),
		});
		const phoneNumberId = emulator.info().phoneNumbers[0].id;
		const workflow = await n8n.api.importWorkflow(
			sendWorkflow(published.manifest.name, phoneNumberId, credentialId),
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
		const { name, version } = published.manifest;
		installed = (await communityPackages(n8n, 'POST', name)) as InstalledPackage;

		expect(installed.packageName).toBe(name);
		expect(installed.installedVersion).toBe(version);
		expect(installed.installedNodes.map((node) => node.type).sort()).toEqual(
			NODE_TYPES.map((type) => `${name}.${type}`),
		);
		// n8n installed the runtime dependencies from the registry itself (npm install in the package).
		for (const dependency of ['luxon', 'pg']) {
			const installedDependency = join(
				packageFolder(n8n, 'main', name),
				'node_modules',
				dependency,
			);
			expect(existsSync(join(installedDependency, 'package.json'))).toBe(true);
		}

		const [entry] = await installedPackages(n8n);
		expect(entry).toMatchObject({
			packageName: name,
			installedVersion: version,
			failedLoading: false,
		});
		expect(entry.updateAvailable).toBeUndefined();
		const types = await n8n.api.loadedTypes();
		for (const type of NODE_TYPES) expect(types.nodes).toContain(`${name}.${type}`);
		expect(types.credentials).toContain('whatsAppCloudApi');
	});

	it('runs a workflow with the installed send node against the Cloud API emulator', async () => {
		await sendOnce();
	});

	it('shows a newer published version as an update and updates to it (PATCH)', async () => {
		const { name, version } = published.manifest;
		const newer = nextPatch(version);
		await published.publishVersion(newer);

		const [before] = await installedPackages(n8n);
		expect(before.updateAvailable).toBe(newer);

		const updated = (await communityPackages(n8n, 'PATCH', name)) as InstalledPackage;
		expect(updated.installedVersion).toBe(newer);
		expect(updated.installedNodes.map((node) => node.type).sort()).toEqual(
			installed.installedNodes.map((node) => node.type).sort(),
		);
		const [after] = await installedPackages(n8n);
		expect(after).toMatchObject({ installedVersion: newer, failedLoading: false });
		expect(after.updateAvailable).toBeUndefined();
		const onDisk = JSON.parse(
			await readFile(join(packageFolder(n8n, 'main', name), 'package.json'), 'utf8'),
		) as { version: string };
		expect(onDisk.version).toBe(newer);

		await sendOnce();
	});

	it('uninstalls the package (DELETE): its nodes are gone from n8n and from the disk', async () => {
		const { name } = published.manifest;
		await communityPackages(n8n, 'DELETE', name);

		expect(await installedPackages(n8n)).toEqual([]);
		const types = await n8n.api.loadedTypes();
		expect(types.nodes.filter((type) => type.startsWith(`${name}.`))).toEqual([]);
		expect(existsSync(packageFolder(n8n, 'main', name))).toBe(false);
	});
});
