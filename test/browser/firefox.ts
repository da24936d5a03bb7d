import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { artifactsDir, firefoxPath } from './browser';

/**
 * A small WebDriver BiDi client for Debian's Firefox ESR. playwright-core's Firefox support speaks
 * Juggler, a protocol only playwright's own Firefox build has (it cannot be downloaded here), and
 * it fails on a stock Firefox ("emulation.setMediaFeaturesOverride: unknown command"). Firefox
 * speaks the W3C WebDriver BiDi protocol natively, over a WebSocket; Node's global WebSocket is
 * enough to drive it. Only what the tests need is here: navigate, run a function in the page, real
 * keyboard and mouse input, screenshots, and a record of the page's requests and errors.
 */

/** JSON that crosses into the page and back (functions run in the page return JSON). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface FirefoxPage {
	/** Loads `url` and waits for its load event. */
	goto(url: string): Promise<void>;
	/**
	 * Runs `fn`, the source of a (possibly async) function, in the page with `args`; returns its
	 * result as JSON. Source text, not a TypeScript function: the tests are compiled without the DOM.
	 */
	call<T = Json>(fn: string, ...args: Json[]): Promise<T>;
	/** Calls `fn` in the page until its result passes `done` (default: truthy); the last one wins. */
	waitFor<T = Json>(
		what: string,
		fn: string,
		args?: Json[],
		done?: (result: T) => boolean,
		timeoutMs?: number,
	): Promise<T>;
	/** Types `text` key by key, as real key presses. */
	type(text: string): Promise<void>;
	/** Presses keys one after another; names: Enter, Tab, Backspace, Control+<key>. */
	press(...keys: string[]): Promise<void>;
	/**
	 * A real mouse click in the middle of the element `find` returns (the source of a function run
	 * in the page, with `args`); fails when another element covers that point.
	 */
	click(what: string, find: string, ...args: Json[]): Promise<void>;
	/** A PNG of the whole page in the browser artifacts; returns its path. */
	screenshot(name: string): Promise<string>;
	/** Every URL the page requested (from Firefox's network events, not from the page). */
	readonly requests: string[];
	/** JavaScript errors and console.error lines of the page. */
	readonly errors: string[];
	/** Firefox's own output so far (for failure messages). */
	output(): string;
	/** Ends Firefox and everything it started, and removes its profile. Never throws. */
	close(): Promise<void>;
}

// A loaded 2-core CI machine starts Firefox in a few seconds; a minute means something is wrong.
const launchTimeoutMs = 60_000;
const commandTimeoutMs = 20_000;
const navigationTimeoutMs = 45_000;
const waitTimeoutMs = 20_000;

/**
 * Preferences of the fresh profile. Firefox's remote agent already applies its recommended set
 * (no updates, no telemetry, no first-run pages); these also quiet the background services that
 * would try to reach the internet, since the tests may only talk to loopback.
 */
const userPrefs: Record<string, string | number | boolean> = {
	'remote.active-protocols': 1, // WebDriver BiDi only
	'browser.shell.checkDefaultBrowser': false,
	'browser.startup.homepage_override.mstone': 'ignore',
	'browser.startup.page': 0,
	'browser.newtabpage.enabled': false,
	'app.update.enabled': false,
	'app.update.auto': false,
	'app.normandy.enabled': false,
	'app.shield.optoutstudies.enabled': false,
	'messaging-system.rsexperimentloader.enabled': false,
	'services.settings.server': 'data:,#remote-settings-dummy/v1', // as Mozilla's own test profiles
	'datareporting.policy.dataSubmissionEnabled': false,
	'datareporting.healthreport.uploadEnabled': false,
	'toolkit.telemetry.enabled': false,
	'toolkit.telemetry.reportingpolicy.firstRun': false,
	'network.captive-portal-service.enabled': false,
	'network.connectivity-service.enabled': false,
	'network.dns.disablePrefetch': true,
	'network.prefetch-next': false,
	'browser.safebrowsing.malware.enabled': false,
	'browser.safebrowsing.phishing.enabled': false,
	'browser.safebrowsing.downloads.enabled': false,
	'browser.safebrowsing.update.enabled': false,
	'extensions.update.enabled': false,
	'extensions.getAddons.cache.enabled': false,
	'browser.search.update': false,
	'dom.push.enabled': false,
	'intl.accept_languages': 'en-GB',
};

