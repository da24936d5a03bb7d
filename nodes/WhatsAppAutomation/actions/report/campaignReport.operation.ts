import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import {
	explainFailures,
	reportRates,
	reportText,
	reportWindowMs,
} from '../../../../lib/core/campaignReport';
import { toEpochMillis } from '../../../../lib/core/eventTime';
import { FieldError } from '../../../../lib/core/fieldError';
import type {
	RecipientFilter,
	ReportQuery,
	ReportRecipient,
	Store,
} from '../../../../lib/store/types';
import { CREDENTIAL_TYPE } from '../../../../lib/transport/graphApi';
import { errorItem, toNodeError } from '../../../../lib/transport/nodeErrors';
import { readItemParameter } from '../../../helpers/itemParameter';
import { readPhoneNumberId, senderProperty } from '../../../helpers/sender';
import { openAccountStore } from '../../../helpers/storeAccess';

/**
 * Campaign Report (resource Report): what came of the messages the send node logged, from the
 * credential's store. No request to Meta: the counts come from the message log, the statuses
 * and replies the trigger recorded, and the consent history.
 */
export const option: INodePropertyOptions & { value: string; action: string } = {
	name: 'Campaign Report',
	value: 'campaignReport',
	description:
		'Count what came of a campaign’s messages (delivered, read, failed, replied, opted out), or list its recipients for a follow-up',
	action: 'Report on a campaign',
};

const show = { show: { resource: ['report'], operation: ['campaignReport'] } };
const showFor = (extra: Record<string, Array<string | boolean>>) => ({ show: { ...show.show, ...extra } });

const FILTER_OPTIONS: Array<{ name: string; value: RecipientFilter; description: string }> = [
	{ name: 'All', value: 'all', description: 'Every recipient' },
	{
		name: 'Delivered but Not Read',
		value: 'deliveredNotRead',
		description: 'Delivered at least “Unread For” hours ago and still not read',
	},
	{ name: 'Failed', value: 'failed', description: 'Meta reported the message failed' },
	{
		name: 'Not Delivered',
		value: 'notDelivered',
		description: 'Neither delivered nor failed (yet)',
	},
	{ name: 'Not Read', value: 'notRead', description: 'Not read and not failed' },
	{
		name: 'Not Replied',
		value: 'notReplied',
		description: 'No reply within the reply window, which is over; failed messages excluded',
	},
	{ name: 'Opted Out', value: 'optedOut', description: 'Opted out within the opt-out window' },
	{ name: 'Read', value: 'read', description: 'Read (or played)' },
	{ name: 'Replied', value: 'replied', description: 'Replied within the reply window' },
];

export const description: INodeProperties[] = [
	{
		displayName: 'Output',
		name: 'reportOutput',
		type: 'options',
		noDataExpression: true,
		default: 'summary',
		options: [
			{
				name: 'Summary',
				value: 'summary',
				description: 'One item with the counts, rates, failures by error code and a text',
			},
			{
				name: 'One Item per Recipient',
				value: 'recipients',
				description: 'One item per recipient (by their latest message), e.g. to follow up',
			},
		],
		displayOptions: show,
	},
	{
		displayName: 'Select Messages By',
		name: 'reportSelection',
		type: 'options',
		default: 'campaign',
		options: [
			{
				name: 'Campaign',
				value: 'campaign',
				description:
					'The sends whose Callback Data (option of the send operations) is the campaign',
			},
			{
				name: 'Time Range',
				value: 'timeRange',
				description: 'The sends of a time range (of one sender, or of all)',
			},
		],
		displayOptions: show,
	},
	{
		displayName: 'Campaign',
		name: 'reportCampaign',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'spring-sale-2026',
		description:
			'The Callback Data the campaign’s messages were sent with (biz_opaque_callback_data), exactly',
		displayOptions: showFor({ reportSelection: ['campaign'] }),
	},
	{
		displayName: 'Sent After',
		name: 'reportSentFrom',
		type: 'dateTime',
		default: '',
		description:
			'Messages sent at or after this time; required for a time range, optional for a campaign. E.g. {{ $now.minus({ days: 1 }) }}.',
		displayOptions: show,
	},
	{
		displayName: 'Sent Before',
		name: 'reportSentUntil',
		type: 'dateTime',
		default: '',
		description: 'Messages sent before this time; empty: up to now',
		displayOptions: show,
	},
	{
		...senderProperty,
		name: 'reportSender',
		required: false,
		description: 'Only the messages of this business number; empty: all numbers of the account',
		displayOptions: show,
	},
	{
		displayName: 'Reply Window (Hours)',
		name: 'replyWithinHours',
		type: 'number',
		default: 24,
		typeOptions: { minValue: 0.01, maxValue: 720, numberPrecision: 2 },
		description:
			'A reply counts when the recipient’s first message after the send came within this many hours',
		displayOptions: show,
	},
	{
		displayName: 'Opt-Out Window (Hours)',
		name: 'optOutWithinHours',
		type: 'number',
		default: 24,
		typeOptions: { minValue: 0.01, maxValue: 720, numberPrecision: 2 },
		description:
			'An opt-out counts when the recipient opted out within this many hours of the send',
		displayOptions: show,
	},
	{
		displayName: 'Recipients',
		name: 'recipientFilter',
		type: 'options',
		default: 'deliveredNotRead',
		options: FILTER_OPTIONS,
		description: 'Which recipients to list, judged by each one’s latest message of the selection',
		displayOptions: showFor({ reportOutput: ['recipients'] }),
	},
	{
		displayName: 'Unread For (Hours)',
		name: 'unreadForHours',
		type: 'number',
		default: 24,
		typeOptions: { minValue: 0.01, maxValue: 720, numberPrecision: 2 },
		description: 'Delivered at least this many hours ago and still not read',
		displayOptions: showFor({
			reportOutput: ['recipients'],
			recipientFilter: ['deliveredNotRead'],
		}),
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: showFor({ reportOutput: ['recipients'] }),
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1 },
		description: 'Max number of results to return',
		displayOptions: showFor({ reportOutput: ['recipients'], returnAll: [false] }),
	},
];

