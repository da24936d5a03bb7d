/**
 * Drives a node class the way n8n does, without an n8n server: parameters per item, credentials
 * (each read counted), real HTTP (the emulator) through httpRequest, binary data, continueOnFail, and
 * the waiting/resume hooks. Only what the nodes of this package call is implemented; calling
 * anything else fails loudly, so a test never passes on a silently missing piece.
 */
import type {
	IBinaryData,
	IDataObject,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';
import { Expression, NodeHelpers, NodeOperationError } from 'n8n-workflow';

export type ParameterValue = unknown | ((itemIndex: number, item: INodeExecutionData) => unknown);

export interface HarnessOptions {
	node: INodeType;
	parameters: Record<string, ParameterValue>;
	items?: INodeExecutionData[];
	credentials?: Record<string, Record<string, unknown>>;
	continueOnFail?: boolean;
	executionId?: string;
	/** The node's version (`getNode().typeVersion`); its first version unless given. */
	typeVersion?: number;
	/** `$execution.resumeUrl` for waiting nodes. */
	resumeUrl?: string;
	/**
	 * Sub-node connections (AI model, memory) by connection type. A function is called with the
	 * item index, like n8n runs a sub-node's supplyData per item (a memory's session per item).
	 */
	connections?: Record<string, unknown>;
	/** The workflow's time zone (`this.getTimezone()`); UTC unless given. */
	timezone?: string;
	/** `this.logger`; silent unless given. */
	logger?: { warn(message: string, meta?: object): void };
	/**
	 * n8n's own way with parameters: `parameters` are the node's raw parameters (expressions such
	 * as `={{ $json.phone }}` included, no functions), completed by the description's defaults and
	 * kept on the node (`getNode().parameters`, where readItemParameter finds them), and
	 * getNodeParameter resolves them per item with n8n's expression engine (`$json` only).
	 * Without it the test's values are the answers, and the node has no parameters.
	 */
	rawParameters?: boolean;
}

export interface HarnessRun {
	output: INodeExecutionData[][] | null;
	waitTill?: Date;
	requests: Array<{ method: string; url: string; body: unknown }>;
	/** Every getNodeParameter call of the node, in order (readItemParameter's fast path makes none). */
	parameterReads: Array<{ name: string; itemIndex: number }>;
	/** How often the node called getCredentials: n8n loads and decrypts the credential each time. */
	credentialReads: number;
}

function getPath(source: unknown, path: string): unknown {
	return path
		.split('.')
		.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], source);
}

function resolveParameter(
	parameters: Record<string, ParameterValue>,
	name: string,
	itemIndex: number,
	items: INodeExecutionData[],
): unknown {
	const [root, ...rest] = name.split('.');
	let value = parameters[root];
	if (typeof value === 'function')
		value = (value as (i: number, item: INodeExecutionData) => unknown)(
			itemIndex,
			items[itemIndex],
		);
	return rest.length ? getPath(value, rest.join('.')) : value;
}

/**
 * What n8n stores for the parameters a workflow does not set: the description's defaults of the
 * parameters shown for the set ones (a hidden parameter has none, so the code's fallback applies).
 */
function defaultsFor(
	description: INodeType['description'],
	typeVersion: number,
	values: Record<string, unknown>,
): Record<string, unknown> {
	return (
		NodeHelpers.getNodeParameters(
			description.properties,
			values as never,
			true,
			false,
			{ typeVersion },
			description,
		) ?? {}
	);
}

/**
 * A default (with `rawParameters`, any value) that is an expression (`={{ $json.contact?.waId }}`,
 * also inside a resource locator's value) is evaluated against the item by n8n's own expression
 * engine. Defaults reading anything
 * but the item are not supported here: the test must set the parameter, so no test passes on a
 * value n8n would not compute.
 */
function evaluateDefault(
	name: string,
	value: unknown,
	item: INodeExecutionData,
	expression: Expression,
): unknown {
	if (Array.isArray(value))
		return value.map((entry) => evaluateDefault(name, entry, item, expression));
	if (value && typeof value === 'object')
		return Object.fromEntries(
			Object.entries(value).map(([key, entry]) => [
				key,
				evaluateDefault(name, entry, item, expression),
			]),
		);
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const otherVariable = /\$(?!json\b)[A-Za-z_]\w*/.exec(value);
	if (otherVariable) {
		throw new Error(
			`Parameter "${name}" (${value}) reads ${otherVariable[0]}, which the test harness does not provide (it evaluates $json only): set "${name}" in the test to a value or a $json expression`,
		);
	}
	return expression.resolveSimpleParameterValue(value, {
		$json: item.json,
	} as never);
}

/** A parameter may be a resource locator; `extractValue` unwraps `{mode, value}` like n8n. */
function extract(value: unknown, options?: { extractValue?: boolean }): unknown {
	if (options?.extractValue && value && typeof value === 'object' && '__rl' in (value as object)) {
		return (value as { value: unknown }).value;
	}
	if (
		options?.extractValue &&
		value &&
		typeof value === 'object' &&
		'mode' in (value as object) &&
		'value' in (value as object)
	) {
		return (value as { value: unknown }).value;
	}
	return value;
}

