/**
 * n8n's side of a webhook call: the hub.challenge GET and the event POSTs. The answer is always
 * written here (never left to n8n's defaults) when it is not a plain 200 with a run, and the
 * handler never throws: a thrown error would make n8n start an execution that failed. Refusals
 * answer only the status text; why goes to n8n's log, for the owner, not to the caller.
 */
import type {
	IBinaryKeyData,
	IDataObject,
	INodeExecutionData,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { buildTextMessage } from '../../lib/core/messages';
import { answerSubscriptionChallenge } from '../../lib/core/signature';
import {
	WEBHOOK_GRAPH_REQUEST_TIMEOUT_MS,
	WEBHOOK_HANDOFF_RETRY_DELAYS_MS,
	WEBHOOK_RESUME_REQUEST_TIMEOUT_MS,
} from '../../lib/core/timeouts';
import {
	checkDelivery,
	keepOwnAccount,
	processDelivery,
	publicRefusal,
	type DeliveryPorts,
	type TriggerItem,
} from '../../lib/inbound';
import { GraphClient, type CloudApiCredentials } from '../../lib/transport/graphApi';
import { resumeHttpFrom } from '../../lib/waits/http';
import { resumeWaitsForMessage } from '../../lib/waits/resume';
import { housekeepAccountStore, openAccountStore } from '../helpers/storeAccess';
import { credentialsForWebhook } from './credentialCache';
import { downloadMedia } from './media';
import {
	acceptsUnsignedDeliveries,
	expectedVerifyToken,
	readMediaOptions,
	readTriggerSettings,
} from './parameters';

type Response = ReturnType<IWebhookFunctions['getResponseObject']>;
type RawRequest = ReturnType<IWebhookFunctions['getRequestObject']> & {
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
};

export async function handleWebhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const res = this.getResponseObject();
	try {
		const credentials = await credentialsForWebhook(this);
		if (this.getWebhookName() === 'setup') return answerChallenge(this, res, credentials);
		return await receiveEvents(this, res, credentials);
	} catch (error) {
		this.logger.error('WhatsApp Automation Trigger could not handle a webhook call', {
			reason: (error as Error).message,
		});
		return reply(res, 500, 'Internal Server Error');
	}
}

function answerChallenge(
	ctx: IWebhookFunctions,
	res: Response,
	credentials: CloudApiCredentials,
): IWebhookResponseData {
	const token = expectedVerifyToken(ctx, credentials);
	if (token === '') {
		ctx.logger.warn(
			'Refused a webhook verification request: no Verify Token is set in the trigger node',
		);
		return reply(res, 403, publicRefusal(403));
	}
	const answer = answerSubscriptionChallenge(ctx.getQueryData() as Record<string, unknown>, token);
	if (!answer.ok) {
		ctx.logger.warn(`Refused a webhook verification request: ${answer.reason}`);
		return reply(res, 403, publicRefusal(403));
	}
	// Only digits get here; nosniff keeps a browser from reading them as anything but text.
	res.setHeader('X-Content-Type-Options', 'nosniff');
	return reply(res, 200, answer.challenge);
}

