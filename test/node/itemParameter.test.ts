/**
 * The fast path for simple item references against n8n's own evaluation (n8n-workflow 2.41, the
 * call n8n-core's getNodeParameter makes: `workflow.expression.getParameterValue`), with the
 * legacy and the quickjs engine; n8n 2.41's default engine (vm) needs Node 24 and is compared in
 * test/e2e/itemParameter.test.ts, there with n8n-core's own getNodeParameter.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

import {
	Expression,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { parseItemReference } from '../../lib/core/itemReference';
import { contactProperty } from '../../nodes/helpers/contact';
import { readItemParameter } from '../../nodes/helpers/itemParameter';
import { WhatsAppAiReply } from '../../nodes/WhatsAppAiReply/WhatsAppAiReply.node';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import { WhatsAppFollowUpWait } from '../../nodes/WhatsAppFollowUpWait/WhatsAppFollowUpWait.node';
import {
	type Comparison,
	compareReadings,
	generateItems,
	generateReferences,
	n8nEvaluation,
} from '../helpers/itemReferenceCases';

type Items = INodeExecutionData[];

const root = resolve(__dirname, '../..');

describe('reading simple item references natively gives what n8n evaluates', () => {
	const references = generateReferences(60, 11);

	it('generates references the pattern accepts, mostly', () => {
		const accepted = references.filter((reference) => parseItemReference(reference) !== null);
		// the rest use names n8n refuses or answers differently (toString, valueOf)
		expect(accepted.length).toBeGreaterThan(references.length * 0.6);
	});

	it('with the legacy engine, on 300 generated items', () => {
		expect(Expression.getActiveImplementation()).toBe('legacy');
		const result = compareReadings(references, generateItems(300, 7), n8nEvaluation().evaluate);
		expect(result.mismatches).toEqual([]);
		// most pairs are answered natively: the comparison is not vacuous
		expect(result.native).toBeGreaterThan(result.compared * 0.7);
	});

	it('with the quickjs engine, on 120 generated items (in a process of its own)', () => {
		const child = spawnSync(
			process.execPath,
			['--import', 'tsx', 'test/tools/compareEngines.ts', 'quickjs', '120', '30', '23'],
			{ cwd: root, encoding: 'utf8', timeout: 240_000 },
		);
		if (child.status !== 0) throw new Error(`compareEngines failed: ${child.stderr}`);
		const result = JSON.parse(child.stdout) as Comparison & { engine: string };
		expect(result.engine).toBe('quickjs');
		expect(result.mismatches).toEqual([]);
		expect(result.native).toBeGreaterThan(result.compared * 0.7);
	}, 300_000);
});

interface FakeRun {
	context: IExecuteFunctions;
	/** Parameter reads that went to n8n's getNodeParameter. */
	asked: Array<{ name: string; itemIndex: number }>;
	/** How often the helper read the node and the input. */
	reads: { getNode: number; getInputData: number };
}

/**
 * An execute context whose getNodeParameter answers like n8n-core's: the raw value from the
 * node's parameters (else the fallback), resolved by n8n-workflow for the item of the input.
 */
function fakeRun(
	parameters: Record<string, unknown>,
	items: Items,
	options: { toolExecution?: boolean } = {},
): FakeRun {
	const { evaluate } = n8nEvaluation();
	const run: FakeRun = {
		context: undefined as never,
		asked: [],
		reads: { getNode: 0, getInputData: 0 },
	};
	const rawAt = (name: string) =>
		name
			.split('.')
			.reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], parameters);
	run.context = {
		getNode: () => {
			run.reads.getNode++;
			// n8n hands out a deep copy of the node
			return { name: 'Probe', parameters: JSON.parse(JSON.stringify(parameters)) as object };
		},
		getInputData: () => {
			run.reads.getInputData++;
			return items;
		},
		isToolExecution: () => options.toolExecution ?? false,
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			run.asked.push({ name, itemIndex });
			const raw = rawAt(name) ?? fallback;
			if (raw === undefined) throw new Error(`Could not get parameter "${name}"`);
			if (itemIndex >= items.length) throw new Error(`no item ${itemIndex}`);
			return evaluate(raw, items, itemIndex);
		},
	} as unknown as IExecuteFunctions;
	return run;
}

