/**
 * Send safety against the emulator: the sender status rule (Meta's documented statuses: FLAGGED
 * sends, DISCONNECTED, RESTRICTED, BANNED… do not) and "Pause When Quality Is Low" (the rating read
 * at the start of the batch and again every N messages; the items not sent are skipped with the
 * reason, never lost), with and without Continue On Fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { EmulatorControl } from '../../emulator/control-client';
import { startEmulator, type RunningEmulator } from '../../emulator/server';
import { closeAllStores } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { runNode, type ParameterValue } from '../helpers/nodeHarness';

jest.setTimeout(60_000);

const SENDER = '106540352242922';
const node = new WhatsAppAutomation();

let emulator: RunningEmulator;
let control: EmulatorControl;
let storeDir: string;
let credentials: Record<string, Record<string, unknown>>;

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
	storeDir = mkdtempSync(join(tmpdir(), 'wa-safety-'));
	credentials = credentialsFor(emulator.baseUrl);
});

afterAll(async () => {
	await closeAllStores();
	await emulator.stop();
	rmSync(storeDir, { recursive: true, force: true });
});

beforeEach(async () => {
	await control.reset();
});

function credentialsFor(baseUrl: string): Record<string, Record<string, unknown>> {
	const info = emulator.info();
	return {
		whatsAppCloudApi: {
			accessToken: info.accessToken,
			businessAccountId: info.wabaId,
			appId: info.appId,
			appSecret: info.appSecret,
			graphApiVersion: info.graphVersion,
			baseUrl,
			store: 'builtin',
			sqlitePath: join(storeDir, 'store.sqlite'),
		},
	};
}

const rl = (value: string) => ({ __rl: true, mode: 'list', value });

/** A UTILITY template to `count` recipients (no opt-in or open window needed). */
function campaign(
	count: number,
	options: Record<string, unknown> = {},
	extra: { continueOnFail?: boolean; credentials?: Record<string, Record<string, unknown>> } = {},
) {
	const parameters: Record<string, ParameterValue> = {
		operation: 'sendTemplate',
		sender: rl(SENDER),
		recipientPhone: (i: number) => `+49151${String(30000000 + i)}`,
		template: rl('appointment_reminder|en_US'),
		variables: {
			mappingMode: 'defineBelow',
			value: { body_1: 'Anna', body_2: 'Dr. Weber', body_3: 'May 4, 10:00', body_4: 'Main St 1' },
		},
		options: { messagesPerSecond: 0, retryDelaySeconds: 0.05, ...options },
	};
	return runNode({
		node,
		credentials: extra.credentials ?? credentials,
		parameters,
		items: Array.from({ length: count }, () => ({ json: {} })),
		...(extra.continueOnFail === undefined ? {} : { continueOnFail: extra.continueOnFail }),
	});
}

const jsonOf = (items: INodeExecutionData[] | undefined) => (items ?? []).map((item) => item.json);

describe('the sender status rule', () => {
	it.each(['FLAGGED', 'RATE_LIMITED', 'SOMETHING_META_ADDS_LATER'])(
		'a %s sender still sends',
		async (status) => {
			await control.setPhoneNumber(SENDER, { status });
			const run = await campaign(3);
			expect(jsonOf(run.output?.[0]).map((item) => typeof item.messageId)).toEqual([
				'string',
				'string',
				'string',
			]);
			expect(await control.messages()).toHaveLength(3);
		},
	);

	it.each([
		['DISCONNECTED', /reconnect or register the number/],
		['RESTRICTED', /Meta restricted the number/],
		['BANNED', /request a review/],
		['PENDING', /finish registering/],
	])('a %s sender sends nothing: without Continue On Fail the run fails', async (status, fix) => {
		await control.setPhoneNumber(SENDER, { status });
		await expect(campaign(2)).rejects.toMatchObject({
			message: expect.stringMatching(new RegExp(`Sender .* is offline: status ${status}`)),
			description: expect.stringMatching(fix),
		});
		expect(await control.messages()).toEqual([]);
	});

	it('with Continue On Fail each item carries the sender error', async () => {
		await control.setPhoneNumber(SENDER, { status: 'BANNED' });
		const run = await campaign(3, {}, { continueOnFail: true });
		const items = jsonOf(run.output?.[0]);
		expect(items).toHaveLength(3);
		for (const item of items) {
			expect(item.error).toMatchObject({
				message: expect.stringMatching(/is offline: status BANNED/),
				fix: expect.stringMatching(/^Sender offline: Meta banned the number/),
			});
		}
		expect(await control.messages()).toEqual([]);
	});
});

