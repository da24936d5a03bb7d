/**
 * The benchmark workflows, as n8n exports them. Throughput runs share one shape:
 *
 *   Webhook (answers with the last node) → Split Out (one item per list entry)
 *     ├─ Stamp Before (runs once: the time the measured node gets its items)
 *     └─ <measured node> → Stamp After (runs once: the time it handed them on)
 *
 * so the time a node takes is read from the webhook's answer, with no execution data to save or
 * fetch (n8n's own cost for 100,000 items, not the node's).
 */
import { randomUUID } from 'node:crypto';

import type { WorkflowInput, WorkflowNode } from '../../scripts/harness';

export interface MeasuredNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters: Record<string, unknown>;
	credentials?: WorkflowNode['credentials'];
	/** n8n's per-node "On Error" setting. */
	onError?: 'continueRegularOutput' | 'stopWorkflow';
}

export interface StampedWorkflowOptions {
	name: string;
	webhookPath: string;
	/** The body field holding the list; each entry becomes one item. */
	listField: string;
	measured: MeasuredNode;
	/** False: n8n does not save successful executions of this workflow. */
	saveSuccessfulExecutions?: boolean;
	/**
	 * Stamp After also counts the measured node's output items that carry an `error` (items of a
	 * node set to continue on error), and shows the first. Read after `endedAt`: not timed.
	 */
	countFailures?: boolean;
}

/** What Stamp After answers: epoch milliseconds around the measured node. */
export interface StampedAnswer {
	startedAt: number;
	endedAt: number;
	/** With countFailures: failed items and the first one's error, as JSON. */
	failed?: number;
	firstError?: string;
}

export function stampedWorkflow(options: StampedWorkflowOptions): WorkflowInput {
	const measured = options.measured;
	return {
		name: options.name,
		nodes: [
			{
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: {
					httpMethod: 'POST',
					path: options.webhookPath,
					responseMode: 'lastNode',
					responseData: 'firstEntryJson',
					options: {},
				},
			},
			{
				name: 'Split Out',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [200, 0],
				parameters: { fieldToSplitOut: `body.${options.listField}`, include: 'noOtherFields' },
			},
			stampNode('Stamp Before', [400, -200], { startedAt: '={{ $now.toMillis() }}' }),
			{
				...measured,
				position: [400, 0],
				...(measured.onError ? { onError: measured.onError } : {}),
			},
			stampNode('Stamp After', [600, 0], {
				startedAt: "={{ $('Stamp Before').first().json.startedAt }}",
				endedAt: '={{ $now.toMillis() }}',
				...(options.countFailures
					? {
							failed: `={{ $('${measured.name}').all().filter((item) => item.json.error).length }}`,
							firstError: `={{ JSON.stringify($('${measured.name}').all().find((item) => item.json.error)?.json.error ?? null) }}`,
						}
					: {}),
			}),
		],
		connections: {
			Webhook: { main: [[{ node: 'Split Out', type: 'main', index: 0 }]] },
			// Stamp Before sits above the measured node: n8n's v1 order runs it first.
			'Split Out': {
				main: [
					[
						{ node: 'Stamp Before', type: 'main', index: 0 },
						{ node: measured.name, type: 'main', index: 0 },
					],
				],
			},
			[measured.name]: { main: [[{ node: 'Stamp After', type: 'main', index: 0 }]] },
		},
		settings: {
			executionOrder: 'v1',
			...(options.saveSuccessfulExecutions === false ? { saveDataSuccessExecution: 'none' } : {}),
		},
	};
}

function stampNode(
	name: string,
	position: [number, number],
	fields: Record<string, string>,
): WorkflowNode {
	return {
		name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position,
		executeOnce: true,
		parameters: {
			assignments: {
				assignments: Object.entries(fields).map(([field, value]) => ({
					id: randomUUID(),
					name: field,
					type: field === 'firstError' ? 'string' : 'number',
					value,
				})),
			},
			options: {},
		},
	};
}

/** A workflow whose only job is to start: `start` (a trigger) → No Operation. */
export function receiverWorkflow(name: string, start: WorkflowNode): WorkflowInput {
	return {
		name,
		nodes: [
			{ ...start, position: [0, 0] },
			{
				name: 'Done',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [250, 0],
				parameters: {},
			},
		],
		connections: { [start.name]: { main: [[{ node: 'Done', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

export const HEADER_AUTH_TYPE = 'httpHeaderAuth';

/**
 * n8n's Webhook node answering 200 as soon as the request is in (the baseline receiver); with a
 * Header Auth credential's name, it refuses calls without that header.
 */
export function plainWebhookNode(path: string, headerAuthCredential?: string): WorkflowNode {
	return {
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: randomUUID(),
		...(headerAuthCredential
			? { credentials: { [HEADER_AUTH_TYPE]: { name: headerAuthCredential } } }
			: {}),
		parameters: {
			httpMethod: 'POST',
			path,
			responseMode: 'onReceived',
			...(headerAuthCredential ? { authentication: 'headerAuth' } : {}),
			options: {},
		},
	};
}

export const TRIGGER_NODE_NAME = 'WhatsApp Automation Trigger';

/**
 * Our trigger with manual registration (the benchmark posts the deliveries itself), every inbound
 * message starting a run unless `routing` (Routing Role, Keywords, Keyword Match…) says otherwise.
 * Its production URL is `/webhook/<webhookId>/webhook`.
 */
export function triggerNode(
	packageName: string,
	credentialName: string,
	verifyToken: string,
	routing: Record<string, unknown> = {},
): WorkflowNode & { webhookId: string } {
	return {
		name: TRIGGER_NODE_NAME,
		type: `${packageName}.whatsAppAutomationTrigger`,
		typeVersion: 1.1,
		webhookId: randomUUID(),
		credentials: { whatsAppCloudApi: { name: credentialName } },
		parameters: { events: ['messageReceived'], registration: 'manual', verifyToken, ...routing },
	};
}
