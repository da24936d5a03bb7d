/**
 * The PostgreSQL driver is loaded only when a PostgreSQL store is opened: n8n instances on the
 * built-in SQLite store never load `pg`. Each case runs in a fresh Node process (tsx), the way n8n
 * loads the package, and lists the `pg` files in require.cache.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import type { StoreConfig } from '../../lib/store';
import { useStoreEnvironment } from './support/storeEnvironment';

jest.setTimeout(60_000);

const REPOSITORY = path.resolve(__dirname, '..', '..');
const PROBE = path.join(__dirname, 'support', 'loadedModulesProbe.ts');

function pgFilesLoadedBy(config: StoreConfig): string[] {
	const output = execFileSync(
		process.execPath,
		['--import', 'tsx', PROBE, JSON.stringify(config)],
		{ cwd: REPOSITORY, timeout: 45_000 },
	).toString();
	return (JSON.parse(output.trim()) as { pgFiles: string[] }).pgFiles;
}

describe('which database driver a store loads', () => {
	const sqlite = useStoreEnvironment('sqlite');
	const postgres = useStoreEnvironment('postgres');

	it('a SQLite store never loads pg', () => {
		expect(pgFilesLoadedBy(sqlite.freshConfig())).toEqual([]);
	});

	it('a PostgreSQL store does (the probe sees the driver when it is there)', () => {
		expect(pgFilesLoadedBy(postgres.freshConfig())).toEqual(
			expect.arrayContaining([expect.stringMatching(/[\\/]pg[\\/]lib[\\/]index\.js$/)]),
		);
	});
});
