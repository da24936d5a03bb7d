import { InputError } from './input-error';
import { loadSeedFile, resolveSeed } from './seed';
import { startEmulator } from './server';

const usage = `Usage: npm run emulator -- [--port <port>] [--host <host>] [--seed <file.json>] [--quiet]

Starts the WhatsApp Cloud API emulator. The first line on stdout is JSON describing it
(baseUrl, graphVersion, accessToken, wabaId, appId, appSecret, phoneNumbers, templates);
request and webhook logs follow. See emulator/README.md.`;

interface CliOptions {
	port: number;
	host: string;
	seedPath?: string;
	quiet: boolean;
}

function parseArgs(args: string[]): CliOptions {
	const options: CliOptions = { port: 8787, host: '127.0.0.1', quiet: false };
	for (let index = 0; index < args.length; index++) {
		const flag = args[index];
		const value = (): string => {
			const next = args[++index];
			if (next === undefined || next.startsWith('--'))
				throw new InputError(flag, next, 'give the value after the flag');
			return next;
		};
		switch (flag) {
			case '--port': {
				const raw = value();
				const port = Number(raw);
				if (!Number.isInteger(port) || port < 0 || port > 65535) {
					throw new InputError(
						'--port',
						raw,
						'use a port number from 0 to 65535 (0 picks a free one)',
					);
				}
				options.port = port;
				break;
			}
			case '--host':
				options.host = value();
				break;
			case '--seed':
				options.seedPath = value();
				break;
			case '--quiet':
				options.quiet = true;
				break;
			case '--help':
			case '-h':
				console.log(usage);
				process.exit(0);
				break;
			default:
				throw new InputError('argument', flag, `unknown; ${usage}`);
		}
	}
	return options;
}

async function main(): Promise<void> {
	const options = parseArgs(process.argv.slice(2));
	const seed = options.seedPath ? loadSeedFile(options.seedPath) : resolveSeed();
	const emulator = await startEmulator({
		port: options.port,
		host: options.host,
		seed,
		log: options.quiet ? undefined : (line) => console.log(`${new Date().toISOString()} ${line}`),
	});
	console.log(JSON.stringify(emulator.info()));
	const shutdown = () => {
		void emulator.stop().then(() => process.exit(0));
	};
	process.once('SIGINT', shutdown);
	process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
	console.error(error instanceof InputError ? `emulator: ${error.message}` : error);
	process.exit(1);
});
