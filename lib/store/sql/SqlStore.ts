import { compileRoute, ROUTE_ROLES, type Route } from '../../core/routing';
import { isWindowOpen } from '../../core/window';
import {
	AI_ROLES,
	CONSENT_SOURCES,
	CONSENT_STATUSES,
	OUTBOUND_KINDS,
	OUTBOUND_PURPOSES,
	RECIPIENT_FILTERS,
	type AiConversationKey,
	type CampaignReportCounts,
	type RecipientListQuery,
	type ReplyInput,
	type ReportQuery,
	type ReportRecipient,
	type AiConversationRef,
	type AiHistory,
	type AiHistoryQuery,
	type AppendAiMessagesInput,
	type CallbackClaim,
	type CallbackClaimResult,
	type CallbackHolder,
	type CallbackRelease,
	type CallbackReleaseResult,
	type HandoverRecord,
	type JsonValue,
	type RouteInput,
	type RouteRecord,
	type StartHandoverInput,
	type CancelWaitsInput,
	type FollowUpCountInput,
	type FollowUpCountResult,
	type ListWaitsInput,
	type PendingWait,
	type WaitSelectionInput,
	type ConsentEvent,
	type ConsentHistoryEntry,
	type ConsentState,
	type ContactInput,
	type ContactRecord,
	type ContactRef,
	type EraseOptions,
	type EraseSummary,
	type HousekeepingOptions,
	type HousekeepingResult,
	type InAppResumeEvent,
	type InboundMessageInput,
	type InboundMessageResult,
	type LiveWaitRecord,
	type OutboundMessageInput,
	type OutboundRecord,
	type OutboundStatusInput,
	type PendingForwardsContact,
	type SendSlotsRequest,
	type WaitSearch,
	type RecordConsentResult,
	type RegisterWaitInput,
	type Store,
	type SuppressionKeyReport,
	type Timestamp,
	type TouchWindowInput,
	type TouchWindowResult,
	type WaitOutcome,
	type WaitQuery,
	type WaitRecord,
	type WindowClosedInput,
	type WindowKey,
	type WindowState,
} from '../types';
import {
	StoreInputError,
	describeValue,
	normaliseRecipient,
	optionalBoolean,
	optionalId,
	optionalInteger,
	optionalJson,
	optionalText,
	optionalTimestamp,
	requireContact,
	requireContactIds,
	requireCount,
	requireHttpUrl,
	requireIdList,
	requireId,
	requireJson,
	requireOneOf,
	requireSecretText,
	requireText,
	requireTimestamp,
} from '../validate';
import * as ai from './aiHistory';
import * as consent from './consent';
import { contactRecordOf, ensureContact, findContact, updateProfile } from './contacts';
import * as dedup from './dedup';
import * as forwards from './forwards';
import * as handovers from './handovers';
import { recordInboundMessage, type InboundMessage } from './inboundMessage';
import * as routes from './routes';
import * as sendBudgets from './sendBudgets';
import {
	ABANDONED_HAND_OFF_MS,
	RESOLVED_WAIT_RETENTION_MS,
	claimHousekeeping,
	ensureRetentionTask,
} from './housekeeping';
import { MAX_RETENTION_DAYS, type AccountRetention } from '../retention';
import { applyRetention } from './retention';
import type { SuppressionKey } from '../suppressionKey';
import { eraseContact, type EraseRequest } from './erase';
import { rekeySuppressions } from './suppressionKeys';
import * as outbound from './outbound';
import * as reports from './reports';
import { tablesFor, type Db, type Tables } from './schema';
import type { SqlBackend, SqlSession } from './session';
import * as waits from './waits';
import * as windows from './windows';

const DEFAULT_AI_MAX_MESSAGES = 100;
const AI_MAX_MESSAGES_LIMIT = 10_000;
const AI_APPEND_LIMIT = 1_000;

function retentionOf(value: AccountRetention): AccountRetention {
	const days = (field: keyof Omit<AccountRetention, 'account'>) =>
		value?.[field] === null
			? null
			: requireCount(`retention.${field}`, value?.[field], MAX_RETENTION_DAYS);
	return {
		account: requireId('retention.account', value?.account),
		outboundDays: days('outboundDays'),
		windowDays: days('windowDays'),
		contactDays: days('contactDays'),
		aiHistoryDays: days('aiHistoryDays'),
	};
}

const MAX_ROUTE_SCOPES = 100;
const MAX_SEND_SLOTS = 10_000;

/** Slot spacing in ms: above 0 (an unpaced sender does not reserve) and at most a minute. */
function requireInterval(value: unknown): number {
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 60_000) {
		throw new StoreInputError(
			'intervalMs',
			describeValue(value),
			'is not a slot spacing above 0 and up to 60,000 ms',
			'Pass 1,000 divided by the messages per second; do not reserve slots for an unpaced send.',
		);
	}
	return value;
}
const MAX_FILTERS_BYTES = 16 * 1024;

