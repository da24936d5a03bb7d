import type { IHttpRequestOptions } from 'n8n-workflow';

import { RESUME_REQUEST_TIMEOUT_MS, WEBHOOK_FORWARD_REQUEST_TIMEOUT_MS } from '../core/timeouts';
import type { SignedForward } from '../inbound/forward';
import type { ResumeHttp } from '../waits/resume';

/**
 * The package's only n8n-facing HTTP client, for the URLs n8n serves, not Meta (every call to Meta
 * goes through GraphClient in lib/transport/graphApi.ts; nothing else calls n8n's request
 * helpers): the hand-off POSTs a reply to a waiting execution's resume URL, and the router POSTs a
 * signed event to another trigger workflow's webhook. Its time limits are its own
 * (RESUME_REQUEST_TIMEOUT_MS, WEBHOOK_RESUME_REQUEST_TIMEOUT_MS, WEBHOOK_FORWARD_REQUEST_TIMEOUT_MS
 * in lib/core/timeouts.ts).
 *
 * It goes through n8n's own request helper (any node context has one). Every HTTP
 * answer resolves with its status code, so the caller decides what to retry; no answer within
 * `timeoutMs` rejects like any other missing answer. The default is enough for n8n to load a
 * waiting execution and start it (it answers before the execution runs); the trigger passes a
 * shorter one, Meta is waiting.
 */
export function resumeHttpFrom(
	helpers: { httpRequest(options: IHttpRequestOptions): Promise<unknown> },
	timeoutMs: number = RESUME_REQUEST_TIMEOUT_MS,
): ResumeHttp {
	return {
		async post(url, body) {
			const response = (await helpers.httpRequest({
				method: 'POST',
				url,
				body: body as IHttpRequestOptions['body'],
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: timeoutMs,
			})) as { statusCode: number };
			return { statusCode: response.statusCode };
		},
	};
}

/**
 * POSTs a signed forward (its raw body as signed, its headers) to another trigger's webhook URL and
 * resolves with the HTTP status; no answer within the forward timeout rejects.
 */
export async function postForward(
	helpers: { httpRequest(options: IHttpRequestOptions): Promise<unknown> },
	url: string,
	forward: SignedForward,
): Promise<number> {
	const response = (await helpers.httpRequest({
		method: 'POST',
		url,
		body: forward.body,
		headers: forward.headers,
		timeout: WEBHOOK_FORWARD_REQUEST_TIMEOUT_MS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		json: false,
	})) as { statusCode: number };
	return response.statusCode;
}
