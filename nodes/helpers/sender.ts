/**
 * The business phone number a message goes out from: its picker (the send node, the Consent Gate's
 * Request Opt-In and the Follow-up Wait list the account's numbers with it) and the check of what
 * an item holds, a numeric phone number ID.
 */
import type { ILoadOptionsFunctions, INodeListSearchResult, INodeProperties } from 'n8n-workflow';

import { FieldError } from '../../lib/core/fieldError';
import { GraphClient } from '../../lib/transport/graphApi';
import { matchesFilter } from './listSearch';

export const senderProperty: INodeProperties = {
	displayName: 'Sender',
	name: 'sender',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The business phone number that sends the message',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			typeOptions: { searchListMethod: 'searchPhoneNumbers', searchable: true },
		},
		{
			displayName: 'By Phone Number ID',
			name: 'id',
			type: 'string',
			placeholder: '106540352242922',
			validation: [
				{
					type: 'regex',
					properties: { regex: '^\\d+$', errorMessage: 'A phone number ID has digits only' },
				},
			],
		},
	],
};

/** The account's phone numbers for a picker (`searchListMethod: 'searchPhoneNumbers'`). */
export async function searchPhoneNumbers(
	this: ILoadOptionsFunctions,
	filter?: string,
): Promise<INodeListSearchResult> {
	const client = await GraphClient.create(this);
	const numbers = await client.listPhoneNumbers();
	return {
		results: numbers
			.filter((n) => matchesFilter(filter, n.display_phone_number, n.verified_name, n.id))
			.map((n) => ({
				name: `${n.display_phone_number} · ${n.verified_name ?? ''} · ${n.status ?? 'UNKNOWN'}${
					n.quality_rating ? ` · quality ${n.quality_rating}` : ''
				}`,
				value: n.id,
				description: `ID ${n.id}`,
			})),
	};
}

/**
 * The phone number ID a number picker holds (read with `extractValue`), or null when it is empty.
 * Anything but digits is a FieldError naming the field, the value and `fix`.
 */
export function readPhoneNumberId(value: unknown, field: string, fix: string): string | null {
	const id = (typeof value === 'string' ? value : String(value ?? '')).trim();
	if (id === '') return null;
	if (!/^\d+$/.test(id)) throw new FieldError(field, id, 'is not a phone number ID', fix);
	return id;
}

const SENDER_FIX = 'Pick the sender from the list or enter its numeric phone number ID.';

/** The item's Sender: a phone number ID, never empty. */
export function readSenderId(value: unknown): string {
	const id = readPhoneNumberId(value, 'Sender', SENDER_FIX);
	if (id === null) throw new FieldError('Sender', '', 'is not a phone number ID', SENDER_FIX);
	return id;
}
