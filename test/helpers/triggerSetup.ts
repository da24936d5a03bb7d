/**
 * Building blocks for the WhatsApp Automation Trigger's tests: a credential with a temp SQLite
 * store, the node fixture, and Meta-shaped webhook bodies for the cases Meta publishes no example of.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { INodeExecutionData } from 'n8n-workflow';

import { WhatsAppAutomationTrigger } from '../../nodes/WhatsAppAutomationTrigger/WhatsAppAutomationTrigger.node';
import type { TriggerFixture } from './webhookHarness';

export const APP_SECRET = 'trigger-test-app-secret';
/** The account of most of Meta's webhook examples and of test/fixtures/webhooks: events of others are ignored. */
export const WABA_ID = '419561257915477';
export const PHONE_NUMBER_ID = '106540352242922';
export const OTHER_PHONE_NUMBER_ID = '106540352242923';
export const DISPLAY_NUMBER = '15550783881';

const tempFolders: string[] = [];

// Registered when a test file imports this module. On Linux an open SQLite file may be removed: the
// stores close later in the file's own hooks.
afterAll(() => {
	for (const folder of tempFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A fresh SQLite file per call, so each test starts with an empty store; removed after the file's tests. */
export function tempSqlitePath(): string {
	const folder = mkdtempSync(join(tmpdir(), 'wa-trigger-'));
	tempFolders.push(folder);
	return join(folder, 'store.sqlite');
}

export function triggerCredentials(
	overrides: Record<string, unknown> = {},
): Record<string, unknown> {
	return {
		accessToken: 'trigger-test-token',
		businessAccountId: WABA_ID,
		appId: '1234567890123456',
		appSecret: APP_SECRET,
		graphApiVersion: 'v24.0',
		baseUrl: 'http://127.0.0.1:9',
		store: 'builtin',
		sqlitePath: tempSqlitePath(),
		// Meta's examples and ours carry 2023-2025 timestamps, older than the default retention:
		// the housekeeping after a delivery would prune what the tests read back.
		retentionOutboundDays: 0,
		retentionWindowDays: 0,
		retentionContactDays: 0,
		retentionAiHistoryDays: 0,
		...overrides,
	};
}

export function triggerFixture(
	parameters: Record<string, unknown> = {},
	credentials: Record<string, unknown> = triggerCredentials(),
): TriggerFixture {
	return {
		node: new WhatsAppAutomationTrigger(),
		parameters: { events: ['messageReceived'], registration: 'manual', ...parameters },
		credentials: { whatsAppCloudApi: credentials },
	};
}

export function ownWebhookFixture(name: string): Record<string, any> {
	return JSON.parse(readFileSync(join(__dirname, '../fixtures/webhooks', name), 'utf8'));
}

/** The JSON of the items of one run. */
export function jsonOf(items: INodeExecutionData[] | undefined): Array<Record<string, any>> {
	return (items ?? []).map((item) => item.json as Record<string, any>);
}

export interface TextMessage {
	id: string;
	from: string;
	text: string;
	/** Unix seconds. */
	timestamp: number;
	name?: string;
	phoneNumberId?: string;
}

/** One `messages` change with several text messages (and their senders' contacts), as Meta batches them. */
export function textMessagesBody(messages: TextMessage[]): Record<string, unknown> {
	const byNumber = new Map<string, TextMessage[]>();
	for (const message of messages) {
		const number = message.phoneNumberId ?? PHONE_NUMBER_ID;
		byNumber.set(number, [...(byNumber.get(number) ?? []), message]);
	}
	return {
		object: 'whatsapp_business_account',
		entry: [
			{
				id: WABA_ID,
				changes: [...byNumber.entries()].map(([phoneNumberId, batch]) => ({
					field: 'messages',
					value: {
						messaging_product: 'whatsapp',
						metadata: { display_phone_number: DISPLAY_NUMBER, phone_number_id: phoneNumberId },
						contacts: [...new Set(batch.map((message) => message.from))].map((waId) => ({
							profile: { name: batch.find((message) => message.from === waId)?.name ?? 'Customer' },
							wa_id: waId,
						})),
						messages: batch.map((message) => ({
							from: message.from,
							id: message.id,
							timestamp: String(message.timestamp),
							type: 'text',
							text: { body: message.text },
						})),
					},
				})),
			},
		],
	};
}

/** Now, in Unix seconds, minus `secondsAgo`. */
export function unixNow(secondsAgo = 0): number {
	return Math.floor(Date.now() / 1000) - secondsAgo;
}
