import { join, resolve } from 'node:path';

/** The repository root: scripts/harness/ is two levels below it. */
export const repoRoot = resolve(__dirname, '..', '..');

/**
 * The two pinned n8n versions the tests run in, each a package.json and package-lock.json committed
 * with the project: the newest the npm registry serves (every test run) and the lowest this package
 * supports (`engines.n8n`; CI runs a smoke set in it, `N8N_RUNTIME=lowest npm run test:e2e` all of it).
 */
export const runtimeManifestDirs = {
	newest: join(repoRoot, 'scripts', 'n8n-runtime'),
	lowest: join(repoRoot, 'scripts', 'n8n-runtime-lowest'),
} as const;

export type RuntimeChoice = keyof typeof runtimeManifestDirs;

/** The runtime chosen by `N8N_RUNTIME` (newest when unset). */
export function chosenRuntime(env: NodeJS.ProcessEnv = process.env): RuntimeChoice {
	const choice = env.N8N_RUNTIME?.trim() || 'newest';
	if (choice in runtimeManifestDirs) return choice as RuntimeChoice;
	throw new Error(
		`N8N_RUNTIME is "${choice}": it names the pinned n8n to run in, "newest" (the default) or "lowest"`,
	);
}

/** Where pinned runtimes are installed, one folder per lockfile hash (gitignored). */
export const runtimeCacheRoot = join(repoRoot, '.cache', 'n8n-runtime');
