import { type IExecuteFunctions, type IWebhookFunctions, NodeOperationError } from 'n8n-workflow';

import { StoreConfigError } from '../../../lib/store';
import { CREDENTIAL_TYPE } from '../../../lib/transport/graphApi';
import { readPhoneNumberId } from '../../helpers/sender';
import { type AccountStore, openAccountStore } from '../../helpers/storeAccess';

/** The credential's store, shared with every other node of the account (never closed here). */
export async function openWaitStore(
	this: IExecuteFunctions | IWebhookFunctions,
): Promise<AccountStore> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	try {
		return await openAccountStore(credentials, this.logger);
	} catch (error) {
		const message = error instanceof StoreConfigError ? error.message : undefined;
		throw new NodeOperationError(this.getNode(), error as Error, { message });
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
