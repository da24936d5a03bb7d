import { InputError } from './input-error';
import { isRecord } from './json';

/** Behaviour knobs: set in the seed file (`settings`) and changed at runtime via `POST /_emulator/settings`. */
export interface WebhookSettings {
	/** A delivery that takes longer counts as failed and is retried. */
	timeoutMs: number;
	/** Attempts per webhook POST, the first one included. Meta retries for up to 36 hours. */
	maxAttempts: number;
	/** Wait before retry n is retryBaseMs * 2^(n-1), on the emulator's clock. */
	retryBaseMs: number;
	/** Extra copies of every successfully delivered POST, to test receivers' deduplication. */
	duplicates: number;
	/** Events produced within this window go out together in one POST (0: one POST per event). */
	batchWindowMs: number;
	maxBatchSize: number;
}

export interface EmulatorSettings {
	/** Delay from acceptance to the `sent` status webhook (also to `failed`). */
	sentAfterMs: number;
	/** Delay from acceptance to the `delivered` status webhook. */
	deliveredAfterMs: number;
	/** null: `read` only when the contact reads (inbound message or POST /_emulator/read). */
	autoReadAfterMs: number | null;
	/**
	 * How policy failures (131047 outside the window, 131050 marketing stopped) are reported. Meta accepts
	 * the send (200 + wamid) and reports them in a `failed` status webhook: 'webhook'. 'response' refuses
	 * the send synchronously instead. 131026 (not on WhatsApp) is always a webhook, as at Meta.
	 */
	policyErrors: 'webhook' | 'response';
	/** Messages per second per business number, unless the number sets its own `mps`. */
	defaultMps: number;
	/** Pair rate (same business number to the same contact): a token bucket of `burst` messages, refilled 1 per refillSeconds. */
	pairRate: { burst: number; refillSeconds: number };
	/** Numbers (digits, any format) that are not on WhatsApp: sends to them fail with 131026. */
	notOnWhatsApp: string[];
	/** Include business-scoped user ids (`user_id`, `from_user_id`, `recipient_user_id`) in webhooks. */
	businessScopedUserIds: boolean;
	/** Paths with an older Graph version are refused with 2635, as Meta refuses expired versions. */
	minGraphVersion: string;
	/** Every Graph API answer (not the control API) waits this long: a slow or hanging Meta. */
	graphDelayMs: number;
	/**
	 * null: media are their real size. A number: every media object claims this size (`file_size`,
	 * the download's Content-Length) and its download streams that many bytes (the file, then
	 * zeros), to test receivers' size limits without storing the bytes.
	 */
	mediaSizeBytes: number | null;
	/** How long a created template stays PENDING before review approves or rejects it (emulator clock). */
	templateReviewMs: number;
	webhooks: WebhookSettings;
}

export function defaultSettings(): EmulatorSettings {
	return {
		sentAfterMs: 20,
		deliveredAfterMs: 40,
		autoReadAfterMs: null,
		policyErrors: 'webhook',
		defaultMps: 80,
		pairRate: { burst: 45, refillSeconds: 6 },
		notOnWhatsApp: ['15555550100'],
		businessScopedUserIds: true,
		minGraphVersion: 'v23.0',
		graphDelayMs: 0,
		mediaSizeBytes: null,
		templateReviewMs: 1000,
		webhooks: {
			timeoutMs: 5000,
			maxAttempts: 5,
			retryBaseMs: 1000,
			duplicates: 0,
			batchWindowMs: 0,
			maxBatchSize: 100,
		},
	};
}

type Check = (field: string, value: unknown) => unknown;

const wholeNumber =
	(min: number): Check =>
	(field, value) => {
		if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
			throw new InputError(field, value, `use a whole number >= ${min}`);
		}
		return value;
	};

const graphVersionPattern = /^v\d+\.\d+$/;

const checks: Record<string, Check> = {
	sentAfterMs: wholeNumber(0),
	deliveredAfterMs: wholeNumber(0),
	autoReadAfterMs: (field, value) => (value === null ? null : wholeNumber(0)(field, value)),
	policyErrors: (field, value) => {
		if (value !== 'webhook' && value !== 'response') {
			throw new InputError(field, value, 'use "webhook" (as Meta does) or "response"');
		}
		return value;
	},
	defaultMps: wholeNumber(1),
	'pairRate.burst': wholeNumber(1),
	'pairRate.refillSeconds': wholeNumber(0),
	notOnWhatsApp: (field, value) => {
		if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
			throw new InputError(field, value, 'use a list of phone numbers as strings');
		}
		return value.map((number: string) => number.replace(/\D/g, ''));
	},
	businessScopedUserIds: (field, value) => {
		if (typeof value !== 'boolean') throw new InputError(field, value, 'use true or false');
		return value;
	},
	minGraphVersion: (field, value) => {
		if (typeof value !== 'string' || !graphVersionPattern.test(value)) {
			throw new InputError(field, value, 'use a Graph version like "v23.0"');
		}
		return value;
	},
	graphDelayMs: wholeNumber(0),
	mediaSizeBytes: (field, value) => (value === null ? null : wholeNumber(0)(field, value)),
	templateReviewMs: wholeNumber(0),
	'webhooks.timeoutMs': wholeNumber(1),
	'webhooks.maxAttempts': wholeNumber(1),
	'webhooks.retryBaseMs': wholeNumber(0),
	'webhooks.duplicates': wholeNumber(0),
	'webhooks.batchWindowMs': wholeNumber(0),
	'webhooks.maxBatchSize': wholeNumber(1),
};

/** Returns `current` with the fields of `patch` applied; refuses unknown fields and wrong types. */
export function applySettingsPatch(
	current: EmulatorSettings,
	patch: unknown,
	fieldPrefix = 'settings',
): EmulatorSettings {
	if (!isRecord(patch)) throw new InputError(fieldPrefix, patch, 'send a JSON object of settings');
	const next: EmulatorSettings = structuredClone(current);
	const target = next as unknown as Record<string, unknown>;
	for (const [key, value] of Object.entries(patch)) {
		const nested = key === 'pairRate' || key === 'webhooks';
		if (nested && !isRecord(value)) {
			throw new InputError(`${fieldPrefix}.${key}`, value, 'send an object, e.g. {"burst": 3}');
		}
		const entries =
			isRecord(value) && nested
				? Object.entries(value).map(([inner, v]) => [`${key}.${inner}`, v])
				: [[key, value]];
		for (const [path, fieldValue] of entries as Array<[string, unknown]>) {
			const check = checks[path];
			if (!check) {
				throw new InputError(
					`${fieldPrefix}.${path}`,
					fieldValue,
					`unknown setting; known: ${Object.keys(checks).join(', ')}`,
				);
			}
			const [outer, inner] = path.split('.');
			const checked = check(`${fieldPrefix}.${path}`, fieldValue);
			if (inner) (target[outer] as Record<string, unknown>)[inner] = checked;
			else target[outer] = checked;
		}
	}
	return next;
}

/** Graph versions compare numerically: v9.0 < v23.0 < v24.0. */
export function compareGraphVersions(a: string, b: string): number {
	const [aMajor, aMinor] = a.slice(1).split('.').map(Number);
	const [bMajor, bMinor] = b.slice(1).split('.').map(Number);
	return aMajor - bMajor || aMinor - bMinor;
}
