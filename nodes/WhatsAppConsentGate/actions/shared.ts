import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { FieldError } from '../../../lib/core/fieldError';
import type { GraphClient } from '../../../lib/transport/graphApi';
import { errorItem, toNodeError } from '../../../lib/transport/nodeErrors';
import type { AccountStore } from '../../helpers/storeAccess';

export { errorItem, toNodeError };

/**
 * What every operation gets: the node's context, the Graph client of the credential (read once
 * per execution) and the credential's store and account.
 */
export interface GateContext {
	fn: IExecuteFunctions;
	items: INodeExecutionData[];
	graph: GraphClient;
	accountStore: AccountStore;
}

/**
 * Runs `work` for every item in order; a failing item throws (the n8n default) or, with
 * "Continue On Fail", becomes its own error item while the others go on.
 */
export async function mapItems(
	ctx: GateContext,
	work: (itemIndex: number, item: INodeExecutionData) => Promise<IDataObject>,
): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < ctx.items.length; i++) {
		try {
			output.push({ json: await work(i, ctx.items[i]), pairedItem: { item: i } });
		} catch (error) {
			if (!ctx.fn.continueOnFail()) throw toNodeError(ctx.fn, error as Error, i);
			output.push(errorItem(ctx.fn, error as Error, i));
		}
	}
	return output;
}

/** Parses every item up front; returns the parsed values, or per-item errors under Continue On Fail. */
export function parseItems<T>(ctx: GateContext, parse: (itemIndex: number) => T): Array<T | Error> {
	return ctx.items.map((_, i) => {
		try {
			return parse(i);
		} catch (error) {
			if (!ctx.fn.continueOnFail()) throw toNodeError(ctx.fn, error as Error, i);
			return error as Error;
		}
	});
}

const SECONDS_LIMIT = 1e12;
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * A consent event time from a date picker, an expression or an export column: ISO text, a Date,
 * a Luxon DateTime, Unix seconds (below 10^12) or milliseconds. Empty means now unless required.
 * A time in the future is refused: it would outrank every real change until then.
 */
export function parseEventTime(
	value: unknown,
	field: string,
	options: { required: boolean; now: number },
): number {
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		if (!options.required) return options.now;
		throw new FieldError(
			field,
			value ?? '',
			'is empty',
			'Map when the contact gave or withdrew consent, e.g. {{ $json.consentDate }} (ISO date or Unix time).',
		);
	}
	const millis = toMillis(value);
	if (millis === null) {
		throw new FieldError(
			field,
			value,
			'is not a date',
			'Use an ISO date such as 2025-05-01T10:00:00Z, or Unix seconds/milliseconds.',
		);
	}
	if (millis > options.now + FUTURE_TOLERANCE_MS) {
		throw new FieldError(
			field,
			value,
			`is in the future (${new Date(millis).toISOString()})`,
			'Use the time the contact actually acted; a future time would override every later change.',
		);
	}
	return millis;
}

function toMillis(value: unknown): number | null {
	if (value instanceof Date) return finite(value.getTime());
	if (typeof value === 'number') return finite(value < SECONDS_LIMIT ? value * 1000 : value);
	if (typeof value === 'object' && value !== null && 'toMillis' in value) {
		const toMillisMethod = (value as { toMillis: unknown }).toMillis;
		if (typeof toMillisMethod === 'function') return finite(Number(toMillisMethod.call(value)));
	}
	if (typeof value !== 'string') return null;
	const text = value.trim();
	if (/^\d+(\.\d+)?$/.test(text)) return toMillis(Number(text));
	return finite(Date.parse(text));
}

function finite(value: number): number | null {
	return Number.isFinite(value) ? Math.trunc(value) : null;
}
