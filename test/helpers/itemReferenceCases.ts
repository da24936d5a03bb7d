/**
 * Generated items and simple item references for comparing the native reading of
 * `{{ $json.a.b }}` (lib/core/itemReference.ts, nodes/helpers/itemParameter.ts) with what n8n's
 * own expression engines return. Seeded, so a failure names a case that can be run again.
 */
import {
	createRunExecutionData,
	type INode,
	type INodeExecutionData,
	type INodeType,
	Workflow,
} from 'n8n-workflow';

import { parseItemExpression, readItemExpression } from '../../lib/core/itemReference';

/** mulberry32: small, fast, good enough to spread cases. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

type Random = () => number;

function pick<T>(random: Random, values: readonly T[]): T {
	return values[Math.floor(random() * values.length)];
}

/**
 * Keys items are made of: plain names, names of Object.prototype and of array/string members,
 * reserved words and global names, digits, and names only a quoted reference can reach.
 */
const KEYS = [
	'a',
	'b',
	'c',
	'phone',
	'first_name',
	'A1',
	'_x',
	'0',
	'1',
	'toString',
	'valueOf',
	'length',
	'first',
	'isEmpty',
	'class',
	'this',
	'default',
	'then',
	'eval',
	'Straße',
	'with space',
	'emoji😀',
] as const;

const SCALARS: readonly unknown[] = [
	'',
	'hello',
	'+4915112345678',
	'4915112345678',
	'Grüße 😀 مرحبا',
	'  padded  ',
	'=notAnExpression',
	'{{ $json.a }}',
	'line\nbreak',
	'\ud800 lone surrogate',
	0,
	-0,
	42,
	3.14,
	-7,
	Number.NaN,
	Number.POSITIVE_INFINITY,
	Number.NEGATIVE_INFINITY,
	1e21,
	Number.MAX_SAFE_INTEGER + 2,
	true,
	false,
	null,
	undefined,
];

class Customer {
	a = 'instance field';
	b = 1;
}

function generateValue(random: Random, depth: number): unknown {
	const roll = random();
	if (depth >= 4 || roll < 0.45) return pick(random, SCALARS);
	if (roll < 0.7) return generateObject(random, depth + 1);
	if (roll < 0.85) {
		return Array.from({ length: Math.floor(random() * 4) }, () => generateValue(random, depth + 1));
	}
	if (roll < 0.9) return new Date(Date.UTC(2024, 0, 1 + Math.floor(random() * 300)));
	if (roll < 0.95) return Object.assign(Object.create(null), generateObject(random, depth + 1));
	return new Customer();
}

function generateObject(random: Random, depth: number): Record<string, unknown> {
	const object: Record<string, unknown> = {};
	const size = Math.floor(random() * 5);
	for (let k = 0; k < size; k++) object[pick(random, KEYS)] = generateValue(random, depth);
	return object;
}

