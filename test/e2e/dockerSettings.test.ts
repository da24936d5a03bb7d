/**
 * The n8n settings in docker/*\/compose.yaml are ones n8n reads: every N8N_*, DB_*, QUEUE_*,
 * EXECUTIONS_*, OFFLOAD_* and GENERIC_* variable appears, quoted, in the pinned n8n's own code
 * (its config schema, commands and modules). A misspelt name would be ignored by n8n in silence.
 * No n8n is started; the compose files' shape is checked by test/unit/dockerCompose.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { ensureRuntime } from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';

/** The text of every .js file under `dir`. */
function codeUnder(dir: string): string[] {
	const texts: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (entry.isFile() && entry.name.endsWith('.js'))
			texts.push(readFileSync(join(entry.parentPath, entry.name), 'utf8'));
	}
	return texts;
}

describe('the n8n settings of the compose files', () => {
	it('are all read by the pinned n8n', async () => {
		const runtime = await ensureRuntime();
		const modules = join(runtime.dir, 'node_modules');
		const code = [
			...codeUnder(join(modules, 'n8n', 'dist')),
			...codeUnder(join(modules, '@n8n', 'config', 'dist')),
		];

		const names = new Set<string>();
		for (const setup of ['single', 'queue']) {
			const compose = parse(readFileSync(join(repoRoot, 'docker', setup, 'compose.yaml'), 'utf8'), {
				merge: true,
			}) as { services: Record<string, { image?: string; environment?: Record<string, string> }> };
			for (const service of Object.values(compose.services)) {
				if (!service.image?.startsWith('docker.n8n.io/n8nio/n8n:')) continue;
				for (const name of Object.keys(service.environment ?? {}))
					if (/^(N8N_|DB_|QUEUE_|EXECUTIONS_|OFFLOAD_|GENERIC_)/.test(name)) names.add(name);
			}
		}
		expect(names.size).toBeGreaterThan(10);

		const unread = [...names].filter(
			(name) => !code.some((text) => text.includes(`'${name}'`) || text.includes(`"${name}"`)),
		);
		expect(unread).toEqual([]);
	});
});
