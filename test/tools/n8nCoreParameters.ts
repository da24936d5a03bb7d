/**
 * readItemParameter against n8n-core's own getNodeParameter, inside the pinned n8n runtime
 * (test/e2e/itemParameter.test.ts runs it with the runtime's Node 24, which isolated-vm needs):
 * a real ExecuteContext, a real Workflow (the description's defaults filled in), the package's
 * built nodes and helper from dist/ (what n8n loads; so n8n's schema checks of the template
 * variable mapper run against the real description), the expression engine n8n 2.41 uses by
 * default (vm) or another, and generated items.
 *
 *   npm run build
 *   <runtime node> --import tsx test/tools/n8nCoreParameters.ts <runtime dir> <vm|legacy> <items> <seed>
 *
 * Needs N8N_USER_FOLDER (n8n-core writes its instance settings there). Prints one line of JSON:
 * per node the reads compared, those answered from the item, and every difference.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';

import type { readItemParameter as ReadItemParameter } from '../../nodes/helpers/itemParameter';
import {
	compareReadings,
	describeValue,
	generateItems,
	generateReferences,
	seededRandom,
} from '../helpers/itemReferenceCases';

/** The parts of the runtime's n8n-workflow and n8n-core this script drives. */
interface Runtime {
	Workflow: new (parameters: Record<string, unknown>) => {
		getNode(name: string): Record<string, unknown>;
		expression: { withIsolate<T>(run: () => Promise<T>): Promise<T> };
	};
	Expression: {
		initExpressionEngine(options: Record<string, unknown>): Promise<void>;
		disposeExpressionEngine(): Promise<void>;
		getActiveImplementation(): string;
	};
	createRunExecutionData(): unknown;
	ExecuteContext: new (...parameters: unknown[]) => IExecuteFunctions;
}

function loadRuntime(runtimeDir: string): Runtime {
	const load = createRequire(join(runtimeDir, 'package.json'));
	const workflow = load('n8n-workflow') as Omit<Runtime, 'ExecuteContext'>;
	const { ExecuteContext } = load(
		'n8n-core/dist/execution-engine/node-execution-context/execute-context.js',
	) as Pick<Runtime, 'ExecuteContext'>;
	return { ...workflow, ExecuteContext };
}

const fromDist = createRequire(join(__dirname, '..', '..', 'dist', 'package.json'));

/** A node class of the built package (dist/nodes/<Node>/<Node>.node.js). */
function builtNode(name: string): INodeType {
	const exported = fromDist(`./nodes/${name}/${name}.node.js`) as Record<
		string,
		new () => INodeType
	>;
	return new exported[name]();
}

const { readItemParameter } = fromDist('./nodes/helpers/itemParameter.js') as {
	readItemParameter: typeof ReadItemParameter;
};

interface Scenario {
	name: string;
	nodeType: INodeType;
	parameters: Record<string, unknown>;
	/** The reads the node makes per item, with the fallback it passes. */
	reads: Array<[name: string, fallback?: unknown]>;
}

const stringField = (id: string) => ({
	id,
	displayName: id,
	required: true,
	defaultMatch: false,
	canBeUsedToMatch: false,
	display: true,
	type: 'string',
});

