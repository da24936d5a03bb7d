import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
	readPackageManifest,
	startN8n,
	type N8nInstance,
	type PackageManifest,
} from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';

type Describable = new () => { name?: string; description?: { name: string } };

/** What a listed file (`dist/nodes/X/X.node.js`) is called once loaded: its class's type name. */
async function typeNameOf(distPath: string): Promise<string> {
	const exported = (await import(join(repoRoot, distPath))) as Record<string, Describable>;
	const DescribedClass = Object.values(exported).find((value) => typeof value === 'function');
	if (!DescribedClass) throw new Error(`${distPath} exports no class`);
	const instance = new DescribedClass();
	return instance.description?.name ?? instance.name ?? '';
}

describe('the package installed in a real n8n as a community package', () => {
	let n8n: N8nInstance;
	let manifest: PackageManifest;

	beforeAll(async () => {
		manifest = await readPackageManifest();
		n8n = await startN8n();
	});

	afterAll(async () => {
		await n8n?.stop();
	});

	it('sits where the Community Nodes screen installs it, with its dependencies', () => {
		const installed = join(n8n.userFolder, '.n8n', 'nodes', 'node_modules', manifest.name);
		const installedManifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
			dependencies?: Record<string, string>;
		};

		for (const dependency of Object.keys(installedManifest.dependencies ?? {})) {
			expect(existsSync(join(installed, 'node_modules', dependency, 'package.json'))).toBe(true);
		}
	});

	it('loads every node the package lists, typed <package>.<node>', async () => {
		const { nodes } = await n8n.api.loadedTypes();

		for (const distPath of manifest.n8n.nodes) {
			expect(nodes).toContain(`${manifest.name}.${await typeNameOf(distPath)}`);
		}
		expect(nodes.filter((type) => type.startsWith('CUSTOM.'))).toEqual([]);
	});

	it('loads every credential the package lists, whatsAppCloudApi among them', async () => {
		const { credentials } = await n8n.api.loadedTypes();
		const listed = await Promise.all(manifest.n8n.credentials.map(typeNameOf));

		expect(listed).toContain('whatsAppCloudApi');
		for (const credentialType of listed) expect(credentials).toContain(credentialType);
	});
});
