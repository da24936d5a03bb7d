import { type IExecuteFunctions, type IWebhookFunctions, NodeOperationError } from 'n8n-workflow';

import { prepareAccountStore } from '../../../lib/consent/storeAccess';
import { FieldError } from '../../../lib/core/messages';
import {
	openStore,
	StoreConfigError,
	storeConfigFromCredentials,
	type Store,
} from '../../../lib/store';

export const CREDENTIAL_TYPE = 'whatsAppCloudApi';

export interface AccountStore {
	store: Store;
	/** The WhatsApp Business Account id: the store keys contacts and waits by it. */
	account: string;
}

/** The credential's store, shared with every other node of the account (never closed here). */
export async function openAccountStore(
	this: IExecuteFunctions | IWebhookFunctions,
): Promise<AccountStore> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const account =
		typeof credentials.businessAccountId === 'string' ? credentials.businessAccountId.trim() : '';
	if (account === '') {
		throw new NodeOperationError(
			this.getNode(),
			'The WhatsApp Cloud API credential has no WhatsApp Business Account ID',
			{
				description:
					'Open the credential and enter the WABA ID from the Meta App Dashboard (WhatsApp → API Setup).',
			},
		);
	}
	try {
		const store = await openStore(storeConfigFromCredentials(credentials));
		await prepareAccountStore(store, account, credentials, this.logger);
		return { store, account };
	} catch (error) {
		const message = error instanceof StoreConfigError ? error.message : undefined;
		throw new NodeOperationError(this.getNode(), error as Error, { message });
	}
}

/** Reads the Business Phone Number parameter; null when it is empty. */
export function phoneNumberIdOf(value: unknown): string | null {
	const id =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (id === '') return null;
	if (!/^\d+$/.test(id)) {
		throw new FieldError(
			'Business Phone Number',
			value,
			'is not a phone number ID',
			'Pick the number from the list, or map its numeric phone number ID, e.g. {{ $json.business.phoneNumberId }} from the trigger.',
		);
	}
	return id;
}

export { toNodeError } from '../../../lib/transport/nodeErrors';
