import { type IDataObject, type INodeExecutionData, sleep } from 'n8n-workflow';

import { FieldError } from '../../../lib/core/fieldError';
import { consentHistoryJson, consentStateJson } from '../../../lib/consent';
import { parseContactIdentifier } from '../../../lib/core/contact';
import { parseEventTime } from '../../../lib/core/eventTime';
import type {
	ConsentEvidence,
	ConsentSource,
	ConsentStatus,
	ContactIds,
	RecordConsentResult,
	Store,
} from '../../../lib/store/types';
import { resumeHttpFrom } from '../../../lib/transport/n8nWebhooks';
import { cancelPendingWaits, type ResumeHttp } from '../../../lib/waits/resume';
import { CONSENT_SOURCES } from '../../../lib/store/types';
import { readItemParameter } from '../../helpers/itemParameter';
import { errorItem, type GateContext, mapItems, parseItems } from './shared';

const SETTABLE_STATUSES: readonly ConsentStatus[] = ['opted_in', 'opted_out', 'blocked'];

export async function setConsent(ctx: GateContext): Promise<INodeExecutionData[][]> {
	const { fn } = ctx;
	const { store, account } = ctx.accountStore;
	const now = Date.now();
	return [
		await mapItems(ctx, async (i, item) => {
			const contact = parseContactIdentifier(readItemParameter(fn, 'contact', i, ''));
			const status = parseSettableStatus(readItemParameter(fn, 'status', i, 'opted_in'), 'Status');
			const source = parseSource(readItemParameter(fn, 'source', i, 'api'));
			const eventAt = parseEventTime(readItemParameter(fn, 'eventTime', i, ''), 'Event Time', {
				required: false,
				now,
			});
			const proof = readItemParameter(fn, 'evidence', i, {}) as IDataObject;
			const result = await store.recordConsent({
				account,
				contact: contact,
				status,
				source,
				evidence: evidenceOf(proof),
				eventAt,
			});
			return {
				...item.json,
				consent: consentStateJson(result.current),
				consentChange: {
					applied: result.applied,
					status,
					source,
					eventAt: new Date(eventAt).toISOString(),
				},
			};
		}),
	];
}

export async function getConsent(ctx: GateContext): Promise<INodeExecutionData[][]> {
	const { store, account } = ctx.accountStore;
	return [
		await mapItems(ctx, async (i, item) => {
			const contact = parseContactIdentifier(readItemParameter(ctx.fn, 'contact', i, ''));
			const [state, history] = await Promise.all([
				store.getConsent(account, contact),
				store.getConsentHistory(account, contact),
			]);
			return {
				...item.json,
				consent: consentStateJson(state),
				consentHistory: consentHistoryJson(history),
			};
		}),
	];
}

/**
 * The GDPR "delete my data" request. First the contact's pending follow-up waits are cancelled
 * and their executions told (they leave the Follow-up Wait by Cancelled without the contact's
 * data); then the store deletes everything under the contact's identifiers and the additional
 * ones, keeping only a keyed hash of an opt-out.
 */
export async function eraseContact(ctx: GateContext): Promise<INodeExecutionData[][]> {
	const { store, account } = ctx.accountStore;
	const http = resumeHttpFrom(ctx.fn.helpers);
	return [
		await mapItems(ctx, async (i, item) => {
			const contact = parseContactIdentifier(readItemParameter(ctx.fn, 'contact', i, ''));
			const aiCustomers = parseAdditionalIdentifiers(
				readItemParameter(ctx.fn, 'additionalIdentifiers', i, ''),
			);
			const waits = await cancelEveryWait(store, account, contact, http);
			const summary = await store.eraseContact(account, contact, { aiCustomers });
			return {
				...item.json,
				erasure: {
					contactFound: summary.contactFound,
					contactsFound: summary.contactsFound,
					suppressedAs: summary.suppressedAs,
					additionalIdentifiers: aiCustomers.length,
					deleted: { ...summary.deleted },
					waits,
				},
			};
		}),
	];
}

/**
 * Cancels the waits of each identifier on its own: a wa_id and a user id never linked are two
 * contacts, each with its own waits. A failed POST still leaves the wait cancelled and settled;
 * its execution is listed, because n8n resumes it by time (No Reply) with the items it saved.
 */
async function cancelEveryWait(
	store: Store,
	account: string,
	contact: ContactIds,
	http: ResumeHttp,
): Promise<IDataObject> {
	const results = [];
	for (const id of [contact.waId, contact.userId]) {
		if (!id) continue;
		results.push(
			await cancelPendingWaits(store, { account, contact: id, reason: 'erasure' }, http, {
				sleep,
			}),
		);
	}
	const failures = results.flatMap((result) => result.failures);
	return {
		cancelled: results.reduce((sum, result) => sum + result.cancelled, 0),
		told: results.reduce((sum, result) => sum + result.resumed, 0),
		failed: failures.length,
		failures: failures as unknown as IDataObject[],
	};
}

