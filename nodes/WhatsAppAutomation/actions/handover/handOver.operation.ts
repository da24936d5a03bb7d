import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { parseHandoverReason, parseHandoverUntil } from '../../../../lib/core/handover';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { HandoverContext, HandoverOperation } from '../types';
import { handoverJson, readHandoverContact } from './contact';

const show = { show: { resource: ['handover'], operation: ['handOver'] } };

export const option: HandoverOperation['option'] = {
	name: 'Hand Over to a Person',
	value: 'handOver',
	description:
		'Pause the automation for one contact while a person answers: keyword and fallback trigger workflows stop receiving the contact’s messages (workflows that receive every matching event still get them), until a time or until Return to Automation. Sends no message.',
	action: 'Hand a contact over to a person',
};

export const description: INodeProperties[] = [
	{
		displayName: 'Pause Automation',
		name: 'handoverDuration',
		type: 'options',
		default: 'untilReleased',
		description: 'How long the bots leave this contact to a person',
		options: [
			{
				name: 'Until Released',
				value: 'untilReleased',
				description: 'Until a Return to Automation operation for this contact',
			},
			{
				name: 'Until a Time',
				value: 'untilTime',
				description: 'Automation resumes by itself at the time given (or earlier when released)',
			},
		],
		displayOptions: show,
	},
	{
		displayName: 'Until',
		name: 'handoverUntil',
		type: 'dateTime',
		default: '',
		required: true,
		description:
			'When automation resumes for this contact by itself; must be in the future, e.g. {{ $now.plus({ hours: 2 }) }}',
		displayOptions: { show: { ...show.show, handoverDuration: ['untilTime'] } },
	},
	{
		displayName: 'Reason',
		name: 'handoverReason',
		type: 'string',
		default: '',
		placeholder: 'asked for a person',
		description:
			'Why the contact was handed over, shown to the trigger workflows that still receive the contact’s messages (up to 1,024 characters)',
		displayOptions: show,
	},
];

export async function run(
	this: IExecuteFunctions,
	{ store, account, now }: HandoverContext,
	itemIndex: number,
) {
	const contact = readHandoverContact(readItemParameter(this, 'contact', itemIndex, ''));
	const timed =
		readItemParameter(this, 'handoverDuration', itemIndex, 'untilReleased') === 'untilTime';
	const until = timed
		? parseHandoverUntil(readItemParameter(this, 'handoverUntil', itemIndex, ''), 'Until', now)
		: null;
	const reason = parseHandoverReason(
		readItemParameter(this, 'handoverReason', itemIndex, ''),
		'Reason',
	);
	const record = await store.startHandover({
		account,
		contact,
		until,
		...(reason === null ? {} : { reason }),
		at: now,
	});
	return { handover: handoverJson(contact, record) };
}