/** Checks a route as the routing will read it, so a route that cannot be routed is never published. */
function routeOfInput(input: RouteInput): routes.NewRoute {
	const route: Route = {
		id: requireId('routeId', input.routeId),
		role: requireOneOf('role', input.role, ROUTE_ROLES),
		priority: optionalInteger('priority', input.priority) ?? 0,
		filters: input.filters,
		receiveConsumedReplies: optionalBoolean('receiveConsumedReplies', input.receiveConsumedReplies),
	};
	const filtersJson = requireJson('filters', input.filters as unknown as JsonValue);
	if (
		typeof input.filters !== 'object' ||
		input.filters === null ||
		Buffer.byteLength(filtersJson) > MAX_FILTERS_BYTES
	) {
		throw new StoreInputError(
			'filters',
			describeValue(input.filters),
			`is not filters of at most ${MAX_FILTERS_BYTES} bytes`,
			'Pass the trigger’s filters as routeFiltersOf(settings) builds them.',
		);
	}
	try {
		compileRoute(route);
	} catch (error) {
		throw new StoreInputError(
			'filters',
			describeValue(input.filters),
			`cannot be routed: ${(error as Error).message}`,
			'Pass the trigger’s filters as routeFiltersOf(settings) builds them.',
		);
	}
	return {
		account: requireId('account', input.account),
		routeId: route.id,
		webhookUrl: requireHttpUrl('webhookUrl', input.webhookUrl),
		role: route.role,
		priority: route.priority,
		filtersJson,
		receiveConsumedReplies: route.receiveConsumedReplies,
		registrationMode: requireId('registrationMode', input.registrationMode, 64),
		scopes: requireIdList('scopes', input.scopes, MAX_ROUTE_SCOPES),
		at: requireTimestamp('at', input.at),
	};
}

/** A transaction holds SQLite's write lock: a log batch stays small enough to commit at once. */
const OUTBOUND_BATCH_LIMIT = 1_000;

/** One message of the outbound log, validated; `prefix` names it within a batch. */
function outboundMessageOf(prefix: string, input: OutboundMessageInput): outbound.OutboundMessage {
	return {
		wamid: requireId(`${prefix}wamid`, input?.wamid),
		account: requireId(`${prefix}account`, input?.account),
		phoneNumberId: requireId(`${prefix}phoneNumberId`, input?.phoneNumberId),
		recipient: normaliseRecipient(`${prefix}recipient`, input?.recipient),
		kind: requireOneOf(`${prefix}kind`, input?.kind, OUTBOUND_KINDS),
		templateName: optionalId(`${prefix}templateName`, input?.templateName),
		templateLanguage: optionalId(`${prefix}templateLanguage`, input?.templateLanguage),
		category: optionalId(`${prefix}category`, input?.category),
		text: optionalText(`${prefix}text`, input?.text),
		callbackData: optionalId(`${prefix}callbackData`, input?.callbackData, CALLBACK_DATA_MAX),
		recipientName: optionalText(`${prefix}recipientName`, input?.recipientName, 1024),
		purpose:
			input?.purpose === undefined
				? null
				: requireOneOf(`${prefix}purpose`, input.purpose, OUTBOUND_PURPOSES),
		sentAt: requireTimestamp(`${prefix}sentAt`, input?.sentAt),
	};
}

/** Meta's limit of `biz_opaque_callback_data`. */
const CALLBACK_DATA_MAX = 512;
/** The most recipients one reportRecipients call returns. */
const MAX_REPORT_RECIPIENTS = 1_000_000;

/** A report window: 1 ms up to the longest reply window (30 days). */
function requireWindow(field: string, value: unknown): number {
	return requireCount(field, value, outbound.MAX_REPLY_WINDOW_MS);
}

function reportSelectionOf(query: ReportQuery): reports.Selection {
	const sentFrom = optionalTimestamp('sentFrom', query.sentFrom);
	const sentUntil = optionalTimestamp('sentUntil', query.sentUntil);
	if (sentFrom !== null && sentUntil !== null && sentUntil <= sentFrom) {
		throw new StoreInputError(
			'sentUntil',
			describeValue(query.sentUntil),
			'is not after sentFrom',
			'Pass a time range whose end comes after its start.',
		);
	}
	return {
		account: requireId('account', query.account),
		callbackData: optionalId('callbackData', query.callbackData, CALLBACK_DATA_MAX),
		phoneNumberId: optionalId('phoneNumberId', query.phoneNumberId),
		sentFrom,
		sentUntil,
		replyWithinMs: requireWindow('replyWithinMs', query.replyWithinMs),
		optOutWithinMs: requireWindow('optOutWithinMs', query.optOutWithinMs),
	};
}

const MAX_AI_CUSTOMERS = 100;

