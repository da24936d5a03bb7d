import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	NodeOperationError,
	sleep,
} from 'n8n-workflow';

import {
	appendOptOutFooter,
	type ConsentPurpose,
	purposeOfSend,
	type UnknownConsentPolicy,
} from '../../../lib/core/consentPolicy';
import { MetaApiError } from '../../../lib/core/errors';
import {
	buildButtonsMessage,
	buildMarkAsRead,
	buildMediaMessage,
	buildTemplateMessage,
	buildTextMessage,
	FieldError,
	LIMITS,
	type MediaType,
} from '../../../lib/core/messages';
import { sendPaced } from '../../../lib/core/pacing';
import { parseE164 } from '../../../lib/core/phone';
import { buildTemplateComponents, type MessageTemplate } from '../../../lib/core/templates';
import {
	GraphClient,
	sendRetryDecision,
	type PhoneNumber,
	type SendResponse,
} from '../../../lib/transport/graphApi';
import { ConsentSkip, consentJson } from '../../../lib/consent';
import type { ConsentState } from '../../../lib/store/types';
import { type ClosedWindow, optOutFooterFor, SendConsent, skippedItem } from './consent';
import { errorItem, toNodeError } from '../../../lib/transport/nodeErrors';
import { findTemplate } from './templateLookup';

type Operation = 'sendTemplate' | 'sendText' | 'sendButtons' | 'sendMedia' | 'markAsRead';

/** Messages Meta delivers only inside the customer-service window. */
const FREE_FORM_OPERATIONS = new Set<Operation>(['sendText', 'sendButtons', 'sendMedia']);

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

/** One item, checked and turned into a request body before anything is sent. */
interface PreparedSend {
	itemIndex: number;
	sender: PhoneNumber;
	recipient?: { phone: string; waId: string; name?: string };
	body: Record<string, unknown>;
	template?: MessageTemplate;
	renderedText?: string;
	/** Binary data to upload first; the media id then goes into the body. */
	upload?: { binaryPropertyName: string; mediaType: MediaType };
	/** Decides which consent the send needs; absent for Mark as Read. */
	purpose?: ConsentPurpose;
	unknownConsent?: UnknownConsentPolicy;
	consent?: ConsentState;
	/** Set when Meta accepted the message but the message log could not be written. */
	logProblem?: string | null;
}

interface ExecutionCaches {
	senders: Map<string, Promise<PhoneNumber>>;
	templates: Map<string, Promise<MessageTemplate>>;
}

