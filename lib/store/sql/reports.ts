import type {
	CampaignReportCounts,
	OutboundPurpose,
	RecipientFilter,
	ReportFailure,
	ReportRecipient,
} from '../types';
import type { Db } from './schema';
import type { SqlValue } from './session';

/**
 * Campaign Report's queries over the message log: one aggregate statement for the counts, one
 * for the recipient list, whatever the number of messages. Each message's facts come from joins:
 * its status timeline (`outbound_statuses`, by wamid), its first reply (`replied_at`, set by the
 * trigger) and an opt-out of its recipient after it (`consent_history` through `contacts`: a
 * change to opted_out, or to blocked by STOP, that was applied).
 */

export interface Selection {
	account: string;
	callbackData: string | null;
	phoneNumberId: string | null;
	sentFrom: number | null;
	sentUntil: number | null;
	replyWithinMs: number;
	optOutWithinMs: number;
}

export interface RecipientList extends Selection {
	filter: RecipientFilter;
	unreadForMs: number;
	now: number;
	limit: number;
	offset: number;
}

/** Binds parameters in order and hands back their placeholders. */
class Params {
	readonly values: SqlValue[] = [];

	add(value: SqlValue): string {
		this.values.push(value);
		return `$${this.values.length}`;
	}
}

function selectionWhere(selection: Selection, params: Params): string {
	const conditions = [`m.account = ${params.add(selection.account)}`];
	if (selection.callbackData !== null) {
		conditions.push(`m.callback_data = ${params.add(selection.callbackData)}`);
	}
	if (selection.phoneNumberId !== null) {
		conditions.push(`m.phone_number_id = ${params.add(selection.phoneNumberId)}`);
	}
	if (selection.sentFrom !== null)
		conditions.push(`m.sent_at >= ${params.add(selection.sentFrom)}`);
	if (selection.sentUntil !== null)
		conditions.push(`m.sent_at < ${params.add(selection.sentUntil)}`);
	return conditions.join(' AND ');
}

/**
 * The facts of each selected message, as the CTE `joined`: delivered (or read: Meta may skip
 * `delivered`), read, failed with its error, a reply within the window (`replied_within`), an
 * opt-out within the window (`opted_out_at`), plus `columns` of the message. One GROUP BY over
 * `outbound_messages` with the selection and LEFT JOINs on indexed keys (the status timeline by
 * wamid, the contact by account and wa_id or user id, its opt-outs by contact): whatever plan the
 * database picks, also on stale statistics after a large campaign, it stays linear. (A join
 * between two CTEs would be planned on guesses, and a guess of one row makes a nested loop over
 * every message twice.) Extra rows from the joins change no MIN or MAX.
 */
function factsOf(db: Db, selection: Selection, params: Params, columns: readonly string[]): string {
	const { outbound_messages: messages, outbound_statuses: statuses } = db.tables;
	const { contacts, consent_history: history } = db.tables;
	const where = selectionWhere(selection, params);
	const replyWithin = params.add(selection.replyWithinMs);
	const optOutWithin = params.add(selection.optOutWithinMs);
	const kept = ['wamid', 'account', 'recipient', 'sent_at', 'replied_at', ...columns]
		.map((column) => `m.${column}`)
		.join(', ');
	// One join per identifier (a recipient is a wa_id or a user id): an OR of the two would keep
	// the database from using either unique index. Meta stamps events in whole seconds, so an
	// opt-out stamped in the second of the send counts as after it.
	const optOutsBy = (contact: string, optOut: string, column: 'wa_id' | 'user_id') => `
			LEFT JOIN ${contacts} ${contact}
				ON ${contact}.account = m.account AND ${contact}.${column} = m.recipient
			LEFT JOIN ${history} ${optOut}
				ON ${optOut}.contact_id = ${contact}.id AND ${optOut}.new_status IN ('opted_out', 'blocked')
				AND ${optOut}.applied = 1 AND ${optOut}.event_at > m.sent_at - 1000
				AND ${optOut}.event_at <= m.sent_at + ${optOutWithin}`;
	return `facts AS (
			SELECT ${kept},
				MIN(CASE WHEN st.status IN ('delivered', 'read', 'played') THEN st.status_at END) AS delivered_at,
				MIN(CASE WHEN st.status IN ('read', 'played') THEN st.status_at END) AS read_at,
				MIN(CASE WHEN st.status = 'failed' THEN st.status_at END) AS failed_at,
				MAX(CASE WHEN st.status = 'failed' THEN st.error_code END) AS error_code,
				MAX(CASE WHEN st.status = 'failed' THEN st.error_title END) AS error_title,
				MIN(COALESCE(by_wa_out.event_at, by_user_out.event_at)) AS opted_out_at
			FROM ${messages} m
			LEFT JOIN ${statuses} st ON st.wamid = m.wamid
			${optOutsBy('by_wa', 'by_wa_out', 'wa_id')}
			${optOutsBy('by_user', 'by_user_out', 'user_id')}
			WHERE ${where}
			GROUP BY ${kept}
		),
		joined AS (
			SELECT f.*,
				CASE WHEN f.replied_at <= f.sent_at + ${replyWithin} THEN f.replied_at END AS replied_within
			FROM facts f
		)`;
}

