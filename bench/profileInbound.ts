/**
 * `npx tsx bench/profileInbound.ts`: where n8n's main thread spends its time per inbound delivery,
 * for our trigger and for n8n's plain Webhook node on the same n8n (BENCH_SETTINGS as for
 * `npm run bench`). V8's sampling profiler is attached to the running n8n through its inspector
 * (SIGUSR1 opens it on 127.0.0.1:9229), after a warm-up; deliveries go at a steady, easy rate so
 * that the profile shows the work per delivery, not queueing. Prints busy time per delivery, the
 * share of each part of the stack (ours, n8n, its database, V8) and the heaviest functions, and
 * keeps the .cpuprofile files (open them in Chrome's DevTools) in bench/results/profiles/.
 * With PROFILE_ROUNDS=n it attaches no profiler and measures n8n's CPU per delivery only, the two
 * receivers taking turns n times (to compare two builds of the trigger quickly).
 * A diagnosis tool: it measures nothing the reports keep.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { startEmulator } from '../emulator';
import { ensureRuntime } from '../scripts/harness';
import { readBenchConfig } from './lib/config';
import { newContactDeliveries } from './lib/deliveries';
import { sendAtRate, type PreparedRequest } from './lib/load';
import { startBenchN8n } from './lib/n8n';
import { buildPackage } from './lib/package';
import { cpuSeconds, waitUntilQuiet } from './lib/processes';
import { percentile, sleep } from './lib/stats';
import { deployReceivers } from './scenarios/receivers';

const INSPECTOR = 'http://127.0.0.1:9229';
const DELIVERIES = Number(process.env.PROFILE_DELIVERIES ?? 150);
const PER_SECOND = Number(process.env.PROFILE_RATE ?? 6);
const WARM_UP = 40;
/** PROFILE_ROUNDS=n: no profile; n rounds of both receivers in turn, n8n's CPU per delivery each. */
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 0);
const TOP_FUNCTIONS = 30;
const outputDir = join(__dirname, 'results', 'profiles');

interface CallFrame {
	functionName: string;
	url: string;
	lineNumber: number;
}
interface ProfileNode {
	id: number;
	callFrame: CallFrame;
	children?: number[];
}
interface CpuProfile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
	startTime: number;
	endTime: number;
}

/** One Chrome DevTools Protocol session over the inspector's WebSocket. */
class Inspector {
	private nextId = 1;
	private readonly pending = new Map<number, (result: unknown) => void>();
	private constructor(private readonly socket: WebSocket) {
		socket.addEventListener('message', (event) => {
			const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
			if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
		});
	}

	static async attach(pid: number): Promise<Inspector> {
		process.kill(pid, 'SIGUSR1');
		let targets: Array<{ webSocketDebuggerUrl: string }> = [];
		for (let attempt = 0; attempt < 50 && targets.length === 0; attempt++) {
			await sleep(100);
			targets = await fetch(`${INSPECTOR}/json/list`).then(
				async (response) => (await response.json()) as typeof targets,
				() => [],
			);
		}
		if (targets.length === 0) throw new Error(`no inspector answered on ${INSPECTOR}`);
		const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
		await new Promise((resolve, reject) => {
			socket.addEventListener('open', resolve);
			socket.addEventListener('error', reject);
		});
		return new Inspector(socket);
	}

	async call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
		const id = this.nextId++;
		const answered = new Promise<unknown>((resolve) => this.pending.set(id, resolve));
		this.socket.send(JSON.stringify({ id, method, params }));
		return (await answered) as T;
	}

	close(): void {
		this.socket.close();
	}
}

