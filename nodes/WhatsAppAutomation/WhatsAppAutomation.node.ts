import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
} from 'n8n-workflow';

import { description as properties, router } from './actions/router';
import { getTemplateVariables, searchPhoneNumbers, searchTemplates } from './methods';

export class WhatsAppAutomation implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Automation',
		name: 'whatsAppAutomation',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Send WhatsApp templates, text, buttons and media through the WhatsApp Cloud API',
		defaults: { name: 'WhatsApp Automation' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'whatsAppCloudApi', required: true }],
		properties,
	};

	methods = {
		listSearch: { searchPhoneNumbers, searchTemplates },
		resourceMapping: { getTemplateVariables },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
