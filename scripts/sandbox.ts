/**
 * `npm start`: the whole product on this machine without a Meta account. Builds the package, installs
 * the pinned n8n once, starts the Cloud API emulator (with its chat page) and n8n with the package,
 * signs in the owner, points a WhatsApp credential at the emulator, imports and publishes
 * examples/*.json, then prints `n8n:`, `chat:` and `login:` lines. n8n's data stays in .sandbox/
 * (`--reset` wipes it); Ctrl-C stops everything started here.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import { startEmulator, type EmulatorInfo, type RunningEmulator } from '../emulator';
import {
	defaultOwner,
	ensureRuntime,
	startN8n,
	type CreatedCredential,
	type N8nApi,
	type N8nInstance,
	type OwnerAccount,
} from './harness';
import { publishExamples } from './harness/examples';
import { repoRoot } from './harness/paths';

const usage = `Usage: npm start [-- options]

Starts the sandbox: the WhatsApp Cloud API emulator with its chat page, and a local n8n with this
package, a credential pointing at the emulator and the example workflows published.

Options:
  --reset                  wipe the sandbox's data (n8n's database, the owner, the store) first
  --data <dir>             where the data lives (default .sandbox/)
  --emulator-port <port>   default 8787 (a free one if taken; 0 = any free port)
  --n8n-port <port>        default 5678 (a free one if taken; 0 = any free port)
  --openai-base-url <url>  the model of the AI examples: an OpenAI-compatible API (with
                           OPENAI_API_KEY in the environment when it needs one). Default: OpenAI
                           itself when OPENAI_API_KEY is set, else a local stand-in model that
                           echoes what it is told
  --skip-build             use the dist/ already built
  --help                   this text`;

interface SandboxOptions {
	reset: boolean;
	dataDir: string;
	emulatorPort: number;
	n8nPort: number;
	openAiBaseUrl?: string;
	skipBuild: boolean;
}

/** A failure the user can fix: what went wrong and what to do about it. */
class SandboxError extends Error {
	constructor(
		message: string,
		readonly fix: string,
	) {
		super(message);
	}
}

function parseArgs(args: string[]): SandboxOptions | 'help' {
	const options: SandboxOptions = {
		reset: false,
		dataDir: join(repoRoot, '.sandbox'),
		emulatorPort: 8787,
		n8nPort: 5678,
		skipBuild: false,
	};
	for (let index = 0; index < args.length; index++) {
		const flag = args[index];
		const value = (): string => {
			const next = args[++index];
			if (next === undefined || next.startsWith('--'))
				throw new SandboxError(
					`${flag} needs a value`,
					`give it after the flag; see npm start -- --help`,
				);
			return next;
		};
		const port = (): number => {
			const raw = value();
			const number = Number(raw);
			if (!Number.isInteger(number) || number < 0 || number > 65535)
				throw new SandboxError(
					`${flag} ${raw} is not a port`,
					'use a number from 0 to 65535 (0 = any free port)',
				);
			return number;
		};
		switch (flag) {
			case '--reset':
				options.reset = true;
				break;
			case '--data':
				options.dataDir = resolve(value());
				break;
			case '--emulator-port':
				options.emulatorPort = port();
				break;
			case '--n8n-port':
				options.n8nPort = port();
				break;
			case '--openai-base-url': {
				const url = value();
				if (!/^https?:\/\//.test(url))
					throw new SandboxError(
						`--openai-base-url ${url} is not an http(s) URL`,
						'use e.g. http://127.0.0.1:11434/v1',
					);
				options.openAiBaseUrl = url;
				break;
			}
			case '--skip-build':
				options.skipBuild = true;
				break;
			case '--help':
			case '-h':
				return 'help';
			default:
				throw new SandboxError(`unknown option ${flag}`, 'see npm start -- --help');
		}
	}
	return options;
}

// ---------- progress

const startedAt = Date.now();

function seconds(since: number): string {
	return `${Math.round((Date.now() - since) / 1000)} s`;
}

function say(line: string): void {
	console.log(`[sandbox ${seconds(startedAt).padStart(5)}] ${line}`);
}

async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
	const begun = Date.now();
	say(`${title}…`);
	const result = await run();
	say(`${title}: done in ${seconds(begun)}`);
	return result;
}

// ---------- steps

