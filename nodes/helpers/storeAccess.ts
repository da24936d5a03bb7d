/**
 * How every node reaches the state store: the WhatsApp Cloud API credential names it, the node
 * opens it (once per process, shared by every node of the account, never closed here), registers
 * the account's suppression key and runs housekeeping when it is due.
 */
import {
	deriveSuppressionKey,
	openStore,
	retentionFromCredentials,
	StoreConfigError,
	storeConfigFromCredentials,
} from '../../lib/store';
import type { Store } from '../../lib/store/types';
import { derivedFromCredential } from './credentialCache';

/** The shared store of a credential and the account its consent records belong to. */
export interface AccountStore {
	store: Store;
	/** The WhatsApp Business Account id: consent, windows, waits and the message log are per account. */
	account: string;
}

/** Where store warnings go: the node's `this.logger`. */
export interface StoreLogger {
	warn(message: string, meta?: Record<string, unknown>): void;
}

export interface OpenStoreOptions {
	/** The process environment the store configuration may refer to (tests pass their own). */
	env?: Record<string, string | undefined>;
	/**
	 * `after`: the caller runs `housekeepAccountStore` itself once its work is done (the trigger,
	 * so a due clean-up never delays the answer Meta waits for). Default `now`.
	 */
	housekeeping?: 'now' | 'after';
}

/**
 * Opens the store the WhatsApp Cloud API credential points at, for a node whose work is kept per
 * WhatsApp Business Account (consent, windows, waits, the message log): a credential without an
 * account id cannot be used, and says so before any store is opened.
 */
export async function openAccountStore(
	credentials: Record<string, unknown>,
	logger: StoreLogger,
	options: OpenStoreOptions = {},
): Promise<AccountStore> {
	const account = accountOf(credentials);
	if (account === null) {
		throw new StoreConfigError(
			'The WhatsApp Cloud API credential has no WhatsApp Business Account ID. Fill it in (the WABA ID from the Meta App Dashboard, WhatsApp → API Setup): consent, windows, waits and the message log are kept per account.',
		);
	}
	const { store } = await openCredentialStore(credentials, logger, options);
	return { store, account };
}

/**
 * Opens the store the WhatsApp Cloud API credential points at, with or without an account id (the
 * AI Reply keeps its history per conversation, not per account). When the credential names an
 * account, its suppression key is registered and its housekeeping runs when due.
 */
export async function openCredentialStore(
	credentials: Record<string, unknown>,
	logger: StoreLogger,
	options: OpenStoreOptions = {},
): Promise<{ store: Store; account: string | null }> {
	// Resolving the SQLite path touches the file system (symlinks): once per loaded credential.
	const config =
		options.env === undefined
			? derivedFromCredential(credentials, 'store config', () =>
					storeConfigFromCredentials(credentials),
				)
			: storeConfigFromCredentials(credentials, options.env);
	const store = await openStore(config);
	const account = accountOf(credentials);
	if (account !== null) {
		await useCredentialKey(store, account, credentials, logger);
		if (options.housekeeping !== 'after') {
			await housekeepAccountStore({ store, account }, credentials, logger);
		}
	}
	return { store, account };
}

function accountOf(credentials: Record<string, unknown>): string | null {
	const account = String(credentials.businessAccountId ?? '').trim();
	return account === '' ? null : account;
}

/** How often one process asks the store whether housekeeping is due; the store decides. */
export const HOUSEKEEPING_CHECK_INTERVAL_MS = 60_000;

/**
 * When this process last asked, per store and account. Only a cache that spares a write per node
 * run or webhook: the `housekeeping` rows in the store decide, across processes, what runs when.
 */
const lastHousekeepingCheck = new WeakMap<Store, Map<string, number>>();

/**
 * Runs the store's housekeeping with the credential's retention when it is due (one conditional
 * UPDATE when not, at most once a minute per process and account). A failure is only a warning:
 * the node's own work goes on, and the next check tries again.
 */
export async function housekeepAccountStore(
	{ store, account }: AccountStore,
	credentials: Record<string, unknown>,
	logger: StoreLogger,
	now: number = Date.now(),
): Promise<void> {
	let checks = lastHousekeepingCheck.get(store);
	if (checks === undefined) {
		checks = new Map();
		lastHousekeepingCheck.set(store, checks);
	}
	const last = checks.get(account);
	if (last !== undefined && now - last < HOUSEKEEPING_CHECK_INTERVAL_MS && now >= last) return;
	checks.set(account, now);
	try {
		const retention = retentionFromCredentials(credentials);
		await store.housekeeping(now, { retention: { account, ...retention } });
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
async function useCredentialKey(
	store: Store,
	account: string,
	credentials: Record<string, unknown>,
	logger: StoreLogger,
): Promise<void> {
	const key = derivedFromCredential(credentials, `suppression key ${account}`, () =>
		deriveSuppressionKey({
			appSecret: credentials.appSecret,
			accessToken: credentials.accessToken,
			account,
		}),
	);
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
