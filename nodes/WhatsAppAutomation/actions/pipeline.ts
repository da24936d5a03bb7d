import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	NodeOperationError,
	sleep,
} from 'n8n-workflow';

import { ConsentSkip } from '../../../lib/consent';
import { FieldError } from '../../../lib/core/fieldError';
import { senderStatusVerdict } from '../../../lib/core/senderHealth';
import { type PacedResult, PacedSender, type SendLimiter } from '../../../lib/core/pacing';
import {
	GraphClient,
	type PhoneNumber,
	sendRetryDecision,
	type SendResponse,
} from '../../../lib/transport/graphApi';
import { errorItem, toNodeError } from '../../../lib/transport/nodeErrors';
import { readSenderId } from '../../helpers/sender';
import { readItemParameter } from '../../helpers/itemParameter';
import { sharedLimiters } from '../../helpers/sharedPacing';
import { SendConsent, type SendPace } from './consent';
import {
	pausedItem,
	SkipBeforeSending,
	sentItem,
	skippedBeforeSendingItem,
	skippedItem,
} from './items';
import { DEFAULT_QUALITY_CHECK_EVERY, QualityPause, QualityWatch } from './qualityPause';
import type { PrepareContext, PreparedSend, SendOperation } from './types';
import {
	canSwitchToTemplate,
	isRefusedForClosedWindow,
	switchToTemplate,
	windowClosedDetails,
	windowClosedError,
} from './windowClosed';

/**
 * Items prepared, screened for consent and the window (one store query each) and handed to the
 * sender at a time. While one chunk is being sent the next is prepared, so the first message
 * leaves after the first chunk is ready, not after every item is.
 */
const CHUNK_SIZE = 100;

/**
 * Preparing items (reading their parameters) runs on the same thread as the sends: after this
 * long it lets due sends and Meta's answers through, so pacing keeps its rate while it works.
 */
const PREPARE_SLICE_MS = 10;

/** Why the run stopped before the end. */
interface RunStop {
	/** The item that stopped it. */
	itemIndex: number;
	error: Error;
	/** The first item of its chunk: nothing from here on was handed to the sender. */
	heldFrom: number;
}

/**
 * The send node's run, the same for every operation, as a pipeline over chunks of items: prepare a
 * chunk (sender checked once per execution, then the operation's own preparation), screen its
 * consent and 24-hour windows, hand it to the paced sender, and prepare the next while it is being
 * sent. Every chunk shares one rate limiter, one concurrency bound and the pair rate, so pacing
 * and per-recipient order are those of one batch. One item per input item, in input order.
 * A free-form message with a window-closed template ("When the Window Is Closed" → Send a
 * Template Instead) whose window the store knows is closed goes out as that template, screened
 * again for the template's purpose.
 *
 * Without Continue On Fail the first item that cannot be sent (bad input, a window the store knows
 * is closed and no template for it) stops the run before any item of its chunk leaves: the chunks
 * before it are sent (or skipped or failed as usual), its own chunk and everything after it are
 * not. So a run of up to CHUNK_SIZE items sends nothing, as when every item was prepared first.
 * The sends already handed over finish and the message log is written before the error, which
 * names the item and says how many items before it were sent.
 */
