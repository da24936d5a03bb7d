/**
 * The gate in front of the pipeline: a POST is processed only when its raw body is of sane size,
 * carries Meta's signature (when an app secret is configured) and is a WhatsApp Business Account
 * webhook. Everything else gets a 4xx and starts nothing.
 */
import { verifyMetaSignature } from '../core/signature';
import { parseWebhookPayload, type ParsedWebhook } from '../core/webhookEvents';

/** n8n's own default request limit (N8N_PAYLOAD_SIZE_MAX = 16 MiB); Meta's batches stay far below. */
export const MAX_WEBHOOK_BODY_BYTES = 16 * 1024 * 1024;

export type DeliveryCheck =
	{ ok: true; parsed: ParsedWebhook } | { ok: false; status: 400 | 401 | 413; reason: string };

export interface DeliveryInput {
	rawBody: Buffer | undefined;
	signatureHeader: string | readonly string[] | undefined;
	/** Empty or absent: the provider does not sign (e.g. a BSP proxy), so no check. */
	appSecret: string | undefined;
	maxBytes?: number;
}

export function checkDelivery(input: DeliveryInput): DeliveryCheck {
	const { rawBody } = input;
	if (rawBody === undefined) {
		return {
			ok: false,
			status: 400,
			reason: 'The request has no readable body; Meta always sends a JSON body',
		};
	}
	const maxBytes = input.maxBytes ?? MAX_WEBHOOK_BODY_BYTES;
	if (rawBody.length > maxBytes) {
		return {
			ok: false,
			status: 413,
			reason: `The body has ${rawBody.length} bytes, more than the ${maxBytes} a webhook may carry`,
		};
	}
	const appSecret = input.appSecret ?? '';
	if (appSecret !== '') {
		const verdict = verifyMetaSignature(rawBody, input.signatureHeader, appSecret);
		if (verdict !== 'valid') {
			return {
				ok: false,
				status: 401,
				reason:
					verdict === 'missing'
						? 'The X-Hub-Signature-256 header is missing: only Meta, signing with the app secret, may call this URL'
						: 'The X-Hub-Signature-256 signature does not match the body: check that the App Secret in the WhatsApp Cloud API credential belongs to the app that sends these webhooks',
			};
		}
	}
	let body: unknown;
	try {
		body = JSON.parse(rawBody.toString('utf8'));
	} catch (error) {
		return { ok: false, status: 400, reason: `The body is not JSON: ${(error as Error).message}` };
	}
	try {
		return { ok: true, parsed: parseWebhookPayload(body) };
	} catch (error) {
		// parseWebhookPayload throws only WebhookPayloadError: the envelope is not Meta's.
		return { ok: false, status: 400, reason: (error as Error).message };
	}
}
