import { type IExecuteFunctions, type IWebhookFunctions, NodeOperationError } from 'n8n-workflow';

import { FieldError } from '../../../lib/core/fieldError';
import { StoreConfigError } from '../../../lib/store';
import { CREDENTIAL_TYPE } from '../../../lib/transport/graphApi';
import { credentialsForWebhook } from '../../helpers/credentialCache';
import { readItemParameter } from '../../helpers/itemParameter';
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

/**
 * The Sequence parameter of item `itemIndex` (null: not shown at this version), or the
 * workflow's ID when it is empty: every workflow is a sequence of its own.
 */
export function readSequence(context: IExecuteFunctions, itemIndex: number | null): string {
	const named =
		itemIndex === null ? '' : String(readItemParameter(context, 'sequence', itemIndex, '') ?? '');
	if (named.trim() !== '') return named.trim();
	const workflowId = context.getWorkflow().id;
	if (!workflowId) {
		throw new FieldError(
			'Sequence',
			named,
			'is empty and the workflow has no ID yet',
			'Save the workflow, or name the sequence.',
		);
	}
	return workflowId;
}

export { toNodeError } from '../../../lib/transport/nodeErrors';
