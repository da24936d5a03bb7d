import type { Readable } from 'node:stream';

import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
	NodeEgressFilter,
} from 'n8n-workflow';

import {
	isNotSentNetworkFailure,
	MessageMayHaveBeenSentError,
	MetaApiError,
	type MetaErrorBody,
	type NetworkFailure,
} from '../core/errors';
import type { RetryDecision } from '../core/pacing';
import { capped, refuseOversizedMedia } from '../core/mediaCap';
import {
	describeTimeout,
	GRAPH_REQUEST_TIMEOUT_MS,
	MAX_MEDIA_DOWNLOAD_BYTES,
	MEDIA_DOWNLOAD_TIMEOUT_MS,
} from '../core/timeouts';
import type { MessageTemplate } from '../core/templates';
import {
	keptConnectionFilter,
	proxyInEnvironment,
	requestOverKeptConnection,
} from './keptConnections';

export const CREDENTIAL_TYPE = 'whatsAppCloudApi';

/** What the package reads of a template: the send plan needs the components, the Template resource the rest. */
const TEMPLATE_FIELDS =
	'id,name,language,status,category,parameter_format,components,quality_score,rejected_reason,previous_category';

export type GraphContext =
	IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions | IWebhookFunctions;

export interface CloudApiCredentials {
	accessToken: string;
	businessAccountId: string;
	appId?: string;
	appSecret?: string;
	graphApiVersion: string;
	baseUrl: string;
	[key: string]: unknown;
}

export interface PhoneNumber {
	id: string;
	display_phone_number: string;
	verified_name?: string;
	status?: string;
	quality_rating?: string;
	code_verification_status?: string;
	throughput?: { level?: string };
}

/** Which token a call carries: the credential's system-user token, or the app access token. */
type Token = 'user' | 'app';

export interface GraphRequestOptions {
	body?: unknown;
	qs?: IDataObject;
	headers?: IDataObject;
}

/** A media file on its way in: the bytes (cut off past the cap) and the MIME type Meta reported. */
export interface MediaDownload {
	stream: Readable;
	mimeType: string | undefined;
}

interface MediaUrl {
	url?: string;
	mime_type?: string;
	file_size?: number | string;
}

/**
 * The package's only way to Meta: a Graph API client bound to one n8n context and one credential,
 * read once when the client is made (a node makes one client per execution). It knows both
 * tokens (the system-user token, the app access token for the app's own endpoints) and sends
 * them itself, turns Meta's error answers into MetaApiErrors, and gives every call a time limit
 * (`timeoutMs`; the trigger passes a shorter one while Meta waits for its answer; media downloads
 * have their own).
 */
export class GraphClient {
	readonly credentials: CloudApiCredentials;

	private readonly root: string;

	/** n8n's egress filter when calls keep their connections (see keptConnections.ts). */
	private readonly keptConnections: NodeEgressFilter | undefined;

	constructor(
		private readonly ctx: GraphContext,
		credentials: CloudApiCredentials,
		readonly timeoutMs: number = GRAPH_REQUEST_TIMEOUT_MS,
	) {
		this.credentials = credentials;
		const base = String(credentials.baseUrl || 'https://graph.facebook.com').replace(/\/+$/, '');
		const version = String(credentials.graphApiVersion || 'v24.0').replace(/^\/+|\/+$/g, '');
		this.root = `${base}/${version}`;
		this.keptConnections = keptConnectionFilter(ctx.helpers);
	}

	static async create(ctx: GraphContext): Promise<GraphClient> {
		const credentials = (await ctx.getCredentials(
			CREDENTIAL_TYPE,
		)) as unknown as CloudApiCredentials;
		return new GraphClient(ctx, credentials);
	}

	get businessAccountId(): string {
		return String(this.credentials.businessAccountId ?? '').trim();
	}

