import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MIN_N8N_VERSION, tooOldN8n } from '../../lib/core/n8nVersion';
import { chosenRuntime, runtimeManifestDirs } from '../../scripts/harness/paths';

function pinnedN8n(manifestDir: string): string {
	const manifest = JSON.parse(readFileSync(join(manifestDir, 'package.json'), 'utf8')) as {
		dependencies: Record<string, string>;
	};
	return manifest.dependencies.n8n;
}

describe('the lowest supported n8n', () => {
	it('is the one package.json declares in engines.n8n', () => {
		const manifest = JSON.parse(
			readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
		) as {
			engines: Record<string, string>;
		};
		expect(manifest.engines.n8n).toBe(`>=${MIN_N8N_VERSION}`);
	});

	it('is the n8n of the lowest pinned runtime the tests run in; the newest pins a later one', () => {
		expect(pinnedN8n(runtimeManifestDirs.lowest)).toBe(MIN_N8N_VERSION);
		expect(tooOldN8n(pinnedN8n(runtimeManifestDirs.newest))).toBeUndefined();
		expect(pinnedN8n(runtimeManifestDirs.newest)).not.toBe(MIN_N8N_VERSION);
	});

	it.each(['2.39.0', '2.39.8', '2.41.0', '2.100.0', '3.0.0', '10.1.2', '2.40.0-rc.1'])(
		'lets n8n %s run the Follow-up Wait',
		(version) => {
			expect(tooOldN8n(version)).toBeUndefined();
		},
	);

	it.each(['2.38.2', '2.0.0', '1.123.4', '2.9.0'])(
		'tells a user on n8n %s to update',
		(version) => {
			const message = tooOldN8n(version);
			expect(message).toContain(`(${version.split('.').slice(0, 2).join('.')})`);
			expect(message).toContain('needs n8n 2.39 or newer');
			expect(message).toContain('Update n8n');
		},
	);

	it.each([undefined, '', 'unknown', 'v2'])(
		'never blocks a run on an unreadable version (%p)',
		(version) => {
			expect(tooOldN8n(version)).toBeUndefined();
		},
	);
});

describe('the runtime the tests run in (N8N_RUNTIME)', () => {
	it('is the newest pinned n8n unless told otherwise', () => {
		expect(chosenRuntime({})).toBe('newest');
		expect(chosenRuntime({ N8N_RUNTIME: '' })).toBe('newest');
		expect(chosenRuntime({ N8N_RUNTIME: 'newest' })).toBe('newest');
		expect(chosenRuntime({ N8N_RUNTIME: ' lowest ' })).toBe('lowest');
	});

	it('names the choices when the variable holds something else', () => {
		expect(() => chosenRuntime({ N8N_RUNTIME: '2.39' })).toThrow(
			'N8N_RUNTIME is "2.39": it names the pinned n8n to run in, "newest" (the default) or "lowest"',
		);
	});
});
