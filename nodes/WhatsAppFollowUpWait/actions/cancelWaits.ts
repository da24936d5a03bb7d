import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	sleep,
} from 'n8n-workflow';

import { parseContactIdentifier } from '../../../lib/core/contact';
import { resumeHttpFrom } from '../../../lib/transport/n8nWebhooks';
import { cancelPendingWaits, type CancelTarget } from '../../../lib/waits/resume';
import { readItemParameter } from '../../helpers/itemParameter';
import { openWaitStore, phoneNumberIdOf, readSequence, toNodeError } from './common';

type CancelChoice = 'contact' | 'contactInSequence' | 'sequence';

/**
 * Cancels, per item, the pending waits of its contact, of its contact in a sequence, or of a whole
 * sequence; their executions continue on Cancelled.
 */
export async function cancelWaits(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const choice = this.getNodeParameter('cancel', 0, 'contact') as CancelChoice;
	const { store, account } = await openWaitStore.call(this);
	const http = resumeHttpFrom(this.helpers);
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const phoneNumberId = phoneNumberIdOf(
				readItemParameter(this, 'phoneNumber', i, '', { extractValue: true }),
			);
			const target: CancelTarget = {
				account,
				...(phoneNumberId === null ? {} : { phoneNumberId }),
				...(choice === 'sequence'
					? {}
					: { contact: parseContactIdentifier(readItemParameter(this, 'contact', i)) }),
				...(choice === 'contact' ? {} : { sequence: readSequence(this, i) }),
			};
			const result = await cancelPendingWaits(store, target, http, { sleep });
			output.push({
				json: {
					...items[i].json,
					cancelledWaits: {
						count: result.cancelled,
						resumed: result.resumed,
						failed: result.failed,
						failures: result.failures as unknown as IDataObject[],
						...(target.sequence === undefined ? {} : { sequence: target.sequence }),
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
