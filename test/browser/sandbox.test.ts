import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { N8nApi, type OwnerAccount } from '../../scripts/harness';
import { repoRoot } from '../../scripts/harness/paths';
import {
	startOpenAiCompatibleServer,
	type OpenAiCompatibleServer,
} from '../tools/openaiCompatibleServer';
import { EXAMPLES, examplePath } from '../helpers/examples';
import { artifactsDir, openBrowser, type BrowserSession } from './browser';
import { findWorkflowId, openWorkflowCanvas, signInToN8n } from './n8nEditor';

/**
 * `npm start` as a newcomer runs it: build, the pinned n8n (installed on first use: minutes), the
 * emulator, n8n with the package, the examples published. Then the chat page drives a workflow.
 */

// The first run on a fresh machine installs n8n (~3 min measured, more on a loaded CI machine).
const readyTimeoutMs = 20 * 60_000;

// Two n8n executions, a sign-in and the editor's first load, each slow on a busy CI machine.
const storyTimeoutMs = 5 * 60_000;

// The example the chat story drives; test/unit/examples.test.ts keeps the name true.
const leadExample = EXAMPLES.leadQualification;
const leadWorkflowName = (
	JSON.parse(readFileSync(examplePath(leadExample), 'utf8')) as { name: string }
).name;

interface StartedSandbox {
	child: ChildProcess;
	output(): string;
	n8nUrl: string;
	chatUrl: string;
	owner: OwnerAccount;
	/** Settles once the sandbox's own process has ended (its output closed), whatever npm did. */
	closed: Promise<void>;
}

/** Runs `npm start` in its own process group (so the test can press Ctrl-C) and waits for its login line. */
async function startSandbox(
	dataDir: string,
	modelUrl: string,
	extraArgs: string[] = [],
): Promise<StartedSandbox> {
	const child = spawn(
		'npm',
		[
			'start',
			'--',
			'--data',
			dataDir,
			'--emulator-port',
			'0',
			'--n8n-port',
			'0',
			'--openai-base-url',
			modelUrl,
			...extraArgs,
		],
		{ cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
	);
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const closed = new Promise<void>((done) => child.on('close', () => done()));
	let hasExited = false;
	void closed.then(() => (hasExited = true));

	const deadline = Date.now() + readyTimeoutMs;
	const line = (name: string) => output.match(new RegExp(`^${name}: (.+)$`, 'm'))?.[1];
	while (!line('login')) {
		if (hasExited) throw new Error(`npm start ended before it was ready:\n${output.slice(-6000)}`);
		if (Date.now() > deadline)
			throw new Error(
				`npm start was not ready within ${readyTimeoutMs / 60_000} min:\n${output.slice(-6000)}`,
			);
		await new Promise((done) => setTimeout(done, 500));
	}
	const [email, password] = (line('login') as string).split(' / ');
	return {
		child,
		output: () => output,
		n8nUrl: line('n8n') as string,
		chatUrl: line('chat') as string,
		owner: { email, password, firstName: 'Sandbox', lastName: 'Owner' },
		closed,
	};
}

/**
 * Ctrl-C: SIGINT to the whole foreground group, as a terminal sends it. npm itself dies of the signal;
 * what counts is that the sandbox's process finishes its cleanup and ends.
 */
async function pressCtrlC(sandbox: StartedSandbox): Promise<void> {
	const group = -(sandbox.child.pid as number);
	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(group, name);
		} catch {
			// The group has already gone.
		}
	};
	signal('SIGINT');
	const forced = setTimeout(() => signal('SIGKILL'), 60_000);
	await sandbox.closed;
	clearTimeout(forced);
}

async function answers(url: string): Promise<boolean> {
	return await fetch(url).then(
		(response) => response.ok,
		() => false,
	);
}

let dataDir: string;
let model: OpenAiCompatibleServer;
let sandbox: StartedSandbox | undefined;

beforeAll(async () => {
	dataDir = await mkdtemp(join(tmpdir(), 'sandbox-test-'));
	model = await startOpenAiCompatibleServer();
	sandbox = await startSandbox(dataDir, model.url);
}, readyTimeoutMs + 60_000);

afterAll(async () => {
	if (sandbox) await pressCtrlC(sandbox);
	await model?.close();
	await rm(dataDir, { recursive: true, force: true });
});

it('npm start prints the n8n, chat and login lines once everything answers', async () => {
	const started = sandbox as StartedSandbox;
	expect(await answers(`${started.n8nUrl}/healthz`)).toBe(true);
	expect(await answers(started.chatUrl)).toBe(true);
	const api = new N8nApi(started.n8nUrl);
	await api.signIn(started.owner);
	const credentials = (await api.request('GET', '/api/v1/credentials')).json as {
		data: Array<{ type: string }>;
	};
	expect(credentials.data.map((credential) => credential.type).sort()).toEqual([
		'openAiApi',
		'whatsAppCloudApi',
	]);
});

