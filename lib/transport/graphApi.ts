import type {
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { MetaApiError, type MetaErrorBody } from '../core/errors';
import type { MessageTemplate } from '../core/templates';

export const CREDENTIAL_TYPE = 'whatsAppCloudApi';

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

/** A Graph API client bound to one n8n context and one credential, resolved once. */
export class GraphClient {
	readonly credentials: CloudApiCredentials;

	private readonly root: string;

	constructor(
		private readonly ctx: GraphContext,
		credentials: CloudApiCredentials,
	) {
		this.credentials = credentials;
		const base = String(credentials.baseUrl || 'https://graph.facebook.com').replace(/\/+$/, '');
		const version = String(credentials.graphApiVersion || 'v24.0').replace(/^\/+|\/+$/g, '');
		this.root = `${base}/${version}`;
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

	/** Calls the Graph API; a non-2xx answer becomes a MetaApiError with Meta's fields kept. */
	async request<T = IDataObject>(
		method: IHttpRequestMethods,
		path: string,
		options: { body?: unknown; qs?: IDataObject; headers?: IDataObject } = {},
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
		};
		const response = (await this.ctx.helpers.httpRequestWithAuthentication.call(
			this.ctx,
			CREDENTIAL_TYPE,
			request,
		)) as { statusCode: number; body: unknown };
		const body = typeof response.body === 'string' ? parseJson(response.body) : response.body;
		if (response.statusCode >= 400) {
			throw new MetaApiError(response.statusCode, (body as { error?: MetaErrorBody })?.error);
		}
		return body as T;
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

	async listTemplates(filter: { name?: string; status?: string } = {}): Promise<MessageTemplate[]> {
		return await this.paginate<MessageTemplate>(`${this.businessAccountId}/message_templates`, {
			fields: 'id,name,language,status,category,parameter_format,components',
			limit: 100,
			...(filter.name ? { name: filter.name } : {}),
			...(filter.status ? { status: filter.status } : {}),
		});
	}

	async sendMessage(phoneNumberId: string, body: unknown): Promise<SendResponse> {
		return await this.request<SendResponse>(
			'POST',
			`${encodeURIComponent(phoneNumberId)}/messages`,
			{
				body,
			},
		);
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

	private async paginate<T>(path: string, qs: IDataObject): Promise<T[]> {
		const all: T[] = [];
		let after: string | undefined;
		// Bounded so a misbehaving server cannot loop forever; 50 pages × 100 is far above real accounts.
		for (let page = 0; page < 50; page++) {
			const result = await this.request<{
				data?: T[];
				paging?: { cursors?: { after?: string }; next?: string };
			}>('GET', path, { qs: { ...qs, ...(after ? { after } : {}) } });
			all.push(...(result.data ?? []));
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

/** The network error code of a failed request (axios puts it on the error or its cause). */
export function networkErrorCode(error: unknown): string | undefined {
	const candidate = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
	const code = candidate?.code ?? candidate?.cause?.code;
	return typeof code === 'string' ? code : undefined;
}
