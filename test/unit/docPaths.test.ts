/**
 * The docs name files so a newcomer can open them: every backticked path of the repository
 * (`lib/…`, `nodes/…`, `test/…`, …) and every relative link in README.md and docs/ must exist.
 * Placeholders (`nodes/<Node>/`, `docs/nodes/*.md`, `actions/message/<operation>.operation.ts`) are
 * patterns, not paths, and are left out; a `#anchor` or `:line` after a path is ignored.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '../..');

/** The first folders of the repository that docs point into. */
const REPOSITORY_FOLDERS = [
	'bench',
	'credentials',
	'docs',
	'emulator',
	'examples',
	'icons',
	'lib',
	'nodes',
	'scripts',
	'test',
];

function markdownUnder(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(path).isDirectory()) return markdownUnder(path);
		return path.endsWith('.md') ? [path] : [];
	});
}

const documents = [join(root, 'README.md'), ...markdownUnder(join(root, 'docs'))];

function fromRoot(path: string): string {
	return relative(root, path).split(sep).join('/');
}

function lineOf(text: string, index: number): number {
	return text.slice(0, index).split('\n').length;
}

/** Backticked repository paths of one document, as "doc:line → path". */
function backtickedPaths(text: string): Array<{ line: number; path: string }> {
	const found: Array<{ line: number; path: string }> = [];
	for (const match of text.matchAll(/`([^`\n]+)`/g)) {
		const token = match[1].trim();
		const first = token.split('/')[0];
		if (!token.includes('/') || !REPOSITORY_FOLDERS.includes(first)) continue;
		if (/[<>*…{}|\s]/.test(token)) continue;
		found.push({ line: lineOf(text, match.index), path: token.replace(/[#:].*$/, '') });
	}
	return found;
}

/** Relative Markdown links of one document (no scheme, not an in-page anchor). */
function relativeLinks(text: string): Array<{ line: number; target: string }> {
	const found: Array<{ line: number; target: string }> = [];
	for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
		const target = match[1];
		if (/^([a-z]+:|#)/i.test(target)) continue;
		found.push({ line: lineOf(text, match.index), target: target.split('#')[0] });
	}
	return found;
}

describe('paths named in the docs', () => {
	it('reads README.md and the docs', () => {
		expect(documents.map(fromRoot)).toEqual(
			expect.arrayContaining(['README.md', 'docs/ARCHITECTURE.md', 'docs/STORE.md']),
		);
	});

	it('finds the paths of a line and leaves placeholders out', () => {
		expect(
			backtickedPaths(
				'see `lib/core/phone.ts`, `nodes/<Node>/`, `docs/nodes/*.md`, `lib/x.ts:12` and `plain`',
			).map((found) => found.path),
		).toEqual(['lib/core/phone.ts', 'lib/x.ts']);
	});

	it.each(documents.map((document) => [fromRoot(document), document]))(
		'every backticked path in %s exists',
		(_name, document) => {
			const text = readFileSync(document, 'utf8');
			const missing = backtickedPaths(text)
				.filter((found) => !existsSync(join(root, found.path)))
				.map((found) => `${fromRoot(document)}:${found.line} → ${found.path}`);
			expect(missing).toEqual([]);
		},
	);

	it.each(documents.map((document) => [fromRoot(document), document]))(
		'every relative link in %s exists',
		(_name, document) => {
			const text = readFileSync(document, 'utf8');
			const missing = relativeLinks(text)
				.filter((found) => !existsSync(resolve(dirname(document), found.target)))
				.map((found) => `${fromRoot(document)}:${found.line} → ${found.target}`);
			expect(missing).toEqual([]);
		},
	);
});
