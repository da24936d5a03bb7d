import { type IExecuteFunctions, type IWebhookFunctions, NodeOperationError } from 'n8n-workflow';

import { StoreConfigError } from '../../../lib/store';
import { CREDENTIAL_TYPE } from '../../../lib/transport/graphApi';
import { credentialsForWebhook } from '../../helpers/credentialCache';
import { readPhoneNumberId } from '../../helpers/sender';
import { type AccountStore, openAccountStore } from '../../helpers/storeAccess';

/** The credential's store, shared with every other node of the account (never closed here). */
export async function openWaitStore(this: IExecuteFunctions): Promise<AccountStore> {
	return await openStore(this, await this.getCredentials(CREDENTIAL_TYPE));
}

/**
 * The same store for a hand-off (a resumed wait's webhook call): the credential comes from the
 * short cache the trigger uses, so a burst of replies does not load and decrypt it once each.
 */
export async function openWaitStoreForHandOff(this: IWebhookFunctions): Promise<AccountStore> {
	return await openStore(this, await credentialsForWebhook(this));
}

async function openStore(
	context: IExecuteFunctions | IWebhookFunctions,
	credentials: Record<string, unknown>,
): Promise<AccountStore> {
	try {
		return await openAccountStore(credentials, context.logger);
	} catch (error) {
		const message = error instanceof StoreConfigError ? error.message : undefined;
		throw new NodeOperationError(context.getNode(), error as Error, { message });
	}
}

/** Reads the Business Phone Number parameter; null when it is empty. */
export function phoneNumberIdOf(value: unknown): string | null {
	return readPhoneNumberId(
		value,
		'Business Phone Number',
		'Pick the number from the list, or map its numeric phone number ID, e.g. {{ $json.business.phoneNumberId }} from the trigger.',
	);
}

export { toNodeError } from '../../../lib/transport/nodeErrors';
