/**
 * What every result row names: n8n, Node, the machine and the commit measured; for a result kept
 * from an earlier run, that run's.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

import type { N8nRuntime } from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';
import type { BenchResults } from '../report';
import type { ScenarioName } from './config';
import { round } from './stats';

export interface RunEnvironment {
	measuredAt: string;
	n8nVersion: string;
	/** The Node that runs n8n (the runtime's own binary). */
	n8nNodeVersion: string;
	/** The Node that runs the benchmark driver, the emulator and the load generator. */
	benchNodeVersion: string;
	cores: number;
	cpuModel: string;
	memoryGiB: number;
	gitCommit: string;
	/** Uncommitted changes in the working tree when measured. */
	gitDirty: boolean;
	/** 1-minute load average when the run started: other work on the machine skews results. */
	loadAverageAtStart: number;
}

export function describeEnvironment(runtime: N8nRuntime): RunEnvironment {
	const git = (...args: string[]) =>
		execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
	return {
		measuredAt: new Date().toISOString(),
		n8nVersion: runtime.n8nVersion,
		n8nNodeVersion: execFileSync(runtime.nodeBinary, ['--version'], { encoding: 'utf8' })
			.trim()
			.replace(/^v/, ''),
		benchNodeVersion: process.versions.node,
		cores: cpus().length,
		cpuModel: cpus()[0]?.model ?? 'unknown',
		memoryGiB: round(totalmem() / 1024 ** 3, 1),
		gitCommit: git('rev-parse', 'HEAD'),
		gitDirty: git('status', '--porcelain', '--untracked-files=no') !== '',
		loadAverageAtStart: round(loadavg()[0], 2),
	};
}

/** What a result kept from an earlier run was measured on (what its rows name). */
export interface EarlierRun {
	measuredAt: string;
	n8nVersion: string;
	n8nNodeVersion: string;
	cores: number;
	gitCommit: string;
	gitDirty: boolean;
	loadAverageAtStart: number;
	n8nEnv: Record<string, string>;
}

/** The run a scenario's results come from: this one, or the earlier one they were kept from. */
export function runOf(results: BenchResults, scenario: ScenarioName): EarlierRun {
	return results.earlier?.[scenario] ?? stampOf(results);
}

/** This run, as a result kept from it will name it later. */
export function stampOf(results: BenchResults): EarlierRun {
	const env = results.environment;
	return {
		measuredAt: env.measuredAt,
		n8nVersion: env.n8nVersion,
		n8nNodeVersion: env.n8nNodeVersion,
		cores: env.cores,
		gitCommit: env.gitCommit,
		gitDirty: env.gitDirty,
		loadAverageAtStart: env.loadAverageAtStart,
		n8nEnv: results.config.n8nEnv,
	};
}
