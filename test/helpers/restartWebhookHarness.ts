/**
 * Drives a waiting node's webhook() the way n8n's WaitingWebhooks does when its resume URL is
 * called: no getInputData(), parameters and `$input` resolve against the items the node received
 * before it paused, and the node may answer the HTTP request itself (noWebhookResponse).
 */
import type { INode, INodeExecutionData, INodeType, IWebhookResponseData } from 'n8n-workflow';

import { parameterReader, type ParameterValue } from './nodeHarness';

export interface RestartWebhookOptions {
	node: INodeType;
	parameters: Record<string, ParameterValue>;
	/** The items the waiting node received when it paused. */
	waitingItems: INodeExecutionData[];
	credentials: Record<string, Record<string, unknown>>;
	executionId: string;
	body: unknown;
	timezone?: string;
	/** The node's version; its first version unless given. */
	typeVersion?: number;
}

export interface RestartWebhookRun {
	result: IWebhookResponseData;
	/** What the node wrote to the HTTP response itself, when it did. */
	response?: { statusCode: number; body: unknown };
}

export async function runRestartWebhook(
	options: RestartWebhookOptions,
): Promise<RestartWebhookRun> {
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
	const run: Partial<RestartWebhookRun> = {};
	let statusCode = 200;
	const response = {
		status(code: number) {
			statusCode = code;
			return response;
		},
		json(body: unknown) {
			run.response = { statusCode, body };
			return response;
		},
	};
	const parameter = parameterReader(
		options.node,
		options.parameters,
		options.waitingItems,
		options.timezone ?? 'UTC',
	);
	const context = {
		getNode: () => node,
		getExecutionId: () => options.executionId,
		getWorkflow: () => ({ id: 'test-workflow', name: 'Test', active: true }),
		getMode: () => 'webhook',
		getTimezone: () => options.timezone ?? 'UTC',
		getBodyData: () => options.body,
		getResponseObject: () => response,
		getCredentials: async (type: string) => {
			const credentials = options.credentials[type];
			if (!credentials) throw new Error(`No credentials of type ${type} in this test`);
			return credentials;
		},
		// Webhook contexts take (name, fallback, options), unlike execute's (name, itemIndex, …).
		getNodeParameter: (name: string, fallback?: unknown, opts?: { extractValue?: boolean }) =>
			parameter(name, 0, fallback, opts),
		evaluateExpression: (expression: string) => {
			if (expression.replace(/\s/g, '') === '{{$input.all()}}') {
				return structuredClone(options.waitingItems);
			}
			throw new Error(`evaluateExpression(${expression}) is not supported by the test harness`);
		},
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: {},
	};
	if (!options.node.webhook) throw new Error(`${description.name} has no webhook()`);
	run.result = await options.node.webhook.call(context as never);
	return run as RestartWebhookRun;
}
