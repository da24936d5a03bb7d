import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../lib/transport/graphApi';
import { executeAiReply } from './actions/execute';
import { aiReplyProperties } from './descriptions/properties';

// Not usable as a tool: n8n's tool variant of a node has no inputs, so it could not reach its Chat Model.
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class WhatsAppAiReply implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp AI Reply',
		name: 'whatsAppAiReply',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description:
			"Generate an assistant's reply for one customer, with that customer's conversation as memory; decide on and write follow-ups, and detect opt-outs in the customer's own words",
		defaults: { name: 'WhatsApp AI Reply' },
		inputs: [
			NodeConnectionTypes.Main,
			{
				type: NodeConnectionTypes.AiLanguageModel,
				displayName: 'Chat Model',
				required: true,
				maxConnections: 1,
			},
			{ type: NodeConnectionTypes.AiMemory, displayName: 'Memory', maxConnections: 1 },
		],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: false }],
		properties: aiReplyProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeAiReply.call(this);
	}
}