	/** Calls the Graph API with the system-user token; a non-2xx answer becomes a MetaApiError. */
	async request<T = IDataObject>(
		method: IHttpRequestMethods,
		path: string,
		options: GraphRequestOptions = {},
	): Promise<T> {
		return await this.call<T>('user', method, path, options);
	}

	/**
	 * Calls the Graph API with the app access token `{app-id}|{app-secret}`, which the app's own
	 * endpoints (`/{app-id}/subscriptions`) require. The token never leaves this call: a failure is
	 * rethrown without the request it came from, and with the secret blanked out of its message.
	 */
	async appRequest<T = IDataObject>(
		method: IHttpRequestMethods,
		path: string,
		options: GraphRequestOptions = {},
	): Promise<T> {
		return await this.call<T>('app', method, path, options);
	}

	/**
	 * Meta hands out a short-lived URL per media id (GET /{media-id}); the file itself needs the
	 * same bearer token. The file is streamed, never held whole: one over `maxBytes` is refused by
	 * its announced size (Meta's `file_size`, then Content-Length) before the download, and the
	 * stream fails once more than `maxBytes` went by otherwise.
	 */
	async downloadMedia(
		mediaId: string,
		maxBytes: number = MAX_MEDIA_DOWNLOAD_BYTES,
	): Promise<MediaDownload> {
		const described = await this.request<MediaUrl>('GET', encodeURIComponent(mediaId));
		if (typeof described.url !== 'string' || described.url === '') {
			throw new Error(`Meta gave no download URL for media ${mediaId}`);
		}
		refuseOversizedMedia(mediaId, Number(described.file_size), maxBytes);
		let response: { statusCode: number; headers?: Record<string, unknown>; body: Readable };
		try {
			response = (await this.send('user', {
				method: 'GET',
				url: described.url,
				encoding: 'stream',
				json: false,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: MEDIA_DOWNLOAD_TIMEOUT_MS,
			})) as typeof response;
		} catch (error) {
			throw explainTimeout(error, `download of media ${mediaId}`, MEDIA_DOWNLOAD_TIMEOUT_MS);
		}
		const body = response.body;
		if (response.statusCode >= 400) {
			body.destroy();
			throw new Error(
				`Downloading media ${mediaId} failed with HTTP ${response.statusCode}; Meta's media links expire after 5 minutes`,
			);
		}
		const announced = Number(response.headers?.['content-length']);
		if (announced > maxBytes) body.destroy();
		refuseOversizedMedia(mediaId, announced, maxBytes);
		const limited = capped(mediaId, maxBytes);
		// pipe() forwards neither side's failure: a broken download fails the stream, a refused
		// one closes the connection.
		body.on('error', (error) => limited.destroy(error));
		limited.on('error', () => body.destroy());
		return {
			stream: body.pipe(limited),
			mimeType: typeof described.mime_type === 'string' ? described.mime_type : undefined,
		};
	}

	private async call<T>(
		token: Token,
		method: IHttpRequestMethods,
		path: string,
		options: GraphRequestOptions,
	): Promise<T> {
		const request: IHttpRequestOptions = {
			method,
			url: `${this.root}/${path.replace(/^\/+/, '')}`,
			qs: options.qs,
			headers: options.headers,
			body: options.body as IHttpRequestOptions['body'],
			json: !(options.body instanceof FormData),
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: this.timeoutMs,
		};
		let response: { statusCode: number; body: unknown };
		try {
			response = (await this.send(token, request)) as typeof response;
		} catch (error) {
			throw explainTimeout(error, `${method} ${path.split('?')[0]}`, this.timeoutMs);
		}
		const body = typeof response.body === 'string' ? parseJson(response.body) : response.body;
		if (response.statusCode >= 400) {
			throw new MetaApiError(response.statusCode, (body as { error?: MetaErrorBody })?.error);
		}
		return body as T;
	}

