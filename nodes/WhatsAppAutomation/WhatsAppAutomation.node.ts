import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../../lib/transport/graphApi';
import { searchPhoneNumbers } from '../helpers/sender';
import { getTemplateVariables, searchTemplates } from '../helpers/template';
import { description as properties, router } from './actions/router';

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
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
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