interface CountRow {
	failed_group: number | string;
	error_code: number | string | null;
	error_title: string | null;
	sent: number | string;
	delivered: number | string;
	read_count: number | string;
	failed: number | string;
	pending: number | string;
	replied: number | string;
	opted_out: number | string;
	recipients: number | string;
	first_sent_at: number | string | null;
	last_sent_at: number | string | null;
}

const numberOf = (value: number | string | null): number => Number(value ?? 0);
const dateOf = (value: number | string | null): Date | null =>
	value === null ? null : new Date(Number(value));

/** The counts, grouped by failure code in the statement and added up here. */
export async function campaignReport(db: Db, selection: Selection): Promise<CampaignReportCounts> {
	const params = new Params();
	const rows = await db.session.query<CountRow>(
		`WITH ${factsOf(db, selection, params, [])}
		SELECT
			CASE WHEN failed_at IS NULL THEN 0 ELSE 1 END AS failed_group,
			CASE WHEN failed_at IS NULL THEN NULL ELSE error_code END AS error_code,
			MAX(error_title) AS error_title,
			COUNT(*) AS sent,
			COUNT(delivered_at) AS delivered,
			COUNT(read_at) AS read_count,
			COUNT(failed_at) AS failed,
			SUM(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END) AS pending,
			COUNT(replied_within) AS replied,
			COUNT(opted_out_at) AS opted_out,
			(SELECT COUNT(DISTINCT recipient) FROM facts) AS recipients,
			MIN(sent_at) AS first_sent_at,
			MAX(sent_at) AS last_sent_at
		FROM joined
		GROUP BY CASE WHEN failed_at IS NULL THEN 0 ELSE 1 END,
			CASE WHEN failed_at IS NULL THEN NULL ELSE error_code END`,
		params.values,
	);
	const counts: CampaignReportCounts = {
		sent: 0,
		recipients: 0,
		delivered: 0,
		read: 0,
		failed: 0,
		pending: 0,
		replied: 0,
		optedOut: 0,
		failures: [],
		firstSentAt: null,
		lastSentAt: null,
	};
	let first = Number.POSITIVE_INFINITY;
	let last = Number.NEGATIVE_INFINITY;
	for (const row of rows) {
		counts.sent += numberOf(row.sent);
		counts.recipients = numberOf(row.recipients);
		counts.delivered += numberOf(row.delivered);
		counts.read += numberOf(row.read_count);
		counts.failed += numberOf(row.failed);
		counts.pending += numberOf(row.pending);
		counts.replied += numberOf(row.replied);
		counts.optedOut += numberOf(row.opted_out);
		if (row.first_sent_at !== null) first = Math.min(first, Number(row.first_sent_at));
		if (row.last_sent_at !== null) last = Math.max(last, Number(row.last_sent_at));
		if (numberOf(row.failed_group) === 1) {
			counts.failures.push({
				code: row.error_code === null ? null : Number(row.error_code),
				title: row.error_title,
				messages: numberOf(row.failed),
			});
		}
	}
	counts.failures.sort(byMessagesThenCode);
	if (Number.isFinite(first)) counts.firstSentAt = new Date(first);
	if (Number.isFinite(last)) counts.lastSentAt = new Date(last);
	return counts;
}