	/**
	 * The only place that calls n8n's request helper for Meta. Both tokens go out as this client's
	 * own Authorization header through `helpers.httpRequest`, where n8n's
	 * `httpRequestWithAuthentication` ends up too (same proxy settings, SSRF protection, redirects
	 * and time limit), but without loading and decrypting the credential again and evaluating its
	 * header expression on every call. axios keeps the request, headers and all, on its errors: a
	 * failure leaves here as `withoutSecrets` makes it.
	 */
	private async send(token: Token, request: IHttpRequestOptions): Promise<unknown> {
		const bearer = token === 'user' ? this.userAccessToken() : this.appAccessToken();
		const abortSignal = executionCancelSignal(this.ctx);
		try {
			const kept = this.keptRequest(request, bearer, abortSignal);
			if (kept !== undefined && this.keptConnections !== undefined) {
				return await requestOverKeptConnection(this.keptConnections, kept);
			}
			return await this.ctx.helpers.httpRequest({
				...request,
				headers: { ...request.headers, Authorization: `Bearer ${bearer}` },
				...(abortSignal === undefined ? {} : { abortSignal }),
			});
		} catch (error) {
			throw withoutSecrets(error, [
				String(this.credentials.accessToken ?? ''),
				String(this.credentials.appSecret ?? ''),
			]);
		}
	}

	/**
	 * The request for a kept-alive connection, or undefined for what stays with n8n's helper: a
	 * form upload, a streamed download, a query that is not flat.
	 */
	private keptRequest(
		request: IHttpRequestOptions,
		bearer: string,
		signal: AbortSignal | undefined,
	) {
		if (this.keptConnections === undefined || request.encoding !== undefined) return undefined;
		if (proxyInEnvironment()) return undefined;
		const { body } = request;
		if (body !== undefined && (typeof body !== 'object' || body instanceof FormData))
			return undefined;
		const url = new URL(request.url);
		for (const [name, value] of Object.entries(request.qs ?? {})) {
			if (value === undefined) continue;
			if (!['string', 'number', 'boolean'].includes(typeof value)) return undefined;
			url.searchParams.append(name, String(value));
		}
		// As n8n's helper: an empty object is no body at all.
		const sent = body !== undefined && body !== null && Object.keys(body).length > 0;
		const headers: Record<string, string> = { Accept: 'application/json' };
		if (sent) headers['Content-Type'] = 'application/json';
		for (const [name, value] of Object.entries(request.headers ?? {})) {
			if (value !== undefined && value !== null) headers[name] = String(value);
		}
		headers.Authorization = `Bearer ${bearer}`;
		return {
			method: request.method ?? 'GET',
			url,
			headers,
			...(sent ? { body: JSON.stringify(body) } : {}),
			timeoutMs: request.timeout ?? this.timeoutMs,
			...(signal === undefined ? {} : { signal }),
		};
	}

	private userAccessToken(): string {
		return String(this.credentials.accessToken ?? '');
	}

	private appAccessToken(): string {
		const appId = String(this.credentials.appId ?? '').trim();
		const appSecret = String(this.credentials.appSecret ?? '');
		const missing = [appId === '' ? 'App ID' : '', appSecret === '' ? 'App Secret' : ''].filter(
			(field) => field !== '',
		);
		if (missing.length > 0) {
			throw new Error(
				`The WhatsApp Cloud API credential has no ${missing.join(' and no ')}: calls with the app access token ({app-id}|{app-secret}) need both. Fill them in from the Meta App Dashboard (App settings → Basic).`,
			);
		}
		return `${appId}|${appSecret}`;
	}

	async listPhoneNumbers(): Promise<PhoneNumber[]> {
		return await this.paginate<PhoneNumber>(`${this.businessAccountId}/phone_numbers`, {
			fields:
				'id,display_phone_number,verified_name,status,quality_rating,code_verification_status,throughput',
		});
	}

	async getPhoneNumber(phoneNumberId: string): Promise<PhoneNumber> {
		return await this.request<PhoneNumber>('GET', encodeURIComponent(phoneNumberId), {
			qs: { fields: 'id,display_phone_number,verified_name,status,quality_rating' },
		});
	}