/**
 * fetch with n8n's `timeout` option: no answer in time fails like axios does inside n8n's
 * helper (code ECONNABORTED, "timeout of …ms exceeded").
 */
export async function fetchWithTimeout(
	url: URL,
	init: RequestInit,
	timeoutMs: number | undefined,
): Promise<Response> {
	if (timeoutMs === undefined) return await fetch(url, init);
	const signal = AbortSignal.timeout(timeoutMs);
	try {
		return await fetch(url, { ...init, signal });
	} catch (error) {
		if (!signal.aborted) throw error;
		throw Object.assign(new Error(`timeout of ${timeoutMs}ms exceeded`), {
			code: 'ECONNABORTED',
		});
	}
}

/**
 * n8n's `httpRequest` over fetch: qs, headers (the caller's Authorization as given), JSON or form
 * bodies, `returnFullResponse`, `ignoreHttpStatusErrors`, `timeout`.
 */
export async function httpRequestViaFetch(
	options: IHttpRequestOptions,
	log?: HarnessRun['requests'],
): Promise<unknown> {
	const url = new URL(options.url, options.baseURL);
	for (const [key, value] of Object.entries(options.qs ?? {})) {
		if (value !== undefined) url.searchParams.set(key, String(value));
	}
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(options.headers ?? {})) headers[key] = String(value);
	let body: FormData | string | undefined;
	if (options.body instanceof FormData) body = options.body;
	else if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers['Content-Type'] = 'application/json';
	}
	log?.push({ method: options.method ?? 'GET', url: url.toString(), body: options.body });
	const response = await fetchWithTimeout(
		url,
		{ method: options.method ?? 'GET', headers, body },
		options.timeout,
	);
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = text ? JSON.parse(text) : undefined;
	} catch {
		// keep the text
	}
	if (!options.ignoreHttpStatusErrors && response.status >= 400) {
		const error = new Error(`Request failed with status code ${response.status}`) as Error & {
			response?: unknown;
		};
		error.response = { status: response.status, data: parsed };
		throw error;
	}
	return options.returnFullResponse
		? { statusCode: response.status, body: parsed, headers: Object.fromEntries(response.headers) }
		: parsed;
}

/**
 * `getNodeParameter` for raw parameters (`rawParameters`): the node's value, else the fallback,
 * resolved for the item by n8n's expression engine.
 */
function rawParameterReader(
	values: Record<string, unknown>,
	items: INodeExecutionData[],
	timezone: string,
): ReturnType<typeof parameterReader> {
	const expression = new Expression(timezone);
	return (name, itemIndex, fallback, options) =>
		extract(
			evaluateDefault(name, getPath(values, name) ?? fallback, items[itemIndex], expression),
			options,
		);
}

/**
 * `getNodeParameter` as n8n answers it: the test's value, else the description's default (its
 * expressions evaluated against the item), else the code's fallback.
 */
export function parameterReader(
	nodeType: INodeType,
	parameters: Record<string, ParameterValue>,
	items: INodeExecutionData[],
	timezone: string,
	version?: number,
): (
	name: string,
	itemIndex: number,
	fallback?: unknown,
	options?: { extractValue?: boolean },
) => unknown {
	const { description } = nodeType;
	const typeVersion =
		version ?? (Array.isArray(description.version) ? description.version[0] : description.version);
	const expression = new Expression(timezone);
	const completed = new Map<number, Record<string, unknown>>();
	/** The test's parameters for one item, completed by the description's defaults like n8n does. */
	const parametersOf = (itemIndex: number): Record<string, unknown> => {
		let values = completed.get(itemIndex);
		if (!values) {
			const set = Object.fromEntries(
				Object.keys(parameters).map((name) => [
					name,
					resolveParameter(parameters, name, itemIndex, items),
				]),
			);
			values = { ...defaultsFor(description, typeVersion, set), ...set };
			completed.set(itemIndex, values);
		}
		return values;
	};
	return (name, itemIndex, fallback, options) => {
		const value = extract(
			name.split('.')[0] in parameters
				? resolveParameter(parameters, name, itemIndex, items)
				: evaluateDefault(
						name,
						resolveParameter(parametersOf(itemIndex), name, itemIndex, items),
						items[itemIndex],
						expression,
					),
			options,
		);
		return value === undefined ? fallback : value;
	};
}

