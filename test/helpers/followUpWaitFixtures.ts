/** Shared set-up of the Follow-up Wait tests: a store per test, the node, inbound messages. */
import { randomUUID } from 'node:crypto';

import { parseWebhookPayload, type InboundMessageEvent } from '../../lib/core/webhookEvents';
import type { Store, StoreConfig } from '../../lib/store';
import { resumeHttpFrom } from '../../lib/transport/n8nWebhooks';
import { resumeWaitsForMessage, type ResumeResult } from '../../lib/waits/resume';
import { WhatsAppFollowUpWait } from '../../nodes/WhatsAppFollowUpWait/WhatsAppFollowUpWait.node';
import type { ParameterValue } from './nodeHarness';
import { httpRequestViaFetch } from './nodeHarness';
import { metaFixture } from './metaFixtures';

/** The account, number and customer of Meta's webhook examples. */
export const ACCOUNT = '419561257915477';
export const NUMBER = '106540352242922';
export const OTHER_NUMBER = '106540352242999';
export const CUSTOMER = '16505551234';
export const OTHER_CUSTOMER = '4915112345678';

export const followUpWait = new WhatsAppFollowUpWait();

/** The hand-off's HTTP as the trigger sends it: n8n's request helper (here over fetch). */
export const resumeHttp = resumeHttpFrom({
	httpRequest: async (options) => await httpRequestViaFetch(options),
});

export const noPause = async () => undefined;

export function credentialsFor(config: StoreConfig): Record<string, Record<string, unknown>> {
	const store =
		config.backend === 'sqlite'
			? { store: 'builtin', sqlitePath: config.path }
			: {
					store: 'postgres',
					postgresHost: config.host,
					postgresPort: config.port,
					postgresDatabase: config.database,
					postgresUser: config.user,
					postgresPassword: config.password,
					postgresSsl: config.ssl,
					postgresSchema: config.schema,
				};
	return {
		whatsAppCloudApi: {
			accessToken: 'test-token',
			businessAccountId: ACCOUNT,
			baseUrl: 'http://127.0.0.1:9',
			...store,
		},
	};
}

/**
 * Wait for Reply with the defaults of the node: the number and the contact are the description's
 * default expressions, read from the item as n8n does (the harness evaluates them).
 */
export function waitParameters(
	overrides: Record<string, ParameterValue> = {},
): Record<string, ParameterValue> {
	return {
		operation: 'waitForReply',
		limit: 'duration',
		amount: 4,
		unit: 'hours',
		businessHoursOnly: false,
		replyRule: 'anyMessage',
		...overrides,
	};
}

/** What the send node outputs after a template, the usual input of a follow-up wait. */
export function sentTemplateItem(waId = CUSTOMER, extra: Record<string, unknown> = {}) {
	return {
		json: {
			messageId: `wamid.sent-${randomUUID()}`,
			status: 'accepted',
			sender: { phoneNumberId: NUMBER, displayPhoneNumber: '+1 555-078-3881' },
			recipient: { phone: `+${waId}`, waId, name: null },
			template: { name: 'order_reminder', language: 'en_US', category: 'UTILITY' },
			...extra,
		},
	};
}

export interface InboundOptions {
	from?: string;
	to?: string;
	sentAt?: Date;
	text?: string;
	/** A Meta example to start from instead of a text message (e.g. a button reply). */
	fixture?: string;
}

/** A customer's message, parsed from a Meta-shaped webhook body. */
export function inboundMessage(options: InboundOptions = {}): InboundMessageEvent {
	const from = options.from ?? CUSTOMER;
	const body = metaFixture(`webhooks/post-request/${options.fixture ?? 'text-message'}.json`);
	const value = body.entry[0].changes[0].value;
	value.metadata.phone_number_id = options.to ?? NUMBER;
	value.contacts[0].wa_id = from;
	const message = value.messages[0];
	message.from = from;
	message.id = `wamid.${randomUUID()}`;
	message.timestamp = String(Math.floor((options.sentAt ?? new Date()).getTime() / 1000));
	if (options.text !== undefined) message.text = { body: options.text };
	const [event] = parseWebhookPayload(body).events;
	if (event?.event !== 'message') throw new Error('the fixture holds no inbound message');
	return event;
}

/**
 * What the trigger does with a customer's message: record it in the 24-hour window, then hand
 * it to the waiting executions.
 */
export async function customerWrites(
	store: Store,
	event: InboundMessageEvent,
	options: { now?: Date; sleep?: (ms: number) => Promise<void> } = {},
): Promise<ResumeResult> {
	await store.touchWindow({
		account: ACCOUNT,
		phoneNumberId: event.business.phoneNumberId as string,
		contact: { waId: event.contact.waId ?? undefined },
		inboundAt: new Date((event.timestampUnix as number) * 1000),
	});
	return await resumeWaitsForMessage(store, event, resumeHttp, {
		account: ACCOUNT,
		sleep: options.sleep ?? noPause,
		...(options.now ? { now: () => options.now as Date } : {}),
	});
}
