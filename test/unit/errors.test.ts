import {
	classifyMetaError,
	explainStatusErrors,
	isRetryableNetworkError,
	MetaApiError,
} from '../../lib/core/errors';

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

	it('recognises connection failures as retryable', () => {
		expect(isRetryableNetworkError('ECONNRESET')).toBe(true);
		expect(isRetryableNetworkError('ERR_INVALID_URL')).toBe(false);
		expect(isRetryableNetworkError(undefined)).toBe(false);
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
