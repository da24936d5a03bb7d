/**
 * Every time limit of the package's outbound HTTP, in one place. n8n's request helpers wait
 * forever unless the caller passes `timeout`, so every call passes one of these.
 *
 * Calls made while Meta waits for the answer to a webhook POST (the hand-off to waiting
 * follow-ups, the opt-out confirmation, media downloads) use the shorter limits: Meta counts a
 * webhook that is not answered in time (about 20 seconds) as failed and delivers it again, so a
 * slow answer would only double the work. The whole of one delivery's hand-offs has its own
 * budget on top, below that limit.
 */

/** A Graph API call made from a workflow run, the editor or activation (send, pickers, registration). */
export const GRAPH_REQUEST_TIMEOUT_MS = 15_000;

/** A Graph API call made inside a webhook request (opt-out confirmation, media metadata). */
export const WEBHOOK_GRAPH_REQUEST_TIMEOUT_MS = 5_000;

/**
 * Downloading one media file inside a webhook request. n8n's helper applies it as an idle
 * limit on the connection: a download that keeps moving is capped by size instead.
 */
export const MEDIA_DOWNLOAD_TIMEOUT_MS = 10_000;

/**
 * The largest media file the trigger downloads: WhatsApp's largest media kind, documents, may be
 * up to 100 MB. Anything announced or read beyond it is refused before it fills memory or disk.
 */
export const MAX_MEDIA_DOWNLOAD_BYTES = 100 * 1024 * 1024;

/** One POST to a resume URL outside a webhook request (Cancel Waits): n8n loads and starts the execution. */
export const RESUME_REQUEST_TIMEOUT_MS = 30_000;

/** One POST to a resume URL while Meta waits for the webhook's answer. */
export const WEBHOOK_RESUME_REQUEST_TIMEOUT_MS = 5_000;

/**
 * All hand-offs of one webhook delivery together. No POST (first try or retry) starts unless it
 * can finish within the budget; waits not reached stay waiting and the delivery asks Meta to
 * deliver again, so the redelivery continues them.
 */
export const WEBHOOK_HANDOFF_BUDGET_MS = 10_000;

/**
 * One forward of an event to another published trigger's webhook, while Meta waits for the
 * answer. Forwards run side by side, so a delivery waits at most this long for all of them; a
 * route that does not answer in time counts as not reached (Meta redelivers, only to it).
 */
export const WEBHOOK_FORWARD_REQUEST_TIMEOUT_MS = 5_000;

/**
 * How long after a trigger is published (or re-published) a 404 from its webhook URL still counts
 * as "not served yet" rather than "gone": n8n stores the route during activation, before it
 * serves the URL. Within this time a forward that gets 404 asks Meta to redeliver.
 */
export const NEW_ROUTE_SETTLING_MS = 120_000;

/** Pauses between hand-off retries inside a webhook request: short, Meta's redelivery is the long retry. */
export const WEBHOOK_HANDOFF_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000];

/** The name of a timed-out request, for errors: "…did not answer within 5 s". */
export function describeTimeout(ms: number): string {
	return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