/** Where a function's code lives, coarse enough to compare two receivers. */
function partOf(frame: CallFrame): string {
	const { url, functionName } = frame;
	if (functionName === '(garbage collector)') return 'V8: garbage collector';
	if (functionName === '(program)') return 'V8: compiler, runtime (program)';
	if (functionName === '(idle)') return 'idle';
	if (url.includes('n8n-nodes-whatsapp-automation')) return 'this package';
	if (/node_modules\/(typeorm|sqlite3|pg|better-sqlite3)\//.test(url))
		return 'n8n: database driver';
	if (/n8n-core|@n8n\/core/.test(url)) return 'n8n-core';
	if (/n8n-workflow|@n8n\/expression|isolated-vm|@n8n\/tournament/.test(url)) {
		return 'n8n-workflow, expressions';
	}
	if (/node_modules\/n8n\/|@n8n\//.test(url)) return 'n8n (cli, @n8n/*)';
	if (url.startsWith('node:') || url === '') return 'Node.js (built-ins, native)';
	return 'other dependencies';
}

interface Summary {
	deliveries: number;
	/** n8n's process CPU (every thread) per delivery, as the inbound scenario measures it. */
	processCpuMs: { user: number; system: number };
	busyMsPerDelivery: number;
	parts: Array<[string, number]>;
	functions: Array<{ name: string; selfMs: number; totalMs: number }>;
}

function summarize(
	profile: CpuProfile,
	deliveries: number,
	cpu: { user: number; system: number },
): Summary {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const parent = new Map<number, number>();
	for (const node of profile.nodes)
		for (const child of node.children ?? []) parent.set(child, node.id);
	const key = (frame: CallFrame) =>
		`${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}`;

	const parts = new Map<string, number>();
	const self = new Map<string, number>();
	const total = new Map<string, number>();
	let busy = 0;
	profile.samples.forEach((id, index) => {
		const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
		const node = byId.get(id);
		if (!node) return;
		const part = partOf(node.callFrame);
		parts.set(part, (parts.get(part) ?? 0) + ms);
		if (part === 'idle') return;
		busy += ms;
		self.set(key(node.callFrame), (self.get(key(node.callFrame)) ?? 0) + ms);
		const seen = new Set<string>();
		for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
			const name = key(byId.get(at)!.callFrame);
			if (seen.has(name)) continue;
			seen.add(name);
			total.set(name, (total.get(name) ?? 0) + ms);
		}
	});
	const perDelivery = (ms: number) => Math.round((ms / deliveries) * 100) / 100;
	return {
		deliveries,
		processCpuMs: { user: perDelivery(cpu.user * 1000), system: perDelivery(cpu.system * 1000) },
		busyMsPerDelivery: perDelivery(busy),
		parts: [...parts]
			.filter(([part]) => part !== 'idle')
			.sort((a, b) => b[1] - a[1])
			.map(([part, ms]) => [part, perDelivery(ms)]),
		functions: [...self]
			.sort((a, b) => b[1] - a[1])
			.slice(0, TOP_FUNCTIONS)
			.map(([name, ms]) => ({
				name,
				selfMs: perDelivery(ms),
				totalMs: perDelivery(total.get(name) ?? 0),
			})),
	};
}

/** n8n's user and system CPU ms per delivery for `count` deliveries, until n8n is quiet again. */
async function cpuPerDelivery(
	pid: number,
	deliveries: (count: number) => PreparedRequest[],
	count: number,
): Promise<{ user: number; system: number }> {
	const before = cpuSeconds(pid);
	const step = await sendAtRate(deliveries(count), PER_SECOND);
	await waitUntilQuiet(pid);
	const after = cpuSeconds(pid);
	if (step.acknowledged !== count) {
		throw new Error(
			`${step.acknowledged} of ${count} deliveries acknowledged: ${JSON.stringify(step.errors)}`,
		);
	}
	return { user: after.user - before.user, system: after.system - before.system };
}

async function profileReceiver(
	inspector: Inspector,
	pid: number,
	deliveries: (count: number) => PreparedRequest[],
): Promise<{ summary: Summary; profile: CpuProfile }> {
	await inspector.call('Profiler.setSamplingInterval', { interval: 200 });
	await inspector.call('Profiler.start');
	const cpu = await cpuPerDelivery(pid, deliveries, DELIVERIES);
	const { profile } = await inspector.call<{ profile: CpuProfile }>('Profiler.stop');
	return { summary: summarize(profile, DELIVERIES, cpu), profile };
}

function print(name: string, summary: Summary): void {
	console.log(
		`\n## ${name}: ${summary.busyMsPerDelivery} ms of the main thread per delivery (${summary.deliveries} deliveries)`,
	);
	const { user, system } = summary.processCpuMs;
	console.log(`  n8n's process CPU per delivery: ${user} ms user + ${system} ms system`);
	for (const [part, ms] of summary.parts) console.log(`  ${ms.toFixed(2).padStart(7)} ms  ${part}`);
	console.log('  self ms  total ms  function');
	for (const { name: fn, selfMs, totalMs } of summary.functions) {
		console.log(`  ${selfMs.toFixed(2).padStart(7)}  ${totalMs.toFixed(2).padStart(8)}  ${fn}`);
	}
}

async function main(): Promise<void> {
	const config = readBenchConfig();
	if (!config.skipBuild) buildPackage();
	await ensureRuntime();
	const emulator = await startEmulator();
	const ours = await startBenchN8n({ withPackage: true, env: config.n8nEnv });
	const settings = process.env.BENCH_SETTINGS ?? 'defaults';
	let inspector: Inspector | undefined;
	try {
		const receivers = await deployReceivers(ours, emulator.info());
		const runs = [
			{ name: 'plain Webhook node', endpoint: receivers.plainWebhook },
			{ name: 'our trigger', endpoint: receivers.trigger },
		].map((run, series) => ({
			...run,
			deliveries: newContactDeliveries(receivers, run.endpoint, series),
		}));
		for (const run of runs) {
			await cpuPerDelivery(ours.pid, run.deliveries, WARM_UP);
		}
		if (ROUNDS > 0) {
			// No profiler attached: n8n's CPU per delivery alone, the receivers taking turns (ABAB).
			const cpu = runs.map(() => [] as number[]);
			for (let round = 0; round < ROUNDS; round++) {
				for (const [index, run] of runs.entries()) {
					const { user, system } = await cpuPerDelivery(ours.pid, run.deliveries, DELIVERIES);
					cpu[index].push(((user + system) * 1000) / DELIVERIES);
				}
			}
			for (const [index, run] of runs.entries()) {
				console.log(
					`${run.name} (${settings}): median ${percentile(cpu[index], 50)?.toFixed(1)} ms CPU per delivery; rounds ${cpu[index].map((ms) => ms.toFixed(1)).join(', ')}`,
				);
			}
			return;
		}
		inspector = await Inspector.attach(ours.pid);
		await inspector.call('Profiler.enable');
		await mkdir(outputDir, { recursive: true });
		for (const run of runs) {
			const { summary, profile } = await profileReceiver(inspector, ours.pid, run.deliveries);
			const file = join(outputDir, `${run.name.replace(/\W+/g, '-')}-${settings}.cpuprofile`);
			await writeFile(file, JSON.stringify(profile));
			print(`${run.name} (${settings})`, summary);
			console.log(`  profile: ${file}`);
		}
	} finally {
		inspector?.close();
		await ours.stop();
		await emulator.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
