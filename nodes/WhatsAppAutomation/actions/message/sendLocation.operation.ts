import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import { buildLocationMessage } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['sendLocation'] } };

export const option: SendOperation['option'] = {
	name: 'Send Location',
	value: 'sendLocation',
	description: 'Send a pin on the map with a name and address (within the 24-hour window)',
	action: 'Send a location',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Latitude',
		name: 'latitude',
		type: 'string',
		default: '',
		required: true,
		placeholder: '52.520008',
		description: 'Decimal degrees between -90 and 90',
		displayOptions: show,
	},
	{
		displayName: 'Longitude',
		name: 'longitude',
		type: 'string',
		default: '',
		required: true,
		placeholder: '13.404954',
		description: 'Decimal degrees between -180 and 180',
		displayOptions: show,
	},
	{
		displayName: 'Name',
		name: 'locationName',
		type: 'string',
		default: '',
		placeholder: 'Our shop',
		description: 'Optional name shown above the address',
		displayOptions: show,
	},
	{
		displayName: 'Address',
		name: 'locationAddress',
		type: 'string',
		default: '',
		placeholder: 'Alexanderplatz 1, 10178 Berlin',
		description: 'Optional address shown under the name',
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
	const body = buildLocationMessage(common, {
		latitude: readItemParameter(this, 'latitude', i),
		longitude: readItemParameter(this, 'longitude', i),
		name: readItemParameter(this, 'locationName', i, ''),
		address: readItemParameter(this, 'locationAddress', i, ''),
	});
	const location = body.location as Record<string, unknown>;
	return {
		itemIndex: i,
		sender: context.sender,
		recipient,
		purpose: purposeOfSend(purposeSetting, null),
		unknownConsent,
		body,
		renderedText: [
			location.name,
			location.address,
			`[location ${String(location.latitude)},${String(location.longitude)}]`,
		]
			.filter((line) => line !== undefined)
			.join('\n'),
		windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'location'),
	};
}