export async function runSendPipeline(
	this: IExecuteFunctions,
	operation: SendOperation,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const client = await GraphClient.create(this);
	const once = perExecution();
	const continueOnFail = this.continueOnFail();
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	const pace: SendPace = {
		ratePerSecond: Number(options.messagesPerSecond ?? 80),
		concurrency: Number(options.concurrency ?? 20),
	};

	const quality =
		operation.sendsMessage && options.pauseWhenQualityIsLow === true
			? new QualityWatch(
					this,
					client,
					Number(options.qualityCheckEvery ?? DEFAULT_QUALITY_CHECK_EVERY),
				)
			: undefined;

	const output: INodeExecutionData[] = new Array(items.length);
	const results: Array<{ p: PreparedSend; result: PacedResult<SendResponse> }> = [];
	const sends: Array<Promise<void>> = [];
	let consent: SendConsent | undefined;
	/** Each number's slice of its rate, shared with other executions and processes (the store). */
	let numberLimiter: ((phoneNumberId: string) => SendLimiter) | undefined;
	const sender = new PacedSender<PreparedSend, SendResponse>(
		(p) => `${p.sender.id}:${p.recipient?.waId ?? p.itemIndex}`,
		async (p) =>
			await deliver.call(this, client, p, consent, numberLimiter?.(p.sender.id), quality),
		sendRetryDecision,
		{
			...pace,
			sleep,
			retry: {
				maxRetries: Number(options.maxRetries ?? 1),
				baseDelayMs: Number(options.retryDelaySeconds ?? 60) * 1000,
			},
			// Messages go out only after the store was opened; Mark as Read paces per execution.
			limiterFor: (p) => numberLimiter?.(p.sender.id),
		},
	);
	const yieldIfDue = timeSlicer(PREPARE_SLICE_MS);

	let stop: RunStop | undefined;
	try {
		for (let start = 0; start < items.length && !stop; start += CHUNK_SIZE) {
			// One chunk waits in the sender while the next is prepared; never more.
			await sender.settledDownTo(CHUNK_SIZE);
			const end = Math.min(items.length, start + CHUNK_SIZE);
			const ready: PreparedSend[] = [];
			for (let i = start; i < end; i++) {
				try {
					const checked = await checkedSender(this, client, once, i);
					ready.push(await operation.prepare.call(this, { client, sender: checked, once }, i));
				} catch (error) {
					if (error instanceof SkipBeforeSending) output[i] = skippedBeforeSendingItem(error);
					else if (!continueOnFail) {
						stop = { itemIndex: i, error: error as Error, heldFrom: start };
						break;
					} else output[i] = errorItem(this, error as Error, i);
				}
				await yieldIfDue();
			}

			let toSend = ready;
			if (quality && ready.length > 0 && !stop) {
				const held = await quality.screen(ready);
				for (const [p, pause] of held) output[p.itemIndex] = pausedItem(p, pause);
				if (held.length > 0) toSend = ready.filter((p) => quality.pauseOf(p) === undefined);
			}
			if (operation.sendsMessage && toSend.length > 0 && !stop) {
				// Opened for the first chunk with something to send, so a store that cannot be opened
				// fails the run (whatever Continue On Fail says) before anything was sent.
				consent ??= await openConsent(this, client, pace);
				numberLimiter ??= sharedLimiters(consent.accountStore, pace.ratePerSecond, items.length);
				try {
					const screened = await consent.screen(toSend);
					for (const { item, skip } of screened.skipped) {
						output[item.itemIndex] = skippedItem(item, skip);
					}
					toSend = screened.allowed;
					if (operation.needsOpenWindow) {
						const closed = await consent.closedWindows(toSend, new Date());
						const held = new Set<number>();
						for (const p of toSend) {
							const window = closed.get(p.itemIndex);
							if (!window) continue;
							if (canSwitchToTemplate(p)) {
								// "Send a Template Instead": the template goes, if its own purpose is allowed.
								switchToTemplate(p, 'store', windowClosedDetails(window));
								const skip = consent.screenAgain(p);
								if (skip) {
									output[p.itemIndex] = skippedItem(p, skip);
									held.add(p.itemIndex);
								}
								continue;
							}
							held.add(p.itemIndex);
							const error = windowClosedError(window);
							if (continueOnFail) output[p.itemIndex] = errorItem(this, error, p.itemIndex);
							else if (!stop || p.itemIndex < stop.itemIndex) {
								stop = { itemIndex: p.itemIndex, error, heldFrom: start };
							}
						}
						toSend = toSend.filter((p) => !held.has(p.itemIndex));
					}
				} catch (error) {
					// The store failed: no item of this chunk may leave unchecked.
					stop = { itemIndex: start, error: storeError(this, error as Error), heldFrom: start };
				}
			}

			if (stop) break;
			consent?.expect(toSend);
			for (const p of toSend) {
				sends.push(sender.send(p).then((result) => void results.push({ p, result })));
			}
			// Let the chunk's first requests leave before the next chunk is prepared.
			await sleep(0);
		}
	} finally {
		// Whatever happens, the sends already handed over finish and the message log is written.
		await Promise.all(sends);
		await consent?.flushLog();
	}

	let failed: { error: Error; itemIndex: number } | undefined;
	for (const { p, result } of results) {
		if (result.ok) output[p.itemIndex] = sentItem(p, result.value, result.attempts);
		else if (result.error instanceof ConsentSkip) {
			output[p.itemIndex] = skippedItem(p, result.error);
		} else if (result.error instanceof QualityPause) {
			output[p.itemIndex] = pausedItem(p, result.error);
		} else {
			if (!failed || p.itemIndex < failed.itemIndex) {
				failed = { error: result.error as Error, itemIndex: p.itemIndex };
			}
			output[p.itemIndex] = errorItem(this, result.error as Error, p.itemIndex);
		}
	}

	if (stop) {
		if (!continueOnFail) throw stoppedRunError(this, stop, output, items.length);
		// Continue On Fail and a store that failed mid-run: each item not sent says why.
		for (let i = stop.heldFrom; i < items.length; i++) {
			output[i] ??= errorItem(this, stop.error, i);
		}
	}
	if (failed && !continueOnFail) {
		const error = toNodeError(this, failed.error, failed.itemIndex);
		const sentCount = output.filter(isSent).length;
		if (sentCount > 0) {
			error.description = `${error.description ?? ''}\n${sentCount} other item(s) of this batch were sent; turn on "Continue On Fail" to get one result per item.`;
		}
		throw error;
	}
	return [output];
}

