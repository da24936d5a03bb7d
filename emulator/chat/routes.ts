import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

import type { EmulatorCore } from '../core';
import { chatSnapshot } from './snapshot';

export const chatStatePath = '/_emulator/chat/state';
export const chatEventsPath = '/_emulator/chat/events';

const pageDir = join(__dirname, 'page');

/** The page's files, by the paths the browser asks for; nothing else is read from disk. */
const pageFiles: Record<string, { file: string; contentType: string }> = {
	'/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
	'/chat': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
	'/chat/chat.css': { file: 'chat.css', contentType: 'text/css; charset=utf-8' },
	'/chat/chat.js': { file: 'chat.js', contentType: 'text/javascript; charset=utf-8' },
	'/chat/icon.svg': { file: 'icon.svg', contentType: 'image/svg+xml' },
};

// Everything comes from the emulator itself: the page works offline and loads nothing else.
const pageHeaders = {
	'content-security-policy':
		"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	'x-content-type-options': 'nosniff',
	'cache-control': 'no-store',
};

const heartbeatMs = 15_000;

/** Whether the chat page's own routes (page, assets, state, events) answer this request. */
export function isChatRequest(method: string, pathname: string): boolean {
	return (
		method === 'GET' &&
		(Object.hasOwn(pageFiles, pathname) ||
			pathname === chatStatePath ||
			pathname === chatEventsPath)
	);
}

function sendFile(response: ServerResponse, pathname: string): number {
	const { file, contentType } = pageFiles[pathname];
	const body = readFileSync(join(pageDir, file));
	response.writeHead(200, {
		...pageHeaders,
		'content-type': contentType,
		'content-length': body.length,
	});
	response.end(body);
	return 200;
}

/** Server-sent events: one `change` event (with the revision) whenever the page should refetch. */
function streamChanges(
	core: EmulatorCore,
	request: IncomingMessage,
	response: ServerResponse,
): number {
	response.writeHead(200, {
		'content-type': 'text/event-stream; charset=utf-8',
		'cache-control': 'no-store',
		connection: 'keep-alive',
	});
	const send = (revision: number) =>
		response.write(`event: change\ndata: ${JSON.stringify({ revision })}\n\n`);
	response.write('retry: 1000\n\n');
	send(core.changes.revision);
	const unsubscribe = core.changes.subscribe(send);
	// Comments keep idle proxies and the browser from dropping a quiet stream.
	const heartbeat = setInterval(() => response.write(': idle\n\n'), heartbeatMs);
	heartbeat.unref();
	request.once('close', () => {
		unsubscribe();
		clearInterval(heartbeat);
	});
	return 200;
}

/** Answers a request for which isChatRequest is true; returns the HTTP status for the log. */
export function handleChat(
	core: EmulatorCore,
	request: IncomingMessage,
	response: ServerResponse,
	url: URL,
): number {
	if (url.pathname === chatEventsPath) return streamChanges(core, request, response);
	if (url.pathname === chatStatePath) {
		const payload = JSON.stringify(chatSnapshot(core, core.changes.revision, url.searchParams));
		response.writeHead(200, {
			'content-type': 'application/json; charset=UTF-8',
			'content-length': Buffer.byteLength(payload),
			'cache-control': 'no-store',
		});
		response.end(payload);
		return 200;
	}
	return sendFile(response, url.pathname);
}
