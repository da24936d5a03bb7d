/**
 * `getNodeParameter` for per-item parameters, with a fast path for simple item references and
 * chains of them (`{{ $json.contact?.waId || $json.recipient?.waId }}`, the Contact default).
 *
 * n8n evaluates every expression of every item in its expression engine (since n8n 2.x an
 * isolate: about 0.4–0.7 ms per parameter and item), even `{{ $json.phone }}`. A parameter whose
 * raw value is exactly one simple reference to the current item (`lib/core/itemReference.ts`) is
 * read here from the item itself instead; so is an object parameter (a collection, a fixed
 * collection, the template variable mapper) whose expressions are all simple references. Anything
 * else, and every item whose value the core is not sure n8n would return unchanged (objects,
 * steps through strings or dates, …), goes to n8n's `getNodeParameter` as before.
 *
 * Where n8n's answer comes from, and why the fast path gives the same:
 * - n8n-core's `getNodeParameter` reads the raw value (`lodash.get(node.parameters, name,
 *   fallback)`), resolves it (`$json` is `connectionInputData[itemIndex].json`, the node's first
 *   main input, which is `getInputData()` in an execute context), then validates it against the
 *   description: only parameters with `validateType` (none in this package,
 *   test/node/itemParameter.test.ts checks) and resource mappers (below) change a value there.
 * - a resource mapper's values are checked against its schema (required, type): only a string
 *   for a field of type string (or without schema) passes unchanged in every setting, so the
 *   fast path answers a mapper only when every value is such a string.
 * - in a tool call of an AI agent (`isToolExecution()`), `$json` is the agent's item while
 *   `getInputData()` holds the tool's arguments: no fast path there.
 * The decision per parameter is made once per execution (parse once, not per item).
 */
import type { IExecuteFunctions, IGetNodeParameterOptions, INodeExecutionData } from 'n8n-workflow';

import {
	type ItemPath,
	parseItemExpression,
	readItemExpression,
} from '../../lib/core/itemReference';

/** A parameter's value built from its raw value: literals as they are, references per item. */
type Template =
	| { kind: 'literal'; value: string | number | boolean | null }
	| { kind: 'reference'; paths: ItemPath[] }
	| { kind: 'list'; entries: Template[] }
	| { kind: 'record'; entries: Array<[string, Template]> };

type ParameterPlan =
	| { kind: 'n8n' }
	| { kind: 'reference'; paths: ItemPath[] }
	| { kind: 'object'; template: Template; mapper: boolean };

interface ExecutionPlan {
	items: INodeExecutionData[];
	parameters: Record<string, unknown>;
	byName: Map<string, ParameterPlan>;
}

const ASK_N8N: ParameterPlan = { kind: 'n8n' };
/** The parameter names the fast path understands: `text`, `variables.value`, `buttons.button`. */
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const NOT_NATIVE = Symbol('not native');

/** One plan per execution context: n8n creates a new context for every run of a node. */
const executions = new WeakMap<object, ExecutionPlan | null>();

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isExpression(value: unknown): value is string {
	return typeof value === 'string' && value.startsWith('=');
}

/** The raw value's template, or null when it holds an expression that is not a simple reference. */
function templateOf(raw: unknown): Template | null {
	if (isExpression(raw)) {
		const paths = parseItemExpression(raw);
		return paths ? { kind: 'reference', paths } : null;
	}
	if (raw === null || ['string', 'number', 'boolean'].includes(typeof raw)) {
		return { kind: 'literal', value: raw as string | number | boolean | null };
	}
	if (Array.isArray(raw)) {
		const entries = raw.map(templateOf);
		return entries.every((entry) => entry !== null)
			? { kind: 'list', entries: entries as Template[] }
			: null;
	}
	if (
		isRecord(raw) &&
		Object.getPrototypeOf(raw) === Object.prototype &&
		!Object.hasOwn(raw, '__proto__')
	) {
		const entries: Array<[string, Template]> = [];
		for (const [key, value] of Object.entries(raw)) {
			const entry = templateOf(value);
			if (!entry) return null;
			entries.push([key, entry]);
		}
		return { kind: 'record', entries };
	}
	return null;
}

function hasReference(template: Template): boolean {
	switch (template.kind) {
		case 'reference':
			return true;
		case 'literal':
			return false;
		case 'list':
			return template.entries.some(hasReference);
		case 'record':
			return template.entries.some(([, entry]) => hasReference(entry));
	}
}

/**
 * A resource mapper (`{ mappingMode, schema, value }`) whose every mapped field is a string
 * field (or has no schema entry): then string values pass n8n's schema check unchanged.
 */
