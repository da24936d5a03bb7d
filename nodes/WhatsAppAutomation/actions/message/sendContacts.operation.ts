import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { purposeOfSend } from '../../../../lib/core/consentPolicy';
import {
	buildContactsMessage,
	contactCardsFrom,
	contactNames,
} from '../../../../lib/core/messages';
import { readItemParameter } from '../../../helpers/itemParameter';
import type { PrepareContext, PreparedSend, SendOperation } from '../types';
import { readAddressing } from './addressing';
import { prepareWindowClosedTemplate } from './templateMessage';

const show = { show: { operation: ['sendContacts'] } };

export const option: SendOperation['option'] = {
	name: 'Send Contacts',
	value: 'sendContacts',
	description:
		'Send one or more contact cards with phones, emails, company, links and addresses (within the 24-hour window)',
	action: 'Send contact cards',
};

const text = (displayName: string, name: string, extra: Partial<INodeProperties> = {}) =>
	({ displayName, name, type: 'string', default: '', ...extra }) as INodeProperties;

const typeField = (displayName: string, name: string): INodeProperties => ({
	displayName,
	name,
	type: 'options',
	default: '',
	options: [
		{ name: 'None', value: '' },
		{ name: 'Home', value: 'HOME' },
		{ name: 'Work', value: 'WORK' },
	],
});

export const description: INodeProperties[] = [
	{
		displayName: 'Contacts Source',
		name: 'contactsSource',
		type: 'options',
		default: 'fields',
		displayOptions: show,
		options: [
			{
				name: 'Define Below',
				value: 'fields',
				description: 'One phone, email, link and address per card',
			},
			{
				name: 'From JSON',
				value: 'json',
				description:
					'Map cards in Meta’s shape from the item, with as many phones, emails, links and addresses as needed',
			},
		],
	},
	{
		displayName: 'Contacts',
		name: 'contactCards',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		default: {},
		placeholder: 'Add Contact',
		description: 'The cards the customer can save; each needs a formatted name',
		displayOptions: { show: { operation: ['sendContacts'], contactsSource: ['fields'] } },
		options: [
			{
				displayName: 'Contact',
				name: 'contact',
				values: [
					text('Formatted Name', 'formattedName', {
						description: 'The name shown on the card, e.g. Anna Schmidt',
					}),
					text('First Name', 'firstName', {
						description: 'Defaults to the formatted name when no name part is given',
					}),
					text('Last Name', 'lastName'),
					text('Phone', 'phone', { placeholder: '+49 151 12345678' }),
					typeField('Phone Type', 'phoneType'),
					text('Phone WhatsApp ID', 'waId', {
						description:
							'The number in international form, digits only: the card then offers “Message” in WhatsApp',
					}),
					text('Email', 'email', { placeholder: 'name@email.com' }),
					typeField('Email Type', 'emailType'),
					text('Company', 'company'),
					text('Department', 'department'),
					text('Job Title', 'jobTitle'),
					text('Website', 'website', { placeholder: 'https://example.com' }),
					text('Street', 'street'),
					text('City', 'city'),
					text('State', 'state'),
					text('ZIP', 'zip'),
					text('Country', 'country'),
					text('Country Code', 'countryCode', { description: 'Two letters, e.g. DE' }),
					typeField('Address Type', 'addressType'),
					text('Birthday', 'birthday', { placeholder: '1990-04-23', description: 'YYYY-MM-DD' }),
				],
			},
		],
	},
	{
		displayName: 'Contacts (JSON)',
		name: 'contactsJson',
		type: 'json',
		default: '[]',
		required: true,
		description:
			'One card or an array of cards as Meta writes them: a name with formatted_name, and phones, emails, org, links, addresses, birthday',
		displayOptions: { show: { operation: ['sendContacts'], contactsSource: ['json'] } },
	},
];

export const sendsMessage = true;
export const needsOpenWindow = true;

const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** A card of the fixed collection in Meta's shape; the core checks it like a mapped one. */
function cardFromFields(card: IDataObject): Record<string, unknown> {
	const address = {
		street: str(card.street),
		city: str(card.city),
		state: str(card.state),
		zip: str(card.zip),
		country: str(card.country),
		country_code: str(card.countryCode),
	};
	const hasAddress = Object.values(address).some((part) => part.trim() !== '');
	return {
		name: {
			formatted_name: card.formattedName,
			first_name: str(card.firstName),
			last_name: str(card.lastName),
		},
		phones: str(card.phone)
			? [{ phone: card.phone, type: str(card.phoneType), wa_id: str(card.waId) }]
			: [],
		emails: str(card.email) ? [{ email: card.email, type: str(card.emailType) }] : [],
		org: {
			company: str(card.company),
			department: str(card.department),
			title: str(card.jobTitle),
		},
		urls: str(card.website) ? [{ url: card.website }] : [],
		addresses: hasAddress ? [{ ...address, type: str(card.addressType) }] : [],
		birthday: str(card.birthday),
	};
}

function readCards(fn: IExecuteFunctions, i: number): unknown[] {
	if (readItemParameter(fn, 'contactsSource', i, 'fields') === 'json') {
		return contactCardsFrom(readItemParameter(fn, 'contactsJson', i, []));
	}
	return ((readItemParameter(fn, 'contactCards.contact', i, []) ?? []) as IDataObject[]).map(
		cardFromFields,
	);
}

export async function prepare(
	this: IExecuteFunctions,
	context: PrepareContext,
	i: number,
): Promise<PreparedSend> {
	const addressing = readAddressing(this, i);
	const { recipient, purposeSetting, unknownConsent, common } = addressing;
	const body = buildContactsMessage(common, readCards(this, i));
	return {
		itemIndex: i,
		sender: context.sender,
		recipient,
		purpose: purposeOfSend(purposeSetting, null),
		unknownConsent,
		body,
		renderedText: `[contacts ${contactNames(body).join(', ')}]`,
		windowClosed: await prepareWindowClosedTemplate(this, context, i, addressing, 'contacts'),
	};
}
