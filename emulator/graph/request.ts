import type { EmulatorCore } from '../core';
import { isRecord, parseJson, type JsonRecord } from '../json';
import { graphErrors } from './errors';

export interface GraphRequest {
	method: string;
	version: string;
	objectId: string;
	edge?: string;
	query: URLSearchParams;
	/** Query parameters and body fields (JSON or form-encoded) merged, as Graph reads them. */
	params: JsonRecord;
	rawBody: Buffer;
	contentType: string;
	headers: Record<string, string | string[] | undefined>;
	/** Where this emulator is reachable for the caller, used in URLs it hands out. */
	origin: string;
}

export interface GraphResponse {
	status: number;
	body: unknown;
}

export function ok(body: unknown): GraphResponse {
	return { status: 200, body };
}

/** Graph decodes JSON objects and arrays passed as form or query values (`template={...}`). */
function formValue(value: string): unknown {
	if (!/^\s*[[{]/.test(value)) return value;
	const parsed = parseJson(value);
	return 'value' in parsed ? parsed.value : value;
}

/** Graph accepts parameters in the query string, a JSON body or a form body; body fields win. */
export function readParams(
	query: URLSearchParams,
	contentType: string,
	rawBody: Buffer,
): JsonRecord {
	const params: JsonRecord = {};
	for (const [key, value] of query) params[key] = formValue(value);
	if (rawBody.length === 0) return params;
	if (contentType.includes('application/json')) {
		const parsed = parseJson(rawBody.toString('utf8'));
		if ('problem' in parsed)
			throw graphErrors.invalidParameter(`The request body is not valid JSON: ${parsed.problem}`);
		if (!isRecord(parsed.value))
			throw graphErrors.invalidParameter('The request body must be a JSON object.');
		return { ...params, ...parsed.value };
	}
	if (contentType.includes('application/x-www-form-urlencoded')) {
		for (const [key, value] of new URLSearchParams(rawBody.toString('utf8')))
			params[key] = formValue(value);
	}
	return params;
}

export function bearerToken(request: GraphRequest): string | undefined {
	const header = request.headers.authorization;
	const value = Array.isArray(header) ? header[0] : header;
	const match = value?.match(/^Bearer\s+(.+)$/i);
	if (match) return match[1].trim();
	const fromParams = request.params.access_token;
	return typeof fromParams === 'string' && fromParams.length > 0 ? fromParams : undefined;
}

/** App-level endpoints need the app access token (`{app-id}|{app-secret}`), everything else the user token. */
export function authenticate(
	core: EmulatorCore,
	request: GraphRequest,
	needsAppToken: boolean,
): void {
	const token = bearerToken(request);
	if (!token) throw graphErrors.missingToken();
	const appToken = `${core.seed.appId}|${core.seed.appSecret}`;
	if (needsAppToken) {
		if (token === appToken) return;
		if (token === core.seed.accessToken) throw graphErrors.appTokenRequired();
		throw graphErrors.invalidToken();
	}
	if (token !== core.seed.accessToken) throw graphErrors.invalidToken();
}

/** The `fields` parameter as a list, `components{text}` style sub-selections dropped. */
export function requestedFields(request: GraphRequest, defaults: string[]): string[] {
	const fields = request.params.fields;
	if (typeof fields !== 'string' || fields.trim() === '') return defaults;
	return fields
		.replace(/\{[^}]*\}/g, '')
		.split(',')
		.map((field) => field.trim())
		.filter((field) => field.length > 0);
}

/** Picks `fields` out of `all`; `id` always comes back, as at Graph. */
export function selectFields(all: JsonRecord, fields: string[], nodeType: string): JsonRecord {
	const selected: JsonRecord = {};
	for (const field of fields) {
		if (!(field in all)) throw graphErrors.nonexistingField(field, nodeType);
		if (all[field] !== undefined) selected[field] = all[field];
	}
	selected.id = all.id;
	return selected;
}
