import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readItemParameter } from '../../../helpers/itemParameter';
import type { HandoverContext, HandoverOperation } from '../types';
import { handoverJson, readHandoverContact } from './contact';

export const option: HandoverOperation['option'] = {
	name: 'Return to Automation',
	value: 'returnToAutomation',
	description:
		'End a contact’s handover to a person: keyword and fallback trigger workflows receive the contact’s next messages again. Does nothing when the contact is not handed over. Sends no message.',
	action: 'Return a contact to automation',
};

/** Only the contact, shown for both handover operations (contact.ts). */
export const description: INodeProperties[] = [];

export async function run(
	this: IExecuteFunctions,
	{ store, account, now }: HandoverContext,
	itemIndex: number,
) {
	const contact = readHandoverContact(readItemParameter(this, 'contact', itemIndex, ''));
	const ended = await store.getHandover(account, contact, now);
	const released = await store.endHandover(account, contact);
	return {
		handover: {
			...handoverJson(contact, ended === null ? null : { ...ended, active: false }),
			released,
		},
	};
}
