/**
 * Installs both pinned n8n runtimes the tests run in, the newest first, into .cache/n8n-runtime/
 * (`npx tsx scripts/install-n8n-runtimes.ts`). The test suites install the one they need on first
 * use anyway; CI runs this in the background while lint and the unit and integration tests run, and
 * a suite that starts meanwhile waits for the install in progress instead of starting its own.
 */
import { ensureRuntime, type RuntimeChoice } from './harness';

const order: RuntimeChoice[] = ['newest', 'lowest'];

async function main(): Promise<void> {
	for (const choice of order) {
		const started = Date.now();
		const runtime = await ensureRuntime({
			choice,
			log: (line) => process.stderr.write(`[n8n-runtime ${choice}] ${line}\n`),
		});
		const seconds = Math.round((Date.now() - started) / 1000);
		console.log(`${choice}: n8n ${runtime.n8nVersion} in ${runtime.dir} (${seconds} s)`);
	}
}

main().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exitCode = 1;
});
