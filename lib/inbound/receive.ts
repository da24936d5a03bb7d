/**
 * The gate in front of the pipeline: a POST is processed only when its raw body is of sane size,
 * carries Meta's signature (or the user knowingly accepts unsigned deliveries), is a WhatsApp
 * Business Account webhook and holds no more events than Meta ever batches. Everything else gets a
 * 4xx and starts nothing. The reason is for n8n's log only: callers see a short generic body
 * (`publicRefusal`), so an unauthenticated caller learns nothing about the checks.
 */
import { verifyMetaSignature } from '../core/signature';
import { parseWebhookPayload, type ParsedWebhook } from '../core/webhookEvents';

/**
 * Meta batches at most about 1,000 updates per POST. Its largest realistic batch — 1,000 status
 * updates with pricing and conversation blocks, or a few hundred messages — stays around 1 MB, so
 * 3 MiB leaves room for long texts and Meta's future fields while keeping one forged request from
 * costing more than a few milliseconds of JSON parsing (n8n's own limit is 16 MiB).
 */
export const MAX_WEBHOOK_BODY_BYTES = 3 * 1024 * 1024;

/**
 * Meta's documented batch limit. More parts (events, skipped and malformed items) than this in one
 * POST are not Meta's and are refused before anything is recorded.
 */
export const MAX_WEBHOOK_EVENTS = 1000;

export type RefusalStatus = 400 | 401 | 413;

export type DeliveryCheck =
	{ ok: true; parsed: ParsedWebhook } | { ok: false; status: RefusalStatus; reason: string };

export interface DeliveryInput {
	rawBody: Buffer | undefined;
	signatureHeader: string | readonly string[] | undefined;
	/** Empty or absent: nothing can be verified, so the delivery is refused unless `acceptUnsigned`. */
	appSecret: string | undefined;
	/**
	 * The trigger option "Accept Unsigned Deliveries (Insecure)": for a provider that does not sign
	 * (e.g. a BSP proxy). Only counts while the credential has no app secret; with one, every
	 * delivery must be signed.
	 */
	acceptUnsigned?: boolean;
	maxBytes?: number;
	maxEvents?: number;
}

const PUBLIC_BODIES: Record<RefusalStatus | 403, string> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	413: 'Payload Too Large',
};

/** What an unauthenticated caller is told: the status text, never which check failed. */
export function publicRefusal(status: RefusalStatus | 403): string {
	return PUBLIC_BODIES[status];
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
	const authenticity = checkAuthenticity(rawBody, input);
	if (authenticity !== null) return authenticity;

	let body: unknown;
	try {
		body = JSON.parse(rawBody.toString('utf8'));
	} catch (error) {
		return { ok: false, status: 400, reason: `The body is not JSON: ${(error as Error).message}` };
	}
	let parsed: ParsedWebhook;
	try {
		parsed = parseWebhookPayload(body);
	} catch (error) {
		// parseWebhookPayload throws only WebhookPayloadError: the envelope is not Meta's.
		return { ok: false, status: 400, reason: (error as Error).message };
	}
	const maxEvents = input.maxEvents ?? MAX_WEBHOOK_EVENTS;
	const parts = parsed.events.length + parsed.ignored.length + parsed.errors.length;
	if (parts > maxEvents) {
		return {
			ok: false,
			status: 413,
			reason: `The body holds ${parts} events, more than the ${maxEvents} Meta batches in one delivery; nothing was recorded`,
		};
	}
	return { ok: true, parsed };
}

function checkAuthenticity(rawBody: Buffer, input: DeliveryInput): DeliveryCheck | null {
	const appSecret = input.appSecret ?? '';
	if (appSecret === '') {
		if (input.acceptUnsigned === true) return null;
		return {
			ok: false,
			status: 401,
			reason:
				'The WhatsApp Cloud API credential has no App Secret, so no delivery can be verified: fill in the App Secret (Meta App Dashboard → App settings → Basic), or, only for a provider that does not sign, turn on the trigger option "Accept Unsigned Deliveries (Insecure)"',
		};
	}
	const verdict = verifyMetaSignature(rawBody, input.signatureHeader, appSecret);
	if (verdict === 'valid') return null;
	return {
		ok: false,
		status: 401,
		reason:
			verdict === 'missing'
				? 'The X-Hub-Signature-256 header is missing: only Meta, signing with the app secret, may call this URL'
				: 'The X-Hub-Signature-256 signature does not match the body: check that the App Secret in the WhatsApp Cloud API credential belongs to the app that sends these webhooks',
	};
}