it(
	'the lead-qualification example answers "Hi" in the chat, and a tapped button',
	async () => {
		const started = sandbox as StartedSandbox;
		// The sandbox goes on when an example cannot be published; this test cannot.
		expect(started.output()).toContain(
			`example "${leadWorkflowName}" (${leadExample}) is published`,
		);
		let browser: BrowserSession | undefined;
		try {
			browser = await openBrowser([new URL(started.chatUrl).origin]);
			const page = browser.page;
			page.setDefaultTimeout(60_000);
			await page.goto(started.chatUrl);
			await page.getByLabel('Your phone number').fill('+4915112345678');
			await page.getByLabel('Your name').fill('Anna');
			await page.getByRole('button', { name: 'Open chat' }).click();
			await page.getByLabel('Message as the customer').fill('Hi');
			await page.keyboard.press('Enter');

			const replies = page.locator('.bubble.business');
			await replies.first().waitFor();
			expect(model.chatRequests().length).toBeGreaterThan(0);
			const button = page.locator('.bubble.business .action.reply').first();
			await button.waitFor();
			const before = await replies.count();
			await button.click();
			await page.locator('.bubble.business').nth(before).waitFor();
			// Off the tapped button, so that the screenshot shows no hover highlight.
			await page.mouse.move(0, 0);
			await browser.screenshot('sandbox-chat');

			await signInToN8n(page, started.n8nUrl, started.owner);
			const workflowId = await findWorkflowId(page, started.n8nUrl, leadWorkflowName);
			await openWorkflowCanvas(page, started.n8nUrl, workflowId);
			await browser.screenshot('sandbox-workflow');
			if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
				const images = resolve(repoRoot, 'docs', 'images');
				await mkdir(images, { recursive: true });
				await copyFile(join(artifactsDir, 'sandbox-chat.png'), join(images, 'chat.png'));
				await copyFile(join(artifactsDir, 'sandbox-workflow.png'), join(images, 'workflow.png'));
			}
		} finally {
			await browser?.close();
		}
	},
	storyTimeoutMs,
);

it('Ctrl-C stops n8n and the emulator', async () => {
	const started = sandbox as StartedSandbox;
	await pressCtrlC(started);
	expect(started.output()).toMatch(/\] stopped$/m);
	expect(await answers(`${started.n8nUrl}/healthz`)).toBe(false);
	expect(await answers(started.chatUrl)).toBe(false);
});

/** What a start left in n8n: the owner signs in, and these are counted. */
async function n8nContents(started: StartedSandbox) {
	const api = new N8nApi(started.n8nUrl);
	await api.signIn(started.owner);
	const list = async (path: string) =>
		((await api.request('GET', path)).json as { data: Array<Record<string, unknown>> }).data;
	return {
		credentialTypes: (await list('/api/v1/credentials')).map((c) => c.type as string).sort(),
		workflowNames: (await list('/api/v1/workflows?limit=250')).map((w) => w.name as string).sort(),
		executions: (await list('/api/v1/executions?limit=250')).length,
	};
}

it(
	'a second npm start keeps the data: the same login, and nothing imported twice',
	async () => {
		const first = sandbox as StartedSandbox;
		const again = await startSandbox(dataDir, model.url);
		try {
			expect(again.owner).toEqual(first.owner);
			const contents = await n8nContents(again);
			expect(contents.credentialTypes).toEqual(['openAiApi', 'whatsAppCloudApi']);
			expect(new Set(contents.workflowNames).size).toBe(contents.workflowNames.length);
			expect(contents.workflowNames).toContain(leadWorkflowName);
			// The conversation of the story above ran executions in the first start; they are still there.
			expect(contents.executions).toBeGreaterThan(0);
		} finally {
			await pressCtrlC(again);
		}
	},
	readyTimeoutMs,
);

it(
	'npm start -- --reset starts from scratch: a new login, no executions',
	async () => {
		const first = sandbox as StartedSandbox;
		const fresh = await startSandbox(dataDir, model.url, ['--reset']);
		try {
			expect(fresh.output()).toContain('--reset');
			expect(fresh.owner.password).not.toBe(first.owner.password);
			const contents = await n8nContents(fresh);
			expect(contents.credentialTypes).toEqual(['openAiApi', 'whatsAppCloudApi']);
			expect(contents.executions).toBe(0);
		} finally {
			await pressCtrlC(fresh);
		}
	},
	readyTimeoutMs,
);