export async function executeSend(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as Operation;
	const client = await GraphClient.create(this);
	const caches: ExecutionCaches = { senders: new Map(), templates: new Map() };

	const prepared: Array<PreparedSend | Error> = [];
	for (let i = 0; i < items.length; i++) {
		try {
			prepared.push(await prepareItem.call(this, client, caches, operation, i));
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
	if (operation !== 'markAsRead' && ready.length > 0) {
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
		if (FREE_FORM_OPERATIONS.has(operation)) {
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
			output[p.itemIndex] = {
				json: successJson(p, result.value, result.attempts),
				pairedItem: { item: p.itemIndex },
			};
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

async function prepareItem(
	this: IExecuteFunctions,
	client: GraphClient,
	caches: ExecutionCaches,
	operation: Operation,
	i: number,
): Promise<PreparedSend> {
	const senderId = String(
		this.getNodeParameter('sender', i, '', { extractValue: true }) ?? '',
	).trim();
	if (!/^\d+$/.test(senderId)) {
		throw new FieldError(
			'Sender',
			senderId,
			'is not a phone number ID',
			'Pick the sender from the list or enter its numeric phone number ID.',
		);
	}
	const sender = await cached(caches.senders, senderId, () => client.getPhoneNumber(senderId));
	if (sender.status && sender.status.toUpperCase() !== 'CONNECTED') {
		throw new FieldError(
			'Sender',
			`${sender.display_phone_number} (${senderId})`,
			`${sender.display_phone_number} (${senderId}) is offline: status ${sender.status}`,
			'Sender offline: reconnect or register the number in WhatsApp Manager, or pick a CONNECTED sender.',
		);
	}

	if (operation === 'markAsRead') {
		return {
			itemIndex: i,
			sender,
			body: buildMarkAsRead(
				this.getNodeParameter('messageId', i),
				this.getNodeParameter('typingIndicator', i, false) as boolean,
			),
		};
	}

	const rawPhone = this.getNodeParameter('recipientPhone', i);
	const phone = parseE164(rawPhone);
	if (!phone.ok) {
		throw new FieldError(
			'Recipient Phone',
			rawPhone,
			`is invalid: ${phone.reason}`,
			'Use E.164: "+", country code and number without spaces, e.g. +4915112345678.',
		);
	}
	const recipient = { phone: phone.e164, waId: phone.waId };
	const options = this.getNodeParameter('options', i, {}) as IDataObject;
	const purposeSetting = this.getNodeParameter('purpose', i, 'auto');
	const unknownConsent: UnknownConsentPolicy = options.requireOptIn ? 'needsOptIn' : 'allow';
	const common = {
		recipient: { to: phone.waId },
		replyToMessageId: (options.replyToMessageId as string) || undefined,
		bizOpaqueCallbackData: (options.callbackData as string) || undefined,
	};

	switch (operation) {
		case 'sendTemplate': {
			const ref = String(
				this.getNodeParameter('template', i, '', { extractValue: true }) ?? '',
			).trim();
			if (!ref) throw new FieldError('Template', ref, 'is empty', 'Pick an approved template.');
			const template = await cached(caches.templates, ref, () => findTemplate(client, ref));
			const values = (this.getNodeParameter('variables.value', i, {}) ?? {}) as IDataObject;
			const plan = buildTemplateComponents(template, values);
			if (plan.problems.length > 0) {
				const first = plan.problems[0];
				throw new FieldError(
					`Variable "${first.slotId}" of template "${template.name}" (${template.language})`,
					values[first.slotId] ?? '',
					first.message,
					plan.problems.length > 1
						? `Fix all ${plan.problems.length} variables: ${plan.problems.map((p) => `${p.slotId}: ${p.message}`).join('; ')}.`
						: 'Map a valid value for this variable.',
				);
			}
			const name = (this.getNodeParameter('recipientName', i, '') as string) || undefined;
			return {
				itemIndex: i,
				sender,
				recipient: { ...recipient, name },
				purpose: purposeOfSend(purposeSetting, template.category),
				unknownConsent,
				template,
				renderedText: plan.rendered,
				body: buildTemplateMessage(common, {
					name: template.name,
					language: template.language,
					components: plan.components,
				}),
			};
		}
		case 'sendText': {
			const purpose = purposeOfSend(purposeSetting, null);
			const footer = optOutFooterFor(this, i, purpose);
			const given = this.getNodeParameter('text', i);
			const text =
				footer && typeof given === 'string' && given.trim() !== ''
					? appendOptOutFooter(given, footer)
					: given;
			return {
				itemIndex: i,
				sender,
				recipient,
				purpose,
				unknownConsent,
				renderedText: String(text),
				body: buildTextMessage(common, {
					body: text,
					previewUrl: this.getNodeParameter('previewUrl', i, false) as boolean,
				}),
			};
		}
		case 'sendButtons': {
			const buttons = ((this.getNodeParameter('buttons.button', i, []) ?? []) as IDataObject[]).map(
				(b) => ({
					title: String(b.title ?? ''),
					id: b.id ? String(b.id) : undefined,
				}),
			);
			const purpose = purposeOfSend(purposeSetting, null);
			const optOutFooter = optOutFooterFor(this, i, purpose);
			let bodyText = this.getNodeParameter('buttonsBody', i);
			let footer = (this.getNodeParameter('buttonsFooter', i, '') as string) || undefined;
			if (optOutFooter && !footer && [...optOutFooter].length <= LIMITS.footer) {
				footer = optOutFooter;
			} else if (optOutFooter && typeof bodyText === 'string' && bodyText.trim() !== '') {
				bodyText = appendOptOutFooter(bodyText, optOutFooter);
			}
			const body = buildButtonsMessage(common, {
				body: bodyText,
				buttons,
				headerText: (this.getNodeParameter('buttonsHeader', i, '') as string) || undefined,
				footer,
			});
			return {
				itemIndex: i,
				sender,
				recipient,
				purpose,
				unknownConsent,
				body,
				renderedText: [
					String(bodyText),
					...(footer ? [footer] : []),
					...buttons.map((b) => `[${b.title}]`),
				].join('\n'),
			};
		}
		case 'sendMedia': {
			const mediaType = this.getNodeParameter('mediaType', i) as MediaType;
			const source = this.getNodeParameter('mediaSource', i) as 'url' | 'binary' | 'id';
			const caption = (this.getNodeParameter('caption', i, '') as string) || undefined;
			const filename = (this.getNodeParameter('fileName', i, '') as string) || undefined;
			if (source === 'binary') {
				const binaryPropertyName = this.getNodeParameter('binaryPropertyName', i) as string;
				const binary = this.helpers.assertBinaryData(i, binaryPropertyName);
				// Validate caption and the rest now with a placeholder id; the real id comes from the upload.
				const body = buildMediaMessage(common, {
					mediaType,
					id: 'pending-upload',
					caption,
					filename: filename ?? binary.fileName,
				});
				return {
					itemIndex: i,
					sender,
					recipient,
					purpose: purposeOfSend(purposeSetting, null),
					unknownConsent,
					body,
					upload: { binaryPropertyName, mediaType },
				};
			}
			const body = buildMediaMessage(common, {
				mediaType,
				link: source === 'url' ? (this.getNodeParameter('mediaUrl', i) as string) : undefined,
				id: source === 'id' ? String(this.getNodeParameter('mediaId', i)) : undefined,
				caption,
				filename,
			});
			return {
				itemIndex: i,
				sender,
				recipient,
				purpose: purposeOfSend(purposeSetting, null),
				unknownConsent,
				body,
			};
		}
	}
	throw new NodeOperationError(this.getNode(), `Unknown operation "${operation as string}"`);
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

function successJson(p: PreparedSend, response: SendResponse, attempts: number): IDataObject {
	const message = response.messages?.[0];
	const json: IDataObject = {
		messageId: message?.id ?? null,
		status: message?.message_status ?? (response.success ? 'read' : 'accepted'),
		type: String(p.body.type ?? 'read'),
		waId: response.contacts?.[0]?.wa_id ?? p.recipient?.waId ?? null,
		sender: {
			phoneNumberId: p.sender.id,
			displayPhoneNumber: p.sender.display_phone_number ?? null,
		},
		attempts,
	};
	if (p.recipient)
		json.recipient = {
			phone: p.recipient.phone,
			waId: p.recipient.waId,
			name: p.recipient.name ?? null,
		};
	if (p.template) {
		json.template = {
			name: p.template.name,
			language: p.template.language,
			category: p.template.category,
		};
	}
	if (p.renderedText !== undefined) json.renderedText = p.renderedText;
	if (!message) json.readMessageId = p.body.message_id as string;
	if (p.purpose) json.purpose = p.purpose;
	if (p.consent) json.consent = consentJson(p.consent);
	if (p.logProblem) json.logProblem = p.logProblem;
	return json;
}

function cached<T>(
	cache: Map<string, Promise<T>>,
	key: string,
	load: () => Promise<T>,
): Promise<T> {
	let value = cache.get(key);
	if (!value) {
		value = load();
		cache.set(key, value);
	}
	return value;
}
