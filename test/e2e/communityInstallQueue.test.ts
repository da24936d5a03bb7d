/**
 * The Community Nodes install in queue mode, each n8n process with a folder of its own as on
 * machines (containers) of their own, N8N_REINSTALL_MISSING_PACKAGES=true as docker/queue sets it:
 * installed on the main through its endpoint, n8n installs the package on the running worker too
 * (its pub/sub command), and a worker that starts without it (a new container) installs the
 * recorded version before it takes work. Both times a workflow with the send node runs on the
 * worker. Registry and network as in communityInstall.test.ts (test/helpers/communityInstall.ts).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { localPostgres, startN8n, type N8nInstance } from '../../scripts/harness';
import { createScratchDatabase, dropScratchDatabase } from '../../scripts/harness/databases';
import {
	communityPackages,
	createWhatsAppCredential,
	packageFolder,
	publishBuiltPackage,
	sendWorkflow,
	type PublishedPackage,
} from '../helpers/communityInstall';
import { eventually } from '../helpers/e2eWorld';

describe('the Community Nodes install in queue mode (main and a worker on folders of their own)', () => {
	let published: PublishedPackage;
	let emulator: RunningEmulator;
	let storeDatabase: string | undefined;
	let n8n: N8nInstance;
	let workflowId: string;

	beforeAll(async () => {
		published = await publishBuiltPackage();
		emulator = await startEmulator();
		storeDatabase = await createScratchDatabase(localPostgres);
		n8n = await startN8n({
			installPackage: false,
			queue: { workers: 1, webhookProcessors: 0 },
			separateUserFolders: true,
			env: {
				...published.n8nEnv,
				N8N_REINSTALL_MISSING_PACKAGES: 'true',
				// Runs started from the editor (the REST endpoint the test calls) go to the worker too.
				OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			},
		});
	});

	afterAll(async () => {
		await n8n?.stop();
		if (storeDatabase) await dropScratchDatabase(localPostgres, storeDatabase);
		await emulator?.stop();
		await published?.stop();
	});

	/** Runs the send workflow and returns the process whose log says it finished the execution. */
	async function sendOnce(): Promise<string | undefined> {
		const phoneNumberId = emulator.info().phoneNumbers[0].id;
		const control = new EmulatorControl(emulator.baseUrl);
		const before = (await control.messages({ phoneNumberId })).length;
		const execution = await n8n.api.runWorkflow(workflowId);

		expect({ status: execution.status, error: execution.data?.resultData.error }).toEqual({
			status: 'success',
			error: undefined,
		});
		expect(await control.messages({ phoneNumberId })).toHaveLength(before + 1);
		return new RegExp(`^\\[([\\w-]+)\\] Worker finished execution ${execution.id} `, 'm').exec(
			n8n.logs(),
		)?.[1];
	}

	it('installs the package on the running worker when the main installs it', async () => {
		const { name } = published.manifest;
		await communityPackages(n8n, 'POST', name);

		const installedOnWorker = new RegExp(
			`^\\[worker-1\\] .*Community package installed: ${name}`,
			'm',
		);
		await eventually(
			async () => (installedOnWorker.test(n8n.logs()) ? true : undefined),
			'the worker to install the package',
		);
		expect(existsSync(join(packageFolder(n8n, 'worker-1', name), 'package.json'))).toBe(true);

		const credentialId = await createWhatsAppCredential(n8n, emulator, {
			store: 'postgres',
			postgresHost: localPostgres.host,
			postgresPort: localPostgres.port,
			postgresDatabase: storeDatabase,
			postgresUser: localPostgres.user,
			postgresPassword: localPostgres.password,
			postgresSsl: 'disable',
			postgresSchema: 'whatsapp_install',
		});
		workflowId = (
			await n8n.api.importWorkflow(
				sendWorkflow(name, emulator.info().phoneNumbers[0].id, credentialId),
			)
		).id;
		expect(await sendOnce()).toBe('worker-1');
	});

	it('reinstalls it on a worker that starts without it, before the worker takes work', async () => {
		const { name } = published.manifest;
		// A new worker container: nothing of the package in its n8n folder.
		await rm(join(n8n.processFolder('worker-1'), '.n8n', 'nodes'), {
			recursive: true,
			force: true,
		});
		const logLength = n8n.logs().length;

		await n8n.restart();

		expect(existsSync(join(packageFolder(n8n, 'worker-1', name), 'package.json'))).toBe(true);
		expect(n8n.logs().slice(logLength)).toMatch(
			/^\[worker-1\] .*Packages reinstalled successfully/m,
		);
		expect(await sendOnce()).toBe('worker-1');
	});
});
