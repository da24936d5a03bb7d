import {
	NodeConnectionTypes,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../lib/transport/graphApi';
import {
	eventOptionProperties,
	eventsProperty,
	filtersProperty,
	keywordProperties,
	optionsProperty,
	registrationProperties,
	routingProperties,
	unsignedDeliveriesNotice,
} from './descriptions/properties';
import { WEBHOOK_NODE_DEFAULT_VERSION, WEBHOOK_NODE_VERSIONS } from '../helpers/webhookNodeVersion';
import { getAccountWorkflows, getKeywordLinks } from './methods';
import { checkExists, create, remove } from './registration';
import { handleWebhook } from './webhook';

export class WhatsAppAutomationTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Automation Trigger',
		name: 'whatsAppAutomationTrigger',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['trigger'],
		version: WEBHOOK_NODE_VERSIONS,
		defaultVersion: WEBHOOK_NODE_DEFAULT_VERSION,
		subtitle: '={{ $parameter["events"].join(", ") }}',
		description:
			'Starts a workflow when a customer writes, a conversation starts, a message fails or consent changes (WhatsApp Cloud API)',
		defaults: { name: 'WhatsApp Automation Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: 'webhook' },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' },
		],
		properties: [
			eventsProperty,
			...eventOptionProperties,
			...keywordProperties,
			...routingProperties,
			...registrationProperties,
			filtersProperty,
			optionsProperty,
			unsignedDeliveriesNotice,
		],
	};

	methods = { loadOptions: { getAccountWorkflows, getKeywordLinks } };

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await checkExists.call(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await create.call(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await remove.call(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleWebhook.call(this);
	}
}
