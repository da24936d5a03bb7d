import type { ExpressionString, INodeOutputConfiguration, INodeProperties } from 'n8n-workflow';

export type GateOperation =
	'check' | 'setConsent' | 'getConsent' | 'requestOptIn' | 'eraseContact' | 'import';

/** Check routes to three outputs; every other operation returns one item per input on one output. */
const ROUTER_OUTPUTS: INodeOutputConfiguration[] = [
	{ type: 'main', displayName: 'Allowed' },
	{ type: 'main', displayName: 'Needs Opt-in' },
	{ type: 'main', displayName: 'Blocked' },
];
const SINGLE_OUTPUT: INodeOutputConfiguration[] = [{ type: 'main' }];

/** Like n8n's Switch node: the outputs follow the chosen operation. */
export const gateOutputs: ExpressionString = `={{ $parameter.operation === undefined || $parameter.operation === "check" ? ${JSON.stringify(ROUTER_OUTPUTS)} : ${JSON.stringify(SINGLE_OUTPUT)} }}`;

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'check',
	options: [
		{
			name: 'Check',
			value: 'check',
			description: 'Route each contact to Allowed, Needs Opt-in or Blocked for a purpose',
			action: 'Check consent',
		},
		{
			name: 'Erase Contact',
			value: 'eraseContact',
			description:
				'Delete the contact’s data and conversation history, keeping only what keeps an opt-out honoured',
			action: 'Erase a contact',
		},
		{
			name: 'Get Consent',
			value: 'getConsent',
			description: 'Current consent and its full history with proof',
			action: 'Get consent',
		},
		{
			name: 'Import',
			value: 'import',
			description: 'Bulk-set consent from items, e.g. a CRM export (source "import")',
			action: 'Import consent',
		},
		{
			name: 'Request Opt-In',
			value: 'requestOptIn',
			description:
				'Ask for marketing opt-in: reply buttons inside the 24-hour window, an approved template outside it',
			action: 'Request opt in',
		},
		{
			name: 'Set Consent',
			value: 'setConsent',
			description: 'Record an opt-in, a marketing opt-out or a stop of all messages, with proof',
			action: 'Set consent',
		},
	],
};

export const eraseContactProperties: INodeProperties[] = [
	{
		displayName: 'Additional Identifiers',
		name: 'additionalIdentifiers',
		type: 'string',
		default: '',
		displayOptions: { show: { operation: ['eraseContact'] } },
		placeholder: 'ada@example.com, CRM-4711',
		description:
			'Other identifiers of the same person whose AI Reply conversations are deleted too: whatever the AI Reply node’s Customer Identifier was besides the WhatsApp number (an e-mail, a CRM ID). Separate several with commas, or map a list with an expression (e.g. the e-mail and CRM ID fields of the item).',
	},
];