const SCENARIOS: Scenario[] = [
	{
		name: 'Send Template',
		nodeType: builtNode('WhatsAppAutomation'),
		parameters: {
			resource: 'message',
			operation: 'sendTemplate',
			template: { __rl: true, mode: 'name', value: 'order_update|en' },
			recipientPhone: '={{ $json.phone }}',
			variables: {
				mappingMode: 'defineBelow',
				value: {
					body_1: '={{ $json.name }}',
					body_2: '={{ $json["order"]["id"] }}',
					body_3: "={{ $json.lines[0]['sku'] }}",
				},
				matchingColumns: [],
				schema: [stringField('body_1'), stringField('body_2'), stringField('body_3')],
				attemptToConvertTypes: false,
				convertFieldsToString: false,
			},
			recipientName: '={{ $json.name }}',
			options: { replyToMessageId: '={{ $json.wamid }}', callbackData: 'campaign-7' },
		},
		reads: [
			['recipientPhone'],
			['variables.value', {}],
			['recipientName', ''],
			['options', {}],
			['purpose', 'auto'],
		],
	},
	{
		name: 'Send Buttons',
		nodeType: builtNode('WhatsAppAutomation'),
		parameters: {
			resource: 'message',
			operation: 'sendButtons',
			recipientPhone: '={{ $json.phone }}',
			buttonsBody: '={{ $json.message.text }}',
			buttons: {
				button: [
					{ id: 'yes', title: '={{ $json.name }}' },
					{ id: 'no', title: 'No, thanks' },
				],
			},
		},
		reads: [['buttons.button', []], ['buttonsBody'], ['buttonsFooter', '']],
	},
	{
		name: 'Consent Gate Check',
		nodeType: builtNode('WhatsAppConsentGate'),
		parameters: { operation: 'check', contact: '={{ $json.waId }}' },
		reads: [
			['contact', ''],
			['purpose', 'marketing'],
			['unknownConsent', 'needsOptIn'],
		],
	},
	{
		// The Contact default: {{ $json.contact?.waId || $json.contact?.userId || $json.recipient?.waId }}
		name: 'Consent Gate defaults',
		nodeType: builtNode('WhatsAppConsentGate'),
		parameters: { operation: 'check' },
		reads: [['contact', '']],
	},
	{
		// The description's defaults: {{ $json.contact.waId }}, {{ $json.message.text }}
		name: 'AI Reply defaults',
		nodeType: builtNode('WhatsAppAiReply'),
		parameters: { operation: 'generateReply' },
		reads: [['customerId'], ['message'], ['historyLength', 20], ['options', {}]],
	},
	{
		name: 'Follow-up Wait',
		nodeType: builtNode('WhatsAppFollowUpWait'),
		parameters: { operation: 'waitForReply', contact: "={{ $json.contact['waId'] }}" },
		reads: [['contact']],
	},
];

/** Items with the fields the scenarios map, each sometimes missing, null or of another type. */
function scenarioItems(count: number, seed: number): INodeExecutionData[] {
	const random = seededRandom(seed);
	const oneOf = <T>(values: T[]): T => values[Math.floor(random() * values.length)];
	return generateItems(count, seed).map(({ json }, i) => {
		const fields: Record<string, unknown> = {
			phone: oneOf([`+49151${String(i).padStart(8, '0')}`, 4915112345678, null, { n: 1 }, '']),
			name: oneOf([`Kundin ${i} 😀`, 'Ada', '', null, 42, ['x']]),
			order: oneOf([{ id: `A-${i}` }, { id: 7 }, { id: null }, null, 'text', {}]),
			lines: oneOf([[{ sku: 'SKU-1' }], [], null, [{ sku: 3 }], [{}]]),
			wamid: oneOf(['wamid.HBg', null, 12]),
			message: oneOf([{ text: 'Hallo' }, { text: '' }, {}, null, { text: { body: 'x' } }]),
			waId: oneOf(['4915112345678', 4915112345678, null]),
			contact: oneOf([
				{ waId: '4915112345678' },
				{ waId: null },
				{ waId: '', userId: 'US.1349' },
				{ userId: 'US.1349' },
				{ waId: 4915112345678 },
				{ waId: { id: 1 } },
				{},
				null,
				'text',
			]),
			recipient: oneOf([{ waId: '4915112345678' }, { waId: 0 }, {}, null, 'text']),
		};
		for (const key of Object.keys(fields)) if (random() < 0.15) delete fields[key];
		return { json: { ...json, ...fields } as INodeExecutionData['json'] };
	});
}

/** A value as a comparable string: undefined, -0, NaN, Infinity and dates spelled out. */
function canonical(value: unknown): string {
	return JSON.stringify(value, (_key, entry: unknown) => {
		if (entry === undefined) return '<undefined>';
		if (typeof entry === 'number' && !Number.isFinite(entry)) return `<${entry}>`;
		if (Object.is(entry, -0)) return '<-0>';
		return entry;
	});
}

