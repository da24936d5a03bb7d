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
	deriveForwardKey,
	FORWARD_HEADER,
	itemsForRoutedEvents,
	keepOwnAccount,
	processDelivery,
	publicRefusal,
	routeDelivery,
	verifyForward,
	type DeliveryPorts,
	type ForwardedEvent,
	type TriggerItem,
} from '../../lib/inbound';
import { GraphClient, type CloudApiCredentials } from '../../lib/transport/graphApi';
import { postForward, resumeHttpFrom } from '../../lib/transport/n8nWebhooks';
import { HandOffSlots, TRIGGER_HAND_OFFS_IN_FLIGHT } from '../../lib/waits/handOffSlots';
import { resumeWaitsForMessage } from '../../lib/waits/resume';
import { housekeepAccountStore, openAccountStore } from '../helpers/storeAccess';
import { credentialsForWebhook, derivedFromCredential } from '../helpers/credentialCache';
import { downloadMedia } from './media';
import {
	acceptsUnsignedDeliveries,
	expectedVerifyToken,
	readMediaOptions,
	readTriggerSettings,
} from './parameters';
import { consentSettingsFor, routeIdOf, selfRoute } from './routes';

type Response = ReturnType<IWebhookFunctions['getResponseObject']>;

/** Every trigger of this n8n process POSTs its hand-offs through these (lib/waits/handOffSlots.ts). */
const handOffSlots = new HandOffSlots(TRIGGER_HAND_OFFS_IN_FLIGHT);
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
	if (ctx.getHeaderData()[FORWARD_HEADER] !== undefined) {
		return await receiveForward(ctx, res, credentials, request.rawBody);
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
	const self = selfRoute(ctx, settings);
	// One query for the whole delivery: who else receives, and whose consent words apply.
	const access = await openAccountStore(credentials, ctx.logger, { housekeeping: 'after' }).then(
		async (opened) => ({ ...opened, routes: await opened.store.listRoutes(opened.account) }),
		(error: unknown) => error as Error,
	);
	const recording =
		access instanceof Error ? settings : consentSettingsFor(settings, access.routes, self.id);
	const outcome = await processDelivery(
		own.parsed,
		recording,
		deliveryPorts(ctx, credentials, async () => {
			if (access instanceof Error) throw access;
			return access;
		}),
	);
	let retryReason = outcome.retryReason;
	let ownItems = outcome.items;
	if (!(access instanceof Error)) {
		try {
			const routing = await routeDelivery(outcome, self, access.routes, {
				store: access.store,
				account: access.account,
				key: forwardKeyOf(credentials, access.account),
				post: async (url, forward) => await postForward(ctx.helpers, url, forward),
				log: { warn: (message, meta) => ctx.logger.warn(message, meta) },
				now: () => Date.now(),
			});
			ownItems = itemsForRoutedEvents(routing.own, settings);
			retryReason ??= routing.retryReason;
		} catch (error) {
			// The events are recorded: this workflow runs as a lone trigger would, Meta redelivers
			// and the redelivery finishes what the others miss.
			retryReason ??= `the events could not be routed: ${(error as Error).message}`;
		}
	}
	const items = await toExecutionItems(ctx, credentials, ownItems);

	if (outcome.status !== 200 || retryReason !== null) {
		ctx.logger.warn(`Asked Meta to deliver a webhook again: ${retryReason ?? ''}`, {
			...outcome.stats,
		});
		reply(res, 503, 'Not everything could be recorded; deliver again');
		return items.length > 0
			? { workflowData: [items], noWebhookResponse: true }
			: { noWebhookResponse: true };
	}
	if (items.length === 0) return reply(res, 200, 'OK');
	return { workflowData: [items] };
}

/**
 * A forward from the trigger Meta called (lib/inbound/forward.ts): verified, then each event
 * starts this workflow at most once (the forward ledger refuses a replay), with its own settings.
 * Consent is never recorded here: the trigger Meta called did.
 */
async function receiveForward(
	ctx: IWebhookFunctions,
	res: Response,
	credentials: CloudApiCredentials,
	rawBody: Buffer | undefined,
): Promise<IWebhookResponseData> {
	const account = String(credentials.businessAccountId ?? '').trim();
	const routeId = routeIdOf(ctx);
	const check = verifyForward({
		header: ctx.getHeaderData()[FORWARD_HEADER],
		rawBody,
		key: forwardKeyOf(credentials, account),
		routeId,
		now: Date.now(),
	});
	if (!check.ok) {
		ctx.logger.warn(`Refused a forwarded WhatsApp event (${check.status}): ${check.reason}`);
		return reply(res, check.status, publicRefusal(check.status));
	}
	const settings = readTriggerSettings(ctx);
	const fresh: ForwardedEvent[] = [];
	let storeFailed = false;
	try {
		const { store } = await openAccountStore(credentials, ctx.logger);
		for (const event of check.envelope.events) {
			if (await store.markForwarded(event.eventKey, routeId, Date.now())) fresh.push(event);
		}
	} catch (error) {
		// The sender gets 503 and forwards again; what was marked here runs now, the rest then.
		storeFailed = true;
		ctx.logger.warn('A forwarded WhatsApp event could not be checked against the store', {
			reason: (error as Error).message,
		});
	}
	const items = await toExecutionItems(ctx, credentials, itemsForRoutedEvents(fresh, settings));
	if (storeFailed) {
		reply(res, 503, 'Service Unavailable');
		return items.length > 0
			? { workflowData: [items], noWebhookResponse: true }
			: { noWebhookResponse: true };
	}
	if (items.length === 0) return reply(res, 200, 'OK');
	return { workflowData: [items] };
}

function deliveryPorts(
	ctx: IWebhookFunctions,
	credentials: CloudApiCredentials,
	openStore: DeliveryPorts['openStore'],
): DeliveryPorts {
	const http = resumeHttpFrom(ctx.helpers, WEBHOOK_RESUME_REQUEST_TIMEOUT_MS);
	return {
		openStore,
		housekeeping: async (access) => await housekeepAccountStore(access, credentials, ctx.logger),
		resumeWaits: async (store, event, account, attemptsBefore) =>
			await resumeWaitsForMessage(store, event, http, {
				account,
				attemptsBefore,
				retryDelaysMs: WEBHOOK_HANDOFF_RETRY_DELAYS_MS,
				slots: handOffSlots,
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

/** HKDF once per loaded credential, not per delivery. */
function forwardKeyOf(credentials: CloudApiCredentials, account: string): Buffer | null {
	return derivedFromCredential(credentials, `forward key ${account}`, () =>
		deriveForwardKey({ ...credentials, account }),
	);
}

function reply(res: Response, status: number, text: string): IWebhookResponseData {
	if (!res.headersSent) res.status(status).type('text/plain').send(text);
	return { noWebhookResponse: true };
}