/** Reads the parameter for every item through the helper and through n8n; both must agree. */
function readAll(run: FakeRun, name: string, count: number, fallback?: unknown): unknown[] {
	const values: unknown[] = [];
	for (let i = 0; i < count; i++) {
		const fast = readItemParameter(run.context, name, i, fallback);
		const n8n = run.context.getNodeParameter(name, i, fallback);
		expect(fast).toStrictEqual(n8n);
		if (typeof fast === 'number') expect(Object.is(fast, n8n)).toBe(true);
		values.push(fast);
	}
	return values;
}

function askedFor(run: FakeRun, name: string): number {
	return run.asked.filter((call) => call.name === name).length;
}

describe('readItemParameter', () => {
	const items = generateItems(200, 5).map((item, i) => ({
		json: {
			...item.json,
			phone: i % 10 === 0 ? 4915112345678 : `+49151${String(i).padStart(8, '0')}`,
			name: i % 7 === 0 ? null : i % 11 === 0 ? undefined : `Customer ${i} 😀`,
			order: i % 5 === 0 ? { id: { deep: 1 } } : { id: `A-${i}` },
		},
	})) as Items;

	it('answers a simple reference from the item and asks n8n only where it cannot', () => {
		const run = fakeRun(
			{ recipientPhone: '={{ $json.phone }}', orderId: "={{ $json['order'].id }}" },
			items,
		);
		readAll(run, 'recipientPhone', items.length);
		const ids = readAll(run, 'orderId', items.length);
		// the direct getNodeParameter calls of readAll: one per item and parameter
		expect(askedFor(run, 'recipientPhone')).toBe(items.length);
		// order.id is an object on every fifth item: those go to n8n
		expect(askedFor(run, 'orderId')).toBe(items.length + items.length / 5);
		expect(ids[1]).toBe('A-1');
	});

	it('reads the node and the input once per execution, not per item', () => {
		const run = fakeRun({ recipientPhone: '={{ $json.phone }}', text: '={{ $json.name }}' }, items);
		readAll(run, 'recipientPhone', items.length);
		readAll(run, 'text', items.length);
		expect(run.reads).toEqual({ getNode: 1, getInputData: 1 });
	});

	it('answers the Contact default, a chain of fallbacks, from the item', () => {
		const contacts = items.map((item, i) => ({
			json: {
				...item.json,
				contact: [{ waId: `4915${i}` }, { waId: '', userId: `US.${i}` }, null, {}][i % 4],
				recipient: i % 8 === 2 ? { waId: `4917${i}` } : undefined,
			},
		})) as Items;
		const run = fakeRun({ contact: contactProperty.default }, contacts);
		const values = readAll(run, 'contact', contacts.length);
		// only readAll's own comparison asked n8n: every item was read natively
		expect(askedFor(run, 'contact')).toBe(contacts.length);
		expect(values.slice(0, 4)).toEqual(['49150', 'US.1', '49172', undefined]);
	});

	it('leaves everything but simple references and their fallback chains to n8n', () => {
		const parameters = {
			withText: 'Hello {{ $json.name }}',
			expressionWithText: '=Hello {{ $json.name }}',
			plainStepInChain: '={{ $json.contact.waId || $json.recipient }}',
			fallbackOperator: "={{ $json.name || 'friend' }}",
			method: '={{ $json.phone.toString() }}',
			literal: 'static text',
			number: 5,
		};
		const run = fakeRun(parameters, items);
		for (const name of Object.keys(parameters)) {
			readAll(run, name, 20);
			expect(askedFor(run, name)).toBe(40);
		}
	});

	it('builds an object parameter whose expressions are all simple references', () => {
		const parameters = {
			options: {
				replyToMessageId: '={{ $json.phone }}',
				callbackData: 'campaign-7',
				requireOptIn: true,
			},
			buttons: {
				button: [
					{ id: 'yes', title: '={{ $json.name }}' },
					{ id: 'no', title: 'No, thanks' },
				],
			},
		};
		const run = fakeRun(parameters, items);
		const options = readAll(run, 'options', items.length, {});
		expect(askedFor(run, 'options')).toBe(items.length);
		expect(options[1]).toEqual({
			replyToMessageId: '+4915100000001',
			callbackData: 'campaign-7',
			requireOptIn: true,
		});
		readAll(run, 'buttons.button', items.length, []);
		expect(askedFor(run, 'buttons.button')).toBe(items.length);
		// a new object every time, like n8n's
		expect(readItemParameter(run.context, 'options', 1)).not.toBe(
			readItemParameter(run.context, 'options', 1),
		);
	});

	it('asks n8n for an object parameter holding any other expression', () => {
		const run = fakeRun(
			{
				options: {
					replyToMessageId: '={{ $json.phone }}',
					callbackData: '={{ $json.name.toUpperCase() }}',
				},
			},
			items.filter((item) => typeof item.json.name === 'string'),
		);
		readAll(run, 'options', 20, {});
		expect(askedFor(run, 'options')).toBe(40);
	});

	describe('the template variable mapper', () => {
		const mapper = (schemaType: string) => ({
			variables: {
				mappingMode: 'defineBelow',
				value: { body_1: '={{ $json.name }}', body_2: 'Static' },
				matchingColumns: [],
				schema: [
					{ id: 'body_1', displayName: 'Name', required: true, type: schemaType, display: true },
					{ id: 'body_2', displayName: 'Code', required: true, type: 'string', display: true },
				],
			},
		});

		it('is answered natively when every value is a string', () => {
			const run = fakeRun(mapper('string'), items);
			readAll(run, 'variables.value', items.length, {});
			const names = items.filter((item) => typeof item.json.name === 'string').length;
			// n8n checks null and missing values against the schema (required): those go to n8n
			expect(askedFor(run, 'variables.value')).toBe(items.length + (items.length - names));
			expect(readItemParameter(run.context, 'variables.value', 1)).toEqual({
				body_1: 'Customer 1 😀',
				body_2: 'Static',
			});
		});

		it('asks n8n when a mapped value is not a string', () => {
			const numbers = items.map((item, i) => ({ json: { ...item.json, name: i } }));
			const run = fakeRun(mapper('string'), numbers);
			readAll(run, 'variables.value', 30, {});
			expect(askedFor(run, 'variables.value')).toBe(60);
		});

		it('asks n8n when a field of the schema is not a string field (n8n may convert it)', () => {
			const run = fakeRun(mapper('number'), items);
			readAll(run, 'variables.value', 30, {});
			expect(askedFor(run, 'variables.value')).toBe(60);
		});
	});

	it('asks n8n for calls with options (extractValue)', () => {
		const run = fakeRun({ text: '={{ $json.phone }}' }, items);
		expect(readItemParameter(run.context, 'text', 1, '', { extractValue: true })).toBe(
			'+4915100000001',
		);
		expect(askedFor(run, 'text')).toBe(1);
	});

	it('asks n8n in a tool call of an AI agent, where $json is not the tool input', () => {
		const run = fakeRun({ text: '={{ $json.phone }}' }, items, { toolExecution: true });
		readAll(run, 'text', 10);
		expect(askedFor(run, 'text')).toBe(20);
		expect(run.reads.getNode).toBe(0);
	});

	it('asks n8n for a parameter the node does not have (the fallback) and for items past the input', () => {
		const run = fakeRun({ text: '={{ $json.phone }}' }, items);
		expect(readItemParameter(run.context, 'missing', 0, 'fallback')).toBe('fallback');
		expect(askedFor(run, 'missing')).toBe(1);
		expect(() => readItemParameter(run.context, 'text', items.length)).toThrow(
			`no item ${items.length}`,
		);
		expect(askedFor(run, 'text')).toBe(1);
	});

	it('keeps one plan per execution context', () => {
		const first = fakeRun({ text: '={{ $json.phone }}' }, items);
		const second = fakeRun({ text: '={{ $json.name }}' }, items);
		expect(readItemParameter(first.context, 'text', 1)).toBe('+4915100000001');
		expect(readItemParameter(second.context, 'text', 1)).toBe('Customer 1 😀');
	});
});

describe("the package's node descriptions", () => {
	/** Every property, also inside collections and fixed collections. */
	function allProperties(properties: INodeProperties[]): INodeProperties[] {
		return properties.flatMap((property) => [
			property,
			...(property.options ?? []).flatMap((option) => {
				if ('values' in option && Array.isArray(option.values)) return allProperties(option.values);
				if ('type' in option && 'name' in option) return allProperties([option as INodeProperties]);
				return [];
			}),
		]);
	}

	it('have no validateType: n8n would convert or reject the values the fast path returns as read', () => {
		for (const NodeClass of [
			WhatsAppAutomation,
			WhatsAppConsentGate,
			WhatsAppAiReply,
			WhatsAppFollowUpWait,
		]) {
			const properties = allProperties(new NodeClass().description.properties);
			expect(properties.length).toBeGreaterThan(5);
			expect(properties.filter((property) => property.validateType !== undefined)).toEqual([]);
		}
	});
});
