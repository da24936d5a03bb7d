import type { IWebhookFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE, type CloudApiCredentials } from '../../lib/transport/graphApi';

/**
 * The decrypted credential of a webhook call, reused for a few seconds per credential id. n8n
 * loads a credential with several database queries; under load each webhook waited far longer for
 * them than for all of its own work (measured in n8n 2.41 with 8 concurrent deliveries: about
 * 140 ms against 11 ms). A changed credential takes effect within CREDENTIAL_TTL_MS. Only a cache:
 * every process fills its own, and nothing else is kept between calls.
 */
export const CREDENTIAL_TTL_MS = 10_000;
const MAX_ENTRIES = 100;

export class CredentialCache {
	/** The load in flight is shared too: a burst of deliveries loads the credential once. */
	private readonly entries = new Map<
		string,
		{ loadedAt: number; value: Promise<CloudApiCredentials> }
	>();

	constructor(private readonly now: () => number = Date.now) {}

	async get(
		id: string | null | undefined,
		load: () => Promise<CloudApiCredentials>,
	): Promise<CloudApiCredentials> {
		if (!id) return await load();
		const cached = this.entries.get(id);
		if (cached !== undefined && this.now() - cached.loadedAt < CREDENTIAL_TTL_MS) {
			return await cached.value;
		}
		const entry = { loadedAt: this.now(), value: load() };
		this.entries.delete(id);
		if (this.entries.size >= MAX_ENTRIES) {
			const oldest = this.entries.keys().next().value;
			if (oldest !== undefined) this.entries.delete(oldest);
		}
		this.entries.set(id, entry);
		entry.value.catch(() => {
			if (this.entries.get(id) === entry) this.entries.delete(id);
		});
		return await entry.value;
	}
}

const webhookCredentials = new CredentialCache();

export async function credentialsForWebhook(ctx: IWebhookFunctions): Promise<CloudApiCredentials> {
	const id = ctx.getNode().credentials?.[CREDENTIAL_TYPE]?.id;
	return await webhookCredentials.get(
		id,
		async () => (await ctx.getCredentials(CREDENTIAL_TYPE)) as CloudApiCredentials,
	);
}

/**
 * What is derived from one loaded credential (HKDF keys): computed once per credential object and
 * name. The cache above hands out the same object until CREDENTIAL_TTL_MS passes, so a changed
 * credential derives anew; nothing outlives the object it came from.
 */
const derivedValues = new WeakMap<object, Map<string, unknown>>();

export function derivedFromCredential<T>(credentials: object, name: string, derive: () => T): T {
	let values = derivedValues.get(credentials);
	if (values === undefined) {
		values = new Map();
		derivedValues.set(credentials, values);
	}
	if (values.has(name)) return values.get(name) as T;
	const value = derive();
	values.set(name, value);
	return value;
}
