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
 * trigger) and an opt-out of its recipient after it (`consent_history` through `contacts`).
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
 * The facts of each message of `source` (a CTE with wamid, account, recipient, sent_at,
 * replied_at): delivered (or read: Meta may skip `delivered`), read, failed with its error, a
 * reply within the window, an opt-out within the window.
 */
function factsOf(db: Db, source: string, selection: Selection, params: Params): string {
	const { outbound_statuses: statuses, contacts, consent_history: history } = db.tables;
	const replyWithin = params.add(selection.replyWithinMs);
	const optOutWithin = params.add(selection.optOutWithinMs);
	return `timeline AS (
			SELECT st.wamid,
				MIN(CASE WHEN st.status IN ('delivered', 'read', 'played') THEN st.status_at END) AS delivered_at,
				MIN(CASE WHEN st.status IN ('read', 'played') THEN st.status_at END) AS read_at,
				MIN(CASE WHEN st.status = 'failed' THEN st.status_at END) AS failed_at,
				MAX(CASE WHEN st.status = 'failed' THEN st.error_code END) AS error_code,
				MAX(CASE WHEN st.status = 'failed' THEN st.error_title END) AS error_title
			FROM ${source} s JOIN ${statuses} st ON st.wamid = s.wamid
			GROUP BY st.wamid
		),
		opt_outs AS (
			SELECT s.wamid, MIN(h.event_at) AS opted_out_at
			FROM ${source} s
			JOIN ${contacts} c ON c.account = s.account AND (c.wa_id = s.recipient OR c.user_id = s.recipient)
			JOIN ${history} h ON h.contact_id = c.id
			WHERE h.new_status = 'opted_out' AND h.applied = 1
				AND h.event_at >= s.sent_at AND h.event_at <= s.sent_at + ${optOutWithin}
			GROUP BY s.wamid
		),
		facts AS (
			SELECT s.*, t.delivered_at, t.read_at, t.failed_at, t.error_code, t.error_title,
				CASE WHEN s.replied_at <= s.sent_at + ${replyWithin} THEN s.replied_at END AS replied_within,
				o.opted_out_at
			FROM ${source} s
			LEFT JOIN timeline t ON t.wamid = s.wamid
			LEFT JOIN opt_outs o ON o.wamid = s.wamid
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
	const where = selectionWhere(selection, params);
	const rows = await db.session.query<CountRow>(
		`WITH selected AS (
			SELECT m.wamid, m.account, m.recipient, m.sent_at, m.replied_at
			FROM ${db.tables.outbound_messages} m WHERE ${where}
		),
		${factsOf(db, 'selected', selection, params)}
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
			(SELECT COUNT(DISTINCT recipient) FROM selected) AS recipients,
			MIN(sent_at) AS first_sent_at,
			MAX(sent_at) AS last_sent_at
		FROM facts
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
	const where = selectionWhere(list, params);
	const facts = factsOf(db, 'latest', list, params);
	const condition = filterCondition(list, params);
	const limit = params.add(list.limit);
	const offset = params.add(list.offset);
	const rows = await db.session.query<RecipientRow>(
		`WITH selected AS (
			SELECT m.wamid, m.account, m.recipient, m.sent_at, m.replied_at, m.phone_number_id,
				m.recipient_name, m.template_name, m.template_language, m.callback_data, m.purpose,
				ROW_NUMBER() OVER (PARTITION BY m.recipient ORDER BY m.sent_at DESC, m.wamid DESC) AS nth,
				COUNT(*) OVER (PARTITION BY m.recipient) AS messages
			FROM ${db.tables.outbound_messages} m WHERE ${where}
		),
		latest AS (SELECT * FROM selected WHERE nth = 1),
		${facts}
		SELECT f.*,
			(SELECT MAX(c.profile_name) FROM ${db.tables.contacts} c
				WHERE c.account = f.account AND (c.wa_id = f.recipient OR c.user_id = f.recipient)) AS profile_name
		FROM facts f
		WHERE ${condition}
		ORDER BY f.sent_at, f.recipient
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
