import type { INodeProperties } from 'n8n-workflow';

import { templateProperty, templateVariablesProperty } from '../../helpers/template';

/**
 * What a free-form message does when the contact's 24-hour window is closed: fail the item (as
 * before the option existed) or send an approved template instead. The picker and the mapper are
 * Send Template's own, under the same parameter names (`template`, `variables`), so the mapper's
 * `getTemplateVariables` reads this picker and the values are mapped by expressions the same way;
 * the Consent Gate's template outside the window does the same. Shown for `operations`, the
 * operations that need an open window (the router lists them).
 */
export function windowClosedProperties(operations: string[]): INodeProperties[] {
	const withTemplate = { show: { operation: operations, windowClosed: ['sendTemplate'] } };
	return [
		{
			displayName: 'When the Window Is Closed',
			name: 'windowClosed',
			type: 'options',
			default: 'fail',
			description:
				'What to do when the customer has not written in the last 24 hours (or Meta reported 131047 since), so a free-form message cannot reach them',
			displayOptions: { show: { operation: operations } },
			options: [
				{
					name: 'Fail the Item',
					value: 'fail',
					description:
						'The item fails with 131047 (re-engagement message), without a request to Meta',
				},
				{
					name: 'Send a Template Instead',
					value: 'sendTemplate',
					description:
						'Send the approved template below, with its variables, under the same consent rules as Send Template',
				},
			],
		},
		{
			...templateProperty,
			displayName: 'Template Outside the Window',
			description:
				'An APPROVED template sent instead of the message when the window is closed. A MARKETING template is a marketing send (Purpose: Auto).',
			displayOptions: withTemplate,
		},
		{
			...templateVariablesProperty,
			displayName: 'Template Variables',
			required: true,
			displayOptions: withTemplate,
		},
	];
}