function outcome(read: () => unknown): string {
	try {
		const value = read();
		return value instanceof Date ? `<Date ${value.toISOString()}>` : canonical(value);
	} catch (error) {
		return `threw ${(error as Error).constructor.name}: ${(error as Error).message}`;
	}
}

interface ScenarioResult {
	compared: number;
	native: number;
	mismatches: string[];
}

async function main(): Promise<void> {
	const [runtimeDir, engine, itemCount, seed] = process.argv.slice(2);
	const runtime = loadRuntime(runtimeDir);
	await runtime.Expression.initExpressionEngine({
		engine,
		bridgeTimeout: 5000,
		bridgeMemoryLimit: 128,
		poolSize: 1,
		maxCodeCacheSize: 1024,
	});
	if (runtime.Expression.getActiveImplementation() !== engine) {
		throw new Error(`n8n runs the ${runtime.Expression.getActiveImplementation()} engine`);
	}
	const items = scenarioItems(Number(itemCount), Number(seed));
	const additionalData = {
		executionId: 'compare',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
	};

	/** An execute context of n8n-core for one node with these parameters and the items. */
	const contextFor = (
		nodeType: INodeType,
		parameters: Record<string, unknown>,
		input: INodeExecutionData[],
	) => {
		const node = {
			id: 'node',
			name: 'Node',
			type: `n8n-nodes-whatsapp-automation.${nodeType.description.name}`,
			typeVersion: 1,
			position: [0, 0],
			parameters,
		};
		const workflow = new runtime.Workflow({
			id: 'compare',
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes: {
				getByName: () => nodeType,
				getByNameAndVersion: () => nodeType,
				getKnownTypes: () => ({}),
			},
			settings: {},
		});
		const workflowNode = workflow.getNode('Node');
		const context = new runtime.ExecuteContext(
			workflow,
			workflowNode,
			additionalData,
			'manual',
			runtime.createRunExecutionData(),
			0,
			input,
			{ main: [input] },
			{ node: workflowNode, data: { main: [input] }, source: null },
			[],
		);
		return { workflow, context };
	};

	const results: Record<string, ScenarioResult> = {};
	for (const scenario of SCENARIOS) {
		const { workflow, context } = contextFor(scenario.nodeType, scenario.parameters, items);
		const n8n = context.getNodeParameter.bind(context);
		let asked = 0;
		// Counts the reads readItemParameter leaves to n8n; the comparison calls n8n directly.
		(context as { getNodeParameter: unknown }).getNodeParameter = (
			...parameters: Parameters<typeof n8n>
		) => {
			asked++;
			return n8n(...parameters);
		};
		const result: ScenarioResult = { compared: 0, native: 0, mismatches: [] };
		await workflow.expression.withIsolate(async () => {
			for (const [name, fallback] of scenario.reads) {
				for (let i = 0; i < items.length; i++) {
					const before = asked;
					const fast = outcome(() => readItemParameter(context, name, i, fallback));
					const reference = outcome(() => n8n(name, i, fallback));
					result.compared++;
					if (asked === before) result.native++;
					if (fast !== reference) {
						result.mismatches.push(
							`${name} of item ${i} ${describeValue(items[i].json)}: ours ${fast}, n8n ${reference}`,
						);
					}
				}
			}
		});
		results[scenario.name] = result;
	}

	// The core alone, with a bare string parameter: n8n-core's getNodeParameter for every reference.
	const probe = {
		description: {
			name: 'probe',
			displayName: 'Probe',
			version: 1,
			defaults: { name: 'Probe' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [{ displayName: 'Value', name: 'value', type: 'string', default: '' }],
		},
	} as unknown as INodeType;
	const generated = generateItems(Number(itemCount), Number(seed) + 2);
	const { workflow, context } = contextFor(probe, { value: '' }, generated);
	const references = generateReferences(60, Number(seed) + 1);
	results.references = await workflow.expression.withIsolate(async () =>
		compareReadings(references, generated, (raw, _items, i) => {
			(workflow.getNode('Node').parameters as Record<string, unknown>).value = raw;
			return context.getNodeParameter('value', i);
		}),
	);

	await runtime.Expression.disposeExpressionEngine();
	process.stdout.write(`${JSON.stringify({ engine, results })}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
