import type { OutboundMessageInput, Store } from '../store/types';

/**
 * Logs a message Meta accepted. The message is already on its way, so a store failure must not
 * fail (and invite a resend of) the item: the caller shows the returned problem on the item.
 */
export async function logAcceptedMessage(
	store: Store,
	message: OutboundMessageInput,
): Promise<string | null> {
	try {
		await store.logOutbound(message);
		return null;
	} catch (error) {
		return `The message was sent but not written to the message log: ${(error as Error).message}`;
	}
}
