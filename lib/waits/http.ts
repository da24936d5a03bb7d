import type { IHttpRequestOptions } from 'n8n-workflow';

import type { ResumeHttp } from './resume';

/** Enough time for n8n to load a waiting execution and start it; the answer comes before it runs. */
const RESUME_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The hand-off's HTTP through n8n's own request helper (any node context has one). Every HTTP
 * answer resolves with its status code, so the caller decides what to retry.
 */
export function resumeHttpFrom(helpers: {
	httpRequest(options: IHttpRequestOptions): Promise<unknown>;
}): ResumeHttp {
	return {
		async post(url, body) {
			const response = (await helpers.httpRequest({
				method: 'POST',
				url,
				body: body as IHttpRequestOptions['body'],
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: RESUME_REQUEST_TIMEOUT_MS,
			})) as { statusCode: number };
			return { statusCode: response.statusCode };
		},
	};
}