function aiCustomersOf(value: readonly string[] | undefined): string[] {
	if (value === undefined) return [];
	if (!Array.isArray(value) || value.length > MAX_AI_CUSTOMERS) {
		throw new StoreInputError(
			'aiCustomers',
			describeValue(value),
			`is not a list of at most ${MAX_AI_CUSTOMERS} identifiers`,
			'Pass the other customer identifiers the AI Reply node used (e.g. an e-mail or CRM id) as an array of strings.',
		);
	}
	return value.map((customer, index) => normaliseRecipient(`aiCustomers[${index}]`, customer));
}

/**
 * The Store over any SqlBackend. Every method validates all of its input before touching the
 * database, so bad input writes nothing. The root instance runs each call on its own (several
 * statements in one transaction where they must be atomic); the instance handed to
 * `transaction(fn)` runs everything on that transaction's session.
 */
export class SqlStore implements Store {
	readonly backend: Store['backend'];

	private readonly tables: Tables;

	constructor(
		private readonly sql: SqlBackend,
		private readonly onClose: () => void = () => undefined,
		private readonly session: SqlSession | null = null,
		// Configuration derived from each credential as it is used; shared with transaction handles.
		private readonly suppressionKeys = new Map<string, SuppressionKey>(),
		// Accounts whose retention schedule row this process knows to exist: saves an INSERT per call.
		private readonly retentionTasks = new Set<string>(),
	) {
		this.backend = sql.dialect.name;
		this.tables = tablesFor(sql.dialect);
	}

	async upsertContact(input: ContactInput): Promise<ContactRecord> {
		const account = requireId('account', input.account);
		const keys = requireContactIds('', input);
		const profileName = optionalText('profileName', input.profileName, 1024);
		const seenAt = requireTimestamp('seenAt', input.seenAt);
		return await this.atomic(async (db) => {
			const contact = await ensureContact(db, account, keys, seenAt);
			return contactRecordOf(await updateProfile(db, contact, profileName, seenAt));
		});
	}

	async getContact(account: string, contact: ContactRef): Promise<ContactRecord | null> {
		const validAccount = requireId('account', account);
		const keys = requireContact('contact', contact);
		return await this.run(async (db) => {
			const row = await findContact(db, validAccount, keys);
			return row ? contactRecordOf(row) : null;
		});
	}

	async recordConsent(event: ConsentEvent): Promise<RecordConsentResult> {
		const change: consent.ConsentChange = {
			account: requireId('account', event.account),
			keys: requireContact('contact', event.contact),
			event: {
				kind: 'set',
				status: requireOneOf('status', event.status, CONSENT_STATUSES),
				source: requireOneOf('source', event.source, CONSENT_SOURCES),
			},
			evidenceJson: optionalJson('evidence', event.evidence),
			eventAt: requireTimestamp('eventAt', event.eventAt),
			recordedAt: optionalTimestamp('recordedAt', event.recordedAt) ?? Date.now(),
		};
		return await this.atomic((db) => consent.recordConsent(db, change));
	}

	async recordInAppResume(event: InAppResumeEvent): Promise<RecordConsentResult> {
		const change: consent.ConsentChange = {
			account: requireId('account', event.account),
			keys: requireContact('contact', event.contact),
			event: { kind: 'in_app_resume' },
			evidenceJson: optionalJson('evidence', event.evidence),
			eventAt: requireTimestamp('eventAt', event.eventAt),
			recordedAt: optionalTimestamp('recordedAt', event.recordedAt) ?? Date.now(),
		};
		return await this.atomic((db) => consent.recordConsent(db, change));
	}

	async getConsent(account: string, contact: ContactRef): Promise<ConsentState> {
		const validAccount = requireId('account', account);
		const keys = requireContact('contact', contact);
		const [state] = await this.run((db) => consent.getConsentMany(db, validAccount, [keys]));
		return state;
	}

	async getConsentMany(account: string, contacts: readonly ContactRef[]): Promise<ConsentState[]> {
		const validAccount = requireId('account', account);
		if (!Array.isArray(contacts)) {
			throw new StoreInputError(
				'contacts',
				describeValue(contacts),
				'is not a list',
				'Pass an array of contacts.',
			);
		}
		const keysList = contacts.map((contact, index) =>
			requireContact(`contacts[${index}]`, contact),
		);
		if (keysList.length === 0) return [];
		return await this.run((db) => consent.getConsentMany(db, validAccount, keysList));
	}

	async getConsentHistory(account: string, contact: ContactRef): Promise<ConsentHistoryEntry[]> {
		const validAccount = requireId('account', account);
		const keys = requireContact('contact', contact);
		return await this.run((db) => consent.getConsentHistory(db, validAccount, keys));
	}

