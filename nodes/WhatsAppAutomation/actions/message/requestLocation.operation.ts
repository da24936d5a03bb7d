import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import { buildLocationRequestMessage } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['requestLocation'] } };

export const option: SendOperation['option'] = {
	name: 'Request Location',
	value: 'requestLocation',
	description:
		'Ask the customer to share their location with a “Send location” button (within the 24-hour window)',
	action: 'Request a location',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Body Text',
		name: 'locationRequestBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		placeholder: 'Where should we pick you up?',
		description:
			'The question above the “Send location” button (up to 1,024 characters); the shared location arrives in the trigger',
		displayOptions: show,
	},
];

export const sendsMessage = true;
export const needsOpenWindow = true;

export async function prepare(
	this: IExecuteFunctions,
	context: PrepareContext,
	i: number,
): Promise<PreparedSend> {
	const addressing = readAddressing(this, i);
	const { recipient, purposeSetting, unknownConsent, common } = addressing;
	const text = readItemParameter(this, 'locationRequestBody', i);
	return {
		itemIndex: i,
		sender: context.sender,
		recipient,
		purpose: purposeOfSend(purposeSetting, null),
		unknownConsent,
		body: buildLocationRequestMessage(common, { body: text }),
		renderedText: `${String(text)}\n[Send location]`,
		windowClosed: await prepareWindowClosedTemplate(
			this,
			context,
			i,
			addressing,
			'locationRequest',
		),
	};
}
