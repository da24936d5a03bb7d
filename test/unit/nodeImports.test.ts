/**
 * Each node folder is one node's shell. What several nodes use (store access, the credential's
 * name, the sender and template pickers, the sender check) has one home, nodes/helpers/, so no
 * node reaches into another node's folder, and lib/ (below the shells) imports no node code.
 * Read token by token, so comments and strings do not count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

import * as ts from 'typescript';

const root = resolve(__dirname, '../..');
const HELPERS = 'helpers';

function sourcesUnder(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(path).isDirectory()) return sourcesUnder(path);
		return path.endsWith('.ts') ? [path] : [];
	});
}

/** The relative module specifiers of one file: imports, re-exports, require() and import(). */
function relativeImports(file: string, text: string): Array<{ line: number; specifier: string }> {
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
	const found: Array<{ line: number; specifier: string }> = [];
	const add = (node: ts.Node, specifier: ts.Node | undefined) => {
		if (specifier === undefined || !ts.isStringLiteral(specifier)) return;
		if (!specifier.text.startsWith('.')) return;
		const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
		found.push({ line: line + 1, specifier: specifier.text });
	};
	const visit = (node: ts.Node): void => {
		if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
			add(node, node.moduleSpecifier);
		}
		if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
			add(node, node.moduleReference.expression);
		}
		if (ts.isCallExpression(node)) {
			const callee = node.expression.getText(source);
			if (callee === 'require' || callee === 'import') add(node, node.arguments[0]);
		}
		ts.forEachChild(node, visit);
	};
	visit(source);
	return found;
}

/** A path relative to the package root, with forward slashes. */
function fromRoot(path: string): string {
	return relative(root, path).split(sep).join('/');
}

/**
 * Imports that break the rule, as "file:line → target": a file of nodes/<A>/ importing from
 * nodes/<B>/ (B neither A nor helpers/), nodes/helpers/ importing from any node folder, or a file
 * of lib/ importing from nodes/.
 */
function forbiddenImports(file: string, text: string): string[] {
	const own = fromRoot(file).split('/');
	return relativeImports(file, text).flatMap(({ line, specifier }) => {
		const target = fromRoot(resolve(dirname(file), specifier)).split('/');
		if (target[0] !== 'nodes') return [];
		const where = `${fromRoot(file)}:${line} → ${specifier}`;
		if (own[0] === 'lib') return [where];
		if (own[0] !== 'nodes') return [];
		const [from, to] = [own[1], target[1]];
		if (to === from || to === HELPERS || to === undefined) return [];
		return [where];
	});
}

describe('node folders import only their own files and nodes/helpers/', () => {
	it('no node folder imports from another node’s folder, and lib/ imports no node code', () => {
		const files = [...sourcesUnder(join(root, 'nodes')), ...sourcesUnder(join(root, 'lib'))];
		const found = files.flatMap((file) => forbiddenImports(file, readFileSync(file, 'utf8')));
		expect(found).toEqual([]);
	});

	it('finds a node importing from another node’s folder, in any form', () => {
		const file = join(root, 'nodes/WhatsAppFollowUpWait/actions/example.ts');
		const text = [
			"import { searchPhoneNumbers } from '../../WhatsAppAutomation/methods';",
			"export { senderProperty } from '../../WhatsAppAutomation/descriptions/common';",
			"const lookup = require('../../WhatsAppConsentGate/actions/shared');",
			"// import { x } from '../../WhatsAppAiReply/actions/model';",
			"import { openAccountStore } from '../../helpers/storeAccess';",
			"import { phoneNumberIdOf } from './common';",
			"import { openStore } from '../../../lib/store';",
		].join('\n');
		expect(forbiddenImports(file, text)).toEqual([
			'nodes/WhatsAppFollowUpWait/actions/example.ts:1 → ../../WhatsAppAutomation/methods',
			'nodes/WhatsAppFollowUpWait/actions/example.ts:2 → ../../WhatsAppAutomation/descriptions/common',
			'nodes/WhatsAppFollowUpWait/actions/example.ts:3 → ../../WhatsAppConsentGate/actions/shared',
		]);
	});

	it('finds nodes/helpers/ importing a node’s folder and lib/ importing node code', () => {
		expect(
			forbiddenImports(
				join(root, 'nodes/helpers/sender.ts'),
				"import { findTemplate } from '../WhatsAppAutomation/actions/templateLookup';",
			),
		).toEqual(['nodes/helpers/sender.ts:1 → ../WhatsAppAutomation/actions/templateLookup']);
		expect(
			forbiddenImports(
				join(root, 'lib/consent/example.ts'),
				"import { senderProperty } from '../../nodes/helpers/sender';",
			),
		).toEqual(['lib/consent/example.ts:1 → ../../nodes/helpers/sender']);
	});
});
