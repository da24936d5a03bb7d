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
import { WEBHOOK_NODE_DEFAULT_VERSION, WEBHOOK_NODE_VERSIONS } from '../helpers/webhookNodeVersion';
import { cancelWaits } from './actions/cancelWaits';
import { receiveHandOff } from './actions/receiveHandOff';
import { waitForReply } from './actions/waitForReply';
import { CANCEL_WAITS, OUTPUTS_EXPRESSION, properties } from './descriptions/properties';

// Not an AI tool: an agent's tool call cannot pause its execution for hours. Not a trigger: its
// only webhook is n8n's restart webhook of the waiting execution, so nothing is registered remotely.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool, @n8n/community-nodes/webhook-lifecycle-complete
export class WhatsAppFollowUpWait implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Follow-up Wait',
		name: 'whatsAppFollowUpWait',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['organization'],
		version: WEBHOOK_NODE_VERSIONS,
		defaultVersion: WEBHOOK_NODE_DEFAULT_VERSION,
		subtitle:
			'={{ $parameter["operation"] === "cancelWaits" ? "Cancel waits" : "Wait for reply" }}',
		description:
			'Pause until a WhatsApp contact replies (Replied) or the time runs out (No Reply); cancel pending follow-ups',
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
		return operation === CANCEL_WAITS
			? await cancelWaits.call(this)
			: await waitForReply.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await receiveHandOff.call(this);
	}
}
