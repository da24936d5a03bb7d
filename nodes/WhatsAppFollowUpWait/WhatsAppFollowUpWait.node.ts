import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
	NodeConnectionTypes,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../lib/transport/graphApi';
import { searchPhoneNumbers } from '../helpers/sender';
import { WEBHOOK_NODE_VERSIONS } from '../helpers/webhookNodeVersion';
import { cancelWaits } from './actions/cancelWaits';
import { listWaits } from './actions/listWaits';
import { receiveHandOff } from './actions/receiveHandOff';
import { waitForReply } from './actions/waitForReply';
import {
	CANCEL_WAITS,
	LIST_WAITS,
	OUTPUTS_EXPRESSION,
	properties,
	SEQUENCE_VERSION,
} from './descriptions/properties';

// Not an AI tool: an agent's tool call cannot pause its execution for hours. Not a trigger: its
// only webhook is n8n's restart webhook of the waiting execution, so nothing is registered remotely.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool, @n8n/community-nodes/webhook-lifecycle-complete
export class WhatsAppFollowUpWait implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Follow-up Wait',
		name: 'whatsAppFollowUpWait',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['organization'],
		// 1.2: follow-up sequences (count, cap, Limit Reached); 1 and 1.1 wait without a cap.
		version: [...WEBHOOK_NODE_VERSIONS, SEQUENCE_VERSION],
		defaultVersion: SEQUENCE_VERSION,
		subtitle:
			'={{ {cancelWaits: "Cancel waits", listWaits: "List waits"}[$parameter["operation"]] ?? "Wait for reply" }}',
		description:
			'Pause until a WhatsApp contact replies (Replied) or the time runs out (No Reply); cap, cancel and list follow-ups',
		defaults: { name: 'WhatsApp Follow-up Wait' },
		inputs: [NodeConnectionTypes.Main],
		outputs: OUTPUTS_EXPRESSION,
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				path: '',
				restartWebhook: true,
				responseMode: 'onReceived',
			},
		],
		properties,
	};

	methods = {
		listSearch: { searchPhoneNumbers },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0);
		if (operation === CANCEL_WAITS) return await cancelWaits.call(this);
		if (operation === LIST_WAITS) return await listWaits.call(this);
		return await waitForReply.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveHandOff.call(this);
	}
}
