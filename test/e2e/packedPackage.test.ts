/**
 * The tarball users install (`npm pack` of the build the global setup made): what it holds, and
 * what n8n's community package scanner (@n8n/scan-community-package, the gate of n8n's verified
 * list) says of it and of the sources, run by scripts/scan-package.mjs with the scanner's own
 * ESLint, rules and file patterns (its CLI only scans packages published on npmjs.org).
 *
 * The scanner applies n8n Cloud's rules (no Node built-ins, no `process`, no runtime dependencies)
 * and ignores eslint-disable comments. The package is for self-hosted n8n (its store needs
 * node:sqlite, node:fs and the `pg` driver), so its own lint (`n8n-node lint`) uses n8n's
 * configWithoutCloudSupport and waives a few rules with a reason beside each waiver. The test
 * holds every finding of the scanner to one of those waivers: a new finding without one fails.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';

import { readPackageManifest, type PackageManifest } from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';

const run = promisify(execFile);

interface Finding {
	leg: 'source' | 'tarball';
	file: string;
	line: number;
	ruleId: string;
	message: string;
	waivedBy: 'inline' | 'config' | null;
}

interface ScanReport {
	linted: { source: string[]; tarball: string[] };
	findings: Finding[];
}

describe('the packed package', () => {
	let folder: string;
	let unpacked: string;
	let files: string[];
	let manifest: PackageManifest;

	beforeAll(async () => {
		manifest = await readPackageManifest();
		folder = await mkdtemp(join(tmpdir(), 'packed-package-'));
		const { stdout } = await run(
			'npm',
			['pack', '--json', '--ignore-scripts', '--pack-destination', folder],
			{ cwd: repoRoot },
		);
		const [packed] = JSON.parse(stdout) as Array<{
			filename: string;
			files: Array<{ path: string }>;
		}>;
		files = packed.files.map(({ path }) => path).sort();
		unpacked = join(folder, 'package');
		await run('tar', ['-xzf', join(folder, packed.filename), '-C', folder]);
	});

	afterAll(async () => {
		if (folder) await rm(folder, { recursive: true, force: true });
	});

	it('holds only dist/ (what n8n loads), README.md, LICENSE and package.json', () => {
		const outsideDist = files.filter((path) => !path.startsWith('dist/'));
		expect(outsideDist).toEqual(['LICENSE', 'README.md', 'package.json']);
		// Compiled code, the codex files and the icons; no declarations, source maps or build state
		// (tsconfig.tsbuildinfo names folders of the machine that built it), no tests.
		const unexpected = files.filter(
			(path) =>
				path.startsWith('dist/') &&
				!/^dist\/(credentials|icons|lib|nodes)\/.+\.(js|json|svg)$/.test(path),
		);
		expect(unexpected).toEqual([]);
		expect(files.filter((path) => /(^|\/)(test|tests|__tests__)\/|\.test\.js$/.test(path))).toEqual(
			[],
		);
		for (const listed of [...manifest.n8n.nodes, ...manifest.n8n.credentials])
			expect(files).toContain(listed);
	});

	it('holds every icon its nodes and credential point at', async () => {
		for (const listed of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
			const code = await readFile(join(unpacked, listed), 'utf8');
			const icons = [...code.matchAll(/'file:([^']+)'/g)].map((match) => match[1]);
			expect({ listed, hasIcons: icons.length > 0 }).toEqual({ listed, hasIcons: true });
			for (const icon of icons) expect(files).toContain(normalize(join(dirname(listed), icon)));
		}
	});

	it('names no folder of the machine that built it', async () => {
		const leaking: string[] = [];
		for (const path of files) {
			const text = await readFile(join(unpacked, path), 'utf8').catch(() => '');
			if (text.includes(repoRoot) || text.includes(tmpdir() + '/')) leaking.push(path);
		}
		expect(leaking).toEqual([]);
	});

	it('passes n8n’s community package scanner but for the waivers of the package’s own lint', async () => {
		const { stdout } = await run(
			process.execPath,
			[join(repoRoot, 'scripts', 'scan-package.mjs'), unpacked],
			{ cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
		);
		const report = JSON.parse(stdout) as ScanReport;

		// Both legs really linted: the node sources and the compiled nodes of the tarball.
		for (const listed of manifest.n8n.nodes) {
			expect(report.linted.tarball).toContain(listed);
			expect(report.linted.source).toContain(listed.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		}
		expect(report.linted.tarball).toContain('package.json');

		const unwaived = report.findings.filter((finding) => finding.waivedBy === null);
		expect(unwaived).toEqual([]);
		// What keeps the package off n8n's verified list (and n8n Cloud), each waived with its reason:
		// Node built-ins, `process` and the runtime dependencies of the store (self-hosted only:
		// eslint.config.mjs), the AI Reply and the Follow-up Wait not usable as AI tools, the
		// Follow-up Wait's webhook (n8n's own resume URL, nothing to register remotely) and one
		// rethrown Meta error that the send pipeline turns into a NodeApiError (comments beside them).
		const waived = [...new Set(report.findings.map((f) => `${f.waivedBy} ${f.ruleId}`))].sort();
		expect(waived).toEqual([
			'config @n8n/community-nodes/no-restricted-globals',
			'config @n8n/community-nodes/no-restricted-imports',
			'config @n8n/community-nodes/no-runtime-dependencies',
			'inline @n8n/community-nodes/node-usable-as-tool',
			'inline @n8n/community-nodes/require-node-api-error',
			'inline @n8n/community-nodes/webhook-lifecycle-complete',
		]);
	});
});