	async touchWindow(input: TouchWindowInput): Promise<TouchWindowResult> {
		const touch: windows.WindowTouch = {
			account: requireId('account', input.account),
			phoneNumberId: requireId('phoneNumberId', input.phoneNumberId),
			keys: requireContact('contact', input.contact),
			inboundAt: requireTimestamp('inboundAt', input.inboundAt),
		};
		return await this.atomic((db) => windows.touchWindow(db, touch));
	}

	async recordInboundMessage(input: InboundMessageInput): Promise<InboundMessageResult> {
		const message: InboundMessage = {
			account: requireId('account', input.account),
			keys: requireContact('contact', input.contact),
			profileName: optionalText('profileName', input.profileName, 1024),
			at: requireTimestamp('at', input.at),
			phoneNumberId:
				input.phoneNumberId === null ? null : requireId('phoneNumberId', input.phoneNumberId),
			waitsAfter: requireTimestamp('waitsAfter', input.waitsAfter),
		};
		return await this.atomic((db) => recordInboundMessage(db, message));
	}

	async getWindow(key: WindowKey): Promise<WindowState | null> {
		const account = requireId('account', key.account);
		const phoneNumberId = requireId('phoneNumberId', key.phoneNumberId);
		const keys = requireContact('contact', key.contact);
		return await this.run((db) => windows.getWindow(db, account, phoneNumberId, keys));
	}

	async getWindowMany(
		account: string,
		keys: ReadonlyArray<Omit<WindowKey, 'account'>>,
	): Promise<Array<WindowState | null>> {
		const validAccount = requireId('account', account);
		if (!Array.isArray(keys)) {
			throw new StoreInputError(
				'windows',
				describeValue(keys),
				'is not a list',
				'Pass an array of {phoneNumberId, contact}.',
			);
		}
		const lookups = keys.map((key, index) => ({
			phoneNumberId: requireId(`windows[${index}].phoneNumberId`, key?.phoneNumberId),
			keys: requireContact(`windows[${index}].contact`, key?.contact),
		}));
		if (lookups.length === 0) return [];
		return await this.run((db) => windows.getWindowMany(db, validAccount, lookups));
	}

	async isWindowOpen(query: WaitQuery): Promise<boolean> {
		const at = requireTimestamp('at', query.at);
		const window = await this.getWindow(query);
		return window?.closedByMetaAt === null && isWindowOpen(window.lastInboundAt, new Date(at));
	}

	async recordWindowClosed(input: WindowClosedInput): Promise<boolean> {
		const account = requireId('account', input.account);
		const phoneNumberId = requireId('phoneNumberId', input.phoneNumberId);
		const keys = requireContact('contact', input.contact);
		const at = requireTimestamp('at', input.at);
		return await this.run((db) => windows.recordWindowClosed(db, account, phoneNumberId, keys, at));
	}

	async registerWait(input: RegisterWaitInput): Promise<LiveWaitRecord> {
		const wait: waits.NewWait = {
			account: requireId('account', input.account),
			phoneNumberId: requireId('phoneNumberId', input.phoneNumberId),
			keys: requireContact('contact', input.contact),
			executionId: requireId('executionId', input.executionId),
			workflowId: optionalId('workflowId', input.workflowId),
			resumeUrl: requireSecretText('resumeUrl', input.resumeUrl),
			secret: input.secret === undefined ? null : requireSecretText('secret', input.secret),
			deadline: requireTimestamp('deadline', input.deadline),
			matchRuleJson: requireJson('matchRule', input.matchRule),
			createdAt: optionalTimestamp('createdAt', input.createdAt) ?? Date.now(),
			sequence: optionalId('sequence', input.sequence),
			followUp:
				input.followUp === undefined
					? null
					: requireCount('followUp', input.followUp, MAX_FOLLOW_UPS),
		};
		return await this.atomic((db) => waits.registerWait(db, wait));
	}

	async getWait(id: string): Promise<WaitRecord | null> {
		const waitId = requireId('id', id);
		return await this.run((db) => waits.getWait(db, waitId));
	}

	async findWaitingWaits(query: WaitSearch): Promise<LiveWaitRecord[]> {
		const account = requireId('account', query.account);
		const phoneNumberId = requireId('phoneNumberId', query.phoneNumberId);
		const keys = requireContact('contact', query.contact);
		const at = requireTimestamp('at', query.at);
		const withClaims = query.withUnsettledClaims === true;
		return await this.run((db) =>
			waits.findWaitingWaits(db, account, phoneNumberId, keys, at, withClaims),
		);
	}

	async reclaimWait(
		id: string,
		claimedAt: Timestamp,
		at: Timestamp,
	): Promise<LiveWaitRecord | null> {
		const waitId = requireId('id', id);
		const previous = requireTimestamp('claimedAt', claimedAt);
		const time = requireTimestamp('at', at);
		return await this.run((db) => waits.reclaimWait(db, waitId, previous, time));
	}