export async function runNode(options: HarnessOptions): Promise<HarnessRun> {
	const items: INodeExecutionData[] = options.items ?? [{ json: {} }];
	const requests: HarnessRun['requests'] = [];
	const run: HarnessRun = { output: null, requests, parameterReads: [], credentialReads: 0 };
	const description = options.node.description;
	const node: INode = {
		id: 'node-under-test',
		name: description.defaults.name ?? description.displayName,
		type: `n8n-nodes-whatsapp-automation.${description.name}`,
		typeVersion:
			options.typeVersion ??
			(Array.isArray(description.version) ? description.version[0] : description.version),
		position: [0, 0],
		parameters: {},
	};
	const timezone = options.timezone ?? 'UTC';
	let parameter = parameterReader(
		options.node,
		options.parameters,
		items,
		timezone,
		node.typeVersion,
	);
	if (options.rawParameters) {
		node.parameters = {
			...defaultsFor(description, node.typeVersion, options.parameters),
			...options.parameters,
		} as INode['parameters'];
		parameter = rawParameterReader(node.parameters, items, timezone);
	}
	const credentialFor = (type: string) => {
		const credentials = options.credentials?.[type];
		if (!credentials)
			throw new NodeOperationError(node, `No credentials of type ${type} in this test`);
		return credentials;
	};

	const context = {
		getNode: () => node,
		getInputData: () => items,
		getExecutionId: () => options.executionId ?? 'test-execution',
		getWorkflow: () => ({ id: 'test-workflow', name: 'Test', active: false }),
		getMode: () => 'manual',
		continueOnFail: () => options.continueOnFail ?? false,
		getCredentials: async (type: string) => {
			run.credentialReads++;
			return credentialFor(type);
		},
		getNodeParameter: (
			name: string,
			itemIndex: number,
			fallback?: unknown,
			opts?: { extractValue?: boolean },
		) => {
			run.parameterReads.push({ name, itemIndex: itemIndex ?? 0 });
			return parameter(name, itemIndex ?? 0, fallback, opts);
		},
		evaluateExpression: (expression: string) => {
			if (expression.includes('$execution.resumeUrl')) return options.resumeUrl;
			throw new Error(`evaluateExpression(${expression}) is not supported by the test harness`);
		},
		putExecutionToWait: async (waitTill: Date) => {
			run.waitTill = waitTill;
		},
		getInputConnectionData: async (type: string, itemIndex: number) => {
			const connection = options.connections?.[type];
			return typeof connection === 'function'
				? (connection as (i: number) => unknown)(itemIndex)
				: connection;
		},
		getTimezone: () => timezone,
		logger: {
			debug() {},
			info() {},
			warn: (message: string, meta?: object) => options.logger?.warn(message, meta),
			error() {},
		},
		helpers: {
			httpRequest: async (request: IHttpRequestOptions) =>
				await httpRequestViaFetch(request, requests),
			assertBinaryData: (itemIndex: number, property: string): IBinaryData => {
				const binary = items[itemIndex].binary?.[property];
				if (!binary) {
					throw new NodeOperationError(node, `Item has no binary field "${property}"`, {
						itemIndex,
					});
				}
				return binary;
			},
			getBinaryDataBuffer: async (itemIndex: number, property: string) =>
				Buffer.from(items[itemIndex].binary![property].data, 'base64'),
			prepareBinaryData: async (
				buffer: Buffer,
				fileName?: string,
				mimeType?: string,
			): Promise<IBinaryData> => ({
				data: buffer.toString('base64'),
				fileName,
				mimeType: mimeType ?? 'application/octet-stream',
			}),
			returnJsonArray: (data: IDataObject | IDataObject[]) =>
				(Array.isArray(data) ? data : [data]).map((json) => ({ json })),
		},
	};
	if (!options.node.execute) throw new Error(`${description.name} has no execute()`);
	run.output = (await options.node.execute.call(context as never)) as INodeExecutionData[][] | null;
	return run;
}

/** Runs a loadOptions / listSearch / resourceMapping method with the given parameters. */
export async function runMethod<T>(
	options: Pick<HarnessOptions, 'node' | 'parameters' | 'credentials'> & {
		/** The id of the workflow being edited (`getWorkflow().id`). */
		workflowId?: string;
	},
	method: (this: never, ...args: never[]) => Promise<T>,
	...args: unknown[]
): Promise<T> {
	const items: INodeExecutionData[] = [{ json: {} }];
	const context = {
		getNode: () => ({ name: options.node.description.displayName, parameters: {} }),
		getCredentials: async (type: string) => options.credentials?.[type],
		getWorkflow: () => ({ id: options.workflowId ?? 'test-workflow', name: 'Test', active: false }),
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		// Load-options contexts take (name, fallback, options), unlike execute's (name, itemIndex, …).
		getNodeParameter: (name: string, fallback?: unknown, opts?: { extractValue?: boolean }) =>
			extract(resolveParameter(options.parameters, name, 0, items), opts) ?? fallback,
		getCurrentNodeParameter: (name: string, opts?: { extractValue?: boolean }) =>
			extract(resolveParameter(options.parameters, name, 0, items), opts),
		helpers: {
			httpRequest: (request: IHttpRequestOptions) => httpRequestViaFetch(request),
		},
	};
	return await (method as (...a: unknown[]) => Promise<T>).call(context, ...args);
}
