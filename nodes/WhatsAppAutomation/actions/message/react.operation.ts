import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import { buildReactionMessage } from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';

const show = { show: { operation: ['react'] } };

export const option: SendOperation['option'] = {
	name: 'React',
	value: 'react',
	description:
		'Put an emoji on a message the customer sent, or remove it (within the 24-hour window)',
	action: 'React to a message',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'reactionMessageId',
		type: 'string',
		default: '={{ $json.messageId }}',
		required: true,
		description: 'The wamid of the customer’s message, from the WhatsApp Automation Trigger',
		displayOptions: show,
	},
	{
		displayName: 'Emoji',
		name: 'emoji',
		type: 'string',
		default: '👍',
		description: 'One emoji; empty removes the reaction sent before',
		displayOptions: show,
	},
];

export const sendsMessage = true;
/** A reaction is a free-form message: Meta delivers it only inside the 24-hour window. */
export const needsOpenWindow = true;
/** No template can stand in for an emoji on a message: a closed window fails the item. */
export const offersWindowClosedTemplate = false;

export function prepare(this: IExecuteFunctions, context: PrepareContext, i: number): PreparedSend {
	const { recipient, purposeSetting, unknownConsent, common } = readAddressing(this, i);
	const body = buildReactionMessage(common, {
		messageId: readItemParameter(this, 'reactionMessageId', i),
		emoji: readItemParameter(this, 'emoji', i, ''),
	});
	const reaction = body.reaction as { message_id: string; emoji: string };
	return {
		itemIndex: i,
		sender: context.sender,
		recipient,
		purpose: purposeOfSend(purposeSetting, null),
		unknownConsent,
		body,
		renderedText: reaction.emoji === '' ? '[reaction removed]' : reaction.emoji,
	};
}