/** Items whose json is a plain object of nested values of every kind, fields often missing. */
export function generateItems(count: number, seed: number): INodeExecutionData[] {
	const random = seededRandom(seed);
	// Dates, class instances and undefined are not IDataObject values, but items can hold them
	return Array.from({ length: count }, () => ({
		json: generateObject(random, 0) as INodeExecutionData['json'],
	}));
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function segment(random: Random, key: string): string {
	if (/^[0-9]$/.test(key)) return random() < 0.7 ? `[${key}]` : `["${key}"]`;
	if (IDENTIFIER.test(key)) {
		const roll = random();
		if (roll < 0.6) return `.${key}`;
		return roll < 0.8 ? `["${key}"]` : `['${key}']`;
	}
	return random() < 0.5 ? `["${key}"]` : `['${key}']`;
}

const PADDING = ['', ' ', ' ', '  ', '\n', '\t', ' \n '] as const;

/**
 * Raw parameter values of the simple-reference form, 1 to 4 steps over the item keys and array
 * indexes, with the padding the pattern allows inside the braces.
 */
export function generateReferences(count: number, seed: number): string[] {
	const random = seededRandom(seed);
	const references = new Set<string>();
	while (references.size < count) {
		const steps = 1 + Math.floor(random() * 4);
		let code = '$json';
		for (let s = 0; s < steps; s++) {
			code +=
				random() < 0.15 ? `[${Math.floor(random() * 3)}]` : segment(random, pick(random, KEYS));
		}
		// A third are chains of fallbacks (`$json.a?.b || $json.c`), as the Contact default is.
		if (random() < 0.33) code = chainOf(random, code);
		references.add(`={{${pick(random, PADDING)}${code}${pick(random, PADDING)}}}`);
	}
	return [...references];
}

/**
 * `first` made a chain of 2–3 fallbacks: its inner steps and the others' made optional (`?.`),
 * sometimes one left plain (a chain the core must leave to n8n), with the spacing `||` allows.
 */
function chainOf(random: Random, first: string): string {
	const optional = (code: string) =>
		code.replace(/(?<=.)(\.|\[)/g, (step, _m, offset: number) =>
			offset > '$json'.length && random() < 0.95 ? `?.${step === '.' ? '' : '['}` : step,
		);
	const operands = [optional(first)];
	const more = 1 + Math.floor(random() * 2);
	for (let k = 0; k < more; k++) {
		const steps = 1 + Math.floor(random() * 3);
		let code = '$json';
		for (let s = 0; s < steps; s++) code += segment(random, pick(random, KEYS));
		operands.push(optional(code));
	}
	return operands.join(pick(random, [' || ', '||', ' ||  ']));
}

/** What a value looks like in a failure message: undefined, -0, NaN and dates spelled out. */
export function describeValue(value: unknown): string {
	if (value === undefined) return 'undefined';
	if (Object.is(value, -0)) return '-0';
	if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
	if (value instanceof Date) return `Date(${value.toISOString()})`;
	try {
		return JSON.stringify(value);
	} catch {
		return String(value);
	}
}

type Items = INodeExecutionData[];

type Evaluate = (raw: unknown, items: Items, itemIndex: number) => unknown;

export interface N8nEvaluation {
	/** The value of one raw parameter value for one item of the node's input. */
	evaluate: Evaluate;
	/** Runs `run` holding an isolate of the vm or quickjs engine, as n8n does per execution. */
	withIsolate<T>(run: () => Promise<T>): Promise<T>;
}

/**
 * n8n's evaluation of raw parameter values: the call n8n-core's getNodeParameter makes
 * (`workflow.expression.getParameterValue`), with whichever expression engine is active.
 */
export function n8nEvaluation(): N8nEvaluation {
	const nodeType = {
		description: {
			name: 'probe',
			displayName: 'Probe',
			version: 1,
			defaults: { name: 'Probe' },
			inputs: ['main'],
			outputs: ['main'],
			properties: [],
		},
	} as unknown as INodeType;
	const node: INode = {
		id: 'probe',
		name: 'Probe',
		type: 'probe',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const workflow = new Workflow({
		id: 'probe',
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
	return {
		evaluate: (raw, items, itemIndex) =>
			workflow.expression.getParameterValue(
				raw as string,
				createRunExecutionData(),
				0,
				itemIndex,
				node.name,
				items,
				'manual',
				{},
				{ node, data: { main: [items] }, source: null },
			),
		withIsolate: async (run) => await workflow.expression.withIsolate(run),
	};
}

export interface Comparison {
	/** Reference × item pairs looked at. */
	compared: number;
	/** Pairs the core answered itself. */
	native: number;
	/** Pairs where the core answered and n8n answered something else or threw. */
	mismatches: string[];
}

/** Every reference against every item: where the core answers, n8n must answer the same. */
export function compareReadings(
	references: string[],
	items: Items,
	evaluate: Evaluate,
): Comparison {
	const result: Comparison = { compared: 0, native: 0, mismatches: [] };
	for (const reference of references) {
		const paths = parseItemExpression(reference);
		if (!paths) continue;
		items.forEach((item, itemIndex) => {
			result.compared++;
			const reading = readItemExpression(item.json, paths);
			if (!reading) return;
			result.native++;
			let n8n: unknown;
			try {
				n8n = evaluate(reference, items, itemIndex);
			} catch (error) {
				result.mismatches.push(
					`${JSON.stringify(reference)} on ${describeValue(item.json)}: ours ${describeValue(reading.value)}, n8n threw ${(error as Error).message}`,
				);
				return;
			}
			if (!Object.is(reading.value, n8n)) {
				result.mismatches.push(
					`${JSON.stringify(reference)} on ${describeValue(item.json)}: ours ${describeValue(reading.value)}, n8n ${describeValue(n8n)}`,
				);
			}
		});
	}
	return result;
}
