/**
 * Housekeeping runs whenever a node opens the store, not only with webhooks: a Consent Gate,
 * Send or AI Reply run with no webhook at all deletes rows past the credential's retention once
 * due; a failure there is a warning, never a failed node. A suppression key mismatch is reported
 * once per process and account, with the count and the fix, never the key.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { Client } from 'pg';

import { WhatsAppAiReply } from '../../nodes/WhatsAppAiReply/WhatsAppAiReply.node';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import {
	HOUSEKEEPING_CHECK_INTERVAL_MS,
	housekeepAccountStore,
} from '../../nodes/helpers/storeAccess';
import { deriveSuppressionKey, type Store } from '../../lib/store';
import {
	type ConsentEnvironment,
	germanNumbers,
	SENDER_ID,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { runNode, type HarnessOptions } from '../helpers/nodeHarness';

const DAY = 24 * 60 * 60 * 1000;
const PHONE = germanNumbers(1, 7000)[0];
const OTHER = germanNumbers(1, 7001)[0].slice(1);

const postgresFields = (schema: string) => ({
	store: 'postgres',
	postgresHost: '127.0.0.1',
	postgresPort: 5432,
	postgresDatabase: 'postgres',
	postgresUser: 'postgres',
	postgresPassword: '',
	postgresSsl: 'disable',
	postgresSchema: schema,
});

const SCHEMA = `wa_housekeeping_${process.pid}_${Date.now()}`;

let env: ConsentEnvironment;
let warnings: Array<{ message: string; meta?: object }>;

afterEach(async () => await env?.close());
afterAll(async () => {
	const client = new Client({
		host: '127.0.0.1',
		port: 5432,
		user: 'postgres',
		database: 'postgres',
	});
	await client.connect();
	await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
	await client.end();
});

async function start(storeFields?: Record<string, unknown>) {
	env = await startConsentEnvironment({ storeFields });
	warnings = [];
}

async function runWith(
	node: HarnessOptions['node'],
	parameters: HarnessOptions['parameters'],
	extra: Partial<HarnessOptions> = {},
) {
	return await runNode({
		node,
		parameters,
		items: [{ json: { phone: PHONE } }],
		credentials: { whatsAppCloudApi: env.credentials },
		logger: { warn: (message, meta) => warnings.push({ message, meta }) },
		...extra,
	});
}

const gate = () =>
	runWith(new WhatsAppConsentGate(), {
		operation: 'check',
		contact: (_: number, item: INodeExecutionData) => item.json.phone,
		purpose: 'service',
	});

/** Rows older than the default retention: a send 100 days ago, a window 40 days ago. */
async function expiredRows(): Promise<void> {
	await env.store.logOutbound({
		wamid: `wamid.expired-${Date.now()}`,
		account: env.account,
		phoneNumberId: SENDER_ID,
		recipient: OTHER,
		kind: 'text',
		text: 'Old news',
		sentAt: Date.now() - 100 * DAY,
	});
	await env.store.touchWindow({
		account: env.account,
		phoneNumberId: SENDER_ID,
		contact: OTHER,
		inboundAt: Date.now() - 40 * DAY,
	});
}

const countOld = async () => {
	const window = await env.store.getWindow({
		account: env.account,
		phoneNumberId: SENDER_ID,
		contact: OTHER,
	});
	return window === null ? 0 : 1;
};

describe.each([
	['SQLite', undefined],
	['PostgreSQL', postgresFields(SCHEMA)],
])('Consent Gate on %s, no webhook', (_, storeFields) => {
	it('deletes rows past the retention once due, and only the due check after that', async () => {
		await start(storeFields);
		await expiredRows();

		await gate();

		expect(await countOld()).toBe(0);
		// Within the hour the next run only checks: rows that expire meanwhile wait for the next hour.
		await expiredRows();
		await gate();
		expect(await countOld()).toBe(1);
		expect(warnings).toEqual([]);
	});
});

