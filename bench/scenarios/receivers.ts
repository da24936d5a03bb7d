/**
 * The inbound side shared by scenarios 2 and 4, published on our n8n: a credential with its store
 * and our trigger; n8n's Webhook node plain, and with Header Auth (a receiver that checks its
 * callers, as ours checks Meta's signature, and so has a credential to resolve on every call).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import type { EmulatorInfo } from '../../emulator';
import type { CreatedCredential } from '../../scripts/harness';
import { CLOUD_API_TYPE, cloudApiCredentialData } from '../lib/credentials';
import { deploy, type BenchN8n } from '../lib/n8n';
import {
	HEADER_AUTH_TYPE,
	plainWebhookNode,
	receiverWorkflow,
	triggerNode,
} from '../lib/workflows';

export const PLAIN_WEBHOOK_PATH = 'bench-plain-inbound';
export const AUTHENTICATED_WEBHOOK_PATH = 'bench-authenticated-inbound';
export const INBOUND_CREDENTIAL_NAME = 'WhatsApp (bench inbound)';
const AUTH_HEADER = 'x-bench-token';

/** Where to deliver, and the headers the receiver needs besides Meta's. */
export interface ReceiverEndpoint {
	url: string;
	headers: Record<string, string>;
}

export interface Receivers {
	credential: CreatedCredential;
	/** Where Meta would deliver to our trigger. */
	trigger: ReceiverEndpoint;
	plainWebhook: ReceiverEndpoint;
	authenticatedWebhook: ReceiverEndpoint;
	appSecret: string;
	wabaId: string;
	phoneNumberId: string;
}

export async function deployReceivers(ours: BenchN8n, info: EmulatorInfo): Promise<Receivers> {
	const credential = await ours.n8n.api.createCredential({
		name: INBOUND_CREDENTIAL_NAME,
		type: CLOUD_API_TYPE,
		data: cloudApiCredentialData(info, info.baseUrl, {
			backend: 'sqlite',
			path: join(ours.userFolder, 'inbound-store.sqlite'),
		}),
	});
	const trigger = triggerNode(
		ours.packageName ?? '',
		credential.name,
		randomBytes(16).toString('hex'),
	);
	await deploy(ours.n8n, receiverWorkflow('Inbound, our trigger', trigger), {
		credentials: { [CLOUD_API_TYPE]: credential },
	});
	await deploy(
		ours.n8n,
		receiverWorkflow('Inbound, plain webhook', plainWebhookNode(PLAIN_WEBHOOK_PATH)),
	);
	const token = randomBytes(16).toString('hex');
	const headerAuth = await ours.n8n.api.createCredential({
		name: 'Bench webhook token',
		type: HEADER_AUTH_TYPE,
		data: { name: AUTH_HEADER, value: token },
	});
	await deploy(
		ours.n8n,
		receiverWorkflow(
			'Inbound, webhook with Header Auth',
			plainWebhookNode(AUTHENTICATED_WEBHOOK_PATH, headerAuth.name),
		),
		{ credentials: { [HEADER_AUTH_TYPE]: headerAuth } },
	);
	const base = ours.n8n.webhookBaseUrl;
	return {
		credential,
		trigger: { url: `${base}/webhook/${trigger.webhookId}/webhook`, headers: {} },
		plainWebhook: { url: `${base}/webhook/${PLAIN_WEBHOOK_PATH}`, headers: {} },
		authenticatedWebhook: {
			url: `${base}/webhook/${AUTHENTICATED_WEBHOOK_PATH}`,
			headers: { [AUTH_HEADER]: token },
		},
		appSecret: info.appSecret,
		wabaId: info.wabaId,
		phoneNumberId: info.phoneNumbers[0].id,
	};
}
