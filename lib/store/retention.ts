import { StoreConfigError } from './config';

/**
 * How long the store keeps each kind of personal data, in whole days; null keeps it forever. Set
 * per credential (its store is shared by every node using it) and applied by housekeeping.
 */
export interface RetentionSettings {
	/** The outbound log (recipient, text) and its statuses, counted from sending. */
	outboundDays: number | null;
	/** 24-hour window records, counted from the contact's last inbound message. */
	windowDays: number | null;
	/** Contacts with no inbound message, consent change or send for this long. */
	contactDays: number | null;
	/** AI Reply conversation history, counted from each message. */
	aiHistoryDays: number | null;
}

/** One account's settings, as housekeeping receives them from the node that opened the store. */
export interface AccountRetention extends RetentionSettings {
	account: string;
}

export const DEFAULT_RETENTION: Readonly<RetentionSettings> = {
	outboundDays: 90,
	windowDays: 30,
	contactDays: 365,
	aiHistoryDays: 365,
};

export const MAX_RETENTION_DAYS = 36_500;

/** The credential field of each setting, to name it in messages. */
export const RETENTION_FIELDS: Readonly<
	Record<keyof RetentionSettings, { name: string; label: string }>
> = {
	outboundDays: { name: 'retentionOutboundDays', label: 'Keep Sent Messages (Days)' },
	windowDays: { name: 'retentionWindowDays', label: 'Keep Conversation Windows (Days)' },
	contactDays: { name: 'retentionContactDays', label: 'Keep Inactive Contacts (Days)' },
	aiHistoryDays: { name: 'retentionAiHistoryDays', label: 'Keep AI History (Days)' },
};

/**
 * Reads the credential's retention fields. A field the credential does not have (saved before
 * this version) takes the default; 0 or empty keeps that data forever.
 */
export function retentionFromCredentials(credentials: Record<string, unknown>): RetentionSettings {
	const settings = { ...DEFAULT_RETENTION };
	for (const setting of Object.keys(RETENTION_FIELDS) as Array<keyof RetentionSettings>) {
		settings[setting] = daysOf(setting, credentials[RETENTION_FIELDS[setting].name]);
	}
	return settings;
}

function daysOf(setting: keyof RetentionSettings, value: unknown): number | null {
	if (value === undefined) return DEFAULT_RETENTION[setting];
	if (value === null || value === '' || value === 0) return null;
	const days = typeof value === 'string' ? Number(value.trim()) : value;
	if (
		typeof days !== 'number' ||
		!Number.isInteger(days) ||
		days < 0 ||
		days > MAX_RETENTION_DAYS
	) {
		throw new StoreConfigError(
			`The WhatsApp Cloud API credential's ${RETENTION_FIELDS[setting].label} is ${JSON.stringify(value)}, not a whole number of days. Enter a number from 1 to ${MAX_RETENTION_DAYS}, or 0 to keep this data forever.`,
		);
	}
	return days === 0 ? null : days;
}