describe('Pause When Quality Is Low', () => {
	beforeEach(async () => {
		// 250 unpaced messages fit under the number's throughput.
		await control.setPhoneNumber(SENDER, { mps: 1000 });
	});

	it('a RED sender at the start of the batch: nothing is sent, every item is skipped with the reason', async () => {
		await control.setPhoneNumber(SENDER, { qualityRating: 'RED' });
		for (const continueOnFail of [false, true]) {
			const run = await campaign(5, { pauseWhenQualityIsLow: true }, { continueOnFail });
			const items = jsonOf(run.output?.[0]);
			expect(items).toHaveLength(5);
			for (const item of items) {
				expect(item).toMatchObject({
					skipped: true,
					reason: expect.stringMatching(/quality rating of .* is RED \(low\)/),
					pausedForQuality: { qualityRating: 'RED', checkedAt: expect.any(String) },
					recipient: { phone: expect.stringMatching(/^\+49151/) },
					template: { name: 'appointment_reminder' },
				});
				expect(item).not.toHaveProperty('messageId');
			}
			expect(run.output?.[0].map((item) => item.pairedItem)).toEqual(
				[0, 1, 2, 3, 4].map((item) => ({ item })),
			);
		}
		expect(await control.messages()).toEqual([]);
	});

	it('is off unless chosen: a RED sender sends', async () => {
		await control.setPhoneNumber(SENDER, { qualityRating: 'RED' });
		const run = await campaign(2);
		expect(jsonOf(run.output?.[0]).every((item) => typeof item.messageId === 'string')).toBe(true);
	});

	it('YELLOW is not low: the batch goes out, with one quality reading per N messages', async () => {
		await control.setPhoneNumber(SENDER, { qualityRating: 'YELLOW' });
		const run = await campaign(250, { pauseWhenQualityIsLow: true, qualityCheckEvery: 100 });
		expect(jsonOf(run.output?.[0]).filter((item) => item.skipped)).toEqual([]);
		const readings = run.requests.filter(
			(r) => r.method === 'GET' && new URL(r.url).pathname.endsWith(`/${SENDER}`),
		);
		// The batch start, then after messages 100 and 200 were handed over.
		expect(readings).toHaveLength(3);
		expect(await control.messages()).toHaveLength(250);
	});

	describe('the rating turns RED during the batch', () => {
		let proxy: Server;
		let readings = 0;

		beforeAll(async () => {
			// Forwards to the emulator; the second reading of the sender (the first re-check) finds
			// the number RED, as when Meta lowered its rating while the campaign was running.
			proxy = createServer((incoming, answer) => {
				const chunks: Buffer[] = [];
				incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
				incoming.on('end', async () => {
					const isReading =
						incoming.method === 'GET' && (incoming.url ?? '').split('?')[0].endsWith(`/${SENDER}`);
					if (isReading && ++readings === 2) {
						await control.setPhoneNumber(SENDER, { qualityRating: 'RED' });
					}
					const target = new URL(incoming.url ?? '/', emulator.baseUrl);
					const forward = httpRequest(
						target,
						{ method: incoming.method, headers: { ...incoming.headers, host: target.host } },
						(response) => {
							answer.writeHead(response.statusCode ?? 502, response.headers);
							response.pipe(answer);
						},
					);
					forward.end(Buffer.concat(chunks));
				});
			});
			await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
		});

		afterAll(async () => {
			await new Promise<void>((resolve) => proxy.close(() => resolve()));
		});

		beforeEach(() => {
			readings = 0;
		});

		it.each([false, true])(
			'the rest of the batch is skipped with the reason, nothing lost (Continue On Fail %s)',
			async (continueOnFail) => {
				const proxied = credentialsFor(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
				const run = await campaign(
					250,
					{ pauseWhenQualityIsLow: true, qualityCheckEvery: 100 },
					{ continueOnFail, credentials: proxied },
				);
				const items = jsonOf(run.output?.[0]);
				expect(items).toHaveLength(250);
				const sent = items.filter((item) => typeof item.messageId === 'string');
				const paused = items.filter((item) => item.pausedForQuality !== undefined);
				// Every item is either sent or paused; none failed.
				expect(sent.length + paused.length).toBe(250);
				expect(items.filter((item) => item.error !== undefined)).toEqual([]);
				// Items after the re-check never left; those of the first 100 still waiting were held too.
				expect(items.slice(100).every((item) => item.pausedForQuality !== undefined)).toBe(true);
				expect(paused[0]).toMatchObject({
					skipped: true,
					pausedForQuality: { qualityRating: 'RED' },
				});
				expect(readings).toBe(2);
				expect(await control.messages()).toHaveLength(sent.length);
			},
		);
	});
});
