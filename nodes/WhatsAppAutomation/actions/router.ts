import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { senderProperty } from '../../helpers/sender';
import { optionsProperty, recipientProperty } from '../descriptions/common';
import { optOutFooterProperties, purposeProperty } from '../descriptions/consent';
import { windowClosedProperties } from '../descriptions/windowClosed';
import { handoverContactProperty } from './handover/contact';
import * as handOver from './handover/handOver.operation';
import * as returnToAutomation from './handover/returnToAutomation.operation';
import { runHandover } from './handover/run';
import * as markAsRead from './message/markAsRead.operation';
import * as react from './message/react.operation';
import * as requestLocation from './message/requestLocation.operation';
import * as sendButtons from './message/sendButtons.operation';
import * as sendContacts from './message/sendContacts.operation';
import * as sendCtaUrl from './message/sendCtaUrl.operation';
import * as sendList from './message/sendList.operation';
import * as sendLocation from './message/sendLocation.operation';
import * as sendMedia from './message/sendMedia.operation';
import * as sendTemplate from './message/sendTemplate.operation';
import * as sendText from './message/sendText.operation';
import { runSendPipeline } from './pipeline';
import * as campaignReport from './report/campaignReport.operation';
import * as createTemplate from './template/create.operation';
import * as deleteTemplate from './template/delete.operation';
import * as getTemplate from './template/get.operation';
import * as listTemplates from './template/list.operation';
import { runTemplate } from './template/run';
import type { HandoverOperation, SendOperation, TemplateOperation } from './types';

/**
 * The operations of the send node, each in its own file (its picker entry, fields and
 * preparation). A new message type is one more file in `message/`, listed here and in
 * `description` below.
 */
const OPERATIONS: SendOperation[] = [
	sendTemplate,
	sendText,
	sendButtons,
	sendMedia,
	markAsRead,
	sendList,
	sendCtaUrl,
	sendLocation,
	requestLocation,
	sendContacts,
	react,
];

/** The operations that send a message to a contact (all but Mark as Read). */
const MESSAGE_OPERATIONS = OPERATIONS.filter((o) => o.sendsMessage).map((o) => o.option.value);

/**
 * The free-form operations a template can stand in for (all but Mark as Read, Send Template and
 * React): they get the "When the Window Is Closed" fields.
 */
const FREE_FORM_OPERATIONS = OPERATIONS.filter(
	(o) => o.needsOpenWindow && o.offersWindowClosedTemplate !== false,
).map((o) => o.option.value);

function forMessages(property: INodeProperties): INodeProperties {
	return { ...property, displayOptions: { show: { operation: MESSAGE_OPERATIONS } } };
}

/** Handing a contact over to a person and back: no message, a record in the store. */
const HANDOVER_OPERATIONS: HandoverOperation[] = [handOver, returnToAutomation];

/** Managing the account's message templates (Meta's template API): no message leaves. */
const TEMPLATE_OPERATIONS: TemplateOperation[] = [
	listTemplates,
	getTemplate,
	createTemplate,
	deleteTemplate,
];

const showForMessages = { show: { resource: ['message'] } };

/**
 * Message (the default, so workflows saved before resources existed keep their operation),
 * Handover, Template and Report. Only the new fields mention `resource`, apart from the message picker and the sender.
 */
const resourceProperty: INodeProperties = {
	displayName: 'Resource',
	name: 'resource',
	type: 'options',
	noDataExpression: true,
	default: 'message',
	options: [
		{
			name: 'Handover',
			value: 'handover',
			description:
				'Pause the bots for one contact while a person answers, and give the contact back to them',
		},
		{
			name: 'Message',
			value: 'message',
			description:
				'Send templates, text, buttons, lists, links, media, locations, contacts and reactions, or mark a message as read',
		},
		{
			name: 'Report',
			value: 'report',
			description:
				'What came of the messages sent: a campaign’s counts, or its recipients to follow up',
		},
		{
			name: 'Template',
			value: 'template',
			description:
				'List, get, create and delete the account’s message templates (status, quality, review)',
		},
	],
};

const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'sendTemplate',
	// n8n lists options alphabetically.
	options: OPERATIONS.map((o) => o.option).sort((a, b) => a.name.localeCompare(b.name)),
	displayOptions: showForMessages,
};

const handoverOperationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'handOver',
	options: HANDOVER_OPERATIONS.map((o) => o.option).sort((a, b) => a.name.localeCompare(b.name)),
	displayOptions: { show: { resource: ['handover'] } },
};

/** Reports read the message log in the store; no message is sent. */
const REPORT_OPERATIONS = [campaignReport];

const reportOperationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'campaignReport',
	options: REPORT_OPERATIONS.map((o) => o.option),
	displayOptions: { show: { resource: ['report'] } },
};

const templateOperationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	default: 'list',
	options: TEMPLATE_OPERATIONS.map((o) => o.option).sort((a, b) => a.name.localeCompare(b.name)),
	displayOptions: { show: { resource: ['template'] } },
};

/** The send node's fields, in the order the editor shows them. */
export const description: INodeProperties[] = [
	resourceProperty,
	operationProperty,
	handoverOperationProperty,
	templateOperationProperty,
	// The sender picker is shared with other nodes: only the send node hides it for handovers.
	{ ...senderProperty, displayOptions: showForMessages },
	forMessages(recipientProperty),
	forMessages(purposeProperty),
	...sendTemplate.description,
	...sendText.description,
	...sendButtons.description,
	...sendList.description,
	...sendCtaUrl.description,
	// Shown for Send Text, Buttons, List and CTA URL, after their own fields.
	...optOutFooterProperties,
	...sendMedia.description,
	...sendLocation.description,
	...requestLocation.description,
	...sendContacts.description,
	...react.description,
	// Shown for the free-form operations but React, after their own fields.
	...windowClosedProperties(FREE_FORM_OPERATIONS),
	...markAsRead.description,
	forMessages(optionsProperty),
	handoverContactProperty,
	...handOver.description,
	...returnToAutomation.description,
	...listTemplates.description,
	...getTemplate.description,
	...createTemplate.description,
	...deleteTemplate.description,
	reportOperationProperty,
	...campaignReport.description,
];

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0, 'message') as string;
	const name = this.getNodeParameter('operation', 0) as string;
	if (resource === 'handover') {
		const handover = HANDOVER_OPERATIONS.find((o) => o.option.value === name);
		if (!handover) throw unknownOperation(this, name, HANDOVER_OPERATIONS);
		return await runHandover.call(this, handover);
	}
	if (resource === 'report') {
		const report = REPORT_OPERATIONS.find((o) => o.option.value === name);
		if (!report) throw unknownOperation(this, name, REPORT_OPERATIONS);
		return await report.run.call(this);
	}
	if (resource === 'template') {
		const template = TEMPLATE_OPERATIONS.find((o) => o.option.value === name);
		if (!template) throw unknownOperation(this, name, TEMPLATE_OPERATIONS);
		return await runTemplate.call(this, template);
	}
	const operation = OPERATIONS.find((o) => o.option.value === name);
	if (!operation) throw unknownOperation(this, name, OPERATIONS);
	return await runSendPipeline.call(this, operation);
}

function unknownOperation(
	ctx: IExecuteFunctions,
	name: string,
	operations: ReadonlyArray<{ option: { name: string } }>,
): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `Unknown operation "${name}"`, {
		description: `Choose one of: ${operations.map((o) => o.option.name).join(', ')}.`,
	});
}
