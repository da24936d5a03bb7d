import {
	deriveSuppressionKey,
	openStore,
	StoreConfigError,
	storeConfigFromCredentials,
} from '../store';
import type { Store } from '../store/types';

/** The shared store of a credential and the account its consent records belong to. */
export interface AccountStore {
	store: Store;
	/** The WhatsApp Business Account id: consent is kept per account. */
	account: string;
}

/**
 * Opens (once per process) the store the WhatsApp Cloud API credential points at. Consent is per
 * WhatsApp Business Account, so a credential without an account id cannot record any.
 */
export async function openAccountStore(
	credentials: Record<string, unknown>,
	env: Record<string, string | undefined> = process.env,
): Promise<AccountStore> {
	const account = String(credentials.businessAccountId ?? '').trim();
	if (account === '') {
		throw new StoreConfigError(
			'The WhatsApp Cloud API credential has no WhatsApp Business Account ID. Fill it in: consent, windows and the message log are kept per account.',
		);
	}
	const store = await openStore(storeConfigFromCredentials(credentials, env));
	await useCredentialKey(store, account, credentials);
	return { store, account };
}

/**
 * Suppression records are keyed per account with a key derived from the credential's secrets
 * (never stored). Registering it is free after the first time in this process.
 */
export async function useCredentialKey(
	store: Store,
	account: string,
	credentials: Record<string, unknown>,
): Promise<void> {
	const key = deriveSuppressionKey({
		appSecret: credentials.appSecret,
		accessToken: credentials.accessToken,
		account,
	});
	if (key) await store.useSuppressionKey(account, key);
}