	async claimWait(id: string, outcome: WaitOutcome, at: Timestamp): Promise<LiveWaitRecord | null> {
		const waitId = requireId('id', id);
		const validOutcome = requireOneOf('outcome', outcome, ['claimed', 'cancelled'] as const);
		const time = requireTimestamp('at', at);
		return await this.run((db) => waits.claimWait(db, waitId, validOutcome, time));
	}

	async releaseWait(id: string, at: Timestamp): Promise<LiveWaitRecord | null> {
		const waitId = requireId('id', id);
		const time = requireTimestamp('at', at);
		return await this.run((db) => waits.releaseWait(db, waitId, time));
	}

	async expireClaimedWait(id: string, at: Timestamp): Promise<WaitRecord | null> {
		const waitId = requireId('id', id);
		const time = requireTimestamp('at', at);
		return await this.run((db) => waits.expireClaimedWait(db, waitId, time));
	}

	async settleWait(id: string): Promise<boolean> {
		const waitId = requireId('id', id);
		return await this.run((db) => waits.settleWait(db, waitId));
	}

	async cancelWaits(input: CancelWaitsInput): Promise<LiveWaitRecord[]> {
		const selection = waitSelectionOf(input);
		if (selection.keys === null && selection.sequence === null) {
			throw new StoreInputError(
				'contact',
				describeValue(input.contact),
				'is missing, and so is sequence',
				'Pass the contact whose waits to cancel, the sequence, or both.',
			);
		}
		const at = requireTimestamp('at', input.at);
		return await this.run((db) => waits.cancelWaits(db, selection, at));
	}

	async listWaits(input: ListWaitsInput): Promise<PendingWait[]> {
		const listing: waits.WaitListing = {
			...waitSelectionOf(input),
			at: requireTimestamp('at', input.at),
			limit: requireCount('limit', input.limit, MAX_LISTED_WAITS),
		};
		return await this.run((db) => waits.listWaits(db, listing));
	}

	async countFollowUp(input: FollowUpCountInput): Promise<FollowUpCountResult> {
		const count: waits.FollowUpCount = {
			account: requireId('account', input.account),
			keys: requireContact('contact', input.contact),
			sequence: requireId('sequence', input.sequence),
			max: requireCount('max', input.max, MAX_FOLLOW_UPS),
			resetOnReply: optionalBoolean('resetOnReply', input.resetOnReply),
			at: requireTimestamp('at', input.at),
		};
		return await this.atomic((db) => waits.countFollowUp(db, count));
	}

	async expireWaits(now: Timestamp): Promise<number> {
		const time = requireTimestamp('now', now);
		return await this.run((db) => waits.expireWaits(db, time));
	}

	async markSeen(key: string, at: Timestamp): Promise<boolean> {
		const eventKey = requireId('key', key, 512);
		const time = requireTimestamp('at', at);
		return await this.run((db) => dedup.markSeen(db, eventKey, time));
	}

	async pruneSeen(olderThan: Timestamp): Promise<number> {
		const cutoff = requireTimestamp('olderThan', olderThan);
		return await this.run((db) => dedup.pruneSeen(db, cutoff));
	}

	async upsertRoute(input: RouteInput): Promise<RouteRecord> {
		const route = routeOfInput(input);
		return await this.run((db) => routes.upsertRoute(db, route));
	}

	async removeRoute(account: string, routeId: string): Promise<boolean> {
		const validAccount = requireId('account', account);
		const id = requireId('routeId', routeId);
		return await this.run((db) => routes.removeRoute(db, validAccount, id));
	}

	async listRoutes(account: string): Promise<RouteRecord[]> {
		const validAccount = requireId('account', account);
		return await this.run((db) => routes.listRoutes(db, validAccount));
	}

	async claimCallbackHolder(claim: CallbackClaim): Promise<CallbackClaimResult> {
		const account = requireId('account', claim.account);
		const scope = requireId('scope', claim.scope);
		const routeId = requireId('routeId', claim.routeId);
		const at = requireTimestamp('at', claim.at);
		return await this.run((db) => routes.claimCallbackHolder(db, account, scope, routeId, at));
	}

	async getCallbackHolder(account: string, scope: string): Promise<CallbackHolder | null> {
		const validAccount = requireId('account', account);
		const validScope = requireId('scope', scope);
		return await this.run((db) => routes.getCallbackHolder(db, validAccount, validScope));
	}

	async releaseCallbackHolder(release: CallbackRelease): Promise<CallbackReleaseResult> {
		const account = requireId('account', release.account);
		const scope = requireId('scope', release.scope);
		const routeId = requireId('routeId', release.routeId);
		const successor = optionalId('successor', release.successor);
		const at = requireTimestamp('at', release.at);
		return await this.atomic((db) =>
			routes.releaseCallbackHolder(db, account, scope, routeId, successor, at),
		);
	}

