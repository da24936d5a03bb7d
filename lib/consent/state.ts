import type { ConsentHistoryEntry, ConsentState, JsonValue } from '../store/types';

/**
 * `consent` on the items of the send node and the Consent Gate: the contact's current state, flat and
 * expression-friendly (`$json.consent.status`). The trigger's items carry a consent *change* instead
 * (`lib/inbound/items.ts`).
 */
export interface ConsentStateJson {
	[key: string]: string | null;
	status: ConsentState['status'];
	/** ISO 8601: when the contact acted; null when nothing is recorded. */
	since: string | null;
	source: ConsentState['source'];
}

export function consentStateJson(state: ConsentState): ConsentStateJson {
	return { status: state.status, since: state.since?.toISOString() ?? null, source: state.source };
}

/** One consent change as shown by Get Consent: the proof of who agreed or refused, when and how. */
export interface ConsentHistoryJson {
	[key: string]: JsonValue;
	previousStatus: string;
	newStatus: string;
	source: string;
	evidence: { [key: string]: JsonValue } | null;
	eventAt: string;
	recordedAt: string;
	/** False when a newer change had already decided the status: kept as proof only. */
	applied: boolean;
}

export function consentHistoryJson(entries: ConsentHistoryEntry[]): ConsentHistoryJson[] {
	return entries.map((entry) => ({
		previousStatus: entry.previousStatus,
		newStatus: entry.newStatus,
		source: entry.source,
		evidence: entry.evidence === null ? null : withoutUndefined(entry.evidence),
		eventAt: entry.eventAt.toISOString(),
		recordedAt: entry.recordedAt.toISOString(),
		applied: entry.applied,
	}));
}

function withoutUndefined(record: Record<string, JsonValue | undefined>): {
	[key: string]: JsonValue;
} {
	return Object.fromEntries(
		Object.entries(record).filter((entry): entry is [string, JsonValue] => entry[1] !== undefined),
	);
}