/** Opens the consent store on the first chunk that has something to send. */
async function openConsent(
	fn: IExecuteFunctions,
	client: GraphClient,
	pace: SendPace,
): Promise<SendConsent> {
	try {
		return await SendConsent.open(client.credentials, fn.logger, pace);
	} catch (error) {
		throw new NodeOperationError(fn.getNode(), error as Error, {
			description:
				'Sends are checked against consent in the state store chosen in the WhatsApp Cloud API credential; nothing was sent.',
		});
	}
}

/** A store failure while screening a chunk: no item of it, nor any after it, is sent. */
function storeError(fn: IExecuteFunctions, error: Error): Error {
	return new NodeOperationError(fn.getNode(), error, {
		message: `The state store failed while checking consent: ${error.message}`,
		description:
			'Sends are checked against consent in the state store chosen in the WhatsApp Cloud API credential.',
	});
}

function isSent(item: INodeExecutionData | undefined): boolean {
	return typeof item?.json.messageId === 'string';
}

/**
 * The error of a run stopped at one item: the item's own error (it names the item), exactly how
 * many items before it were sent, and that none from its chunk on was.
 */
function stoppedRunError(
	fn: IExecuteFunctions,
	stop: RunStop,
	output: INodeExecutionData[],
	total: number,
): Error {
	const error = toNodeError(fn, stop.error, stop.itemIndex);
	const handled = output.slice(0, stop.heldFrom);
	const count = (what: (item: INodeExecutionData | undefined) => boolean) =>
		handled.filter(what).length;
	const others = [
		[count((item) => item?.json.skipped === true), 'skipped'],
		[count((item) => item?.json.error !== undefined), 'failed'],
	]
		.filter(([n]) => (n as number) > 0)
		.map(([n, what]) => `, ${n} ${what}`)
		.join('');
	const where = `The run stopped at item ${stop.itemIndex} (input item ${stop.itemIndex + 1} of ${total}).`;
	const chunkEnd = Math.min(total, stop.heldFrom + CHUNK_SIZE) - 1;
	const chunkNote =
		stop.heldFrom < stop.itemIndex
			? `items are checked and sent in chunks of ${CHUNK_SIZE}; item ${stop.itemIndex}'s chunk, items ${stop.heldFrom} to ${chunkEnd}, was held back whole`
			: `items are checked and sent in chunks of ${CHUNK_SIZE}`;
	const outcome =
		stop.heldFrom === 0
			? 'Nothing was sent.'
			: `${count(isSent)} of the ${stop.itemIndex} item(s) before it were sent${others}, all among items 0 to ${stop.heldFrom - 1}; nothing from item ${stop.heldFrom} on was sent (${chunkNote}).`;
	error.description = [
		error.description ?? '',
		`${where} ${outcome}`,
		'Fix the item and run the items that were not sent again, or turn on "Continue On Fail" to send every good item and get one result per item.',
	]
		.filter(Boolean)
		.join('\n');
	return error;
}