function build(): Promise<void> {
	return new Promise((resolveBuild, reject) => {
		const child = spawn('npm', ['run', '-s', 'build'], {
			cwd: repoRoot,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.on('error', (error) =>
			reject(
				new SandboxError(`npm run build could not start: ${error.message}`, 'run npm ci first'),
			),
		);
		child.on('exit', (code) => {
			if (code === 0) return resolveBuild();
			console.error(output.slice(-8000));
			reject(
				new SandboxError(
					`npm run build failed (exit code ${code}); its output is above`,
					'fix the errors it names, or run `npm ci` if dependencies are missing, then npm start again',
				),
			);
		});
	});
}

/** The emulator on the wanted port, or on a free one when another program holds it. */
async function startSandboxEmulator(port: number, log: WriteStream): Promise<RunningEmulator> {
	const options = {
		host: '127.0.0.1',
		log: (line: string) => log.write(`${new Date().toISOString()} ${line}\n`),
	};
	try {
		return await startEmulator({ ...options, port });
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
		say(`port ${port} is taken (another sandbox?): the emulator takes a free port instead`);
		return await startEmulator({ ...options, port: 0 });
	}
}

async function isPortFree(port: number): Promise<boolean> {
	return await new Promise((done) => {
		const server = createServer();
		server.once('error', () => done(false));
		server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
	});
}

/** The owner of this sandbox: created on the first start with a fresh password, kept in the data folder. */
async function sandboxOwner(dataDir: string): Promise<OwnerAccount> {
	const path = join(dataDir, 'owner.json');
	if (existsSync(path)) return JSON.parse(await readFile(path, 'utf8')) as OwnerAccount;
	const owner: OwnerAccount = {
		...defaultOwner,
		email: 'sandbox@example.com',
		// n8n wants 8+ characters with a digit and an upper-case letter.
		password: `Sandbox-${randomBytes(6).toString('hex')}-1`,
		firstName: 'Sandbox',
		lastName: 'Owner',
	};
	await writeFile(path, `${JSON.stringify(owner, null, '\t')}\n`, { mode: 0o600 });
	return owner;
}

interface ModelEndpoint {
	baseUrl: string;
	apiKey: string;
	description: string;
	stop(): Promise<void>;
}

/** What the AI examples talk to: the given API, OpenAI with the user's key, or a local stand-in. */
async function modelEndpoint(options: SandboxOptions): Promise<ModelEndpoint> {
	const apiKey = process.env.OPENAI_API_KEY;
	if (options.openAiBaseUrl) {
		return {
			baseUrl: options.openAiBaseUrl,
			apiKey: apiKey ?? 'sandbox',
			description: options.openAiBaseUrl,
			stop: async () => undefined,
		};
	}
	if (apiKey) {
		return {
			baseUrl: 'https://api.openai.com/v1',
			apiKey,
			description: 'OpenAI (OPENAI_API_KEY)',
			stop: async () => undefined,
		};
	}
	const { examplesResponder, startOpenAiCompatibleServer } =
		await import('../test/tools/openaiCompatibleServer');
	const server = await startOpenAiCompatibleServer({ responder: examplesResponder });
	return {
		baseUrl: server.url,
		apiKey: 'sandbox',
		description: `a local stand-in at ${server.url} that echoes what it is told and always follows up (set OPENAI_API_KEY for a real model)`,
		stop: () => server.close(),
	};
}

interface CredentialSpec {
	name: string;
	type: string;
	data: Record<string, unknown>;
}

/** Creates the credential, or replaces the data of the one of that name (ports change between starts). */
async function upsertCredential(api: N8nApi, spec: CredentialSpec): Promise<CreatedCredential> {
	const listing = await api.request('GET', '/api/v1/credentials?limit=250');
	const existing = (listing.json as { data?: CreatedCredential[] } | undefined)?.data?.find(
		(credential) => credential.name === spec.name && credential.type === spec.type,
	);
	if (!existing) return await api.createCredential(spec);
	const updated = await api.request(
		'PATCH',
		`/api/v1/credentials/${encodeURIComponent(existing.id)}`,
		{
			data: spec.data,
		},
	);
	if (updated.status !== 200)
		throw new Error(
			`updating credential "${spec.name}" answered ${updated.status}: ${updated.text}`,
		);
	return existing;
}

function whatsAppCredential(info: EmulatorInfo): CredentialSpec {
	return {
		name: 'WhatsApp sandbox (emulator)',
		type: 'whatsAppCloudApi',
		data: {
			accessToken: info.accessToken,
			businessAccountId: info.wabaId,
			appId: info.appId,
			appSecret: info.appSecret,
			graphApiVersion: info.graphVersion,
			baseUrl: info.baseUrl,
			store: 'builtin',
		},
	};
}

function openAiCredential(model: ModelEndpoint): CredentialSpec {
	return {
		name: 'OpenAI (sandbox)',
		type: 'openAiApi',
		data: { apiKey: model.apiKey, url: model.baseUrl, header: false },
	};
}

/** Imports and publishes examples/*.json (scripts/harness/examples.ts) and says how each went. */
async function importExamples(
	n8n: N8nInstance,
	credentials: Record<string, CreatedCredential>,
): Promise<string[]> {
	const examples = await publishExamples(n8n.api, credentials);
	if (examples.length === 0) say('no examples/*.json yet: nothing to import');
	for (const { file, name, error } of examples) {
		say(
			error === null
				? `example "${name}" (${file}) is published`
				: `example "${name}" (${file}) is imported but not published: ${error.message}`,
		);
	}
	return examples.filter(({ error }) => error === null).map(({ name }) => name);
}

// ---------- main

async function main(): Promise<void> {
	let parsed: SandboxOptions | 'help';
	try {
		parsed = parseArgs(process.argv.slice(2));
	} catch (error) {
		console.error(
			`sandbox: ${(error as Error).message}\nWhat to do: ${(error as SandboxError).fix}`,
		);
		process.exit(2);
	}
	if (parsed === 'help') {
		console.log(usage);
		return;
	}
	const options = parsed;
	const stops: Array<() => Promise<void>> = [];
	let stopping = false;
	const stopAll = async (exitCode: number) => {
		if (stopping) return;
		stopping = true;
		say('stopping everything the sandbox started…');
		for (let stop = stops.pop(); stop; stop = stops.pop()) await stop().catch(() => undefined);
		say('stopped');
		process.exit(exitCode);
	};
	let firstInterrupt = 0;
	process.on('SIGINT', () => {
		// A terminal's Ctrl-C reaches npm, tsx and this process at once (and tsx relays it again):
		// only a second press, a moment later, means "stop waiting".
		if (stopping && Date.now() - firstInterrupt > 2000) process.exit(130);
		firstInterrupt ||= Date.now();
		void stopAll(0);
	});
	process.on('SIGTERM', () => void stopAll(0));

	try {
		if (options.reset) {
			await step(`wiping ${options.dataDir} (--reset)`, () =>
				rm(options.dataDir, { recursive: true, force: true }),
			);
		}
		await mkdir(options.dataDir, { recursive: true });
		if (options.skipBuild) say('using the dist/ already built (--skip-build)');
		else await step('building the package (npm run build)', build);

		const runtime = await step(
			'making sure the pinned n8n is installed (the first time: several minutes, ~3 GB)',
			() => ensureRuntime({ log: (line) => say(`n8n runtime: ${line}`) }),
		);

		const emulatorLog = createWriteStream(join(options.dataDir, 'emulator.log'), { flags: 'a' });
		const emulator = await step('starting the WhatsApp Cloud API emulator', () =>
			startSandboxEmulator(options.emulatorPort, emulatorLog),
		);
		stops.push(async () => {
			await emulator.stop();
			emulatorLog.end();
		});

		const model = await step('starting the model of the AI examples', () => modelEndpoint(options));
		stops.push(() => model.stop());
		say(`model: ${model.description}`);

		const owner = await sandboxOwner(options.dataDir);
		const n8nPort =
			options.n8nPort === 0 || (await isPortFree(options.n8nPort)) ? options.n8nPort : 0;
		if (n8nPort !== options.n8nPort)
			say(`port ${options.n8nPort} is taken: n8n takes a free port instead`);
		const n8nLogPath = join(options.dataDir, 'n8n.log');
		const n8nLog = createWriteStream(n8nLogPath, { flags: 'a' });
		const n8n = await step(
			`starting n8n ${runtime.n8nVersion} with the package (log: ${n8nLogPath})`,
			async () => {
				try {
					return await startN8n({
						userFolder: join(options.dataDir, 'n8n'),
						...(n8nPort === 0 ? {} : { port: n8nPort }),
						owner,
						onLogLine: (name, line) => n8nLog.write(`[${name}] ${line}\n`),
					});
				} catch (error) {
					throw new SandboxError(
						`n8n did not start: ${(error as Error).message.split('\n')[0]}`,
						`read ${n8nLogPath}; data from an older sandbox can be wiped with npm start -- --reset`,
					);
				}
			},
		);
		stops.push(async () => {
			await n8n.stop();
			n8nLog.end();
		});

		const credentials = await step(
			'pointing the credentials at the emulator and the model',
			async () => ({
				whatsAppCloudApi: await upsertCredential(n8n.api, whatsAppCredential(emulator.info())),
				openAiApi: await upsertCredential(n8n.api, openAiCredential(model)),
			}),
		);
		await step('importing and publishing the examples', () => importExamples(n8n, credentials));

		say('ready. Ctrl-C stops everything.');
		console.log(`n8n: ${n8n.baseUrl}`);
		console.log(`chat: ${emulator.baseUrl}/chat`);
		console.log(`login: ${owner.email} / ${owner.password}`);
	} catch (error) {
		if (error instanceof SandboxError) {
			console.error(`\nsandbox: ${error.message}\nWhat to do: ${error.fix}`);
		} else {
			console.error(`\nsandbox: ${(error as Error).stack ?? String(error)}`);
			console.error(
				'What to do: read the message above; npm start -- --reset starts from scratch.',
			);
		}
		await stopAll(1);
	}
}

void main();
