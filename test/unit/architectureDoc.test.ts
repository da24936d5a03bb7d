/**
 * docs/ARCHITECTURE.md stays true and findable: its layer block lists every folder of lib/ and
 * nodes/helpers/, the inbound data flow names its two main files and checks the signature before
 * the JSON, consent has one section naming the four files that decide it, the README points to it
 * near the top, and eslint.config.mjs cites no document the repository does not have.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const architecture = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');

/** The text of one `## heading` section, up to the next `## `. */
function section(heading: string): string {
	const start = architecture.indexOf(`\n## ${heading}\n`);
	expect(start).toBeGreaterThan(-1);
	const end = architecture.indexOf('\n## ', start + 1);
	return architecture.slice(start, end === -1 ? undefined : end);
}

describe('docs/ARCHITECTURE.md', () => {
	it('lists every folder of lib/ and nodes/helpers/ in the layer block', () => {
		const block = section('Layers').split('```')[1];
		const libFolders = readdirSync(join(root, 'lib')).filter((name) =>
			statSync(join(root, 'lib', name)).isDirectory(),
		);
		expect(libFolders.length).toBeGreaterThanOrEqual(6);
		for (const folder of [...libFolders.map((name) => `lib/${name}/`), 'nodes/helpers/']) {
			expect(block).toMatch(new RegExp(`^${folder}\\s`, 'm'));
		}
	});

	it('names the two files of the inbound data flow and checks the signature before the JSON', () => {
		const inbound = section('Data flow of one inbound message');
		expect(inbound).toContain('`nodes/WhatsAppAutomationTrigger/webhook.ts`');
		expect(inbound).toContain('`lib/inbound/delivery.ts`');
		const signature = inbound.indexOf('X-Hub-Signature-256');
		expect(signature).toBeGreaterThan(-1);
		expect(signature).toBeLessThan(inbound.indexOf('then JSON'));
	});

	it('has one section naming where consent is decided', () => {
		const consent = section('Where consent is decided');
		for (const file of [
			'lib/core/consentPolicy.ts',
			'lib/store/sql/consentOrder.ts',
			'lib/core/consentTransitions.ts',
			'lib/consent/record.ts',
		]) {
			expect(consent).toContain(`\`${file}\``);
		}
		expect(architecture).toContain('(#where-consent-is-decided)');
	});
});

describe('the way in', () => {
	it('README links ARCHITECTURE (and where consent is decided) before its table of contents', () => {
		const readme = readFileSync(join(root, 'README.md'), 'utf8');
		const contents = readme.indexOf('## Contents');
		expect(contents).toBeGreaterThan(-1);
		const top = readme.slice(0, contents);
		expect(top).toContain('(docs/ARCHITECTURE.md)');
		expect(top).toContain('(docs/ARCHITECTURE.md#where-consent-is-decided)');
		expect(top).toContain('(docs/ARCHITECTURE.md#data-flow-of-one-inbound-message)');
	});

	it('eslint.config.mjs cites only documents the repository has', () => {
		const config = readFileSync(join(root, 'eslint.config.mjs'), 'utf8');
		expect(config).not.toMatch(/\bDESIGN\b/);
		for (const [, path] of config.matchAll(/\b((?:docs\/)?[\w./-]+\.md)\b/g)) {
			expect(existsSync(join(root, path))).toBe(true);
		}
	});
});
