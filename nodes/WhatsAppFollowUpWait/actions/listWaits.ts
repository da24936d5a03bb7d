import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { parseContactIdentifier } from '../../../lib/core/contact';
import { FieldError } from '../../../lib/core/fieldError';
import type { PendingWait } from '../../../lib/store';
import { readItemParameter } from '../../helpers/itemParameter';
import { openWaitStore, toNodeError } from './common';

/** What Return All lists at most per input item: the store's largest page. */
const MAX_LISTED = 10_000;

/**
 * Lists, per input item, the account's pending waits (soonest deadline first), optionally of one
 * contact and/or sequence: one store query per item, one output item per wait.
 */
export async function listWaits(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const { store, account } = await openWaitStore.call(this);
	const now = new Date();
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const filters = (readItemParameter(this, 'filters', i, {}) ?? {}) as IDataObject;
			const contact = String(filters.contact ?? '').trim();
			const sequence = String(filters.sequence ?? '').trim();
			const waits = await store.listWaits({
				account,
				at: now,
				limit: readLimit(this, i),
				...(contact === '' ? {} : { contact: parseContactIdentifier(contact) }),
				...(sequence === '' ? {} : { sequence }),
			});
			for (const wait of waits) output.push({ json: waitItem(wait), pairedItem: { item: i } });
		} catch (error) {
			const nodeError = toNodeError(this, error as Error, i);
			if (!this.continueOnFail()) throw nodeError;
			output.push({
				json: {
					...items[i].json,
					error: { message: nodeError.message, description: nodeError.description ?? null },
				},
				pairedItem: { item: i },
			});
		}
	}
	return [output];
}

function readLimit(context: IExecuteFunctions, itemIndex: number): number {
	if (readItemParameter(context, 'returnAll', itemIndex, false) === true) return MAX_LISTED;
	const limit = readItemParameter(context, 'maxWaits', itemIndex, 50);
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED) {
		throw new FieldError(
			'Limit',
			limit,
			`is not a whole number from 1 to ${MAX_LISTED}`,
			'Enter how many waits to list, e.g. 50, or turn on Return All.',
		);
	}
	return limit;
}

/** A wait as users see it: never its resume URL or secret. */
function waitItem(wait: PendingWait): IDataObject {
	return {
		waitId: wait.id,
		contact: wait.contact,
		phoneNumberId: wait.phoneNumberId,
		sequence: wait.sequence,
		followUpNumber: wait.followUp,
		deadline: wait.deadline.toISOString(),
		startedAt: wait.createdAt.toISOString(),
		executionId: wait.executionId,
		workflowId: wait.workflowId,
	};
}