	/**
	 * The account's templates, all pages or the first `max`. Filters as Meta reads them: `name`
	 * (Meta matches part of the name), `status` and `category` (comma lists), `language`.
	 */
	async listTemplates(
		filter: { name?: string; status?: string; category?: string; language?: string } = {},
		max?: number,
	): Promise<MessageTemplate[]> {
		return await this.paginate<MessageTemplate>(
			`${this.businessAccountId}/message_templates`,
			{
				fields: TEMPLATE_FIELDS,
				limit: max === undefined ? 100 : Math.min(100, max),
				...(filter.name ? { name: filter.name } : {}),
				...(filter.status ? { status: filter.status } : {}),
				...(filter.category ? { category: filter.category } : {}),
				...(filter.language ? { language: filter.language } : {}),
			},
			max,
		);
	}

	/** GET /{template-id} */
	async getTemplate(templateId: string): Promise<MessageTemplate> {
		return await this.request<MessageTemplate>('GET', encodeURIComponent(templateId), {
			qs: { fields: TEMPLATE_FIELDS },
		});
	}

	/** POST /{waba-id}/message_templates: Meta answers with the id, status (PENDING…) and category. */
	async createTemplate(
		body: Record<string, unknown>,
	): Promise<{ id: string; status: string; category: string }> {
		return await this.request('POST', `${this.businessAccountId}/message_templates`, { body });
	}

	/** DELETE /{waba-id}/message_templates by name (all its languages), or one of them by `hsm_id`. */
	async deleteTemplate(name: string, templateId?: string): Promise<{ success: boolean }> {
		return await this.request('DELETE', `${this.businessAccountId}/message_templates`, {
			qs: { name, ...(templateId ? { hsm_id: templateId } : {}) },
		});
	}

	/**
	 * Sends a message. A network failure after the request went out becomes a
	 * MessageMayHaveBeenSentError: Meta may have accepted it, so it must not be sent again blindly.
	 */
	async sendMessage(phoneNumberId: string, body: unknown): Promise<SendResponse> {
		try {
			return await this.request<SendResponse>(
				'POST',
				`${encodeURIComponent(phoneNumberId)}/messages`,
				{ body },
			);
		} catch (error) {
			throw whenMaybeSent(error, body, this.timeoutMs);
		}
	}

	async uploadMedia(phoneNumberId: string, file: Buffer, mimeType: string, fileName: string) {
		const form = new FormData();
		form.append('messaging_product', 'whatsapp');
		form.append('type', mimeType);
		form.append('file', new Blob([new Uint8Array(file)], { type: mimeType }), fileName);
		return await this.request<{ id: string }>(
			'POST',
			`${encodeURIComponent(phoneNumberId)}/media`,
			{
				body: form,
			},
		);
	}

	/** Follows Meta's `after` cursors until the last page, or until `max` entries. */
	private async paginate<T>(path: string, qs: IDataObject, max?: number): Promise<T[]> {
		const all: T[] = [];
		let after: string | undefined;
		// Bounded so a misbehaving server cannot loop forever; 50 pages × 100 is far above real accounts.
		for (let page = 0; page < 50; page++) {
			const result = await this.request<{
				data?: T[];
				paging?: { cursors?: { after?: string }; next?: string };
			}>('GET', path, { qs: { ...qs, ...(after ? { after } : {}) } });
			all.push(...(result.data ?? []));
			if (max !== undefined && all.length >= max) return all.slice(0, max);
			after = result.paging?.next ? result.paging.cursors?.after : undefined;
			if (!after) break;
		}
		return all;
	}
}

export interface SendResponse {
	messaging_product: 'whatsapp';
	contacts?: Array<{ input: string; wa_id: string }>;
	messages?: Array<{ id: string; message_status?: string }>;
	success?: boolean;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return { error: { message: text.slice(0, 500) } };
	}
}

/**
 * The network failure of a request that got no HTTP answer: axios puts the code on its error and
 * the socket's error (with the failed system call) in `cause`; n8n may wrap it once more.
 */
