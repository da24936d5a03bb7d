import type {
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { parseContactIdentifier } from '../../../lib/core/contact';
import { acceptsHandOff, parseHandOffBody } from '../../../lib/waits/handOff';
import { OUTPUT, SEQUENCE_VERSION, waitOutputs } from '../descriptions/properties';
import { openWaitStoreForHandOff } from './common';

/**
 * Runs when the resumer POSTs to this execution's resume URL. n8n has checked its resume token;
 * this checks the wait's own secret, then routes the waiting items to Replied or Cancelled.
 * Anything else is refused and the execution keeps waiting.
 */
export async function receiveHandOff(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const handOff = parseHandOffBody(this.getBodyData());
	const { store, account } = await openWaitStoreForHandOff.call(this);
	const wait = handOff === null ? null : await store.getWait(handOff.waitId);
	if (handOff === null || !acceptsHandOff(wait, this.getExecutionId(), handOff)) {
		this.getResponseObject().status(403).json({
			message:
				'Refused: only the WhatsApp Automation Trigger or a Cancel Waits run holding this wait’s claim can resume it. The execution keeps waiting.',
		});
		return { noWebhookResponse: true };
	}

	const version = this.getNode().typeVersion;
	const outputs: INodeExecutionData[][] = waitOutputs(version);
	if (handOff.reason === 'erasure') {
		// The contact is being erased: nothing of theirs goes on, so nothing downstream can write to them.
		outputs[OUTPUT.cancelled] = waitingItems(this).map((_, index) => ({
			json: { followUp: { outcome: 'cancelled', reason: 'erasure', waitId: wait.id } },
			pairedItem: { item: index },
		}));
		return { workflowData: outputs };
	}
	// A reply names its contact (the one the wait is keyed by); reading the Contact parameter
	// would cost an expression isolate in this webhook phase when it is an expression.
	const contact = parseContactIdentifier(
		handOff.event
			? { waId: handOff.event.contact.waId, userId: handOff.event.contact.userId }
			: this.getNodeParameter('contact'),
	);
	const windowOpen = await store.isWindowOpen({
		account,
		phoneNumberId: wait.phoneNumberId,
		contact,
		at: new Date(),
	});
	const followUp: IDataObject = {
		outcome: handOff.outcome,
		waitId: wait.id,
		deadline: wait.deadline.toISOString(),
		...(version >= SEQUENCE_VERSION ? { sequence: wait.sequence, count: wait.followUp } : {}),
	};
	const reply = (handOff.event ?? {}) as unknown as IDataObject;
	const items = waitingItems(this).map((item, index): INodeExecutionData => ({
		...item,
		json: { ...item.json, ...reply, windowOpen, followUp },
		pairedItem: { item: index },
	}));
	outputs[handOff.outcome === 'replied' ? OUTPUT.replied : OUTPUT.cancelled] = items;
	return { workflowData: outputs };
}

/**
 * The items the node received before it paused. webhook() has no getInputData(); n8n-core's
 * webhook context holds them as `connectionInputData` (what `$input` resolves against in this
 * phase), and reading them there spares an expression isolate per resumed reply. A host without
 * that field gets them through `$input.all()`, the same items at an isolate's cost.
 */
function waitingItems(context: IWebhookFunctions): INodeExecutionData[] {
	const held = (context as unknown as { connectionInputData?: unknown }).connectionInputData;
	const value = Array.isArray(held) ? held : context.evaluateExpression('{{ $input.all() }}', 0);
	const entries = Array.isArray(value) ? (value as unknown[]) : [];
	return entries.map((entry) =>
		isItem(entry)
			? { json: entry.json, ...(entry.binary ? { binary: entry.binary } : {}) }
			: { json: (entry ?? {}) as IDataObject },
	);
}

function isItem(value: unknown): value is INodeExecutionData {
	return (
		value !== null &&
		typeof value === 'object' &&
		typeof (value as { json?: unknown }).json === 'object' &&
		(value as { json?: unknown }).json !== null
	);
}
