import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { senderProperty } from '../../helpers/sender';
import { optionsProperty, recipientProperty } from '../descriptions/common';
import { optOutFooterProperties, purposeProperty } from '../descriptions/consent';
import * as markAsRead from './message/markAsRead.operation';
import * as sendButtons from './message/sendButtons.operation';
import * as sendMedia from './message/sendMedia.operation';
import * as sendTemplate from './message/sendTemplate.operation';
import * as sendText from './message/sendText.operation';
import { runSendPipeline } from './pipeline';
import type { SendOperation } from './types';

/**
 * The operations of the send node, each in its own file (its picker entry, fields and
 * preparation). A new message type is one more file in `message/`, listed here and in
 * `description` below.
 */
const OPERATIONS: SendOperation[] = [sendTemplate, sendText, sendButtons, sendMedia, markAsRead];

/** The operations that send a message to a contact (all but Mark as Read). */
const MESSAGE_OPERATIONS = OPERATIONS.filter((o) => o.sendsMessage).map((o) => o.option.value);

function forMessages(property: INodeProperties): INodeProperties {
	return { ...property, displayOptions: { show: { operation: MESSAGE_OPERATIONS } } };
}

const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'sendTemplate',
	// n8n lists options alphabetically.
	options: OPERATIONS.map((o) => o.option).sort((a, b) => a.name.localeCompare(b.name)),
};

/** The send node's fields, in the order the editor shows them. */
export const description: INodeProperties[] = [
	operationProperty,
	senderProperty,
	forMessages(recipientProperty),
	forMessages(purposeProperty),
	...sendTemplate.description,
	...sendText.description,
	...sendButtons.description,
	// Shown for Send Text and Send Buttons, after their own fields.
	...optOutFooterProperties,
	...sendMedia.description,
	...markAsRead.description,
	forMessages(optionsProperty),
];

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const name = this.getNodeParameter('operation', 0) as string;
	const operation = OPERATIONS.find((o) => o.option.value === name);
	if (!operation) {
		throw new NodeOperationError(this.getNode(), `Unknown operation "${name}"`, {
			description: `Choose one of: ${OPERATIONS.map((o) => o.option.name).join(', ')}.`,
		});
	}
	return await runSendPipeline.call(this, operation);
}
