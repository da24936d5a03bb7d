/**
 * No dead code behind an `export`: every function, class or constant the package (lib/, nodes/,
 * credentials/) exports is used in another file (the package, its tests, the emulator, the
 * benchmarks or the scripts), and every exported type is used somewhere. An export used only in its
 * own file reads like an API nobody has; one used nowhere is dead. Read as syntax trees, so a name
 * in a comment or a string does not count as a use.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

import * as ts from 'typescript';

const root = resolve(__dirname, '../..');
const PACKAGE_FOLDERS = ['lib', 'nodes', 'credentials'];
const CONSUMER_FOLDERS = [...PACKAGE_FOLDERS, 'test', 'bench', 'emulator', 'scripts'];

/** Exports kept on purpose although nothing uses them yet, each with the reason. */
const KEPT: Record<string, string> = {
	'lib/inbound/routedEvent.ts:routedEventOf':
		'the routing core (issue 17) is being wired into the trigger; that work calls it',
};

function sourcesUnder(folder: string): string[] {
	if (!existsSync(folder)) return [];
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		if (name === 'node_modules' || name.startsWith('.')) return [];
		if (statSync(path).isDirectory()) return sourcesUnder(path);
		return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
	});
}

function fromRoot(path: string): string {
	return relative(root, path).split(sep).join('/');
}

interface Declared {
	name: string;
	isType: boolean;
	node: ts.Node;
}

function isExported(node: ts.Node): boolean {
	return (
		ts.canHaveModifiers(node) &&
		(ts.getModifiers(node) ?? []).some(
			(modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword,
		) &&
		!(ts.getModifiers(node) ?? []).some(
			(modifier) => modifier.kind === ts.SyntaxKind.DefaultKeyword,
		)
	);
}

/** Top-level `export function|class|const|let|enum|type|interface NAME` of one file. */
function exportsOf(source: ts.SourceFile): Declared[] {
	const found: Declared[] = [];
	for (const statement of source.statements) {
		if (!isExported(statement)) continue;
		if (
			(ts.isFunctionDeclaration(statement) ||
				ts.isClassDeclaration(statement) ||
				ts.isEnumDeclaration(statement)) &&
			statement.name
		) {
			found.push({ name: statement.name.text, isType: false, node: statement.name });
		} else if (ts.isVariableStatement(statement)) {
			for (const declaration of statement.declarationList.declarations) {
				if (ts.isIdentifier(declaration.name)) {
					found.push({ name: declaration.name.text, isType: false, node: declaration.name });
				}
			}
		} else if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) {
			found.push({ name: statement.name.text, isType: true, node: statement.name });
		}
	}
	return found;
}

/** How often each identifier occurs in a file's code (declarations included). */
function identifierCounts(source: ts.SourceFile): Map<string, number> {
	const counts = new Map<string, number>();
	const visit = (node: ts.Node): void => {
		if (ts.isIdentifier(node)) counts.set(node.text, (counts.get(node.text) ?? 0) + 1);
		ts.forEachChild(node, visit);
	};
	visit(source);
	return counts;
}

function parse(file: string): ts.SourceFile {
	return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** "file:name (why)" for each export that breaks the rule in the given package files. */
function deadExports(packageFiles: string[], consumerFiles: string[]): string[] {
	const counts = new Map(consumerFiles.map((file) => [file, identifierCounts(parse(file))]));
	const problems: string[] = [];
	for (const file of packageFiles) {
		const source = parse(file);
		const own = counts.get(file) ?? identifierCounts(source);
		for (const declared of exportsOf(source)) {
			const key = `${fromRoot(file)}:${declared.name}`;
			if (key in KEPT) continue;
			const usedElsewhere = consumerFiles.some(
				(other) => other !== file && (counts.get(other)?.get(declared.name) ?? 0) > 0,
			);
			if (usedElsewhere) continue;
			const usedInOwnFile = (own.get(declared.name) ?? 0) > 1;
			if (!usedInOwnFile) problems.push(`${key} (used nowhere: delete it)`);
			else if (!declared.isType)
				problems.push(`${key} (used only in its own file: drop the export)`);
		}
	}
	return problems;
}

describe('exports', () => {
	it('every export of the package is used outside its file (types: anywhere)', () => {
		const packageFiles = PACKAGE_FOLDERS.flatMap((folder) => sourcesUnder(join(root, folder)));
		const consumerFiles = CONSUMER_FOLDERS.flatMap((folder) => sourcesUnder(join(root, folder)));
		expect(packageFiles.length).toBeGreaterThan(50);
		expect(deadExports(packageFiles, consumerFiles)).toEqual([]);
	});

	it('every kept export still exists and is still unused (else it leaves the list)', () => {
		for (const key of Object.keys(KEPT)) {
			const [file, name] = key.split(':');
			const source = parse(join(root, file));
			expect(exportsOf(source).map((declared) => declared.name)).toContain(name);
		}
	});
});
