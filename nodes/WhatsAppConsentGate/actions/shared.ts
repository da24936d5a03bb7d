import { type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

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