/** Recipients read per query with Return All: bounded memory per page, few queries. */
const PAGE = 10_000;

export async function run(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	let opened: Awaited<ReturnType<typeof openAccountStore>>;
	try {
		opened = await openAccountStore(credentials, this.logger);
	} catch (error) {
		throw toNodeError(this, error as Error);
	}
	const { store, account } = opened;
	const now = Date.now();
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const query = readQuery(this, i, account, now);
			const pairedItem = { item: i };
			if (readItemParameter(this, 'reportOutput', i, 'summary') === 'recipients') {
				for (const row of await listRecipients(this, store, query, i, now)) {
					output.push({ json: recipientJson(row), pairedItem });
				}
			} else {
				output.push({ json: await summaryJson(store, query, now), pairedItem });
			}
		} catch (error) {
			if (!this.continueOnFail()) throw toNodeError(this, error as Error, i);
			output.push(errorItem(this, error as Error, i));
		}
	}
	return [output];
}

function readQuery(fn: IExecuteFunctions, i: number, account: string, now: number): ReportQuery {
	const byCampaign = readItemParameter(fn, 'reportSelection', i, 'campaign') === 'campaign';
	const campaign = byCampaign
		? String(readItemParameter(fn, 'reportCampaign', i, '') ?? '').trim()
		: '';
	if (byCampaign && campaign === '') {
		throw new FieldError(
			'Campaign',
			campaign,
			'is empty',
			'Enter the Callback Data the campaign’s messages were sent with, e.g. spring-sale-2026.',
		);
	}
	if (campaign.length > 512) {
		throw new FieldError(
			'Campaign',
			campaign,
			'is longer than 512 characters',
			'Enter the Callback Data itself (Meta keeps at most 512 characters).',
		);
	}
	const sentFrom = readTime(fn, 'reportSentFrom', 'Sent After', i);
	const sentUntil = readTime(fn, 'reportSentUntil', 'Sent Before', i);
	if (!byCampaign && sentFrom === undefined) {
		throw new FieldError(
			'Sent After',
			'',
			'is empty',
			'A time range needs its start, e.g. {{ $now.minus({ days: 1 }) }}; or select by Campaign.',
		);
	}
	if (sentFrom !== undefined && sentFrom >= (sentUntil ?? now)) {
		throw new FieldError(
			'Sent After',
			new Date(sentFrom).toISOString(),
			'is not before the end of the range',
			'Choose a start before Sent Before (or before now when Sent Before is empty).',
		);
	}
	const sender = readPhoneNumberId(
		readItemParameter(fn, 'reportSender', i, '', { extractValue: true }),
		'Sender',
		'Pick the sender from the list, enter its numeric phone number ID, or leave it empty for all numbers.',
	);
	return {
		account,
		...(campaign ? { callbackData: campaign } : {}),
		...(sender === null ? {} : { phoneNumberId: sender }),
		...(sentFrom === undefined ? {} : { sentFrom }),
		...(sentUntil === undefined ? {} : { sentUntil }),
		replyWithinMs: reportWindowMs(
			'Reply Window (Hours)',
			readItemParameter(fn, 'replyWithinHours', i, 24),
		),
		optOutWithinMs: reportWindowMs(
			'Opt-Out Window (Hours)',
			readItemParameter(fn, 'optOutWithinHours', i, 24),
		),
	};
}

