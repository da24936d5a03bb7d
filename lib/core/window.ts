/**
 * The 24-hour customer-service window: free-form messages may be sent until 24 h after the
 * customer's last inbound message. Sending (even a template) never opens or extends it.
 */

export const WINDOW_MS = 24 * 60 * 60 * 1000;

/** Meta's error code for a free-form message outside the window ("re-engagement message"). */
export const WINDOW_CLOSED_CODE = 131047;

/**
 * Open while `at` is earlier than `lastInboundAt + 24 h`; at exactly 24 h it is closed, because
 * Meta refuses at the deadline and a send racing it is better planned as a template. An `at`
 * before `lastInboundAt` counts as open: the customer wrote after it anyway.
 */
export function isWindowOpen(lastInboundAt: Date | null, at: Date): boolean {
	if (lastInboundAt === null) return false;
	return millis(at, 'at') < millis(lastInboundAt, 'lastInboundAt') + WINDOW_MS;
}

/**
 * Meta's 131047 ("re-engagement message") is proof the window was closed when it failed, whatever
 * our clock says: it stays closed until the contact writes again. A report no newer than the last
 * inbound message is about a window the contact has since reopened, so it closes nothing.
 * Returns the report's time when it closes the window, else null.
 */
export function closedByMetaAt(
	lastInboundAt: Date | null,
	reengagementFailedAt: Date | null,
): Date | null {
	if (reengagementFailedAt === null) return null;
	if (lastInboundAt === null) return reengagementFailedAt;
	return millis(reengagementFailedAt, 'reengagementFailedAt') >
		millis(lastInboundAt, 'lastInboundAt')
		? reengagementFailedAt
		: null;
}

export function windowClosesAt(lastInboundAt: Date | null): Date | null {
	if (lastInboundAt === null) return null;
	return new Date(millis(lastInboundAt, 'lastInboundAt') + WINDOW_MS);
}

/**
 * An inbound message starts a new conversation when no window was open when it arrived. Meta
 * delivers webhooks out of order: a message older than the last recorded one never starts one.
 */
export function startsNewConversation(previousInboundAt: Date | null, inboundAt: Date): boolean {
	return !isWindowOpen(previousInboundAt, inboundAt);
}

function millis(date: Date, name: string): number {
	const time = date instanceof Date ? date.getTime() : Number.NaN;
	if (Number.isNaN(time)) {
		throw new TypeError(`${name} is not a valid date; pass a Date built from an ISO timestamp`);
	}
	return time;
}
