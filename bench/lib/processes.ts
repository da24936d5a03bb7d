/**
 * Watching the n8n process from outside through /proc (Linux): which pid it is, how much memory
 * it holds, and when it has gone quiet between two measurements.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { sleep } from './stats';

/**
 * The pid of the `n8n start` process listening on `port`: the harness does not expose it, so it is
 * found by its command line and its N8N_PORT. Task runners it spawns are not counted.
 */
export function findN8nMainPid(n8nScript: string, port: number): number {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			if (!argv.includes(n8nScript) || !argv.includes('start')) continue;
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
			if (environ.includes(`N8N_PORT=${port}`)) return Number(entry);
		} catch {
			// The process ended while we looked.
		}
	}
	throw new Error(`no "n8n start" process with N8N_PORT=${port} found in /proc`);
}

/** One process of an n8n installation: `start` (main), `webhook` (processor) or `worker`. */
export interface N8nProcess {
	pid: number;
	command: string;
}

/**
 * Every n8n process (main, webhook processors, workers) running on `userFolder`, by their command
 * line and their N8N_USER_FOLDER; task runners they spawn are not counted. Ordered by pid, so
 * that workers started one after the other keep their order.
 */
export function findN8nProcesses(n8nScript: string, userFolder: string): N8nProcess[] {
	const found: N8nProcess[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
			const scriptAt = argv.indexOf(n8nScript);
			if (scriptAt < 0) continue;
			const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
			if (!environ.includes(`N8N_USER_FOLDER=${userFolder}`)) continue;
			found.push({ pid: Number(entry), command: argv[scriptAt + 1] ?? '' });
		} catch {
			// The process ended while we looked.
		}
	}
	return found.sort((a, b) => a.pid - b.pid);
}

function residentBytes(pid: number): number {
	const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line`);
	return Number(match[1]) * 1024;
}

export interface ProcessProfile {
	/** Resident memory when watching started. */
	startBytes: number;
	peakBytes: number;
	/** CPU time the process used while watched (user + system). */
	cpuSeconds: number;
	wallSeconds: number;
	/**
	 * cpuSeconds / wallSeconds: near 1, the process (one event loop) was the bottleneck; well
	 * below 1, it waited: for I/O, for its peers, or for a core the machine's other work held.
	 */
	coreShare: number;
}

/** Watches `pid` (resident memory every `intervalMs`, CPU time) until stop() is called. */
export function watchProcess(pid: number, intervalMs = 50): { stop(): ProcessProfile } {
	const startBytes = residentBytes(pid);
	const startTicks = cpuTicks(pid);
	const startedAt = Date.now();
	let peakBytes = startBytes;
	const timer = setInterval(() => {
		try {
			peakBytes = Math.max(peakBytes, residentBytes(pid));
		} catch {
			// The process is gone; the profile so far stands.
		}
	}, intervalMs);
	return {
		stop: () => {
			clearInterval(timer);
			peakBytes = Math.max(peakBytes, residentBytes(pid));
			const cpuSeconds = (cpuTicks(pid) - startTicks) / TICKS_PER_SECOND;
			const wallSeconds = (Date.now() - startedAt) / 1000;
			return {
				startBytes,
				peakBytes,
				cpuSeconds,
				wallSeconds,
				coreShare: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0,
			};
		},
	};
}

/** User and system CPU seconds of `pid` (all its threads) so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): { user: number; system: number } {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name may contain spaces; the fields after it are fixed.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return {
		user: Number(fields[11]) / TICKS_PER_SECOND,
		system: Number(fields[12]) / TICKS_PER_SECOND,
	};
}

/** CPU time (user + system) of `pid` in clock ticks. */
function cpuTicks(pid: number): number {
	const { user, system } = cpuSeconds(pid);
	return Math.round((user + system) * TICKS_PER_SECOND);
}

const TICKS_PER_SECOND = 100;

/**
 * Waits until `pid` uses less than `maxCoreShare` of one core over a window of `windowMs` (the
 * work queued by the previous measurement has drained), or `timeoutMs` passed. Returns the
 * seconds until that quiet window began: how long the process was still busy.
 */
export async function waitUntilQuiet(
	pid: number,
	{ maxCoreShare = 0.15, windowMs = 500, timeoutMs = 60_000 } = {},
): Promise<number> {
	const started = Date.now();
	let windowStart = started;
	let before = cpuTicks(pid);
	while (Date.now() - started < timeoutMs) {
		await sleep(windowMs);
		const now = cpuTicks(pid);
		const end = Date.now();
		const cpuSeconds = (now - before) / TICKS_PER_SECOND;
		if (cpuSeconds / ((end - windowStart) / 1000) < maxCoreShare) break;
		before = now;
		windowStart = end;
	}
	return (windowStart - started) / 1000;
}
