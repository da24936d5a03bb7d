/**
 * The package has two HTTP clients, named in docs/ARCHITECTURE.md: GraphClient for every call to
 * Meta and the resume hand-off for the POSTs to n8n. Nothing else in lib/ or nodes/ may call n8n's
 * request helpers (or any other HTTP), or a call would escape the clients' tokens, time limits
 * and error handling. Read token by token, so comments and strings do not count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

import * as ts from 'typescript';

const root = resolve(__dirname, '../..');

const CLIENTS = ['lib/transport/graphApi.ts', 'lib/transport/n8nWebhooks.ts'];
/** GraphClient's own connections (kept alive under n8n's egress filter), used by GraphClient only. */
const GRAPH_CONNECTIONS = 'lib/transport/keptConnections.ts';

/** n8n's request helpers (current and legacy) and other ways out of the process. */
const HELPERS = new Set([
	'httpRequest',
	'httpRequestWithAuthentication',
	'requestWithAuthentication',
	'requestWithAuthenticationPaginated',
	'requestOAuth1',
	'requestOAuth2',
	'fetch',
]);
const MODULES = new Set([
	'http',
	'https',
	'node:http',
	'node:https',
	'http2',
	'node:http2',
	'axios',
	'undici',
	'node-fetch',
]);

function sourcesUnder(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(path).isDirectory()) return sourcesUnder(path);
		return path.endsWith('.ts') ? [path] : [];
	});
}

/** Every use of an HTTP helper or module in one file, as "file:line what". */
function httpUses(file: string, text: string): string[] {
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
	const uses: string[] = [];
	const seen = (node: ts.Node, what: string) => {
		const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
		uses.push(`${file}:${line + 1} ${what}`);
	};
	const isHttpModule = (node: ts.Node | undefined) =>
		node !== undefined && ts.isStringLiteral(node) && MODULES.has(node.text);
	const visit = (node: ts.Node): void => {
		if (ts.isIdentifier(node) && HELPERS.has(node.text)) seen(node, node.text);
		// helpers.request(…), n8n's legacy request helper.
		if (
			ts.isPropertyAccessExpression(node) &&
			node.name.text === 'request' &&
			/(^|\.)helpers$/.test(node.expression.getText(source))
		) {
			seen(node, 'helpers.request');
		}
		if (ts.isImportDeclaration(node) && isHttpModule(node.moduleSpecifier)) {
			seen(node, node.moduleSpecifier.getText(source));
		}
		if (ts.isCallExpression(node) && isHttpModule(node.arguments[0])) {
			const callee = node.expression.getText(source);
			if (callee === 'require' || callee === 'import') {
				seen(node, node.arguments[0].getText(source));
			}
		}
		ts.forEachChild(node, visit);
	};
	visit(source);
	return uses;
}

describe('two HTTP clients, nothing else', () => {
	it('finds a helper call, a legacy request and an HTTP import (the check itself works)', () => {
		const text = [
			"import { request } from 'node:https';",
			'// this.helpers.httpRequest in a comment does not count',
			"const text = 'neither does httpRequest in a string';",
			'await this.helpers.httpRequestWithAuthentication.call(this, type, options);',
			'await ctx.helpers.request({ url });',
			"const { httpRequest } = ctx.helpers; await fetch('https://example.com');",
			"const url = `${base}/${version}`; const axios = require('axios');",
		].join('\n');
		expect(httpUses('x.ts', text)).toEqual([
			"x.ts:1 'node:https'",
			'x.ts:4 httpRequestWithAuthentication',
			'x.ts:5 helpers.request',
			'x.ts:6 httpRequest',
			'x.ts:6 fetch',
			"x.ts:7 'axios'",
		]);
	});

	it('lib/ and nodes/ make HTTP calls only in GraphClient and the resume hand-off', () => {
		const offenders = ['lib', 'nodes']
			.flatMap((folder) => sourcesUnder(join(root, folder)))
			.map((file) => relative(root, file).split(sep).join('/'))
			.filter((file) => !CLIENTS.includes(file) && file !== GRAPH_CONNECTIONS)
			.flatMap((file) => httpUses(file, readFileSync(join(root, file), 'utf8')));
		expect(offenders).toEqual([]);
	});

	it('the two clients are where the rule says', () => {
		// GraphClient sends its tokens itself, through the plain helper (docs/ARCHITECTURE.md says why).
		expect(httpUses(CLIENTS[0], readFileSync(join(root, CLIENTS[0]), 'utf8'))).toEqual([
			expect.stringMatching(/ httpRequest$/),
		]);
		expect(httpUses(CLIENTS[1], readFileSync(join(root, CLIENTS[1]), 'utf8'))).toEqual(
			expect.arrayContaining([expect.stringMatching(/ httpRequest$/)]),
		);
		// Its kept connections use Node's own modules, and only GraphClient imports them.
		expect(
			httpUses(GRAPH_CONNECTIONS, readFileSync(join(root, GRAPH_CONNECTIONS), 'utf8')),
		).toEqual([expect.stringMatching(/'node:http'$/), expect.stringMatching(/'node:https'$/)]);
		const importers = ['lib', 'nodes']
			.flatMap((folder) => sourcesUnder(join(root, folder)))
			.filter(
				(file) =>
					readFileSync(file, 'utf8').includes("from './keptConnections'") ||
					readFileSync(file, 'utf8').includes('transport/keptConnections'),
			)
			.map((file) => relative(root, file).split(sep).join('/'));
		expect(importers).toEqual([CLIENTS[0]]);
	});
});
