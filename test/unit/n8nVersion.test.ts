import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MIN_N8N_VERSION, tooOldN8n } from '../../lib/core/n8nVersion';

describe('the lowest supported n8n', () => {
	it('is the one package.json declares in engines.n8n', () => {
		const manifest = JSON.parse(
			readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'),
		) as {
			engines: Record<string, string>;
		};
		expect(manifest.engines.n8n).toBe(`>=${MIN_N8N_VERSION}`);
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