export function networkFailureOf(error: unknown): NetworkFailure | undefined {
	let failure: NetworkFailure | undefined;
	let current = error as { code?: unknown; syscall?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
		if (typeof current.code === 'string' && failure?.code === undefined) {
			failure = { ...failure, code: current.code };
		}
		if (typeof current.syscall === 'string' && failure?.syscall === undefined) {
			failure = { ...failure, syscall: current.syscall };
		}
		current = current.cause as typeof current;
	}
	return failure;
}

/**
 * Whether a failed send may be tried again: Meta's retryable errors (throughput 130429 pauses
 * the whole number), and network failures that happened before the request left. Anything
 * else, above all a MessageMayHaveBeenSentError, fails the item at once.
 */
export function sendRetryDecision(error: unknown): RetryDecision {
	if (error instanceof MetaApiError) {
		return { retryable: error.advice.retryable, pauseAll: error.code === 130429 };
	}
	if (error instanceof MessageMayHaveBeenSentError) return { retryable: false };
	return { retryable: isNotSentNetworkFailure(networkFailureOf(error)) };
}

/** A network failure after a message went out becomes a MessageMayHaveBeenSentError. */
function whenMaybeSent(error: unknown, body: unknown, timeoutMs: number): unknown {
	const failure = networkFailureOf(error);
	const message = body as { to?: unknown; recipient?: unknown; status?: unknown };
	// A read receipt may go twice without harm.
	if (failure === undefined || isNotSentNetworkFailure(failure) || message.status === 'read') {
		return error;
	}
	const recipient = message.to ?? message.recipient;
	return new MessageMayHaveBeenSentError(
		isTimeout(failure) ? `no answer within ${describeTimeout(timeoutMs)}` : failure.code,
		typeof recipient === 'string' ? recipient : undefined,
	);
}

/** axios' own time limit (no system call failed: the socket was idle too long). */
function isTimeout(failure: NetworkFailure): boolean {
	return (
		(failure.code === 'ECONNABORTED' || failure.code === 'ETIMEDOUT') &&
		failure.syscall === undefined
	);
}

/** n8n's request helper times out with axios' ECONNABORTED/ETIMEDOUT: say which call and after how long. */
function explainTimeout(error: unknown, call: string, timeoutMs: number): unknown {
	const failure = networkFailureOf(error);
	if (failure === undefined || !isTimeout(failure)) return error;
	return Object.assign(
		new Error(
			`The Graph API call ${call} got no answer within ${describeTimeout(timeoutMs)} and was given up`,
		),
		{ code: failure?.code, cause: error },
	);
}

/**
 * A stopped execution cancels the requests still in flight, as `httpRequestWithAuthentication`
 * arranges by itself; n8n has the signal only for executions (not for webhooks, hooks or the
 * editor's lists).
 */
function executionCancelSignal(ctx: GraphContext): AbortSignal | undefined {
	const execution = ctx as Partial<Pick<IExecuteFunctions, 'getExecutionCancelSignal'>>;
	return typeof execution.getExecutionCancelSignal === 'function'
		? execution.getExecutionCancelSignal()
		: undefined;
}

/**
 * A failed call, fit to be shown and logged: n8n's helper (axios) keeps the request, headers and
 * all, on its errors (`config`, `request`, `cause`), so only the message and n8n's description
 * (why SSRF protection refused the address, say), every secret blanked out of both, and the
 * network failure's code and system call are kept.
 */
function withoutSecrets(error: unknown, secrets: string[]): Error {
	const blank = (text: string) =>
		secrets.reduce(
			(result, secret) => (secret === '' ? result : result.split(secret).join('***')),
			text,
		);
	const description = (error as { description?: unknown } | undefined)?.description;
	return Object.assign(
		new Error(blank(error instanceof Error ? error.message : String(error))),
		typeof description === 'string' ? { description: blank(description) } : {},
		networkFailureOf(error) ?? {},
	);
}