function byMessagesThenCode(a: ReportFailure, b: ReportFailure): number {
	return b.messages - a.messages || (a.code ?? -1) - (b.code ?? -1);
}

/** Which recipients a filter keeps, on the facts of their latest message. */
function filterCondition(list: RecipientList, params: Params): string {
	switch (list.filter) {
		case 'all':
			return '1 = 1';
		case 'notRead':
			return 'read_at IS NULL AND failed_at IS NULL';
		case 'deliveredNotRead':
			return `delivered_at IS NOT NULL AND read_at IS NULL AND failed_at IS NULL AND delivered_at <= ${params.add(list.now - list.unreadForMs)}`;
		case 'notDelivered':
			return 'delivered_at IS NULL AND failed_at IS NULL';
		case 'failed':
			return 'failed_at IS NOT NULL';
		case 'read':
			return 'read_at IS NOT NULL';
		case 'replied':
			return 'replied_within IS NOT NULL';
		case 'notReplied':
			// Only once the reply window is over: until then a reply may still come.
			return `replied_within IS NULL AND failed_at IS NULL AND sent_at <= ${params.add(list.now - list.replyWithinMs)}`;
		case 'optedOut':
			return 'opted_out_at IS NOT NULL';
	}
}

interface RecipientRow {
	wamid: string;
	recipient: string;
	phone_number_id: string;
	recipient_name: string | null;
	profile_name: string | null;
	messages: number | string;
	sent_at: number | string;
	replied_within: number | string | null;
	delivered_at: number | string | null;
	read_at: number | string | null;
	failed_at: number | string | null;
	error_code: number | string | null;
	error_title: string | null;
	opted_out_at: number | string | null;
	template_name: string | null;
	template_language: string | null;
	callback_data: string | null;
	purpose: OutboundPurpose | null;
}

/** One row per recipient (their latest message of the selection) that passes the filter. */
export async function reportRecipients(db: Db, list: RecipientList): Promise<ReportRecipient[]> {
	const params = new Params();
	const facts = factsOf(db, list, params, [
		'phone_number_id',
		'recipient_name',
		'template_name',
		'template_language',
		'callback_data',
		'purpose',
	]);
	const condition = filterCondition(list, params);
	const limit = params.add(list.limit);
	const offset = params.add(list.offset);
	const rows = await db.session.query<RecipientRow>(
		`WITH ${facts},
		ranked AS (
			SELECT j.*,
				ROW_NUMBER() OVER (PARTITION BY j.recipient ORDER BY j.sent_at DESC, j.wamid DESC) AS nth,
				COUNT(*) OVER (PARTITION BY j.recipient) AS messages
			FROM joined j
		)
		SELECT r.*, COALESCE(by_wa.profile_name, by_user.profile_name) AS profile_name
		FROM ranked r
		LEFT JOIN ${db.tables.contacts} by_wa ON by_wa.account = r.account AND by_wa.wa_id = r.recipient
		LEFT JOIN ${db.tables.contacts} by_user
			ON by_user.account = r.account AND by_user.user_id = r.recipient
		WHERE r.nth = 1 AND ${condition}
		ORDER BY r.sent_at, r.recipient
		LIMIT ${limit} OFFSET ${offset}`,
		params.values,
	);
	return rows.map((row) => ({
		recipient: row.recipient,
		name: row.recipient_name ?? row.profile_name,
		wamid: row.wamid,
		phoneNumberId: row.phone_number_id,
		messages: numberOf(row.messages),
		sentAt: new Date(Number(row.sent_at)),
		status:
			row.failed_at !== null
				? 'failed'
				: row.read_at !== null
					? 'read'
					: row.delivered_at !== null
						? 'delivered'
						: 'sent',
		deliveredAt: dateOf(row.delivered_at),
		readAt: dateOf(row.read_at),
		failedAt: dateOf(row.failed_at),
		errorCode: row.error_code === null ? null : Number(row.error_code),
		errorTitle: row.error_title,
		repliedAt: dateOf(row.replied_within),
		optedOutAt: dateOf(row.opted_out_at),
		templateName: row.template_name,
		templateLanguage: row.template_language,
		callbackData: row.callback_data,
		purpose: row.purpose,
	}));
}
