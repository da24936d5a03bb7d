/**
 * The state-store benchmark (bench/store.ts, issues 4 and 5), run as it is in a process of its
 * own; it writes bench/results/store.json, which is read back here for the summary.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { repoRoot } from '../../scripts/harness/paths';

export interface StoreBackendFigures {
	consentBatch10k_ms: number;
	consentOnePerItem10k_ms: number;
	batchSpeedup: number;
	dedupInserts_per_s: { sequential: number; concurrent16: number };
	windowUpserts_per_s: { sequential: number; concurrent16: number };
	claims_per_s: { sequential: number; concurrent16: number };
}

export interface StoreResult {
	measuredAt: string;
	results: { sqlite: StoreBackendFigures; postgres: StoreBackendFigures };
}

export const STORE_RESULTS_FILE = join(repoRoot, 'bench', 'results', 'store.json');

export async function runStoreBenchmark(): Promise<StoreResult> {
	const child = spawn(
		process.execPath,
		[...process.execArgv, join(repoRoot, 'bench', 'store.ts')],
		{
			cwd: repoRoot,
			stdio: ['ignore', 'inherit', 'inherit'],
		},
	);
	const exit = await new Promise<string>((resolve) => {
		child.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
		child.on('error', (error) => resolve(`failed to start: ${error.message}`));
	});
	if (exit !== 'exit code 0')
		throw new Error(`bench/store.ts ended with ${exit}; its output is above`);
	return JSON.parse(await readFile(STORE_RESULTS_FILE, 'utf8')) as StoreResult;
}
