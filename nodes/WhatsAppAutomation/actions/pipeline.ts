import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	NodeOperationError,
	sleep,
} from 'n8n-workflow';

import { ConsentSkip } from '../../../lib/consent';
import { MetaApiError } from '../../../lib/core/errors';
import { FieldError } from '../../../lib/core/fieldError';
import { sendPaced } from '../../../lib/core/pacing';
import {
	GraphClient,
	type PhoneNumber,
	sendRetryDecision,
	type SendResponse,
} from '../../../lib/transport/graphApi';
import { errorItem, toNodeError } from '../../../lib/transport/nodeErrors';
import { readSenderId } from '../../helpers/sender';
import { readItemParameter } from '../../helpers/itemParameter';
import { type ClosedWindow, SendConsent } from './consent';
import { sentItem, skippedItem } from './items';
import type { PrepareContext, PreparedSend, SendOperation } from './types';

/**
 * The send node's run, the same for every operation: prepare every item (sender checked once per
 * execution, then the operation's own preparation), stop before anything leaves if an item is
 * wrong, screen consent and the 24-hour window for the whole batch, send paced with retries,
 * and return one item per input item in input order.
 */
export async function runSendPipeline(
	this: IExecuteFunctions,
	operation: SendOperation,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const client = await GraphClient.create(this);
	const once = perExecution();

	const prepared: Array<PreparedSend | Error> = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const sender = await checkedSender(this, client, once, i);
			const context: PrepareContext = { client, sender, once };
			prepared.push(await operation.prepare.call(this, context, i));
		} catch (error) {
			prepared.push(error as Error);
		}
	}

	// Input problems stop the run before anything is sent, unless the user chose to continue.
	if (!this.continueOnFail()) {
		const firstProblem = prepared.findIndex((p) => p instanceof Error);
		if (firstProblem >= 0) throw toNodeError(this, prepared[firstProblem] as Error, firstProblem);
	}

	const ready = prepared.filter((p): p is PreparedSend => !(p instanceof Error));
	const output: INodeExecutionData[] = new Array(items.length);
	let toSend = ready;
	let consent: SendConsent | undefined;
	if (operation.sendsMessage && ready.length > 0) {
		try {
			consent = await SendConsent.open(client.credentials, this.logger);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, {
				description:
					'Sends are checked against consent in the state store chosen in the WhatsApp Cloud API credential; nothing was sent.',
			});
		}
		const screened = await consent.screen(ready);
		toSend = screened.allowed;
		for (const { item, skip } of screened.skipped) output[item.itemIndex] = skippedItem(item, skip);
		if (operation.needsOpenWindow) {
			const closed = await consent.closedWindows(toSend, new Date());
			for (const [itemIndex, window] of closed) prepared[itemIndex] = windowClosedError(window);
			toSend = toSend.filter((p) => !closed.has(p.itemIndex));
			if (closed.size > 0 && !this.continueOnFail()) {
				const first = Math.min(...closed.keys());
				throw toNodeError(this, prepared[first] as Error, first);
			}
		}
	}

	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const results = await sendPaced(
		toSend,
		(p) => `${p.sender.id}:${p.recipient?.waId ?? p.itemIndex}`,
		async (p) => await deliver.call(this, client, p, consent),
		sendRetryDecision,
		{
			ratePerSecond: Number(options.messagesPerSecond ?? 80),
			concurrency: Number(options.concurrency ?? 20),
			sleep,
			retry: {
				maxRetries: Number(options.maxRetries ?? 1),
				baseDelayMs: Number(options.retryDelaySeconds ?? 60) * 1000,
			},
		},
	);

	prepared.forEach((p, i) => {
		if (p instanceof Error) output[i] = errorItem(this, p, i);
	});
	let firstFailure: { error: Error; itemIndex: number } | undefined;
	let sentCount = 0;
	results.forEach((result, k) => {
		const p = toSend[k];
		if (result.ok) {
			sentCount++;
			output[p.itemIndex] = sentItem(p, result.value, result.attempts);
		} else if (result.error instanceof ConsentSkip) {
			output[p.itemIndex] = skippedItem(p, result.error);
		} else {
			firstFailure ??= { error: result.error as Error, itemIndex: p.itemIndex };
			output[p.itemIndex] = errorItem(this, result.error as Error, p.itemIndex);
		}
	});

	if (firstFailure && !this.continueOnFail()) {
		const error = toNodeError(this, firstFailure.error, firstFailure.itemIndex);
		if (sentCount > 0) {
			error.description = `${error.description ?? ''}\n${sentCount} other item(s) of this batch were sent; turn on "Continue On Fail" to get one result per item.`;
		}
		throw error;
	}
	return [output];
}

/** The item's sender: a numeric phone number ID whose status (read once per execution) is CONNECTED. */
async function checkedSender(
	fn: IExecuteFunctions,
	client: GraphClient,
	once: PrepareContext['once'],
	i: number,
): Promise<PhoneNumber> {
	const senderId = readSenderId(readItemParameter(fn, 'sender', i, '', { extractValue: true }));
	const sender = await once(`sender:${senderId}`, () => client.getPhoneNumber(senderId));
	if (sender.status && sender.status.toUpperCase() !== 'CONNECTED') {
		throw new FieldError(
			'Sender',
			`${sender.display_phone_number} (${senderId})`,
			`${sender.display_phone_number} (${senderId}) is offline: status ${sender.status}`,
			'Sender offline: reconnect or register the number in WhatsApp Manager, or pick a CONNECTED sender.',
		);
	}
	return sender;
}

/** A per-execution memo: the first item loads a value, later items of the batch share it. */
function perExecution(): PrepareContext['once'] {
	const values = new Map<string, Promise<unknown>>();
	return <T>(key: string, load: () => Promise<T>): Promise<T> => {
		let value = values.get(key) as Promise<T> | undefined;
		if (!value) {
			value = load();
			values.set(key, value);
		}
		return value;
	};
}

/** The store knows the window is closed: fail like Meta's 131047 without spending a request. */
function windowClosedError({ lastInboundAt, closedByMetaAt }: ClosedWindow): MetaApiError {
	const details =
		closedByMetaAt === null
			? `The customer last wrote at ${lastInboundAt.toISOString()}, more than 24 hours ago.`
			: `Meta reported 131047 (re-engagement: outside the 24-hour window) at ${closedByMetaAt.toISOString()} for a message to this customer, who last wrote at ${lastInboundAt.toISOString()}. The window stays closed until the customer writes again.`;
	return new MetaApiError(400, {
		code: 131047,
		message: 'Re-engagement message: checked before sending, nothing was sent',
		type: 'WindowClosed',
		error_data: { details },
	});
}

/** Checks consent once more right before the request, then sends and logs the accepted message. */
async function deliver(
	this: IExecuteFunctions,
	client: GraphClient,
	p: PreparedSend,
	consent: SendConsent | undefined,
): Promise<SendResponse> {
	if (p.upload) {
		const binary = this.helpers.assertBinaryData(p.itemIndex, p.upload.binaryPropertyName);
		const buffer = await this.helpers.getBinaryDataBuffer(p.itemIndex, p.upload.binaryPropertyName);
		const { id } = await client.uploadMedia(
			p.sender.id,
			buffer,
			binary.mimeType,
			binary.fileName ?? 'file',
		);
		const media = p.body[p.upload.mediaType] as IDataObject;
		p.body = { ...p.body, [p.upload.mediaType]: { ...media, id } };
		p.upload = undefined;
	}
	await consent?.recheck(p);
	const response = await client.sendMessage(p.sender.id, p.body);
	await consent?.logAccepted(p, response);
	return response;
}
