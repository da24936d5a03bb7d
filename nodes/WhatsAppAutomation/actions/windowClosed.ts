import { MetaApiError } from '../../../lib/core/errors';
import { WINDOW_CLOSED_CODE } from '../../../lib/core/window';
import type { ClosedWindow } from './consent';
import type { PreparedSend, WindowClosedFallback } from './types';

/** Why the store knows a window is closed, in the words of the item's error or its `fallback`. */
export function windowClosedDetails({ lastInboundAt, closedByMetaAt }: ClosedWindow): string {
	return closedByMetaAt === null
		? `The customer last wrote at ${lastInboundAt.toISOString()}, more than 24 hours ago.`
		: `Meta reported 131047 (re-engagement: outside the 24-hour window) at ${closedByMetaAt.toISOString()} for a message to this customer, who last wrote at ${lastInboundAt.toISOString()}. The window stays closed until the customer writes again.`;
}

/** The store knows the window is closed: fail like Meta's 131047 without spending a request. */
export function windowClosedError(window: ClosedWindow): MetaApiError {
	return new MetaApiError(400, {
		code: WINDOW_CLOSED_CODE,
		message: 'Re-engagement message: checked before sending, nothing was sent',
		type: 'WindowClosed',
		error_data: { details: windowClosedDetails(window) },
	});
}

/**
 * Meta refused a free-form message in its answer because the window is closed. The answer is an
 * error, so the message was not accepted and nothing reached the customer: sending the template
 * now is not a second message. (Meta usually accepts the message and reports 131047 later in a
 * `failed` status; the trigger records that, and the next send to the contact is the template.)
 */
export function isRefusedForClosedWindow(error: unknown): error is MetaApiError {
	return error instanceof MetaApiError && error.code === WINDOW_CLOSED_CODE;
}

/**
 * Whether the item is a free-form message that may still go out as its window-closed template:
 * it has one, and has not been switched to it yet (so a template is tried at most once).
 */
export function canSwitchToTemplate(p: PreparedSend): boolean {
	return p.windowClosed !== undefined && p.fallback === undefined;
}

/**
 * Makes the item its window-closed template: the request, the template, the text the customer
 * reads and the purpose its consent is decided by (a MARKETING template is a marketing send).
 * A media file not uploaded yet is not needed any more.
 */
export function switchToTemplate(
	p: PreparedSend,
	detectedBy: WindowClosedFallback['detectedBy'],
	details: string,
): void {
	const replacement = p.windowClosed;
	if (!replacement) throw new Error(`Item ${p.itemIndex} has no template for a closed window`);
	p.body = replacement.body;
	p.template = replacement.template;
	p.renderedText = replacement.renderedText;
	p.purpose = replacement.purpose;
	p.upload = undefined;
	p.fallback = { reason: 'windowClosed', detectedBy, details };
}
