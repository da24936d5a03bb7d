/**
 * What a clone of the public repository must hold by itself: the tests read Meta's examples from
 * inside the repository, and every document states the same minimum Node.js version as package.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { META_FIXTURES } from '../helpers/metaFixtures';

const root = resolve(__dirname, '../..');

function filesUnder(folder: string, keep: (file: string) => boolean): string[] {
	return readdirSync(folder).flatMap((name) => {
		if (name === 'node_modules' || name === '.cache' || name === '.sandbox' || name === 'dist') {
			return [];
		}
		const path = join(folder, name);
		if (statSync(path).isDirectory()) return name.startsWith('.') ? [] : filesUnder(path, keep);
		return keep(path) ? [path] : [];
	});
}

describe('a clone needs nothing beside it', () => {
	it("keeps Meta's examples, with their licence, inside the repository", () => {
		expect(relative(root, META_FIXTURES)).toBe(join('test', 'fixtures', 'meta'));
		expect(readFileSync(join(META_FIXTURES, 'LICENSE'), 'utf8')).toContain('MIT License');
		expect(readdirSync(join(META_FIXTURES, 'webhooks/post-request')).length).toBeGreaterThan(10);
	});

	it('reads no folder beside the checkout (the workplace shared folder) in code, tests, scripts or benchmarks', () => {
		const sources = ['lib', 'nodes', 'credentials', 'emulator', 'scripts', 'test', 'bench']
			.map((folder) => join(root, folder))
			.flatMap((folder) => filesUnder(folder, (file) => /\.(ts|js|mjs|json|sh)$/.test(file)));
		const offenders = sources.filter(
			(file) =>
				file !== __filename &&
				!file.includes(join('test', 'fixtures')) &&
				/\.\.\/shared|shared\/fixtures/.test(readFileSync(file, 'utf8')),
		);
		expect(offenders.map((file) => relative(root, file))).toEqual([]);
	});
});

describe('one minimum Node.js version', () => {
	const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
	const minimum = /^>=\s*(\d+\.\d+)$/.exec(engines)?.[1];

	it('package.json states it as >=major.minor', () => {
		expect(minimum).toMatch(/^\d+\.\d+$/);
	});

	it('README and docs state no other', () => {
		const docs = [
			join(root, 'README.md'),
			...filesUnder(join(root, 'docs'), (f) => f.endsWith('.md')),
		];
		const stated = docs.flatMap((file) =>
			[...readFileSync(file, 'utf8').matchAll(/Node(?:\.js)?\s*(?:≥|>=)\s*(\d+\.\d+)/g)].map(
				(match) => `${relative(root, file)}: ${match[1]}`,
			),
		);
		expect(stated.length).toBeGreaterThan(0);
		expect(stated.filter((line) => !line.endsWith(`: ${minimum}`))).toEqual([]);
	});
});