function mapperAllowsStrings(mapper: Record<string, unknown>, value: unknown): boolean {
	if (!isRecord(value) || !Array.isArray(mapper.schema)) return false;
	const types = new Map<unknown, unknown>();
	for (const field of mapper.schema as unknown[]) {
		if (isRecord(field) && !types.has(field.id)) types.set(field.id, field.type);
	}
	return Object.keys(value).every((key) => {
		const type = types.get(key);
		return type === undefined || type === 'string';
	});
}

function planParameter(parameters: Record<string, unknown>, name: string): ParameterPlan {
	if (!PARAMETER_NAME.test(name)) return ASK_N8N;
	const steps = name.split('.');
	let raw: unknown = parameters;
	for (const step of steps) {
		if (!isRecord(raw) || !Object.hasOwn(raw, step)) return ASK_N8N;
		raw = raw[step];
	}
	if (typeof raw === 'string') {
		const paths = parseItemExpression(raw);
		return paths ? { kind: 'reference', paths } : ASK_N8N;
	}
	if (typeof raw !== 'object' || raw === null) return ASK_N8N;
	const template = templateOf(raw);
	if (!template || !hasReference(template)) return ASK_N8N;
	const owner = parameters[steps[0]];
	const mapper =
		steps.length === 2 &&
		steps[1] === 'value' &&
		isRecord(owner) &&
		'mappingMode' in owner &&
		'schema' in owner &&
		'value' in owner;
	if (mapper && !mapperAllowsStrings(owner, raw)) return ASK_N8N;
	return { kind: 'object', template, mapper };
}

/** The template's value for one item, built fresh (n8n returns a new object every time). */
function build(template: Template, json: unknown): unknown {
	switch (template.kind) {
		case 'literal':
			return template.value;
		case 'reference': {
			const reading = readItemExpression(json, template.paths);
			// Objects and arrays are never answered natively, inside an object parameter neither.
			return reading ? reading.value : NOT_NATIVE;
		}
		case 'list': {
			const list: unknown[] = [];
			for (const entry of template.entries) {
				const value = build(entry, json);
				if (value === NOT_NATIVE) return NOT_NATIVE;
				list.push(value);
			}
			return list;
		}
		case 'record': {
			const record: Record<string, unknown> = {};
			for (const [key, entry] of template.entries) {
				const value = build(entry, json);
				if (value === NOT_NATIVE) return NOT_NATIVE;
				record[key] = value;
			}
			return record;
		}
	}
}

function executionPlan(fn: IExecuteFunctions): ExecutionPlan | null {
	let plan = executions.get(fn);
	if (plan === undefined) {
		plan =
			typeof fn.isToolExecution === 'function' && fn.isToolExecution()
				? null
				: {
						items: fn.getInputData(),
						parameters: fn.getNode().parameters as Record<string, unknown>,
						byName: new Map(),
					};
		executions.set(fn, plan);
	}
	return plan;
}

function nativeValue(fn: IExecuteFunctions, name: string, itemIndex: number): unknown {
	const plan = executionPlan(fn);
	if (!plan) return NOT_NATIVE;
	let parameter = plan.byName.get(name);
	if (!parameter) {
		parameter = planParameter(plan.parameters, name);
		plan.byName.set(name, parameter);
	}
	if (parameter.kind === 'n8n') return NOT_NATIVE;
	const json = plan.items[itemIndex]?.json;
	if (json === undefined) return NOT_NATIVE;
	if (parameter.kind === 'reference') {
		const reading = readItemExpression(json, parameter.paths);
		return reading ? reading.value : NOT_NATIVE;
	}
	const value = build(parameter.template, json);
	if (
		parameter.mapper &&
		value !== NOT_NATIVE &&
		!Object.values(value as Record<string, unknown>).every((entry) => typeof entry === 'string')
	) {
		return NOT_NATIVE;
	}
	return value;
}

/**
 * What `fn.getNodeParameter(name, itemIndex, fallback, options)` returns, read from the item
 * when the parameter is a simple item reference. Calls with options (`extractValue`, …) always
 * go to n8n.
 */
export function readItemParameter(
	fn: IExecuteFunctions,
	name: string,
	itemIndex: number,
	fallback?: unknown,
	options?: IGetNodeParameterOptions,
): ReturnType<IExecuteFunctions['getNodeParameter']> {
	if (options === undefined) {
		const value = nativeValue(fn, name, itemIndex);
		if (value !== NOT_NATIVE) return value as ReturnType<IExecuteFunctions['getNodeParameter']>;
	}
	return fn.getNodeParameter(name, itemIndex, fallback, options);
}
