import type { INodeProperties } from 'n8n-workflow';

import { senderProperty } from '../../helpers/sender';
import { templateProperty, templateVariablesProperty } from '../../helpers/template';

const request = { show: { operation: ['requestOptIn'] } };

export const DEFAULT_OPT_IN_QUESTION =
	'Would you like to receive news and offers from us on WhatsApp? You can stop them at any time by replying INFOSTOP.';
export const DEFAULT_OPT_IN_LABEL = 'Yes, please';
export const DEFAULT_DECLINE_LABEL = 'No, thanks';

export const requestOptInProperties: INodeProperties[] = [
	{
		...senderProperty,
		description: 'The business phone number that asks',
		displayOptions: request,
	},
	{
		displayName: 'Question',
		name: 'questionText',
		type: 'string',
		typeOptions: { rows: 3 },
		default: DEFAULT_OPT_IN_QUESTION,
		required: true,
		description:
			'Sent with reply buttons while the 24-hour window is open (up to 1,024 characters). Kept as proof of what the customer agreed to.',
		displayOptions: request,
	},
	{
		displayName: 'Yes Button',
		name: 'optInLabel',
		type: 'string',
		default: DEFAULT_OPT_IN_LABEL,
		required: true,
		description: 'Label of the opt-in button (up to 20 characters); its ID is consent:opt_in',
		displayOptions: request,
	},
	{
		displayName: 'No Button',
		name: 'declineLabel',
		type: 'string',
		default: DEFAULT_DECLINE_LABEL,
		required: true,
		description:
			'Label of the decline button (up to 20 characters); its ID is consent:decline, recorded as a marketing opt-out',
		displayOptions: request,
	},
	{
		...templateProperty,
		displayName: 'Template Outside the Window',
		required: false,
		description:
			'An approved template that asks the same question, for contacts who have not written in the last 24 hours. Its first quick-reply button means yes, the second no.',
		displayOptions: request,
	},
	{ ...templateVariablesProperty, displayName: 'Template Variables', displayOptions: request },
];
