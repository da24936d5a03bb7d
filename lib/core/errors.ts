/**
 * Meta's Cloud API errors, classified into what a workflow builder can do about them.
 * Used for synchronous HTTP errors (send, management) and for `errors[]` of failed status webhooks.
 */

export interface MetaErrorBody {
	message?: string;
	type?: string;
	code?: number;
	error_subcode?: number;
	error_user_title?: string;
	error_user_msg?: string;
	error_data?: { details?: string; messaging_product?: string };
	fbtrace_id?: string;
}

export type ErrorKind =
	| 'auth'
	| 'rate_limit'
	| 'pair_rate_limit'
	| 'temporary'
	| 'outside_window'
	| 'template_not_found'
	| 'parameter_mismatch'
	| 'invalid_request'
	| 'opted_out'
	| 'marketing_limit'
	| 'undeliverable'
	| 'sender_offline'
	| 'account_blocked'
	| 'template_unavailable'
	| 'quality_pause'
	| 'unknown';

export interface ErrorAdvice {
	kind: ErrorKind;
	/** Worth retrying the same request after a pause. */
	retryable: boolean;
	/** A plain sentence: what happened, in the user's words. */
	explanation: string;
	/** What to change. */
	fix: string;
}

interface Rule extends ErrorAdvice {
	codes: number[];
}

const RULES: Rule[] = [
	{
		codes: [190],
		kind: 'auth',
		retryable: false,
		explanation: 'The access token is invalid or has expired (Meta error 190).',
		fix: 'Generate a new System User token in Meta Business Suite and update the WhatsApp Cloud API credential.',
	},
	{
		codes: [130429],
		kind: 'rate_limit',
		retryable: true,
		explanation: "The business number's throughput limit was reached (Meta error 130429).",
		fix: 'Lower "Messages per Second" in the node options, or let the retries pace the batch.',
	},
	{
		codes: [131056],
		kind: 'pair_rate_limit',
		retryable: true,
		explanation:
			'Too many messages to the same recipient in a short time (pair rate limit, Meta error 131056).',
		fix: 'Space messages to one contact (about one every 6 seconds); retries wait longer each time.',
	},
	{
		codes: [4, 80007, 131000, 131016, 133004, 2, 1],
		kind: 'temporary',
		retryable: true,
		explanation: "Meta's service was temporarily unavailable or rate limited the app.",
		fix: 'Nothing to change: the request is retried after a pause. If it persists, check https://metastatus.com.',
	},
	{
		codes: [131047],
		kind: 'outside_window',
		retryable: false,
		explanation:
			'Outside the 24-hour window: the customer has not written in the last 24 hours; send a template.',
		fix: 'Use the Send Template operation with an approved template, or wait until the customer writes.',
	},
	{
		codes: [132001],
		kind: 'template_not_found',
		retryable: false,
		explanation:
			'Template not found: the template name or language does not exist or is not approved.',
		fix: 'Pick an APPROVED template and its exact language code (e.g. en_US) from the Template list.',
	},
	{
		codes: [132000, 132012, 132005, 132007],
		kind: 'parameter_mismatch',
		retryable: false,
		explanation: "The template's variables do not match what the template expects.",
		fix: 'Map every variable of the template, with no newlines, tabs or more than 4 consecutive spaces.',
	},
	{
		codes: [132015, 132016],
		kind: 'template_unavailable',
		retryable: false,
		explanation: 'The template is paused or disabled because of its quality rating.',
		fix: 'Use another approved template, or edit this one in WhatsApp Manager.',
	},
	{
		codes: [131050],
		kind: 'opted_out',
		retryable: false,
		explanation: 'The customer stopped marketing messages from this business (Meta error 131050).',
		fix: 'Do not send marketing to this contact; the opt-out is recorded by the trigger and the Consent Gate.',
	},
	{
		codes: [131049],
		kind: 'marketing_limit',
		retryable: false,
		explanation:
			'Meta did not deliver this marketing message to keep a healthy ecosystem (per-user marketing limit, 131049).',
		fix: 'Do not resend within 24 hours; send fewer marketing messages to this contact.',
	},
	{
		codes: [131026],
		kind: 'undeliverable',
		retryable: false,
		explanation:
			'The message could not be delivered: the number is not on WhatsApp, uses an old app, or has not accepted the terms (131026).',
		fix: 'Check the number; do not retry.',
	},
	{
		codes: [133010, 131030],
		kind: 'sender_offline',
		retryable: false,
		explanation: 'Sender offline: the business phone number is not registered or not connected.',
		fix: 'Register the number (WhatsApp Manager → Phone numbers) or choose a CONNECTED sender.',
	},
	{
		codes: [131031, 131042, 368, 131045],
		kind: 'account_blocked',
		retryable: false,
		explanation:
			'The business account cannot send: it is locked, blocked for policy, or has a payment problem.',
		fix: 'Open WhatsApp Manager and resolve the account or payment issue before sending again.',
	},
	{
		codes: [131048],
		kind: 'quality_pause',
		retryable: false,
		explanation:
			'Spam rate limit hit: too many recipients blocked or reported recent messages (131048).',
		fix: 'Pause the campaign and improve targeting and consent before resuming.',
	},
	{
		codes: [100, 131008, 131009, 131051, 131052, 131053],
		kind: 'invalid_request',
		retryable: false,
		explanation: 'Meta refused a parameter of the request.',
		fix: "Read Meta's details below and correct the field it names.",
	},
];

