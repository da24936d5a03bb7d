import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: playwright cannot download a browser on these machines. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Firefox ESR, driven over WebDriver BiDi by firefox.ts (playwright's Firefox needs its own build). */
export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Screenshots of browser tests, kept by CI as artifacts (gitignored). */
export const artifactsDir = resolve(__dirname, '..', '..', 'test-artifacts', 'browser');

const chromiumFlags = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];

/** Installs Debian's chromium when it is missing (CI machines start without it; they run as root). */
export function ensureChromium(log: (line: string) => void = console.log): void {
	if (existsSync(chromiumPath)) return;
	log(`${chromiumPath} is missing: installing Debian's chromium with apt-get (about a minute)…`);
	try {
		const apt = {
			stdio: 'inherit' as const,
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
		};
		execFileSync('apt-get', ['update', '-qq'], apt);
		execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], apt);
	} catch (error) {
		throw new Error(
			`Installing chromium failed (${(error as Error).message}). Install it by hand: ` +
				'`apt-get install -y chromium` as root, or set CHROMIUM_PATH to a Chromium binary.',
		);
	}
	if (!existsSync(chromiumPath))
		throw new Error(`apt-get installed chromium, but ${chromiumPath} is still missing.`);
}

/** Installs Debian's firefox-esr when it is missing (CI machines start without it; they run as root). */
export function ensureFirefox(log: (line: string) => void = console.log): void {
	if (existsSync(firefoxPath)) return;
	log(`${firefoxPath} is missing: installing Debian's firefox-esr with apt-get (under a minute)…`);
	try {
		const apt = {
			stdio: 'inherit' as const,
			env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
		};
		execFileSync('apt-get', ['update', '-qq'], apt);
		execFileSync('apt-get', ['install', '-y', '-qq', 'firefox-esr'], apt);
	} catch (error) {
		throw new Error(
			`Installing firefox-esr failed (${(error as Error).message}). Install it by hand: ` +
				'`apt-get install -y firefox-esr` as root, or set FIREFOX_PATH to a Firefox binary ' +
				'(any Firefox with WebDriver BiDi, 129 or newer).',
		);
	}
	if (!existsSync(firefoxPath))
		throw new Error(`apt-get installed firefox-esr, but ${firefoxPath} is still missing.`);
}

export interface BrowserSession {
	context: BrowserContext;
	page: Page;
	/** Requests the page made to any origin other than the ones allowed (expected: none). */
	foreignRequests: string[];
	screenshot(name: string): Promise<string>;
	close(): Promise<void>;
}

/** A headless Chromium with a fresh profile; every request that leaves `allowedOrigins` is recorded. */
export async function openBrowser(allowedOrigins: string[]): Promise<BrowserSession> {
	const userDataDir = await mkdtemp(join(tmpdir(), 'chat-browser-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath: chromiumPath,
		headless: true,
		args: chromiumFlags,
		viewport: { width: 1280, height: 860 },
		locale: 'en-GB',
		timezoneId: 'UTC',
	});
	const foreignRequests: string[] = [];
	context.on('request', (request) => {
		const url = request.url();
		if (!allowedOrigins.some((origin) => url.startsWith(`${origin}/`)) && !url.startsWith('data:'))
			foreignRequests.push(url);
	});
	const page = context.pages()[0] ?? (await context.newPage());
	return {
		context,
		page,
		foreignRequests,
		screenshot: async (name) => {
			await mkdir(artifactsDir, { recursive: true });
			const path = join(artifactsDir, `${name}.png`);
			await page.screenshot({ path, fullPage: true });
			return path;
		},
		close: async () => {
			await context.close();
			await rm(userDataDir, { recursive: true, force: true });
		},
	};
}
