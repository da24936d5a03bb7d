import { spawnSync } from 'node:child_process';

import { ensureRuntime } from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';

/** The suite installs what users install: the built package, into the pinned n8n. */
export default async function globalSetup(): Promise<void> {
	const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
	if (build.status !== 0)
		throw new Error(`npm run build failed (exit code ${build.status}): see above`);
	await ensureRuntime();
}
