/**
 * The 24-hour customer-service window: free-form messages may be sent until 24 h after the
 * customer's last inbound message. Sending (even a template) never opens or extends it.
 */

export const WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Open while `at` is earlier than `lastInboundAt + 24 h`; at exactly 24 h it is closed, because
 * Meta refuses at the deadline and a send racing it is better planned as a template. An `at`
 * before `lastInboundAt` counts as open: the customer wrote after it anyway.
 */
export function isWindowOpen(lastInboundAt: Date | null, at: Date): boolean {
	if (lastInboundAt === null) return false;
	return millis(at, 'at') < millis(lastInboundAt, 'lastInboundAt') + WINDOW_MS;
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