	async markForwarded(eventKey: string, routeId: string, at: Timestamp): Promise<boolean> {
		const key = requireId('eventKey', eventKey, 512);
		const id = requireId('routeId', routeId);
		const time = requireTimestamp('at', at);
		return await this.run((db) => forwards.markForwarded(db, key, id, time));
	}

	async forwardedRoutes(eventKey: string): Promise<Set<string>> {
		const key = requireId('eventKey', eventKey, 512);
		return await this.run((db) => forwards.forwardedRoutes(db, key));
	}

	async savePendingForwards(
		eventKey: string,
		payload: string,
		at: Timestamp,
		contact: PendingForwardsContact | null,
	): Promise<void> {
		const key = requireId('eventKey', eventKey, 512);
		if (typeof payload !== 'string' || payload === '') {
			throw new StoreInputError(
				'payload',
				describeValue(payload),
				'is not a non-empty string',
				'Pass the routed event as JSON text.',
			);
		}
		const time = requireTimestamp('at', at);
		const ids = contact && {
			waId: optionalId('contact.waId', contact.waId),
			userId: optionalId('contact.userId', contact.userId),
		};
		await this.run((db) => forwards.savePendingForwards(db, key, payload, time, ids));
	}

	async pendingForwards(eventKey: string): Promise<string | null> {
		const key = requireId('eventKey', eventKey, 512);
		return await this.run((db) => forwards.pendingForwards(db, key));
	}

	async deletePendingForwards(eventKey: string): Promise<boolean> {
		const key = requireId('eventKey', eventKey, 512);
		return await this.run((db) => forwards.deletePendingForwards(db, key));
	}

	async reserveSendSlots(request: SendSlotsRequest): Promise<number> {
		const account = requireId('account', request.account);
		const phoneNumberId = requireId('phoneNumberId', request.phoneNumberId);
		const count = requireCount('count', request.count, MAX_SEND_SLOTS);
		// Rounded up: a number shared at its cap must never be paced faster than the cap.
		const intervalUs = Math.ceil(requireInterval(request.intervalMs) * 1000);
		const nowUs = requireTimestamp('now', request.now) * 1000;
		const firstUs = await this.run((db) =>
			sendBudgets.reserveSlots(db, { account, phoneNumberId, count, intervalUs, nowUs }),
		);
		return firstUs / 1000;
	}

	async pauseSending(account: string, phoneNumberId: string, until: Timestamp): Promise<void> {
		const accountId = requireId('account', account);
		const numberId = requireId('phoneNumberId', phoneNumberId);
		const untilUs = requireTimestamp('until', until) * 1000;
		await this.run((db) => sendBudgets.pauseSlots(db, accountId, numberId, untilUs));
	}

	async startHandover(input: StartHandoverInput): Promise<HandoverRecord> {
		const at = requireTimestamp('at', input.at);
		const until =
			input.until === undefined || input.until === null
				? null
				: requireTimestamp('until', input.until);
		if (until !== null && until <= at) {
			throw new StoreInputError(
				'until',
				describeValue(input.until),
				'is not after the start',
				'Pass a time in the future, or leave it empty to pause until the handover is released.',
			);
		}
		const handover: handovers.NewHandover = {
			account: requireId('account', input.account),
			keys: requireContact('contact', input.contact),
			until,
			reason: optionalText('reason', input.reason, 1024),
			by: optionalText('by', input.by, 256),
			at,
		};
		return await this.atomic((db) => handovers.startHandover(db, handover));
	}

	async endHandover(account: string, contact: ContactRef): Promise<boolean> {
		const validAccount = requireId('account', account);
		const keys = requireContact('contact', contact);
		return await this.run((db) => handovers.endHandover(db, validAccount, keys));
	}

	async getHandover(
		account: string,
		contact: ContactRef,
		at: Timestamp,
	): Promise<HandoverRecord | null> {
		const validAccount = requireId('account', account);
		const keys = requireContact('contact', contact);
		const time = requireTimestamp('at', at);
		return await this.run((db) => handovers.getHandover(db, validAccount, keys, time));
	}

	async logOutbound(input: OutboundMessageInput): Promise<boolean> {
		const message = outboundMessageOf('', input);
		return await this.run((db) => outbound.logOutbound(db, message));
	}

	async logOutboundMany(inputs: readonly OutboundMessageInput[]): Promise<boolean[]> {
		if (!Array.isArray(inputs) || inputs.length > OUTBOUND_BATCH_LIMIT) {
			throw new StoreInputError(
				'messages',
				describeValue(inputs),
				`is not a list of at most ${OUTBOUND_BATCH_LIMIT} messages`,
				`Pass the accepted messages as an array, at most ${OUTBOUND_BATCH_LIMIT} per call.`,
			);
		}
		const messages = inputs.map((input, index) => outboundMessageOf(`messages[${index}].`, input));
		if (messages.length === 0) return [];
		return await this.atomic((db) => outbound.logOutboundMany(db, messages));
	}