const BY_CODE = new Map<number, Rule>(RULES.flatMap((rule) => rule.codes.map((c) => [c, rule])));

/** Advice for a Meta error code; `httpStatus` helps with errors Meta does not code (5xx, 429). */
export function classifyMetaError(code: number | undefined, httpStatus?: number): ErrorAdvice {
	const rule = code === undefined ? undefined : BY_CODE.get(code);
	if (rule) {
		return {
			kind: rule.kind,
			retryable: rule.retryable,
			explanation: rule.explanation,
			fix: rule.fix,
		};
	}
	if (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429)) {
		return {
			kind: 'temporary',
			retryable: true,
			explanation: `Meta answered HTTP ${httpStatus}.`,
			fix: 'Nothing to change: the request is retried after a pause.',
		};
	}
	return {
		kind: 'unknown',
		retryable: false,
		explanation: code === undefined ? 'The request failed.' : `Meta error ${code}.`,
		fix: "Read Meta's message and details below.",
	};
}

/** What a failed request's network error says: its code and the system call that failed. */
export interface NetworkFailure {
	code?: string;
	syscall?: string;
}

/**
 * Failures that happen before a single byte of the request left: the name did not resolve or
 * the connection was never made. Only these are safe to retry for a send; anything later (a
 * reset, "socket hang up", a read timeout) may come after Meta accepted the message.
 */
const NOT_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when the request certainly never reached Meta, so sending it again cannot duplicate it. */
export function isNotSentNetworkFailure(failure: NetworkFailure | undefined): boolean {
	const code = failure?.code;
	if (typeof code !== 'string') return false;
	if (NOT_SENT_CODES.has(code)) return true;
	// A timeout is only safe while connecting; one while waiting for the answer is not.
	return code === 'ETIMEDOUT' && failure?.syscall === 'connect';
}

/**
 * A send whose connection failed after the request went out (reset, "socket hang up", no answer
 * in time): Meta may have accepted and delivered the message. It is never retried, and says how
 * to find out what happened instead.
 */
export class MessageMayHaveBeenSentError extends Error {
	/** The network code (ECONNRESET…) or "no answer within 15 s". */
	readonly failure: string;

	constructor(failure: string | undefined, recipient: string | undefined) {
		const what = failure ?? 'no answer';
		super(
			`The connection to Meta failed after the message was sent (${what}): it may have been delivered${
				recipient ? ` to ${recipient}` : ''
			}. It was not sent again, so the customer does not get it twice. Check before sending it again: a message Meta accepted reaches the WhatsApp Automation Trigger as Message Status events ("sent", "delivered") for this recipient, and WhatsApp Manager shows the conversation.`,
		);
		this.name = 'MessageMayHaveBeenSentError';
		this.failure = what;
	}
}

/** An error returned by the Graph API, with Meta's fields kept verbatim. */
export class MetaApiError extends Error {
	readonly httpStatus: number;

	readonly code: number | undefined;

	readonly subcode: number | undefined;

	readonly title: string | undefined;

	readonly details: string | undefined;

	readonly fbtraceId: string | undefined;

	readonly metaMessage: string;

	readonly advice: ErrorAdvice;

	constructor(httpStatus: number, body: MetaErrorBody | undefined) {
		const advice = classifyMetaError(body?.code, httpStatus);
		super(advice.explanation);
		this.name = 'MetaApiError';
		this.httpStatus = httpStatus;
		this.code = body?.code;
		this.subcode = body?.error_subcode;
		this.title = body?.error_user_title ?? body?.type;
		this.details = body?.error_data?.details ?? body?.error_user_msg;
		this.fbtraceId = body?.fbtrace_id;
		this.metaMessage = body?.message ?? `HTTP ${httpStatus}`;
		this.advice = advice;
	}

	/** Plain description for an n8n error panel: Meta's own words, then what to do. */
	describe(): string {
		const meta = [
			this.code !== undefined ? `code ${this.code}` : `HTTP ${this.httpStatus}`,
			this.metaMessage,
			this.details,
		]
			.filter(Boolean)
			.join(' · ');
		return `Meta: ${meta}. Fix: ${this.advice.fix}`;
	}

	toJSON() {
		return {
			httpStatus: this.httpStatus,
			code: this.code,
			subcode: this.subcode,
			title: this.title,
			metaMessage: this.metaMessage,
			details: this.details,
			fbtraceId: this.fbtraceId,
			kind: this.advice.kind,
			retryable: this.advice.retryable,
			explanation: this.advice.explanation,
			fix: this.advice.fix,
		};
	}
}

/** Shapes Meta uses for `errors[]` in status webhooks. */
export interface MetaStatusError {
	code?: number;
	title?: string;
	message?: string;
	error_data?: { details?: string };
}

/** A failed status's errors with the plain explanation added, for trigger output. */
export function explainStatusErrors(errors: MetaStatusError[] | undefined) {
	return (errors ?? []).map((error) => {
		const advice = classifyMetaError(error.code);
		return {
			code: error.code ?? null,
			title: error.title ?? null,
			message: error.message ?? null,
			details: error.error_data?.details ?? null,
			kind: advice.kind,
			explanation: advice.explanation,
			fix: advice.fix,
		};
	});
}