/**
 * Resolves at once while the current slice of work is shorter than `sliceMs`; after that it lets
 * the event loop run (n8n's sleep of 0 ms: pending timers and I/O first) and starts a new slice.
 */
function timeSlicer(sliceMs: number): () => Promise<void> {
	let sliceStart = Date.now();
	return async () => {
		if (Date.now() - sliceStart < sliceMs) return;
		await sleep(0);
		sliceStart = Date.now();
	};
}

/**
 * The item's sender: a numeric phone number ID whose status (read once per execution) lets it
 * send (lib/core/senderHealth.ts: CONNECTED, FLAGGED… send; DISCONNECTED, BANNED… do not).
 */
async function checkedSender(
	fn: IExecuteFunctions,
	client: GraphClient,
	once: PrepareContext['once'],
	i: number,
): Promise<PhoneNumber> {
	const senderId = readSenderId(readItemParameter(fn, 'sender', i, '', { extractValue: true }));
	const sender = await once(`sender:${senderId}`, () => client.getPhoneNumber(senderId));
	const verdict = senderStatusVerdict(sender.status);
	if (!verdict.canSend) {
		throw new FieldError(
			'Sender',
			`${sender.display_phone_number} (${senderId})`,
			`${sender.display_phone_number} (${senderId}) is offline: status ${sender.status}`,
			`Sender offline: ${verdict.fix}`,
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

/**
 * Checks consent once more right before the request, then sends and queues the accepted message
 * for the log. A free-form message Meta refuses with 131047 (its window was closed although the
 * store did not know) goes out as its window-closed template right away, once: the refusal means
 * nothing was delivered. The template takes a slot of the number's rate and is checked against
 * consent for its own purpose. A retry of the item (a retryable error of the template's request)
 * sends the template again, never the free-form message.
 */
async function deliver(
	this: IExecuteFunctions,
	client: GraphClient,
	p: PreparedSend,
	consent: SendConsent | undefined,
	limiter: SendLimiter | undefined,
	quality: QualityWatch | undefined,
): Promise<SendResponse> {
	// The sender's quality turned low after this item was handed over: it stays unsent.
	const pause = quality?.pauseOf(p);
	if (pause) throw pause;
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
	let response: SendResponse;
	try {
		response = await client.sendMessage(p.sender.id, p.body);
	} catch (error) {
		// Any other failure goes back to the sender as it came; the run turns it into the item's
		// NodeApiError (toNodeError, errorItem), with Meta's code and the item index.
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error
		if (!canSwitchToTemplate(p) || !isRefusedForClosedWindow(error)) throw error;
		switchToTemplate(p, 'meta', error.details ?? error.metaMessage);
		await limiter?.acquire();
		await consent?.recheck(p);
		response = await client.sendMessage(p.sender.id, p.body);
	}
	consent?.logAccepted(p, response);
	return response;
}