function readTime(
	fn: IExecuteFunctions,
	name: string,
	field: string,
	i: number,
): number | undefined {
	const value = readItemParameter(fn, name, i, '');
	if (value === undefined || value === null || value === '') return undefined;
	const millis = toEpochMillis(value);
	if (millis === null) {
		throw new FieldError(
			field,
			value,
			'is not a date',
			'Use an ISO date such as 2026-05-01T00:00:00Z, or {{ $now.minus({ days: 1 }) }}.',
		);
	}
	return millis;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;
const hoursOf = (ms: number) => Math.round((ms / 3_600_000) * 100) / 100;

async function summaryJson(store: Store, query: ReportQuery, now: number): Promise<IDataObject> {
	const counts = await store.campaignReport(query);
	const title = query.callbackData
		? `Campaign ${query.callbackData}`
		: `Messages since ${new Date(query.sentFrom!).toISOString()}`;
	return {
		report: {
			campaign: query.callbackData ?? null,
			sender: query.phoneNumberId ?? null,
			sentAfter: query.sentFrom === undefined ? null : new Date(query.sentFrom).toISOString(),
			sentBefore: query.sentUntil === undefined ? null : new Date(query.sentUntil).toISOString(),
			replyWindowHours: hoursOf(query.replyWithinMs),
			optOutWindowHours: hoursOf(query.optOutWithinMs),
			sent: counts.sent,
			recipients: counts.recipients,
			delivered: counts.delivered,
			read: counts.read,
			failed: counts.failed,
			pending: counts.pending,
			replied: counts.replied,
			optedOut: counts.optedOut,
			rates: { ...reportRates(counts) },
			failures: explainFailures(counts.failures),
			firstSentAt: iso(counts.firstSentAt),
			lastSentAt: iso(counts.lastSentAt),
			generatedAt: new Date(now).toISOString(),
			text: reportText(title, counts, query),
		},
	};
}

async function listRecipients(
	fn: IExecuteFunctions,
	store: Store,
	query: ReportQuery,
	i: number,
	now: number,
): Promise<ReportRecipient[]> {
	const filter = readItemParameter(fn, 'recipientFilter', i, 'deliveredNotRead') as RecipientFilter;
	const unreadForMs =
		filter === 'deliveredNotRead'
			? reportWindowMs('Unread For (Hours)', readItemParameter(fn, 'unreadForHours', i, 24))
			: undefined;
	const returnAll = readItemParameter(fn, 'returnAll', i, false) === true;
	const limit = returnAll
		? Number.POSITIVE_INFINITY
		: Number(readItemParameter(fn, 'limit', i, 50));
	if (!returnAll && (!Number.isInteger(limit) || limit < 1)) {
		throw new FieldError(
			'Limit',
			limit,
			'is not a whole number from 1',
			'Enter e.g. 50, or turn on Return All.',
		);
	}
	const rows: ReportRecipient[] = [];
	for (;;) {
		const page = Math.min(PAGE, limit - rows.length);
		const next = await store.reportRecipients({
			...query,
			filter,
			...(unreadForMs === undefined ? {} : { unreadForMs }),
			now,
			limit: page,
			offset: rows.length,
		});
		rows.push(...next);
		if (next.length < page || rows.length >= limit) return rows;
	}
}

function recipientJson(row: ReportRecipient): IDataObject {
	const isWaId = /^\d+$/.test(row.recipient);
	return {
		contact: {
			waId: isWaId ? row.recipient : null,
			userId: isWaId ? null : row.recipient,
			phone: isWaId ? `+${row.recipient}` : null,
			name: row.name,
		},
		messageId: row.wamid,
		sender: row.phoneNumberId,
		campaign: row.callbackData,
		template:
			row.templateName === null ? null : { name: row.templateName, language: row.templateLanguage },
		purpose: row.purpose,
		status: row.status,
		sentAt: row.sentAt.toISOString(),
		deliveredAt: iso(row.deliveredAt),
		readAt: iso(row.readAt),
		failedAt: iso(row.failedAt),
		error: row.failedAt === null ? null : { code: row.errorCode, title: row.errorTitle },
		repliedAt: iso(row.repliedAt),
		optedOutAt: iso(row.optedOutAt),
		messagesInSelection: row.messages,
	};
}
