import {
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE, GraphClient } from '../../lib/transport/graphApi';
import { contactProperty } from '../helpers/contact';
import { searchPhoneNumbers } from '../helpers/sender';
import { openAccountStore } from '../helpers/storeAccess';
import { getTemplateVariables, searchTemplates } from '../helpers/template';
import { check } from './actions/check';
import { eraseContact, getConsent, importConsent, setConsent } from './actions/records';
import { requestOptIn } from './actions/requestOptIn';
import type { GateContext } from './actions/shared';
import { checkProperties } from './descriptions/check';
import {
	eraseContactProperties,
	type GateOperation,
	gateOutputs,
	operationProperty,
} from './descriptions/common';
import { importProperties } from './descriptions/importConsent';
import { requestOptInProperties } from './descriptions/requestOptIn';
import { setConsentProperties } from './descriptions/setConsent';

const OPERATIONS: Record<GateOperation, (ctx: GateContext) => Promise<INodeExecutionData[][]>> = {
	check,
	setConsent,
	getConsent,
	requestOptIn,
	eraseContact,
	import: importConsent,
};

export class WhatsAppConsentGate implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'WhatsApp Consent Gate',
		name: 'whatsAppConsentGate',
		icon: { light: 'file:../../icons/whatsapp.svg', dark: 'file:../../icons/whatsapp.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] + ($parameter["purpose"] ? ": " + $parameter["purpose"] : "") }}',
		description:
			'Route contacts by WhatsApp marketing consent and record opt-ins and opt-outs with proof',
		defaults: { name: 'WhatsApp Consent Gate' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: gateOutputs,
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			operationProperty,
			contactProperty,
			...checkProperties,
			...setConsentProperties,
			...importProperties,
			...requestOptInProperties,
			...eraseContactProperties,
		],
	};

	methods = {
		listSearch: { searchPhoneNumbers, searchTemplates },
		resourceMapping: { getTemplateVariables },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0, 'check') as GateOperation;
		const run = OPERATIONS[operation];
		if (!run) {
			throw new NodeOperationError(this.getNode(), `Unknown operation "${String(operation)}"`, {
				description: `Use one of: ${Object.keys(OPERATIONS).join(', ')}.`,
			});
		}
		// The credential is read once per execution: the store and every Graph call use this read.
		const graph = await GraphClient.create(this);
		let accountStore: GateContext['accountStore'];
		try {
			accountStore = await openAccountStore(graph.credentials, this.logger);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, {
				description:
					'Consent is kept in the state store chosen in the WhatsApp Cloud API credential; check its State Store settings.',
			});
		}
		return await run({ fn: this, items: this.getInputData(), graph, accountStore });
	}
}
