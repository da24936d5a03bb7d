/**
 * The credential's type name is what every node asks n8n for and what GraphClient authenticates
 * with. It is written twice: in the credential class, where n8n (and its lint rules) read it, and
 * as CREDENTIAL_TYPE in lib/transport/graphApi.ts, which every other file uses. Read token by
 * token, so comments do not count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

import * as ts from 'typescript';

import { WhatsAppCloudApi } from '../../credentials/WhatsAppCloudApi.credentials';
import { CREDENTIAL_TYPE } from '../../lib/transport/graphApi';

const root = resolve(__dirname, '../..');

const DEFINITIONS = ['credentials/WhatsAppCloudApi.credentials.ts', 'lib/transport/graphApi.ts'];

function sourcesUnder(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(path).isDirectory()) return sourcesUnder(path);
		return path.endsWith('.ts') ? [path] : [];
	});
}

/** Where a string literal (or template) holding `text` occurs in one file, as "file:line". */
function literalsOf(file: string, source: string, text: string): string[] {
	const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
	const found: string[] = [];
	const visit = (node: ts.Node): void => {
		if (
			(ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
			node.text === text
		) {
			const { line } = tree.getLineAndCharacterOfPosition(node.getStart(tree));
			found.push(`${relative(root, file).split(sep).join('/')}:${line + 1}`);
		}
		ts.forEachChild(node, visit);
	};
	visit(tree);
	return found;
}

describe('the credential type name', () => {
	it('is the credential class’s name', () => {
		expect(new WhatsAppCloudApi().name).toBe(CREDENTIAL_TYPE);
	});

	it('is written only where it is defined; nodes and lib/ use CREDENTIAL_TYPE', () => {
		const files = ['credentials', 'lib', 'nodes'].flatMap((folder) =>
			sourcesUnder(join(root, folder)),
		);
		const found = files.flatMap((file) =>
			literalsOf(file, readFileSync(file, 'utf8'), CREDENTIAL_TYPE),
		);
		expect(found.map((where) => where.replace(/:\d+$/, '')).sort()).toEqual(DEFINITIONS);
	});
});
