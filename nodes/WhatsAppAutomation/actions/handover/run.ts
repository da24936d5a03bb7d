import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../../../lib/transport/graphApi';
import { errorItem, toNodeError } from '../../../../lib/transport/nodeErrors';
import { openAccountStore } from '../../../helpers/storeAccess';
import type { HandoverOperation } from '../types';

/**
 * Runs a handover operation for every item, in order: one output item per input item with its
 * pairedItem; a failing item throws (the n8n default) or, with Continue On Fail, becomes its own
 * error item while the others go on.
 */
export async function runHandover(
	this: IExecuteFunctions,
	operation: HandoverOperation,
): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	let opened: Awaited<ReturnType<typeof openAccountStore>>;
	try {
		opened = await openAccountStore(credentials, this.logger);
	} catch (error) {
		throw toNodeError(this, error as Error);
	}
	const context = { ...opened, now: Date.now() };
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			output.push({ json: await operation.run.call(this, context, i), pairedItem: { item: i } });
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this, error as Error, i);
			output.push(errorItem(this, error as Error, i));
		}
	}
	return [output];
}
