/**
 * The inbound side shared by scenarios 2 and 4: a credential with its store, our trigger and a
 * plain n8n Webhook workflow, both published on our n8n.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import type { EmulatorInfo } from '../../emulator';
import type { CreatedCredential } from '../../scripts/harness';
import { CLOUD_API_TYPE, cloudApiCredentialData } from '../lib/credentials';
import { deploy, type BenchN8n } from '../lib/n8n';
import { plainWebhookNode, receiverWorkflow, triggerNode } from '../lib/workflows';

export const PLAIN_WEBHOOK_PATH = 'bench-plain-inbound';
export const INBOUND_CREDENTIAL_NAME = 'WhatsApp (bench inbound)';

export interface Receivers {
	credential: CreatedCredential;
	/** Where Meta would deliver to our trigger. */
	triggerUrl: string;
	plainUrl: string;
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
	const base = ours.n8n.webhookBaseUrl;
	return {
		credential,
		triggerUrl: `${base}/webhook/${trigger.webhookId}/webhook`,
		plainUrl: `${base}/webhook/${PLAIN_WEBHOOK_PATH}`,
		appSecret: info.appSecret,
		wabaId: info.wabaId,
		phoneNumberId: info.phoneNumbers[0].id,
	};
}
