import type { INodeProperties } from 'n8n-workflow';

import { KEYWORD_MATCH_MODES } from '../../../lib/core/keywords';

const WAIT_FOR_REPLY = 'waitForReply';
export const CANCEL_WAITS = 'cancelWaits';
export const LIST_WAITS = 'listWaits';

/**
 * Output 0 must be No Reply: n8n's wait tracker sends timed-out items there. Limit Reached
 * (version 1.2) comes last, so connections saved by index stay where they were.
 */
export const OUTPUT = { noReply: 0, replied: 1, cancelled: 2, limitReached: 3 } as const;

/** From this version on Wait for Reply counts follow-ups per sequence and caps them. */
export const SEQUENCE_VERSION = 1.2;

/** Empty output arrays for Wait for Reply (and its webhook) at the node's version. */
export function waitOutputs(version: number): never[][] {
	return Array.from({ length: version >= SEQUENCE_VERSION ? 4 : 3 }, () => []);
}

/**
 * Evaluated by n8n (also in the editor) as `outputs`, so it must stand alone: plain JavaScript
 * with no imports, the connection type and the version written out.
 */
function outputsFor(parameters: { operation?: string }, version: number) {
	if (parameters.operation === 'cancelWaits' || parameters.operation === 'listWaits') {
		return [{ type: 'main' }];
	}
	const outputs = [
		{ type: 'main', displayName: 'No Reply' },
		{ type: 'main', displayName: 'Replied' },
		{ type: 'main', displayName: 'Cancelled' },
	];
	return version >= 1.2
		? outputs.concat([{ type: 'main', displayName: 'Limit Reached' }])
		: outputs;
}

export const OUTPUTS_EXPRESSION: `={{${string}}}` = `={{(${outputsFor.toString()})($parameter, $nodeVersion)}}`;

const onWait = { show: { operation: [WAIT_FOR_REPLY] } };
const onSequencedWait = {
	show: { operation: [WAIT_FOR_REPLY], '@version': [{ _cnd: { gte: SEQUENCE_VERSION } }] },
};
const DURATION_UNIT_OPTIONS = [
	{ name: 'Seconds', value: 'seconds' },
	{ name: 'Minutes', value: 'minutes' },
	{ name: 'Hours', value: 'hours' },
	{ name: 'Days', value: 'days' },
];

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
			{
				name: 'List Waits',
				value: LIST_WAITS,
				description: 'List the pending follow-ups, by contact and/or sequence: one item per wait',
				action: 'List pending waits',
			},
		],
	},
	{
		displayName: 'Cancel',
		name: 'cancel',
		type: 'options',
		default: 'contact',
		displayOptions: { show: { operation: [CANCEL_WAITS] } },
		options: [
			{
				name: 'This Contact’s Waits',
				value: 'contact',
				description: 'Every pending follow-up of the contact, in any sequence',
			},
			{
				name: 'This Contact’s Waits in a Sequence',
				value: 'contactInSequence',
				description: 'The contact’s pending follow-ups of one sequence; others keep waiting',
			},
			{
				name: 'All Waits in a Sequence',
				value: 'sequence',
				description: 'Every contact’s pending follow-ups of one sequence',
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
		displayOptions: { show: { operation: [WAIT_FOR_REPLY, CANCEL_WAITS] } },
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
		displayOptions: { hide: { operation: [LIST_WAITS], cancel: ['sequence'] } },
	},
	{
		displayName: 'Sequence',
		name: 'sequence',
		type: 'string',
		default: '',
		placeholder: 'onboarding',
		description:
			'The follow-up sequence this wait belongs to, e.g. a campaign name. Empty = this workflow (its ID). Waits of one sequence share the contact’s count, and Cancel Waits and List Waits can pick them by it.',
		displayOptions: onSequencedWait,
	},
	{
		displayName: 'Maximum Follow-Ups',
		name: 'maxFollowUps',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: 5,
		description:
			'How many times the contact may wait in this sequence. Once reached, the items do not wait again: they leave at once by Limit Reached.',
		displayOptions: onSequencedWait,
	},
	{
		displayName: 'Reset Count When the Contact Replies',
		name: 'resetOnReply',
		type: 'boolean',
		default: true,
		description:
			'Whether the count starts again once the contact writes (any message the trigger recorded, on any number, after the last follow-up of the sequence started)',
		displayOptions: onSequencedWait,
	},
	{
		displayName: 'Sequence',
		name: 'sequence',
		type: 'string',
		default: '',
		placeholder: 'onboarding',
		description:
			'The sequence whose waits to cancel, as named in the Follow-up Wait. Empty = this workflow (its ID); name the sequence to cancel another workflow’s.',
		displayOptions: {
			show: { operation: [CANCEL_WAITS], cancel: ['contactInSequence', 'sequence'] },
		},
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: { operation: [LIST_WAITS] } },
	},
	{
		displayName: 'Limit',
		name: 'maxWaits',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { operation: [LIST_WAITS], returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show: { operation: [LIST_WAITS] } },
		options: [
			{
				displayName: 'Contact',
				name: 'contact',
				type: 'string',
				default: '',
				placeholder: '4915112345678',
				description:
					'Only this contact’s waits: a wa_id, an E.164 number or a business-scoped user ID',
			},
			{
				displayName: 'Sequence',
				name: 'sequence',
				type: 'string',
				default: '',
				placeholder: 'onboarding',
				description: 'Only the waits of this sequence (a workflow’s default sequence is its ID)',
			},
		],
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
			{
				name: 'From a Field',
				value: 'fromField',
				description:
					'A time the item carries, e.g. followUpAt from the AI Reply’s Suggest Follow-up Delay, kept between Earliest and Latest',
			},
		],
	},
	{
		displayName: 'Deadline',
		name: 'deadlineFrom',
		type: 'string',
		default: '={{ $json.followUpAt }}',
		required: true,
		description:
			'An ISO 8601 date and time (without an offset: in the workflow’s time zone) or epoch milliseconds',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], limit: ['fromField'] } },
	},
	{
		displayName: 'Earliest',
		name: 'earliestAmount',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 10,
		description:
			'The shortest wait: an earlier time (or one in the past) is moved to this long after now',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], limit: ['fromField'] } },
	},
	{
		displayName: 'Earliest Unit',
		name: 'earliestUnit',
		type: 'options',
		default: 'minutes',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], limit: ['fromField'] } },
		options: DURATION_UNIT_OPTIONS,
	},
	{
		displayName: 'Latest',
		name: 'latestAmount',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 30,
		description: 'The longest wait: a later time is moved to this long after now',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], limit: ['fromField'] } },
	},
	{
		displayName: 'Latest Unit',
		name: 'latestUnit',
		type: 'options',
		default: 'days',
		displayOptions: { show: { operation: [WAIT_FOR_REPLY], limit: ['fromField'] } },
		options: DURATION_UNIT_OPTIONS,
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
		options: DURATION_UNIT_OPTIONS,
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
