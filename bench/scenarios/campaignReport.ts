/**
 * The campaign-report benchmark (bench/campaignReport.ts, issue 20), run as it is in a process of
 * its own; it writes bench/results/campaignReport.json, which is read back here for the summary.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { repoRoot } from '../../scripts/harness/paths';
import type { ReportBackendFigures } from '../campaignReport';

export interface CampaignReportResult {
	measuredAt: string;
	messages: number;
	results: { sqlite: ReportBackendFigures; postgres: ReportBackendFigures };
}

const RESULTS_FILE = join(repoRoot, 'bench', 'results', 'campaignReport.json');

export async function runCampaignReportBenchmark(): Promise<CampaignReportResult> {
	const child = spawn(
		process.execPath,
		[...process.execArgv, join(repoRoot, 'bench', 'campaignReport.ts')],
		{ cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] },
	);
	const exit = await new Promise<string>((resolve) => {
		child.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
		child.on('error', (error) => resolve(`failed to start: ${error.message}`));
	});
	if (exit !== 'exit code 0') {
		throw new Error(`bench/campaignReport.ts ended with ${exit}; its output is above`);
	}
	return JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as CampaignReportResult;
}