	async recordOutboundStatus(input: OutboundStatusInput): Promise<boolean> {
		const status: outbound.OutboundStatus = {
			wamid: requireId('wamid', input.wamid),
			status: requireId('status', input.status, 64),
			at: requireTimestamp('at', input.at),
			errorCode: optionalInteger('errorCode', input.errorCode),
			errorTitle: optionalText('errorTitle', input.errorTitle, 4096),
		};
		return await this.run((db) => outbound.recordOutboundStatus(db, status));
	}

	async getOutbound(wamid: string): Promise<OutboundRecord | null> {
		const id = requireId('wamid', wamid);
		return await this.run((db) => outbound.getOutbound(db, id));
	}

	async recordReply(input: ReplyInput): Promise<number> {
		const account = requireId('account', input.account);
		const phoneNumberId = requireId('phoneNumberId', input.phoneNumberId);
		const keys = requireContact('contact', input.contact);
		const at = requireTimestamp('at', input.at);
		return await this.run((db) => outbound.recordReply(db, account, phoneNumberId, keys, at));
	}

	async campaignReport(query: ReportQuery): Promise<CampaignReportCounts> {
		const selection = reportSelectionOf(query);
		return await this.run((db) => reports.campaignReport(db, selection));
	}

	async reportRecipients(query: RecipientListQuery): Promise<ReportRecipient[]> {
		const list: reports.RecipientList = {
			...reportSelectionOf(query),
			filter: requireOneOf('filter', query.filter, RECIPIENT_FILTERS),
			unreadForMs:
				query.unreadForMs === undefined ? 0 : requireWindow('unreadForMs', query.unreadForMs),
			now: requireTimestamp('now', query.now),
			limit: requireCount('limit', query.limit, MAX_REPORT_RECIPIENTS),
			offset:
				query.offset === undefined || query.offset === 0
					? 0
					: requireCount('offset', query.offset, Number.MAX_SAFE_INTEGER),
		};
		if (list.filter === 'deliveredNotRead' && query.unreadForMs === undefined) {
			throw new StoreInputError(
				'unreadForMs',
				'nothing',
				'is missing',
				'Pass how long a message must have been delivered and unread, in ms.',
			);
		}
		return await this.run((db) => reports.reportRecipients(db, list));
	}

	async appendAiMessages(input: AppendAiMessagesInput): Promise<AiConversationRef> {
		const messages = Array.isArray(input.messages) ? input.messages : [];
		if (messages.length === 0 || messages.length > AI_APPEND_LIMIT) {
			throw new StoreInputError(
				'messages',
				describeValue(input.messages),
				`must hold 1 to ${AI_APPEND_LIMIT} messages`,
				'Pass the new messages of this turn as an array of {role, content, at}.',
			);
		}
		const append: ai.AiAppend = {
			assistant: requireId('assistant', input.assistant),
			customer: normaliseRecipient('customer', input.customer),
			messages: messages.map((message, index) => ({
				role: requireOneOf(`messages[${index}].role`, message?.role, AI_ROLES),
				content: requireText(`messages[${index}].content`, message?.content),
				at: requireTimestamp(`messages[${index}].at`, message?.at),
			})),
			maxMessages:
				input.maxMessages === undefined
					? DEFAULT_AI_MAX_MESSAGES
					: requireCount('maxMessages', input.maxMessages, AI_MAX_MESSAGES_LIMIT),
		};
		return await this.atomic((db) => ai.appendAiMessages(db, append));
	}

	async getAiHistory(query: AiHistoryQuery): Promise<AiHistory> {
		const assistant = requireId('assistant', query.assistant);
		const customer = normaliseRecipient('customer', query.customer);
		const limit = requireCount('limit', query.limit, AI_MAX_MESSAGES_LIMIT);
		const notBefore = optionalTimestamp('notBefore', query.notBefore);
		return await this.run((db) => ai.getAiHistory(db, assistant, customer, limit, notBefore));
	}

	async pruneAiHistory(olderThan: Timestamp, conversation?: AiConversationKey): Promise<number> {
		const cutoff = requireTimestamp('olderThan', olderThan);
		const scope =
			conversation === undefined
				? null
				: {
						assistant: requireId('assistant', conversation.assistant),
						customer: normaliseRecipient('customer', conversation.customer),
					};
		return await this.atomic((db) => ai.pruneAiHistory(db, cutoff, scope));
	}

