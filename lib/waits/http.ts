import type { IHttpRequestOptions } from 'n8n-workflow';

import { RESUME_REQUEST_TIMEOUT_MS } from '../core/timeouts';
import type { ResumeHttp } from './resume';

/**
 * The hand-off's HTTP through n8n's own request helper (any node context has one). Every HTTP
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
