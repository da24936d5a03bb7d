/**
 * The built-in node's side of the campaign comparison, in a process of its own: n8n's "WhatsApp
 * Business Cloud" node calls https://graph.facebook.com/v13.0 and has no base-URL setting, so this
 * process and the n8n it starts run in a private mount namespace whose /etc/hosts sends that host
 * to 127.0.0.1, where the TLS front forwards to the emulator. The machine's /etc/hosts is untouched.
 *
 * The parent (campaign.ts) starts it with runBuiltinBaseline(); it is not meant to be run by hand.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { deploy, runStamped, startBenchN8n } from '../lib/n8n';
import { waitUntilQuiet, watchProcess, type ProcessProfile } from '../lib/processes';
import { stampedWorkflow, type StampedAnswer } from '../lib/workflows';
import { builtinSendNode, campaignRecipients, SERIES } from './campaignShared';

export interface BaselineInput {
	accessToken: string;
	wabaId: string;
	phoneNumberId: string;
	recipients: number;
	warmUpRecipients: number;
	certificateFile: string;
	resultFile: string;
	/** The same extra n8n environment as our side's n8n (BENCH_N8N_ENV). */
	n8nEnv: Record<string, string>;
}

export interface BaselineOutput extends StampedAnswer {
	n8nVersion: string;
	/** Seconds the built-in node took for the measured run (its stamps). */
	seconds: number;
	/** This n8n process during the measured run. */
	profile: ProcessProfile;
}

const INPUT_VARIABLE = 'BENCH_BASELINE_INPUT';
const WEBHOOK_PATH = 'bench-campaign-builtin';

/**
 * Runs this file in a child process inside `unshare --mount`, with `hostsFile` bind-mounted over
 * /etc/hosts for that child and its descendants only.
 */
export async function runBuiltinBaseline(
	input: BaselineInput,
	hostsFile: string,
): Promise<BaselineOutput> {
	const script = ['set -e', 'mount --bind "$1" /etc/hosts', 'shift', 'exec "$@"'].join('\n');
	const child = spawn(
		'unshare',
		[
			'--mount',
			'--propagation',
			'private',
			'--',
			'sh',
			'-c',
			script,
			'sh',
			hostsFile,
			process.execPath,
			...process.execArgv,
			__filename,
		],
		{
			env: { ...process.env, [INPUT_VARIABLE]: JSON.stringify(input) },
			stdio: ['ignore', 'inherit', 'inherit'],
		},
	);
	const exit = await new Promise<string>((resolve) => {
		child.on('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
		child.on('error', (error) => resolve(`failed to start: ${error.message}`));
	});
	if (exit !== 'exit code 0') {
		throw new Error(`the built-in baseline process ended with ${exit}; its output is above`);
	}
	return JSON.parse(await readFile(input.resultFile, 'utf8')) as BaselineOutput;
}

/** Hosts file for the namespace: Meta's host on loopback, everything else as on the machine. */
export async function privateHostsFile(folder: string): Promise<string> {
	const machine = await readFile('/etc/hosts', 'utf8');
	const file = join(folder, 'hosts');
	await writeFile(file, `127.0.0.1\tgraph.facebook.com\n${machine}`);
	return file;
}

async function main(): Promise<void> {
	const input = JSON.parse(process.env[INPUT_VARIABLE] ?? '') as BaselineInput;
	const instance = await startBenchN8n({
		withPackage: false,
		env: { ...input.n8nEnv, NODE_EXTRA_CA_CERTS: input.certificateFile },
	});
	try {
		const credential = await instance.n8n.api.createCredential({
			name: 'WhatsApp (built-in baseline)',
			type: 'whatsAppApi',
			data: { accessToken: input.accessToken, businessAccountId: input.wabaId },
		});
		await deploy(
			instance.n8n,
			stampedWorkflow({
				countFailures: true,
				name: 'Campaign, built-in node',
				webhookPath: WEBHOOK_PATH,
				listField: 'recipients',
				measured: builtinSendNode(input.phoneNumberId, credential.name),
			}),
			{ credentials: { whatsAppApi: credential } },
		);
		await runStamped(instance.n8n, WEBHOOK_PATH, {
			recipients: campaignRecipients(input.warmUpRecipients, SERIES.builtinWarmUp),
		});
		await waitUntilQuiet(instance.pid);
		const watch = watchProcess(instance.pid);
		const measured = await runStamped(instance.n8n, WEBHOOK_PATH, {
			recipients: campaignRecipients(input.recipients, SERIES.builtin),
		});
		const output: BaselineOutput = {
			n8nVersion: instance.n8n.runtime.n8nVersion,
			...measured,
			profile: watch.stop(),
		};
		await writeFile(input.resultFile, JSON.stringify(output));
	} finally {
		await instance.stop();
	}
}

if (require.main === module) {
	main().catch((error: unknown) => {
		console.error(error);
		process.exit(1);
	});
}
