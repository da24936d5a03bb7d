import type { INodeProperties } from 'n8n-workflow';

import { KEYWORD_MATCH_MODES } from '../../../lib/core/keywords';

const WAIT_FOR_REPLY = 'waitForReply';
export const CANCEL_WAITS = 'cancelWaits';

/** Output 0 must be No Reply: n8n's wait tracker sends timed-out items there. */
export const OUTPUT = { noReply: 0, replied: 1, cancelled: 2 } as const;

/**
 * Evaluated by n8n (also in the editor) as `outputs`, so it must stand alone: plain JavaScript
 * with no imports, and the connection type written out.
 */
function outputsFor(parameters: { operation?: string }) {
	if (parameters.operation === 'cancelWaits') return [{ type: 'main' }];
	return [
		{ type: 'main', displayName: 'No Reply' },
		{ type: 'main', displayName: 'Replied' },
		{ type: 'main', displayName: 'Cancelled' },
	];
}

export const OUTPUTS_EXPRESSION: `={{${string}}}` = `={{(${outputsFor.toString()})($parameter)}}`;

const onWait = { show: { operation: [WAIT_FOR_REPLY] } };

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: WAIT_FOR_REPLY,
		options: [
			{
				name: 'Wait for Reply',
				value: WAIT_FOR_REPLY,
				description:
					'Pause until the contact replies (→ Replied) or the time runs out (→ No Reply)',
				action: 'Wait for a reply',
			},
			{
				name: 'Cancel Waits',
				value: CANCEL_WAITS,
				description:
					'Stop the follow-ups waiting for a contact: their executions continue on Cancelled',
				action: 'Cancel the waits of a contact',
			},
		],
	},
	{
		displayName: 'Business Phone Number',
		name: 'phoneNumber',
		type: 'resourceLocator',
		default: {
			mode: 'id',
			value: '={{ $json.business?.phoneNumberId ?? $json.sender?.phoneNumberId ?? "" }}',
		},
		description:
			'The number the contact writes to. By default taken from the trigger’s or the send node’s item. For Cancel Waits, leave empty to cancel on every number of the account.',
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
			},
		],
	},
	{
		displayName: 'Contact',
		name: 'contact',
		type: 'string',
		default:
			'={{ $json.contact?.waId ?? $json.contact?.userId ?? $json.recipient?.waId ?? $json.waId }}',
		required: true,
		placeholder: '4915112345678',
		description:
			'Whose reply to wait for: a wa_id, an E.164 number, a business-scoped user ID or the trigger’s contact object. By default taken from the trigger’s item (contact) or the send node’s item (recipient). All items of one execution must be the same contact.',
	},
	{
		displayName: 'Time Limit',
		name: 'limit',
		type: 'options',
		default: 'duration',
		displayOptions: onWait,
		options: [
			{
				name: 'After a Duration',
				value: 'duration',
				description: 'E.g. 4 hours from now.',
			},
			{
				name: 'At a Date and Time',
				value: 'until',
			},
			{
				name: 'After the Contact’s Last Message',
				value: 'afterLastInbound',
				description:
					'E.g. 4 hours after the contact last wrote (from now if they never wrote). If that time has passed, the items go to No Reply at once.',
			},
		],
	},
	{
		displayName: 'Amount',
		name: 'amount',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 4,
		displayOptions: {
			show: { operation: [WAIT_FOR_REPLY], limit: ['duration', 'afterLastInbound'] },
		},
	},
	{
		displayName: 'Unit',
		name: 'unit',
		type: 'options',
		default: 'hours',
		displayOptions: {
			show: { operation: [WAIT_FOR_REPLY], limit: ['duration', 'afterLastInbound'] },
		},
		options: [
			{ name: 'Seconds', value: 'seconds' },
			{ name: 'Minutes', value: 'minutes' },
			{ name: 'Hours', value: 'hours' },
			{ name: 'Days', value: 'days' },
		],
	},
	{
		displayName: 'Until',
		name: 'until',
		type: 'dateTime',
		default: '',
		required: true,
		description:
			'When to give up waiting, in the workflow’s time zone unless the value says otherwise',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], limit: ['until'] } },
	},
	{
		displayName: 'Only in Business Hours',
		name: 'businessHoursOnly',
		type: 'boolean',
		default: false,
		description:
			'Whether a time limit that falls outside business hours moves to the next opening time',
		displayOptions: onWait,
	},
	{
		displayName: 'Business Days',
		name: 'businessDays',
		type: 'multiOptions',
		default: [1, 2, 3, 4, 5],
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], businessHoursOnly: [true] } },
		options: [
			{ name: 'Monday', value: 1 },
			{ name: 'Tuesday', value: 2 },
			{ name: 'Wednesday', value: 3 },
			{ name: 'Thursday', value: 4 },
			{ name: 'Friday', value: 5 },
			{ name: 'Saturday', value: 6 },
			{ name: 'Sunday', value: 7 },
		],
	},
	{
		displayName: 'Business Hours From',
		name: 'businessFrom',
		type: 'string',
		default: '09:00',
		placeholder: '09:00',
		description: 'Opening time, 24-hour HH:MM',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], businessHoursOnly: [true] } },
	},
	{
		displayName: 'Business Hours To',
		name: 'businessTo',
		type: 'string',
		default: '17:00',
		placeholder: '17:00',
		description: 'Closing time, 24-hour HH:MM (24:00 for the end of the day)',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], businessHoursOnly: [true] } },
	},
	{
		displayName: 'Business Hours Time Zone',
		name: 'businessTimeZone',
		type: 'string',
		default: '',
		placeholder: 'Europe/Berlin',
		description: 'IANA time zone of the business hours; empty = the workflow’s time zone',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], businessHoursOnly: [true] } },
	},
	{
		displayName: 'Counts as Reply',
		name: 'replyRule',
		type: 'options',
		default: 'anyMessage',
		displayOptions: onWait,
		options: [
			{
				name: 'Any Message',
				value: 'anyMessage',
				description: 'Any message from the contact to this number',
			},
			{
				name: 'Button or List Reply',
				value: 'buttonReply',
				description: 'A tapped template quick-reply button, reply button or list row',
			},
			{
				name: 'Keywords',
				value: 'keywords',
				description: 'A message whose text matches one of the keywords',
			},
		],
	},
	{
		displayName: 'Button or Row IDs',
		name: 'buttonIds',
		type: 'string',
		default: '',
		placeholder: 'yes, later',
		description:
			'The payloads of template quick-reply buttons or the IDs of reply buttons and list rows, separated by commas or lines. Empty = any button or row.',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], replyRule: ['buttonReply'] } },
	},
	{
		displayName: 'Keywords',
		name: 'keywords',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		placeholder: 'yes\nbook',
		description: 'One per line. Case does not matter; other messages do not end the wait.',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], replyRule: ['keywords'] } },
	},
	{
		displayName: 'Keyword Match',
		name: 'keywordMatch',
		type: 'options',
		default: 'contains',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], replyRule: ['keywords'] } },
		options: KEYWORD_MATCH_MODES.map((mode) => ({
			name: {
				exact: 'Is Exactly',
				startsWith: 'Starts With',
				contains: 'Contains',
				regex: 'Matches Regular Expression',
			}[mode],
			value: mode,
		})),
	},
	{
		displayName:
			'Every output item carries windowOpen (may free text be sent; on No Reply: at the deadline) and followUp.outcome. Where it is false, send a template.',
		name: 'noReplyNotice',
		type: 'notice',
		default: '',
		displayOptions: onWait,
	},
];
