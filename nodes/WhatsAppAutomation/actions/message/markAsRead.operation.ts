import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { buildMarkAsRead } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';

const show = { show: { operation: ['markAsRead'] } };

export const option: SendOperation['option'] = {
	name: 'Mark as Read',
	value: 'markAsRead',
	description: 'Show blue ticks for an inbound message, optionally with a typing indicator',
	action: 'Mark a message as read',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		default: '={{ $json.messageId }}',
		required: true,
		description: 'The wamid of the inbound message, from the WhatsApp Automation Trigger',
		displayOptions: show,
	},
	{
		displayName: 'Show Typing Indicator',
		name: 'typingIndicator',
		type: 'boolean',
		default: false,
		description:
			'Whether to show “typing…” to the customer until you reply (or for up to 25 seconds)',
		displayOptions: show,
	},
];

/** A receipt answers the customer's message: no recipient, no consent check, no window. */
export const sendsMessage = false;
export const needsOpenWindow = false;

export function prepare(
	this: IExecuteFunctions,
	{ sender }: PrepareContext,
	i: number,
): PreparedSend {
	return {
		itemIndex: i,
		sender,
		body: buildMarkAsRead(
			readItemParameter(this, 'messageId', i),
			readItemParameter(this, 'typingIndicator', i, false) as boolean,
		),
	};
}
