/**
 * When an event happened, by Meta's timestamp, unless that is missing or implausible. Consent is
 * ordered by event time (a newer event wins), so a timestamp far ahead of our clock would let one
 * event outrank every later STOP: a time before 2000 or more than a day (clock skew) after the
 * delivery arrived is replaced by the arrival time.
 */
const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);
const CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** `metaTimeMs`: Meta's time in epoch milliseconds, or null/NaN when it gave none. */
export function plausibleEventTime(metaTimeMs: number | null, receivedAt: number): number {
	const millis = metaTimeMs ?? Number.NaN;
	return millis >= EARLIEST_EVENT_MS && millis <= receivedAt + CLOCK_SKEW_MS ? millis : receivedAt;
}
