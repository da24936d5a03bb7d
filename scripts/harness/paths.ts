import { join, resolve } from 'node:path';

/** The repository root: scripts/harness/ is two levels below it. */
export const repoRoot = resolve(__dirname, '..', '..');

/** package.json and package-lock.json of the pinned n8n, committed with the project. */
export const runtimeManifestDir = join(repoRoot, 'scripts', 'n8n-runtime');

/** Where pinned runtimes are installed, one folder per lockfile hash (gitignored). */
export const runtimeCacheRoot = join(repoRoot, '.cache', 'n8n-runtime');
