import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { PackageManifest } from '../../scripts/harness';
import { installIntoUserFolder, stageBuiltPackage } from '../../scripts/harness/community-package';
import { repoRoot } from '../../scripts/harness/paths';

/** The nodes the scenarios use; registered here when package.json does not list them yet. */
const BENCHMARKED_NODES = [
	'dist/nodes/WhatsAppAutomation/WhatsAppAutomation.node.js',
	'dist/nodes/WhatsAppConsentGate/WhatsAppConsentGate.node.js',
	'dist/nodes/WhatsAppAutomationTrigger/WhatsAppAutomationTrigger.node.js',
	'dist/nodes/WhatsAppFollowUpWait/WhatsAppFollowUpWait.node.js',
];

/** What users install: `npm run build` of this checkout. */
export function buildPackage(): void {
	const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
	if (build.status !== 0)
		throw new Error(`npm run build failed (exit code ${build.status}): see above`);
}

/**
 * Installs the built package into `userFolder` as the Community Nodes screen does, with every
 * benchmarked node registered. Returns the package name (node types are `<name>.<node>`).
 */
export async function installBenchPackage(userFolder: string): Promise<string> {
	const staged = await stageBuiltPackage();
	const copy = await mkdtemp(join(tmpdir(), 'bench-package-'));
	try {
		await cp(staged.dir, copy, { recursive: true });
		const manifestPath = join(copy, 'package.json');
		const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as PackageManifest;
		for (const node of BENCHMARKED_NODES) {
			if (!manifest.n8n.nodes.includes(node)) manifest.n8n.nodes.push(node);
		}
		await writeFile(manifestPath, JSON.stringify(manifest, null, 2), 'utf8');
		await installIntoUserFolder(userFolder, { manifest, dir: copy });
		return manifest.name;
	} finally {
		await rm(copy, { recursive: true, force: true });
	}
}
