import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	sleep,
} from 'n8n-workflow';

import { parseContactIdentifier } from '../../../lib/core/contact';
import { resumeHttpFrom } from '../../../lib/transport/n8nWebhooks';
import { cancelWaitsForContact } from '../../../lib/waits/resume';
import { readItemParameter } from '../../helpers/itemParameter';
import { openWaitStore, phoneNumberIdOf, toNodeError } from './common';

/** Cancels each item's contact's pending waits; their executions continue on Cancelled. */
export async function cancelWaits(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const { store, account } = await openWaitStore.call(this);
	const http = resumeHttpFrom(this.helpers);
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const contact = parseContactIdentifier(readItemParameter(this, 'contact', i));
			const phoneNumberId = phoneNumberIdOf(
				readItemParameter(this, 'phoneNumber', i, '', { extractValue: true }),
			);
			const result = await cancelWaitsForContact(
				store,
				{ account, contact, ...(phoneNumberId === null ? {} : { phoneNumberId }) },
				http,
				{ sleep },
			);
			output.push({
				json: {
					...items[i].json,
					cancelledWaits: {
						count: result.cancelled,
						resumed: result.resumed,
						failed: result.failed,
						failures: result.failures as unknown as IDataObject[],
					},
				},
				pairedItem: { item: i },
			});
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