	async housekeeping(
		now: Timestamp,
		options: HousekeepingOptions = {},
	): Promise<HousekeepingResult> {
		const time = requireTimestamp('now', now);
		const retention = options.retention === undefined ? null : retentionOf(options.retention);
		if (retention !== null && !this.retentionTasks.has(retention.account)) {
			await this.run((db) => ensureRetentionTask(db, retention.account));
			this.retentionTasks.add(retention.account);
		}
		const claimed = await this.run((db) => claimHousekeeping(db, time, retention?.account ?? null));
		const result: HousekeepingResult =
			claimed.store === null
				? { ran: false }
				: await this.storeWideHousekeeping(time, claimed.store);
		if (retention !== null) {
			result.retention =
				claimed.retention === null
					? { ran: false }
					: {
							ran: true,
							account: retention.account,
							nextDueAt: new Date(claimed.retention),
							...(await applyRetention(
								(fn, atomic) => (atomic ? this.atomic(fn) : this.run(fn)),
								retention,
								time,
							)),
						};
		}
		return result;
	}

	private async storeWideHousekeeping(time: number, nextDueAt: number) {
		// One statement at a time, none in a shared transaction: webhooks keep flowing between them.
		const expiredWaits = await this.run((db) => waits.expireWaits(db, time));
		const recovered = await this.run((db) =>
			waits.recoverAbandonedHandOffs(db, time - ABANDONED_HAND_OFF_MS, time),
		);
		const deletedWaits = await this.run((db) =>
			waits.deleteResolvedWaits(db, time - RESOLVED_WAIT_RETENTION_MS),
		);
		// Forward marks count with the dedup keys: both say "this event was already handled".
		const deletedSeenKeys =
			(await this.run((db) => dedup.pruneSeen(db, time - dedup.DEFAULT_DEDUP_RETENTION_MS))) +
			(await this.run((db) =>
				forwards.pruneForwarded(db, time - dedup.DEFAULT_DEDUP_RETENTION_MS),
			)) +
			(await this.run((db) =>
				forwards.prunePendingForwards(db, time - dedup.DEFAULT_DEDUP_RETENTION_MS),
			));
		return {
			ran: true as const,
			nextDueAt: new Date(nextDueAt),
			expiredWaits,
			releasedClaims: recovered.released,
			settledHandOffs: recovered.settled,
			deletedWaits,
			deletedSeenKeys,
		};
	}

	async eraseContact(
		account: string,
		contact: ContactRef,
		options: EraseOptions = {},
	): Promise<EraseSummary> {
		const request: EraseRequest = {
			account: requireId('account', account),
			keys: requireContact('contact', contact),
			aiCustomers: aiCustomersOf(options.aiCustomers),
			now: Date.now(),
		};
		return await this.atomic((db) => eraseContact(db, request));
	}

	async useSuppressionKey(account: string, key: SuppressionKey): Promise<SuppressionKeyReport> {
		const validAccount = requireId('account', account);
		if (!Buffer.isBuffer(key?.key) || key.key.length < 32 || typeof key.fingerprint !== 'string') {
			throw new StoreInputError(
				'key',
				'a value that is not a suppression key',
				'is not a key from deriveSuppressionKey',
				'Derive it with deriveSuppressionKey(credential fields).',
			);
		}
		if (this.suppressionKeys.get(validAccount)?.fingerprint === key.fingerprint) {
			return { rekeyed: 0, otherKeyRecords: 0 };
		}
		this.suppressionKeys.set(validAccount, key);
		return await this.atomic((db) => rekeySuppressions(db, validAccount, key));
	}

	async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
		if (this.session) return await fn(this);
		return await this.sql.transaction((session) =>
			fn(new SqlStore(this.sql, this.onClose, session, this.suppressionKeys, this.retentionTasks)),
		);
	}

	async close(): Promise<void> {
		if (this.session) {
			throw new Error(
				'close() was called on a transaction handle. Close the store itself after the transaction.',
			);
		}
		this.onClose();
		await this.sql.close();
	}

	private db(session: SqlSession): Db {
		return {
			session,
			dialect: this.sql.dialect,
			tables: this.tables,
			suppressionKeyOf: (account) => this.suppressionKeys.get(account) ?? null,
		};
	}

	private async run<T>(fn: (db: Db) => Promise<T>): Promise<T> {
		if (this.session) return await fn(this.db(this.session));
		return await this.sql.run((session) => fn(this.db(session)));
	}

	private async atomic<T>(fn: (db: Db) => Promise<T>): Promise<T> {
		if (this.session) return await fn(this.db(this.session));
		return await this.sql.transaction((session) => fn(this.db(session)), { retryOnConflict: true });
	}
}

/** The largest cap of a sequence, and a wait's highest follow-up number. */
const MAX_FOLLOW_UPS = 1000;
/** The most waits one List Waits query returns. */
const MAX_LISTED_WAITS = 10_000;

function waitSelectionOf(input: WaitSelectionInput): waits.WaitSelection {
	return {
		account: requireId('account', input.account),
		phoneNumberId: optionalId('phoneNumberId', input.phoneNumberId),
		keys: input.contact === undefined ? null : requireContact('contact', input.contact),
		sequence: optionalId('sequence', input.sequence),
	};
}
