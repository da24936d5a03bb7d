// n8n's community package scanner (@n8n/scan-community-package, the gate of n8n's verified list)
// on this repository and on a packed tarball, without the registry: the scanner's CLI downloads a
// published package from npmjs.org, checks its npm provenance, fetches the attested GitHub source
// and lints both (analyzePackageByName). Here the same two lint legs run on the local source and
// the unpacked tarball, with the scanner's own ESLint, config (buildScanConfig) and file patterns.
//
// Usage: node scripts/scan-package.mjs <unpacked tarball folder>
// Prints JSON: { linted: { source, tarball }, findings: [{ leg, file, line, ruleId, message, waivedBy }] }
// waivedBy says where this package's own lint (n8n-node lint, eslint.config.mjs) waives the finding:
// "inline" (an eslint-disable comment naming the rule on or above the line, which the scanner
// ignores: it lints with allowInlineConfig false) or "config" (eslint.config.mjs turns the rule off
// for the file or does not run it, e.g. n8n Cloud's rules, left out by configWithoutCloudSupport);
// null when nothing does.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// eslint-plugin-n8n-nodes-base reads NODE_ENV when loaded: under "test" (Jest sets it) it takes every
// file for a node file and reports rules the scanner never reports on a user's machine.
delete process.env.NODE_ENV;

const scannerEntry = import.meta.resolve('@n8n/scan-community-package/scanner/scanner.mjs');
const { buildScanConfig, SOURCE_FILE_PATTERNS } = await import(scannerEntry);
const scannerRequire = createRequire(fileURLToPath(scannerEntry));
const { ESLint: ScannerESLint } = scannerRequire('eslint');
const glob = scannerRequire('fast-glob');
const { ESLint: ProjectESLint } = createRequire(import.meta.url)('eslint');

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const tarballDir = resolve(process.argv[2] ?? '');
if (!process.argv[2]) {
	console.error('usage: node scripts/scan-package.mjs <unpacked tarball folder>');
	process.exit(2);
}

/** As the scanner's analyzePackage, but returning ESLint's results instead of a formatted text. */
async function lintLeg(dir, patterns) {
	const eslint = new ScannerESLint({
		cwd: dir,
		allowInlineConfig: false,
		overrideConfigFile: true,
		overrideConfig: await buildScanConfig(),
	});
	const files = glob.sync(patterns, {
		cwd: dir,
		absolute: true,
		ignore: ['node_modules/**', '**/package-lock.json'],
	});
	return { files, results: await eslint.lintFiles(files) };
}

const project = new ProjectESLint({ cwd: repoRoot });

/** The source file a linted file comes from: dist/lib/x.js ← lib/x.ts; package.json ← package.json. */
function sourceOf(leg, file) {
	const path = relative(leg === 'source' ? repoRoot : tarballDir, file);
	if (leg === 'source' || !path.startsWith('dist/')) return path;
	return path.replace(/^dist\//, '').replace(/\.js$/, '.ts');
}

function waivedInline(leg, sourcePath, line, ruleId) {
	if (!sourcePath.endsWith('.ts')) return false;
	let lines;
	try {
		lines = readFileSync(join(repoRoot, sourcePath), 'utf8').split('\n');
	} catch {
		return false;
	}
	const waives = (text = '') => /eslint-disable/.test(text) && text.includes(ruleId);
	// In the source the comment sits on the line or the one above (or disables the whole file);
	// compiled lines differ from the source's, so there any comment in the file naming the rule counts.
	if (leg === 'source')
		return (
			waives(lines[line - 1]) ||
			waives(lines[line - 2]) ||
			lines.some(
				(text) => /eslint-disable /.test(text) && text.includes(ruleId) && text.startsWith('/*'),
			)
		);
	return lines.some(waives);
}

async function waivedByConfig(sourcePath, ruleId) {
	const config = await project.calculateConfigForFile(join(repoRoot, sourcePath));
	const setting = config?.rules?.[ruleId];
	const severity = Array.isArray(setting) ? setting[0] : setting;
	// Not configured at all: the package's lint does not run the rule on the file.
	return severity === undefined || severity === 'off' || severity === 0;
}

const legs = [
	['source', repoRoot, SOURCE_FILE_PATTERNS],
	['tarball', tarballDir, ['**/*.js', 'package.json']],
];
const linted = {};
const findings = [];
for (const [leg, dir, patterns] of legs) {
	const { files, results } = await lintLeg(dir, patterns);
	linted[leg] = files.map((file) => relative(dir, file)).sort();
	for (const result of results) {
		for (const message of result.messages) {
			if (message.severity < 2) continue;
			const sourcePath = sourceOf(leg, result.filePath);
			const ruleId = message.ruleId ?? '(parse error)';
			let waivedBy = null;
			if (message.ruleId && (await waivedByConfig(sourcePath, ruleId))) waivedBy = 'config';
			else if (message.ruleId && waivedInline(leg, sourcePath, message.line, ruleId))
				waivedBy = 'inline';
			findings.push({
				leg,
				file: relative(dir, result.filePath),
				line: message.line,
				ruleId,
				message: message.message,
				waivedBy,
			});
		}
	}
}
process.stdout.write(JSON.stringify({ linted, findings }, null, '\t') + '\n');