async function receiveEvents(
	ctx: IWebhookFunctions,
	res: Response,
	credentials: CloudApiCredentials,
): Promise<IWebhookResponseData> {
	const request = ctx.getRequestObject() as RawRequest;
	// n8n reads the raw body for JSON requests; for other content types it may not have yet.
	if (request.rawBody === undefined && typeof request.readRawBody === 'function') {
		await request.readRawBody();
	}
	const check = checkDelivery({
		rawBody: request.rawBody,
		signatureHeader: ctx.getHeaderData()['x-hub-signature-256'],
		appSecret: typeof credentials.appSecret === 'string' ? credentials.appSecret : '',
		acceptUnsigned: acceptsUnsignedDeliveries(ctx),
	});
	if (!check.ok) {
		ctx.logger.warn(`Refused a webhook call (${check.status}): ${check.reason}`);
		return reply(res, check.status, publicRefusal(check.status));
	}
	const own = keepOwnAccount(check.parsed, String(credentials.businessAccountId ?? '').trim());
	for (const { businessAccountId, count } of own.foreign) {
		ctx.logger.warn(
			`Ignored ${count} webhook event(s) of WhatsApp Business Account ${businessAccountId ?? '(none)'}: the credential belongs to account ${String(credentials.businessAccountId)}, and another account's consent and messages must not be recorded under it. Use a credential of that account in its own trigger, or subscribe per account (Webhook Registration "Account Callback Override").`,
			{ businessAccountId, count },
		);
	}

	const settings = readTriggerSettings(ctx);
	const outcome = await processDelivery(own.parsed, settings, deliveryPorts(ctx, credentials));
	const items = await toExecutionItems(ctx, credentials, outcome.items);

	if (outcome.status !== 200) {
		ctx.logger.warn(`Asked Meta to deliver a webhook again: ${outcome.retryReason ?? ''}`, {
			...outcome.stats,
		});
		reply(res, outcome.status, 'Not everything could be recorded; deliver again');
		return items.length > 0
			? { workflowData: [items], noWebhookResponse: true }
			: { noWebhookResponse: true };
	}
	if (items.length === 0) return reply(res, 200, 'OK');
	return { workflowData: [items] };
}

function deliveryPorts(ctx: IWebhookFunctions, credentials: CloudApiCredentials): DeliveryPorts {
	const http = resumeHttpFrom(ctx.helpers, WEBHOOK_RESUME_REQUEST_TIMEOUT_MS);
	return {
		openStore: async () =>
			await openAccountStore(credentials, ctx.logger, { housekeeping: 'after' }),
		housekeeping: async (access) => await housekeepAccountStore(access, credentials, ctx.logger),
		resumeWaits: async (store, event, account, attemptsBefore) =>
			await resumeWaitsForMessage(store, event, http, {
				account,
				attemptsBefore,
				retryDelaysMs: WEBHOOK_HANDOFF_RETRY_DELAYS_MS,
			}),
		sendText: async (phoneNumberId, to, text) => {
			const recipient = to.waId !== null ? { to: to.waId } : { recipient: String(to.userId ?? '') };
			const response = await new GraphClient(
				ctx,
				credentials,
				WEBHOOK_GRAPH_REQUEST_TIMEOUT_MS,
			).sendMessage(phoneNumberId, buildTextMessage({ recipient }, { body: text }));
			return response.messages?.[0]?.id ?? null;
		},
		log: { warn: (message, meta) => ctx.logger.warn(message, meta) },
		now: () => Date.now(),
	};
}

async function toExecutionItems(
	ctx: IWebhookFunctions,
	credentials: CloudApiCredentials,
	items: TriggerItem[],
): Promise<INodeExecutionData[]> {
	const media = readMediaOptions(ctx);
	const client = new GraphClient(ctx, credentials, WEBHOOK_GRAPH_REQUEST_TIMEOUT_MS);
	const result: INodeExecutionData[] = [];
	for (const item of items) {
		const json = item.json as IDataObject;
		if (!media.download || item.media === null) {
			result.push({ json });
			continue;
		}
		try {
			const binary: IBinaryKeyData = {
				[media.field]: await downloadMedia(ctx, client, item.media),
			};
			result.push({ json: { ...json, mediaError: null }, binary });
		} catch (error) {
			ctx.logger.warn('Could not download a WhatsApp media file', {
				mediaId: item.media.id,
				reason: (error as Error).message,
			});
			result.push({ json: { ...json, mediaError: (error as Error).message } });
		}
	}
	return result;
}

function reply(res: Response, status: number, text: string): IWebhookResponseData {
	if (!res.headersSent) res.status(status).type('text/plain').send(text);
	return { noWebhookResponse: true };
}
