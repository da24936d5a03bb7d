import {
	classifyMetaError,
	explainStatusErrors,
	isNotSentNetworkFailure,
	MessageMayHaveBeenSentError,
	MetaApiError,
} from '../../lib/core/errors';
import { networkFailureOf, sendRetryDecision } from '../../lib/transport/graphApi';

describe('classifyMetaError', () => {
	it.each([
		[132001, 'template_not_found', false, /Template not found/],
		[
			131047,
			'outside_window',
			false,
			/Outside the 24-hour window: the customer has not written in the last 24 hours; send a template/,
		],
		[130429, 'rate_limit', true, /throughput/],
		[131056, 'pair_rate_limit', true, /same recipient/],
		[132000, 'parameter_mismatch', false, /variables/],
		[132012, 'parameter_mismatch', false, /variables/],
		[190, 'auth', false, /token/],
		[131050, 'opted_out', false, /stopped marketing/],
		[131049, 'marketing_limit', false, /marketing/],
		[131026, 'undeliverable', false, /not on WhatsApp/],
		[133010, 'sender_offline', false, /Sender offline/],
		[131000, 'temporary', true, /temporarily/],
		[131016, 'temporary', true, /temporarily/],
		[133004, 'temporary', true, /temporarily/],
		[4, 'temporary', true, /rate limited the app/],
		[80007, 'temporary', true, /rate limited the app/],
		[131048, 'quality_pause', false, /Spam/],
		[132015, 'template_unavailable', false, /paused/],
		[100, 'invalid_request', false, /parameter/],
	])('code %i → %s (retryable %s)', (code, kind, retryable, explanation) => {
		const advice = classifyMetaError(code, 400);
		expect(advice.kind).toBe(kind);
		expect(advice.retryable).toBe(retryable);
		expect(advice.explanation).toMatch(explanation);
		expect(advice.fix.length).toBeGreaterThan(10);
	});

	it('treats unknown codes by HTTP status', () => {
		expect(classifyMetaError(undefined, 503)).toMatchObject({ kind: 'temporary', retryable: true });
		expect(classifyMetaError(999999, 400)).toMatchObject({ kind: 'unknown', retryable: false });
	});

	it.each([
		[{ code: 'ECONNREFUSED', syscall: 'connect' }, true],
		[{ code: 'ENOTFOUND', syscall: 'getaddrinfo' }, true],
		[{ code: 'EAI_AGAIN', syscall: 'getaddrinfo' }, true],
		[{ code: 'ETIMEDOUT', syscall: 'connect' }, true],
		[{ code: 'UND_ERR_CONNECT_TIMEOUT' }, true],
		// After the request may have left: Meta may have accepted the message.
		[{ code: 'ECONNRESET', syscall: 'read' }, false],
		[{ code: 'ECONNRESET' }, false],
		[{ code: 'EPIPE', syscall: 'write' }, false],
		[{ code: 'ETIMEDOUT' }, false],
		[{ code: 'ECONNABORTED' }, false],
		[{ code: 'UND_ERR_SOCKET' }, false],
		[{ code: 'ERR_INVALID_URL' }, false],
		[undefined, false],
	])('a network failure %j is safe to send again: %s', (failure, notSent) => {
		expect(isNotSentNetworkFailure(failure)).toBe(notSent);
	});
});

/** What axios (inside n8n's request helper) throws: its code, the socket's error as cause. */
function axiosError(message: string, code: string, cause?: Record<string, unknown>) {
	return Object.assign(new Error(message), { code, isAxiosError: true, cause });
}

describe('retrying a send', () => {
	it('retries a refused connection and an unresolvable name: nothing was sent', () => {
		const refused = axiosError('connect ECONNREFUSED 127.0.0.1:443', 'ECONNREFUSED', {
			code: 'ECONNREFUSED',
			syscall: 'connect',
		});
		expect(networkFailureOf(refused)).toEqual({ code: 'ECONNREFUSED', syscall: 'connect' });
		expect(sendRetryDecision(refused)).toEqual({ retryable: true });
		expect(
			sendRetryDecision(axiosError('getaddrinfo ENOTFOUND graph.facebook.com', 'ENOTFOUND')),
		).toEqual({ retryable: true });
	});

	it('does not retry a reset, a socket hang up or a read timeout: the message may be out', () => {
		const hangUp = axiosError('socket hang up', 'ECONNRESET', { code: 'ECONNRESET' });
		const readReset = axiosError('read ECONNRESET', 'ECONNRESET', {
			code: 'ECONNRESET',
			syscall: 'read',
		});
		const readTimeout = axiosError('timeout of 15000ms exceeded', 'ECONNABORTED');
		for (const error of [hangUp, readReset, readTimeout]) {
			expect(sendRetryDecision(error)).toEqual({ retryable: false });
		}
		expect(
			sendRetryDecision(new MessageMayHaveBeenSentError('ECONNRESET', '+4915112345678')),
		).toEqual({ retryable: false });
	});

	it('still retries Meta’s retryable errors, pausing the number on 130429', () => {
		expect(sendRetryDecision(new MetaApiError(400, { code: 130429 }))).toEqual({
			retryable: true,
			pauseAll: true,
		});
		expect(sendRetryDecision(new MetaApiError(503, undefined))).toEqual({
			retryable: true,
			pauseAll: false,
		});
		expect(sendRetryDecision(new MetaApiError(400, { code: 131026 }))).toEqual({
			retryable: false,
			pauseAll: false,
		});
	});

	it('says the message may have been delivered, to whom, and how to check', () => {
		const error = new MessageMayHaveBeenSentError('ECONNRESET', '+4915112345678');
		expect(error.message).toMatch(/after the message was sent \(ECONNRESET\)/);
		expect(error.message).toMatch(/may have been delivered to \+4915112345678/);
		expect(error.message).toMatch(/not sent again/);
		expect(error.message).toMatch(/Message Status/);
	});
});

describe('MetaApiError', () => {
	it('keeps Meta’s code, title, details and trace id', () => {
		const error = new MetaApiError(400, {
			message: '(#132000) Number of parameters does not match the expected number of params',
			type: 'OAuthException',
			code: 132000,
			error_data: {
				messaging_product: 'whatsapp',
				details:
					'body: number of localizable_params (1) does not match the expected number of params (2)',
			},
			fbtrace_id: 'AbC',
		});
		expect(error.toJSON()).toMatchObject({
			httpStatus: 400,
			code: 132000,
			title: 'OAuthException',
			details: expect.stringContaining('localizable_params (1)'),
			fbtraceId: 'AbC',
			kind: 'parameter_mismatch',
		});
		expect(error.describe()).toMatch(
			/^Meta: code 132000 · \(#132000\) Number of parameters.*Fix: Map every variable/,
		);
	});

	it('explains failed status errors for the trigger', () => {
		expect(
			explainStatusErrors([
				{ code: 131026, title: 'Message undeliverable', error_data: { details: 'x' } },
			]),
		).toEqual([
			expect.objectContaining({
				code: 131026,
				title: 'Message undeliverable',
				details: 'x',
				kind: 'undeliverable',
			}),
		]);
		expect(explainStatusErrors(undefined)).toEqual([]);
	});
});