/** WebDriver's names of special keys (Unicode private-use code points). */
const keyCodes: Record<string, string> = {
	Backspace: '\uE003',
	Tab: '\uE004',
	Enter: '\uE006', // WebDriver's "Return": the main Enter key (\uE007 is the keypad's)
	Shift: '\uE008',
	Control: '\uE009',
	Alt: '\uE00A',
	Escape: '\uE00C',
	ArrowUp: '\uE013',
	ArrowDown: '\uE015',
};

interface Pending {
	method: string;
	resolve(result: any): void;
	reject(error: Error): void;
	timer: NodeJS.Timeout;
}

/** Starts a headless Firefox ESR with a fresh profile and opens a BiDi session on a new tab. */
export async function launchFirefox(
	options: { width?: number; height?: number } = {},
): Promise<FirefoxPage> {
	const profile = await mkdtemp(join(tmpdir(), 'chat-firefox-'));
	await writeFile(
		join(profile, 'user.js'),
		Object.entries(userPrefs)
			.map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`)
			.join(''),
	);

	// Port 0: Firefox picks a free port and prints it, so two runs never race for one.
	// detached: its own process group, so close() also ends the content processes it forks.
	const child = spawn(
		firefoxPath,
		[
			'--headless',
			'--no-remote',
			'--new-instance',
			'--remote-debugging-port=0',
			'--profile',
			profile,
			'about:blank',
		],
		{
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
			env: { ...process.env, TZ: 'UTC', MOZ_CRASHREPORTER_DISABLE: '1' },
		},
	);

	// The last 32 KB of Firefox's output: why it did not start, or what it said before a failure.
	let log = '';
	const keep = (chunk: Buffer) => {
		log = (log + chunk.toString()).slice(-32_000);
	};
	child.stdout!.on('data', keep);
	child.stderr!.on('data', keep);
	const output = () => log.trim() || '(no output)';
	let exited: string | undefined;
	const exitedPromise = new Promise<void>((done) =>
		child.once('exit', (code, signal) => {
			exited = `Firefox exited (code ${code}, signal ${signal})`;
			done();
		}),
	);
	child.once('error', (error) => {
		exited = `Firefox could not be started from ${firefoxPath}: ${error.message}`;
	});

	let closed = false;
	let socket: WebSocket | undefined;
	const close = async () => {
		if (closed) return;
		closed = true;
		socket?.close();
		await endProcessGroup(child, exitedPromise);
		await rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(
			() => undefined,
		);
	};

	try {
		const wsUrl = await listeningUrl(child.pid, output, () => exited);
		socket = await connect(`${wsUrl}/session`);
		return await openSession(socket, output, () => exited, close, options);
	} catch (error) {
		await close();
		throw error;
	}
}

/** Waits for "WebDriver BiDi listening on ws://…" on stderr. */
async function listeningUrl(
	pid: number | undefined,
	output: () => string,
	exited: () => string | undefined,
): Promise<string> {
	const deadline = Date.now() + launchTimeoutMs;
	for (;;) {
		const found = /WebDriver BiDi listening on (ws:\/\/[^\s]+)/.exec(output());
		if (found) return found[1];
		if (exited() !== undefined) throw new Error(`${exited()} before listening:\n${output()}`);
		if (Date.now() > deadline) {
			throw new Error(
				`Firefox (pid ${pid}) did not open WebDriver BiDi within ${launchTimeoutMs / 1000} s:\n${output()}`,
			);
		}
		await new Promise((done) => setTimeout(done, 50));
	}
}

function connect(url: string): Promise<WebSocket> {
	return new Promise((resolve, reject) => {
		const socket = new WebSocket(url);
		const timer = setTimeout(() => {
			socket.close();
			reject(new Error(`no WebSocket connection to ${url} within ${commandTimeoutMs / 1000} s`));
		}, commandTimeoutMs);
		socket.addEventListener('open', () => {
			clearTimeout(timer);
			resolve(socket);
		});
		socket.addEventListener('error', () => {
			clearTimeout(timer);
			reject(new Error(`WebSocket connection to ${url} failed`));
		});
	});
}

/** SIGTERM to the whole group, SIGKILL if it is still there after 5 s. */
async function endProcessGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
	if (child.pid === undefined) return;
	const signalGroup = (signal: NodeJS.Signals) => {
		try {
			process.kill(-child.pid!, signal);
		} catch {
			// ESRCH: the group is gone already.
		}
	};
	const within = (ms: number) =>
		Promise.race([
			exited.then(() => true),
			new Promise<boolean>((done) => setTimeout(() => done(false), ms).unref()),
		]);
	signalGroup('SIGTERM');
	if (!(await within(5_000))) signalGroup('SIGKILL');
	await within(5_000);
	// Content processes may outlive the parent by a moment: make sure none is left behind.
	signalGroup('SIGKILL');
}

async function openSession(
	socket: WebSocket,
	output: () => string,
	exited: () => string | undefined,
	close: () => Promise<void>,
	options: { width?: number; height?: number },
): Promise<FirefoxPage> {
	let nextId = 1;
	const pending = new Map<number, Pending>();
	const listeners = new Map<string, Array<(params: any) => void>>();

	const failAll = (reason: string) => {
		for (const [id, entry] of pending) {
			clearTimeout(entry.timer);
			pending.delete(id);
			entry.reject(new Error(`${entry.method}: ${reason}\nFirefox said:\n${output()}`));
		}
	};
	socket.addEventListener('message', (event) => {
		const message = JSON.parse(String(event.data));
		if (typeof message.id === 'number') {
			const entry = pending.get(message.id);
			if (!entry) return;
			pending.delete(message.id);
			clearTimeout(entry.timer);
			if (message.type === 'error') {
				entry.reject(
					new Error(`${entry.method} failed: ${message.error}: ${message.message ?? ''}`.trim()),
				);
			} else entry.resolve(message.result);
		} else if (message.type === 'event') {
			for (const listener of listeners.get(message.method) ?? []) listener(message.params);
		}
	});
	socket.addEventListener('close', () => failAll(exited() ?? 'the WebSocket closed'));

	/** One BiDi command; it always settles: with the result, an error, or after its timeout. */
	const send = (method: string, params: Record<string, unknown>, timeoutMs = commandTimeoutMs) =>
		new Promise<any>((resolve, reject) => {
			if (socket.readyState !== WebSocket.OPEN) {
				reject(new Error(`${method}: ${exited() ?? 'the WebSocket is closed'}\n${output()}`));
				return;
			}
			const id = nextId++;
			const timer = setTimeout(() => {
				pending.delete(id);
				reject(
					new Error(`${method}: no answer from Firefox within ${timeoutMs / 1000} s\n${output()}`),
				);
			}, timeoutMs);
			pending.set(id, { method, resolve, reject, timer });
			socket.send(JSON.stringify({ id, method, params }));
		});
	const on = (method: string, listener: (params: any) => void) =>
		listeners.set(method, [...(listeners.get(method) ?? []), listener]);

	await send('session.new', { capabilities: {} });
	// A tab of our own: the tab Firefox opens at startup never gets the window's focus in headless
	// mode (document.hasFocus() stays false), and then Enter and Space do not activate buttons.
	const { context } = (await send('browsingContext.create', { type: 'tab' })) as {
		context: string;
	};

	const requests: string[] = [];
	const errors: string[] = [];
	on('network.beforeRequestSent', (params) => {
		if (params.context === context) requests.push(params.request.url as string);
	});
	on('log.entryAdded', (params) => {
		if (params.source?.context !== context) return;
		if (params.type === 'javascript' || params.level === 'error') {
			const where = params.stackTrace?.callFrames?.[0];
			errors.push(
				`${params.level}: ${params.text}${where ? ` (${where.url}:${where.lineNumber + 1})` : ''}`,
			);
		}
	});
	await send('session.subscribe', { events: ['network.beforeRequestSent', 'log.entryAdded'] });
	await send('browsingContext.setViewport', {
		context,
		viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
	});

	const call = async <T>(fn: string, ...args: Json[]): Promise<T> => {
		// The arguments and the result cross as JSON strings: no BiDi remote values to decode.
		const answer = await send('script.callFunction', {
			functionDeclaration: `async (json) => {
				const result = await (${fn})(...JSON.parse(json));
				return JSON.stringify(result === undefined ? null : result);
			}`,
			arguments: [{ type: 'string', value: JSON.stringify(args) }],
			target: { context },
			awaitPromise: true,
			resultOwnership: 'none',
		});
		if (answer.type === 'exception') {
			const details = answer.exceptionDetails;
			throw new Error(`error in the page: ${details.text} (line ${details.lineNumber + 1})`);
		}
		return JSON.parse(answer.result.value as string) as T;
	};

	const keyActions = (actions: Array<Record<string, string>>) =>
		send('input.performActions', {
			context,
			actions: [{ type: 'key', id: 'keyboard', actions }],
		});

	const keyPresses = (key: string) => {
		const parts = key.length > 1 && key.includes('+') ? key.split('+') : [key];
		const values = parts.map((part) => keyCodes[part] ?? part);
		for (const value of values) {
			if ([...value].length !== 1) throw new Error(`unknown key "${key}"`);
		}
		return [
			...values.map((value) => ({ type: 'keyDown', value })),
			...[...values].reverse().map((value) => ({ type: 'keyUp', value })),
		];
	};

	const page: FirefoxPage = {
		requests,
		errors,
		output,
		close,
		goto: async (url) => {
			await send(
				'browsingContext.navigate',
				{ context, url, wait: 'complete' },
				navigationTimeoutMs,
			);
		},
		call,
		waitFor: async <T>(
			what: string,
			fn: string,
			args: Json[] = [],
			done: (result: T) => boolean = (result) => Boolean(result),
			timeoutMs = waitTimeoutMs,
		) => {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const result = await call<T>(fn, ...args);
				if (done(result)) return result;
				if (Date.now() > deadline) {
					throw new Error(
						`Firefox: timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${JSON.stringify(result)}` +
							(errors.length > 0 ? `\npage errors:\n${errors.join('\n')}` : ''),
					);
				}
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
		},
		type: async (text) => {
			await keyActions(
				[...text].flatMap((value) => [
					{ type: 'keyDown', value },
					{ type: 'keyUp', value },
				]),
			);
		},
		press: async (...keys) => {
			await keyActions(keys.flatMap(keyPresses));
		},
		click: async (what, find, ...args) => {
			// Scrolled into view, then the middle of its box in viewport pixels; the element there
			// must be the target (or inside it), or the click would land on something else.
			const point = await call<{ x: number; y: number; hit: boolean } | { missing: true }>(
				`(args) => {
					const target = (${find})(...args);
					if (!target) return { missing: true };
					target.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
					const box = target.getBoundingClientRect();
					const x = Math.round(box.left + box.width / 2);
					const y = Math.round(box.top + box.height / 2);
					const there = document.elementFromPoint(x, y);
					return { x, y, hit: !!there && target.contains(there) };
				}`,
				args,
			);
			if ('missing' in point) throw new Error(`Firefox: nothing to click: ${what} is not there`);
			if (!point.hit)
				throw new Error(`Firefox: ${what} is covered at (${point.x}, ${point.y}); not clicking`);
			await send('input.performActions', {
				context,
				actions: [
					{
						type: 'pointer',
						id: 'mouse',
						parameters: { pointerType: 'mouse' },
						actions: [
							{ type: 'pointerMove', x: point.x, y: point.y, origin: 'viewport' },
							{ type: 'pointerDown', button: 0 },
							{ type: 'pointerUp', button: 0 },
						],
					},
				],
			});
		},
		screenshot: async (name) => {
			const shot = await send('browsingContext.captureScreenshot', { context, origin: 'document' });
			await mkdir(artifactsDir, { recursive: true });
			const path = join(artifactsDir, `${name}.png`);
			await writeFile(path, Buffer.from(shot.data as string, 'base64'));
			return path;
		},
	};
	return page;
}
