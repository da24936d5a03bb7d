import {
	deriveSuppressionKey,
	openStore,
	retentionFromCredentials,
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

/** Where store warnings go: the node's `this.logger`. */
export interface StoreLogger {
	warn(message: string, meta?: Record<string, unknown>): void;
}

/**
 * Opens (once per process) the store the WhatsApp Cloud API credential points at. Consent is per
 * WhatsApp Business Account, so a credential without an account id cannot record any.
 */
export async function openAccountStore(
	credentials: Record<string, unknown>,
	logger: StoreLogger,
	env: Record<string, string | undefined> = process.env,
): Promise<AccountStore> {
	const account = String(credentials.businessAccountId ?? '').trim();
	if (account === '') {
		throw new StoreConfigError(
			'The WhatsApp Cloud API credential has no WhatsApp Business Account ID. Fill it in: consent, windows and the message log are kept per account.',
		);
	}
	const store = await openStore(storeConfigFromCredentials(credentials, env));
	await prepareAccountStore(store, account, credentials, logger);
	return { store, account };
}

/**
 * What every node does after opening the store: registers the account's suppression key, and
 * runs housekeeping with the credential's retention when it is due (one conditional UPDATE when
 * not), so expired rows go even when no webhook ever arrives. A housekeeping failure is only a
 * warning: the node's own work goes on.
 */
export async function prepareAccountStore(
	store: Store,
	account: string,
	credentials: Record<string, unknown>,
	logger: StoreLogger,
): Promise<void> {
	await useCredentialKey(store, account, credentials, logger);
	try {
		const retention = retentionFromCredentials(credentials);
		await store.housekeeping(Date.now(), { retention: { account, ...retention } });
	} catch (error) {
		logger.warn('Store housekeeping failed; it is tried again when a node next opens the store', {
			account,
			error: (error as Error).message,
		});
	}
}

/** Accounts whose key mismatch this process already reported: one warning each is enough. */
const reportedKeyMismatches = new Set<string>();

/**
 * Suppression records are keyed per account with a key derived from the credential's secrets
 * (never stored). Registering it is free after the first time in this process. Records written
 * under another key no longer match anyone: that is reported once per process and account.
 */
export async function useCredentialKey(
	store: Store,
	account: string,
	credentials: Record<string, unknown>,
	logger: StoreLogger,
): Promise<void> {
	const key = deriveSuppressionKey({
		appSecret: credentials.appSecret,
		accessToken: credentials.accessToken,
		account,
	});
	if (!key) return;
	const { otherKeyRecords } = await store.useSuppressionKey(account, key);
	if (otherKeyRecords > 0 && !reportedKeyMismatches.has(account)) {
		reportedKeyMismatches.add(account);
		logger.warn(
			`${otherKeyRecords} suppression record(s) of WhatsApp Business Account ${account} were written under another App Secret or Access Token and no longer match anyone: those erased contacts that had opted out count as unknown again. Re-record their opt-outs with the Consent Gate's Set Consent and erase them again, or restore the previous secret (see docs/STORE.md, "Suppression records").`,
			{ account, otherKeyRecords },
		);
	}
}
