/**
 * What the consent tests share: an emulator as Meta, a state store chosen like the credential
 * chooses it, and a webhook receiver that does what the trigger does with consent (window,
 * keywords, opt-in answers), built from the same core functions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
	defaultTemplates,
	EmulatorControl,
	startEmulator,
	type RunningEmulator,
} from '../../emulator';
import { recordConsentChange } from '../../lib/consent';
import { classifyConsentSignal } from '../../lib/core/consentKeywords';
import { consentAnswerFromReply } from '../../lib/core/consentPolicy';
import { verifyMetaSignature } from '../../lib/core/signature';
import { parseWebhookPayload, type WhatsAppEvent } from '../../lib/core/webhookEvents';
import { closeAllStores, openStore, storeConfigFromCredentials, type Store } from '../../lib/store';

export const SENDER_ID = '106540352242922';

/** An opt-in template whose first quick reply means yes, the second no. */
export const OPT_IN_TEMPLATE = {
	name: 'marketing_opt_in',
	language: 'en_US',
	category: 'MARKETING' as const,
	status: 'APPROVED',
	parameter_format: 'POSITIONAL' as const,
	components: [
		{
			type: 'BODY' as const,
			text: 'Hi {{1}}, may we send you news and offers on WhatsApp?',
			example: { body_text: [['Anna']] },
		},
		{
			type: 'BUTTONS' as const,
			buttons: [
				{ type: 'QUICK_REPLY' as const, text: 'Yes' },
				{ type: 'QUICK_REPLY' as const, text: 'No' },
			],
		},
	],
};

export interface ConsentEnvironment {
	emulator: RunningEmulator;
	control: EmulatorControl;
	credentials: Record<string, unknown>;
	store: Store;
	account: string;
	/** Consent changes and answers the receiver recorded, in arrival order. */
	received: WhatsAppEvent[];
	close(): Promise<void>;
}

export interface EnvironmentOptions {
	/** Subscribe the receiver to the emulator's webhooks (inbound messages reach the store). */
	withReceiver?: boolean;
	/** Extra credential fields, e.g. a PostgreSQL store. Default: a SQLite file in a temp folder. */
	storeFields?: Record<string, unknown>;
}

export async function startConsentEnvironment(
	options: EnvironmentOptions = {},
): Promise<ConsentEnvironment> {
	const folder = mkdtempSync(join(tmpdir(), 'consent-test-'));
	const storeFields = options.storeFields ?? {
		store: 'builtin',
		sqlitePath: join(folder, 'store.sqlite'),
	};
	const received: WhatsAppEvent[] = [];
	const receiver = options.withReceiver ? await startReceiver(received) : undefined;
	const emulator = await startEmulator({
		seed: {
			templates: [...defaultTemplates(), OPT_IN_TEMPLATE],
			...(receiver
				? {
						appSubscription: {
							callbackUrl: receiver.url,
							verifyToken: 'consent-tests',
							fields: ['messages'],
						},
					}
				: {}),
		},
	});
	const info = emulator.info();
	const credentials: Record<string, unknown> = {
		accessToken: info.accessToken,
		businessAccountId: info.wabaId,
		appId: info.appId,
		appSecret: info.appSecret,
		graphApiVersion: info.graphVersion,
		baseUrl: info.baseUrl,
		...storeFields,
	};
	const store = await openStore(storeConfigFromCredentials(credentials, {}));
	receiver?.attach(store, info.wabaId, info.appSecret);
	const control = new EmulatorControl(info.baseUrl);
	// Fast enough for a 1,000-message batch without tripping the emulator's throughput limit.
	await control.setPhoneNumber(SENDER_ID, { mps: 1000 });
	return {
		emulator,
		control,
		credentials,
		store,
		account: info.wabaId,
		received,
		close: async () => {
			await emulator.stop();
			await receiver?.close();
			await closeAllStores();
			rmSync(folder, { recursive: true, force: true });
		},
	};
}

interface Receiver {
	url: string;
	attach(store: Store, account: string, appSecret: string): void;
	close(): Promise<void>;
}

/** The trigger's consent duties, condensed: window, opt-in answers with proof, keywords. */
async function startReceiver(received: WhatsAppEvent[]): Promise<Receiver> {
	let target: { store: Store; account: string; appSecret: string } | undefined;
	const server: Server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const raw = Buffer.concat(chunks);
			void (async () => {
				if (!target)
					throw new Error('The receiver got a webhook before it was attached to a store');
				const verdict = verifyMetaSignature(
					raw,
					request.headers['x-hub-signature-256'],
					target.appSecret,
				);
				if (verdict !== 'valid') {
					response.writeHead(401).end();
					return;
				}
				for (const event of parseWebhookPayload(JSON.parse(raw.toString('utf8'))).events) {
					await recordForConsent(target.store, target.account, event, received);
				}
				response.writeHead(200).end();
			})().catch((error: Error) => {
				response.writeHead(500).end(error.message);
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook`,
		attach: (store, account, appSecret) => {
			target = { store, account, appSecret };
		},
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

async function recordForConsent(
	store: Store,
	account: string,
	event: WhatsAppEvent,
	received: WhatsAppEvent[],
): Promise<void> {
	if (event.event !== 'message' && event.event !== 'user_preference') return;
	const contact = {
		...(event.contact.waId ? { waId: event.contact.waId } : {}),
		...(event.contact.userId ? { userId: event.contact.userId } : {}),
	};
	const at = event.timestamp ? Date.parse(event.timestamp) : Date.now();
	if (event.event === 'message' && event.business.phoneNumberId) {
		await store.touchWindow({
			account,
			phoneNumberId: event.business.phoneNumberId,
			contact,
			inboundAt: at,
		});
	}
	const answer = consentAnswerFromReply(event);
	if (answer) {
		await recordConsentChange(
			store,
			{ account, contact: answer.contact, receivedAt: Date.now() },
			{ kind: 'answer', answer },
		);
		received.push(event);
		return;
	}
	const signal = classifyConsentSignal(event);
	if (signal) {
		const evidence = {
			...signal.evidence,
			messageIds: signal.evidence.messageId ? [signal.evidence.messageId] : [],
		};
		if (signal.status === 'in_app_resume') {
			await store.recordInAppResume({ account, contact, evidence, eventAt: at });
		} else {
			await store.recordConsent({
				account,
				contact,
				status: signal.status,
				source: signal.source,
				evidence,
				eventAt: at,
			});
		}
		received.push(event);
	}
}

/** Credentials of the gate and the send node for an environment. */
export function gateCredentials(env: ConsentEnvironment): Record<string, Record<string, unknown>> {
	return { whatsAppCloudApi: env.credentials };
}

/** `count` German mobile numbers in E.164, distinct and valid. */
export function germanNumbers(count: number, offset = 0): string[] {
	return Array.from({ length: count }, (_, i) => `+49151${String(10_000_000 + offset + i)}`);
}
