/** A JSON object (not null, not an array): what parsed payloads and answers are checked with. */
export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