const MAX_ADDITIONAL_IDENTIFIERS = 100;

/** Comma- or newline-separated text, or a list (from an expression); empty entries are dropped. */
export function parseAdditionalIdentifiers(value: unknown): string[] {
	const entries = Array.isArray(value)
		? value
		: typeof value === 'string'
			? value.split(/[,\n]/)
			: value === undefined || value === null
				? []
				: [value];
	const identifiers = entries
		.filter((entry) => entry !== undefined && entry !== null)
		.map((entry) => {
			if (typeof entry !== 'string' && typeof entry !== 'number') {
				throw new FieldError(
					'Additional Identifiers',
					entry,
					'holds something that is not text',
					'Map text or a list of texts, e.g. {{ [$json.email, $json.crmId] }}.',
				);
			}
			return String(entry).trim();
		})
		.filter((entry) => entry !== '');
	const distinct = [...new Set(identifiers)];
	if (distinct.length > MAX_ADDITIONAL_IDENTIFIERS) {
		throw new FieldError(
			'Additional Identifiers',
			value,
			`holds ${distinct.length} identifiers`,
			`Give at most ${MAX_ADDITIONAL_IDENTIFIERS} per contact: the identifiers of this one person.`,
		);
	}
	return distinct;
}

/**
 * Bulk consent from items (a CRM export): every item is validated first, then all are written in
 * one transaction with source "import". Each keeps its own event time, so a STOP recorded after
 * the export was taken still wins.
 */
export async function importConsent(ctx: GateContext): Promise<INodeExecutionData[][]> {
	const { fn, items } = ctx;
	const { store, account } = ctx.accountStore;
	const now = Date.now();
	const rows = parseItems(ctx, (i): ImportRow => {
		const text = String(readItemParameter(fn, 'consentText', i, '') ?? '').trim();
		return {
			contact: parseContactIdentifier(readItemParameter(fn, 'contact', i, '')),
			status: parseSettableStatus(readItemParameter(fn, 'importStatus', i, 'opted_in'), 'Status'),
			eventAt: parseEventTime(readItemParameter(fn, 'consentTime', i, ''), 'Consent Time', {
				required: true,
				now,
			}),
			evidence: text ? { text } : undefined,
		};
	});
	const accepted = rows.filter((row): row is ImportRow => !(row instanceof Error));
	const results = await store.transaction(async (tx) => {
		const recorded: RecordConsentResult[] = [];
		for (const row of accepted) {
			recorded.push(await tx.recordConsent({ account, source: 'import', ...row }));
		}
		return recorded;
	});
	const resultOf = new Map(accepted.map((row, k) => [row, results[k]]));
	return [
		rows.map((row, i) => {
			if (row instanceof Error) return errorItem(fn, row, i);
			const result = resultOf.get(row)!;
			return {
				json: {
					...items[i].json,
					consent: consentStateJson(result.current),
					consentChange: {
						applied: result.applied,
						status: row.status,
						source: 'import',
						eventAt: new Date(row.eventAt).toISOString(),
					},
				},
				pairedItem: { item: i },
			};
		}),
	];
}

interface ImportRow {
	contact: ContactIds;
	status: ConsentStatus;
	eventAt: number;
	evidence: ConsentEvidence | undefined;
}

/** Accepts the store's names in any case, with spaces or hyphens: "Opted In", "opted-out". */
function parseSettableStatus(value: unknown, field: string): ConsentStatus {
	const normalized =
		typeof value === 'string'
			? value
					.trim()
					.toLowerCase()
					.replace(/[\s-]+/g, '_')
			: value;
	if (SETTABLE_STATUSES.includes(normalized as ConsentStatus)) return normalized as ConsentStatus;
	throw new FieldError(
		field,
		value,
		'is not a consent status',
		'Use opted_in (marketing allowed), opted_out (no marketing) or blocked (no messages at all).',
	);
}

function parseSource(value: unknown): ConsentSource {
	if (CONSENT_SOURCES.includes(value as ConsentSource)) return value as ConsentSource;
	throw new FieldError(
		'Source',
		value,
		'is not a consent source',
		`Use one of: ${CONSENT_SOURCES.join(', ')}.`,
	);
}

function evidenceOf(proof: IDataObject): ConsentEvidence | undefined {
	const text = String(proof.text ?? '').trim();
	const messageIds = String(proof.messageIds ?? '')
		.split(',')
		.map((id) => id.trim())
		.filter((id) => id !== '');
	const reference = String(proof.reference ?? '').trim();
	const evidence: ConsentEvidence = {
		...(text ? { text } : {}),
		...(messageIds.length > 0 ? { messageIds } : {}),
		...(reference ? { reference } : {}),
	};
	return Object.keys(evidence).length > 0 ? evidence : undefined;
}
