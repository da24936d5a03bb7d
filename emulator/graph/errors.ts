import { fbtraceId } from '../ids';

export interface GraphErrorOptions {
	type?: 'OAuthException' | 'GraphMethodException';
	subcode?: number;
	details?: string;
	/** Graph prefixes most messages with "(#code) "; a few (auth, unknown object) it does not. */
	bareMessage?: boolean;
	/** `error_user_title` / `error_user_msg`: what the template API explains to a person. */
	userTitle?: string;
	userMessage?: string;
}

/** A Graph API error, answered as Meta does: `{"error":{"message","type","code","error_data","fbtrace_id"}}`. */
export class GraphError extends Error {
	constructor(
		readonly httpStatus: number,
		readonly code: number,
		readonly title: string,
		readonly options: GraphErrorOptions = {},
	) {
		super(options.bareMessage ? title : `(#${code}) ${title}`);
		this.name = 'GraphError';
	}

	toBody(): { error: Record<string, unknown> } {
		return {
			error: {
				message: this.message,
				type: this.options.type ?? 'OAuthException',
				code: this.code,
				...(this.options.subcode === undefined ? {} : { error_subcode: this.options.subcode }),
				...(this.options.details === undefined
					? {}
					: { error_data: { messaging_product: 'whatsapp', details: this.options.details } }),
				...(this.options.userTitle === undefined
					? {}
					: { is_transient: false, error_user_title: this.options.userTitle }),
				...(this.options.userMessage === undefined
					? {}
					: { error_user_msg: this.options.userMessage }),
				fbtrace_id: fbtraceId(),
			},
		};
	}

	/** The same error as it appears in a `failed` status webhook: statuses[].errors[]. */
	toWebhookError(): Record<string, unknown> {
		return {
			code: this.code,
			title: this.title,
			message: this.title,
			error_data: { details: this.options.details ?? this.title },
			href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
		};
	}
}

export const graphErrors = {
	missingToken: () =>
		new GraphError(401, 190, 'An access token is required to request this resource.', {
			bareMessage: true,
		}),
	invalidToken: () =>
		new GraphError(401, 190, 'Invalid OAuth access token - Cannot parse access token', {
			bareMessage: true,
		}),
	appTokenRequired: () =>
		new GraphError(400, 15, 'This method must be called with an app access_token.'),
	unknownObject: (id: string, method: string) =>
		new GraphError(
			400,
			100,
			`Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
			{ type: 'GraphMethodException', subcode: 33, bareMessage: true },
		),
	unknownPath: (path: string) =>
		new GraphError(400, 2500, `Unknown path components: ${path}`, { bareMessage: true }),
	deprecatedVersion: (minimum: string) =>
		new GraphError(
			400,
			2635,
			`You are calling a deprecated version of the Graph API. Please update to ${minimum} or newer.`,
		),
	requiredParameter: (name: string) =>
		new GraphError(400, 100, `The parameter ${name} is required.`),
	invalidParameter: (details: string) => new GraphError(400, 100, 'Invalid parameter', { details }),
	nonexistingField: (field: string, nodeType: string) =>
		new GraphError(
			400,
			100,
			`Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
		),
	parameterValueNotValid: (details: string) =>
		new GraphError(400, 131009, 'Parameter value is not valid', { details }),
	senderNotRegistered: (status: string) =>
		new GraphError(400, 133010, 'Account not registered', {
			details: `Phone number not registered on the Whatsapp Business Platform (status ${status}).`,
		}),
	throughput: () =>
		new GraphError(400, 130429, 'Rate limit hit', {
			details: 'Cloud API message throughput has been reached.',
		}),
	pairRate: () =>
		new GraphError(400, 131056, '(Business Account, Consumer Account) pair rate limit hit', {
			details:
				'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
		}),
	templateNotFound: (name: string, language: string, reason: string) =>
		new GraphError(404, 132001, 'Template name does not exist in the translation', {
			details: `template name (${name}) does not exist in ${language}${reason}`,
		}),
	templatePaused: (name: string) =>
		new GraphError(400, 132015, 'Template is Paused', { details: `Template ${name} is paused.` }),
	templateDisabled: (name: string) =>
		new GraphError(400, 132016, 'Template is disabled', {
			details: `Template ${name} is disabled.`,
		}),
	parameterCount: (component: string, given: number, expected: number) =>
		new GraphError(
			400,
			132000,
			'Number of parameters does not match the expected number of params',
			{
				details: `${component}: number of localizable_params (${given}) does not match the expected number of params (${expected})`,
			},
		),
	parameterFormat: (details: string) =>
		new GraphError(400, 132012, 'Parameter format does not match format in the created template', {
			details,
		}),
	hydratedTextTooLong: (length: number) =>
		new GraphError(400, 132005, 'Translated text too long', {
			details: `The body text after the parameters are filled in is ${length} characters; the limit is 1024.`,
		}),
	outsideWindow: () =>
		new GraphError(400, 131047, 'Re-engagement message', {
			details:
				'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
		}),
	undeliverable: () =>
		new GraphError(400, 131026, 'Message undeliverable', { details: 'Message Undeliverable.' }),
	marketingStopped: () =>
		new GraphError(400, 131050, 'Unable to deliver the marketing message', {
			details:
				'The user has stopped marketing messages from this business, so marketing template messages are not delivered to them.',
		}),
	mediaNotFound: (mediaId: string) =>
		new GraphError(400, 131053, 'Media upload error', {
			details: `Unable to retrieve media with id ${mediaId}: it was never uploaded to this business or was deleted.`,
		}),
	/** A template Meta's API refuses before review (code 100, explained to a person). */
	templateInvalid: (title: string, message: string, subcode?: number) =>
		new GraphError(400, 100, 'Invalid parameter', {
			userTitle: title,
			userMessage: message,
			...(subcode === undefined ? {} : { subcode }),
		}),
	callbackVerificationFailed: (reason: string) =>
		new GraphError(400, 2200, `Callback verification failed with the following errors: ${reason}`),
};
