/**
 * Campaign Report's arithmetic and wording, free of the store and of n8n: the report windows in
 * hours, the rates, the failures with Meta's explanation and the one-paragraph text a workflow
 * can post as it is.
 */
import { classifyMetaError } from './errors';
import { FieldError } from './fieldError';

const HOUR_MS = 60 * 60 * 1000;
/** The longest window a report can ask for: the store marks replies for 30 days after a send. */
const MAX_REPORT_WINDOW_HOURS = 720;

/** A window in hours (fractions allowed, e.g. 0.5) as milliseconds; a FieldError otherwise. */
export function reportWindowMs(field: string, value: unknown): number {
	const hours = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (
		typeof hours !== 'number' ||
		!Number.isFinite(hours) ||
		hours <= 0 ||
		hours > MAX_REPORT_WINDOW_HOURS
	) {
		throw new FieldError(
			field,
			value,
			'is not a number of hours above 0 and up to 720',
			'Enter the hours, e.g. 24 (at most 720: 30 days).',
		);
	}
	return Math.round(hours * HOUR_MS);
}

export interface ReportCounts {
	sent: number;
	delivered: number;
	read: number;
	failed: number;
	replied: number;
	optedOut: number;
	failures: Array<{ code: number | null; title: string | null; messages: number }>;
}

export interface ReportRates {
	/** Shares of the messages sent, 0 to 1, four decimals; null when nothing was sent. */
	delivered: number | null;
	read: number | null;
	failed: number | null;
	replied: number | null;
	optedOut: number | null;
	/** Read among the delivered ones (Meta's "read rate"); null when nothing was delivered. */
	readOfDelivered: number | null;
}

const share = (part: number, whole: number): number | null =>
	whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

export function reportRates(counts: ReportCounts): ReportRates {
	return {
		delivered: share(counts.delivered, counts.sent),
		read: share(counts.read, counts.sent),
		failed: share(counts.failed, counts.sent),
		replied: share(counts.replied, counts.sent),
		optedOut: share(counts.optedOut, counts.sent),
		readOfDelivered: share(counts.read, counts.delivered),
	};
}

/** The failures with what the package knows of each code (the same advice a failed send shows). */
export function explainFailures(failures: ReportCounts['failures']) {
	return failures.map((failure) => ({
		...failure,
		explanation: failure.code === null ? null : classifyMetaError(failure.code).explanation,
	}));
}

const percent = (rate: number | null) =>
	rate === null ? '' : ` (${Math.round(rate * 1000) / 10}%)`;
const hours = (ms: number) => `${Math.round((ms / HOUR_MS) * 100) / 100} h`;

/** One paragraph for a chat message or an e-mail: what was sent and what came of it. */
export function reportText(
	title: string,
	counts: ReportCounts,
	windows: { replyWithinMs: number; optOutWithinMs: number },
): string {
	if (counts.sent === 0) return `${title}: no messages sent.`;
	const rates = reportRates(counts);
	const failures = counts.failures
		.map((failure) => `${failure.code ?? 'no code'} ×${failure.messages}`)
		.join(', ');
	return [
		`${title}: ${counts.sent} sent`,
		`${counts.delivered} delivered${percent(rates.delivered)}`,
		`${counts.read} read${percent(rates.read)}`,
		`${counts.failed} failed${percent(rates.failed)}${failures ? ` [${failures}]` : ''}`,
		`${counts.replied} replied within ${hours(windows.replyWithinMs)}${percent(rates.replied)}`,
		`${counts.optedOut} opted out within ${hours(windows.optOutWithinMs)}${percent(rates.optedOut)}`,
	].join(' · ');
}