it('a Send run prunes too, with the credential’s own retention', async () => {
	await start();
	env.credentials.retentionWindowDays = 50;
	await expiredRows();
	const wamidOf = `wamid.kept-${Date.now()}`;
	await env.store.logOutbound({
		wamid: wamidOf,
		account: env.account,
		phoneNumberId: SENDER_ID,
		recipient: OTHER,
		kind: 'text',
		sentAt: Date.now() - 100 * DAY,
	});
	env.credentials.retentionOutboundDays = 0;
	const older = germanNumbers(1, 7002)[0].slice(1);
	const olderWindow = { account: env.account, phoneNumberId: SENDER_ID, contact: older };
	await env.store.touchWindow({ ...olderWindow, inboundAt: Date.now() - 60 * DAY });

	const run = await runWith(new WhatsAppAutomation(), {
		operation: 'sendText',
		sender: { mode: 'id', value: SENDER_ID },
		recipientPhone: (_: number, item: INodeExecutionData) => item.json.phone,
		text: 'Hello',
	});

	expect(run.output![0][0].json.messageId).toBeDefined();
	// 50 days keeps the 40-day-old window; 0 keeps sent messages forever.
	expect(await countOld()).toBe(1);
	expect(await env.store.getWindow(olderWindow)).toBeNull();
	expect(await env.store.getOutbound(wamidOf)).not.toBeNull();
});

it('an AI Reply run prunes too', async () => {
	await start();
	await expiredRows();
	const model = { invoke: async () => ({ content: 'Hello!' }) };

	await runWith(
		new WhatsAppAiReply(),
		{
			operation: 'generateReply',
			customerId: OTHER,
			message: 'Hi',
			assistantName: 'Sales',
			instructions: 'Be brief.',
			historyLength: 5,
			options: {},
		},
		{ connections: { ai_languageModel: model } },
	);

	expect(await countOld()).toBe(0);
});

it('a broken retention setting is a warning, and the node still runs', async () => {
	await start();
	env.credentials.retentionContactDays = 'a year';

	const run = await gate();

	expect(run.output![0]).toHaveLength(1);
	expect(warnings.map((w) => w.message)).toEqual([
		'Store housekeeping failed; it is tried again when a node next opens the store',
	]);
	expect(JSON.stringify(warnings[0].meta)).toContain('Keep Inactive Contacts (Days)');
});

it('reports suppression records under another key once, with the count and the fix', async () => {
	await start();
	const oldKey = deriveSuppressionKey({ appSecret: 'the-old-secret', account: env.account })!;
	await env.store.useSuppressionKey(env.account, oldKey);
	for (const waId of [OTHER, PHONE.slice(1)]) {
		await env.store.recordConsent({
			account: env.account,
			contact: waId,
			status: 'opted_out',
			source: 'keyword',
			eventAt: Date.now() - DAY,
		});
		await env.store.eraseContact(env.account, waId);
	}

	await gate();
	await gate();

	const reports = warnings.filter((w) => w.message.includes('suppression record'));
	expect(reports).toHaveLength(1);
	expect(reports[0].message).toMatch(/^2 suppression record\(s\) of WhatsApp Business Account /);
	expect(reports[0].message).toContain('Set Consent');
	expect(reports[0].message).toContain('docs/STORE.md');
	const text = JSON.stringify(reports);
	for (const secret of [String(env.credentials.appSecret), String(env.credentials.accessToken)]) {
		expect(text).not.toContain(secret);
	}
	expect(text).not.toContain(oldKey.fingerprint);
});

it('asks the store at most once a minute per process and account; the store decides the rest', async () => {
	const calls: Array<{ now: number; account?: string }> = [];
	const store = {
		housekeeping: async (now: number, options?: { retention?: { account: string } }) => {
			calls.push({ now, account: options?.retention?.account });
			return { ran: false };
		},
	} as unknown as Store;
	const log = { warn: () => undefined };
	const T = 1_800_000_000_000;
	await housekeepAccountStore({ store, account: 'a' }, {}, log, T);
	await housekeepAccountStore({ store, account: 'a' }, {}, log, T + 59_000);
	await housekeepAccountStore({ store, account: 'b' }, {}, log, T + 59_000);
	await housekeepAccountStore({ store, account: 'a' }, {}, log, T + HOUSEKEEPING_CHECK_INTERVAL_MS);
	expect(calls).toEqual([
		{ now: T, account: 'a' },
		{ now: T + 59_000, account: 'b' },
		{ now: T + HOUSEKEEPING_CHECK_INTERVAL_MS, account: 'a' },
	]);
});
