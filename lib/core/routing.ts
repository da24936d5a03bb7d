/**
 * Many trigger workflows on one WhatsApp number: which of them receive one event. Each published
 * trigger is a route with a role and the trigger's own filters; the decision is a pure function of
 * the event, the routes and two facts from the store (did a waiting Follow-up Wait consume this
 * reply, is the contact handed over to a person). The rules, as docs/nodes/trigger.md ("Many
 * workflows on one number") tells users:
 *
 * - *every*: receives whatever its filters match, also replies a wait consumed and messages
 *   during a handover (a logger, a CRM sync, a helpdesk forwarder);
 * - *keyword*: keyword routes compete for a message; of those whose filters (keyword included)
 *   match, exactly one wins: the most specific match mode (exact > startsWith > contains = regex),
 *   then the higher priority, then the longer matched keyword, then the smaller route id;
 * - *fallback*: every fallback route whose filters match receives a message no keyword route won,
 *   that no waiting Follow-up Wait consumed (unless `receiveConsumedReplies`), from a contact not
 *   handed over. Fallback routes never compete with each other.
 *
 * Roles decide messages only. Statuses and consent changes go to every route whose filters ask
 * for them (Message Status, Consent Changed), whatever its role, during a handover too: they start
 * no conversation, and a Consent Changed run is how workflows learn of an opt-out. Account-level
 * events (template status, quality, account updates) go to every route that chose them, whatever
 * its Phone Number IDs: they belong to the whole account. A keyword
 * route receives a reply a wait consumed (the customer typed the campaign's keyword on purpose),
 * flagged `consumedReply`; it never receives a handed-over contact's messages.
 */
import type { AccountTriggerEvent } from './accountEvents';
import {
	compileKeywordFilter,
	matchMessage,
	passesNumberFilter,
	passesStatusFilter,
	TRIGGER_EVENTS,
	wantsAccountEvent,
	wantsConsentChange,
	type EventFilters,
	type MessageFacts,
	type TriggerEvent,
} from './eventFilters';
import { KEYWORD_MATCH_MODES, type KeywordMatchMode } from './keywords';

export const ROUTE_ROLES = ['every', 'keyword', 'fallback'] as const;
export type RouteRole = (typeof ROUTE_ROLES)[number];

/** The trigger's filters as plain JSON data, as the store keeps them (empty lists: all). */
export interface RouteFilters {
	events: TriggerEvent[];
	phoneNumberIds: string[];
	messageTypes: string[];
	statuses: string[];
	keywords: string[];
	keywordMatch: KeywordMatchMode;
	onlyFirstEver: boolean;
}

export interface Route {
	/** Unique per account, e.g. `<workflowId>/<nodeId>`; the last tie-break between keyword routes. */
	id: string;
	role: RouteRole;
	/** Higher wins between keyword routes of equally specific match modes. Default 0. */
	priority: number;
	filters: RouteFilters;
	/** Fallback only: also receive replies a waiting Follow-up Wait consumed. */
	receiveConsumedReplies: boolean;
}

/** What the decision needs to know of one recorded event. */
export type RoutedEvent =
	| ({
			kind: 'message';
			phoneNumberId: string | null;
			/** An applied consent change this message caused (STOP, an opt-in answer…). */
			consentChanged: boolean;
	  } & MessageFacts)
	| { kind: 'status'; phoneNumberId: string | null; status: string; consentChanged: boolean }
	/** WhatsApp's in-app marketing stop/resume: only ever a consent change. */
	| { kind: 'preference'; phoneNumberId: string | null; consentChanged: boolean }
	/** What Meta says about the account (templates, quality, restrictions): no contact, no number. */
	| { kind: 'account'; triggerEvent: AccountTriggerEvent };

export interface HandoverState {
	active: boolean;
	since: Date;
	/** Null: until released. */
	until: Date | null;
	/** Why, as the handover operation was told. */
	reason?: string | null;
}

export interface RoutingContext {
	/** A waiting Follow-up Wait took this reply (its execution resumes with it). */
	consumedByWait: boolean;
	/** The contact's handover to a person, if any (active or not). */
	handover: HandoverState | null;
}

/** Why a route receives the event: its role's rule (`every` also for statuses and consent). */
export type RoutingRule = RouteRole;

export interface RouteChoice {
	routeId: string;
	role: RouteRole;
	rule: RoutingRule;
	/** The trigger events this route emits items for, in the trigger's order. */
	events: TriggerEvent[];
	/** The keyword that matched (keyword filter of any role). */
	keyword?: string;
	/** The message is a reply a waiting Follow-up Wait consumed. */
	consumedReply?: true;
	/** The contact is handed over to a person. */
	duringHandover?: true;
	/** The active handover, for the items (ISO times: the choice travels as JSON in forwards). */
	handover?: HandoverInfo;
}

export interface HandoverInfo {
	since: string;
	until: string | null;
	reason: string | null;
}

/** Keyword match modes from most to least specific; contains and regex are equal. */
const SPECIFICITY: Record<KeywordMatchMode, number> = {
	exact: 3,
	startsWith: 2,
	contains: 1,
	regex: 1,
};

/**
 * A trigger left at its defaults keeps what it receives today when it is the only one: a
 * trigger with keywords receives only matching messages (a keyword route always wins alone),
 * one without receives every message except replies a Follow-up Wait consumed.
 */
export function defaultRouteRole(filters: Pick<RouteFilters, 'keywords'>): RouteRole {
	return filters.keywords.length > 0 ? 'keyword' : 'fallback';
}

/** Plain-data filters of a trigger's resolved settings, for the store. */
export function routeFiltersOf(filters: EventFilters): RouteFilters {
	return {
		events: TRIGGER_EVENTS.filter((event) => filters.events.has(event)),
		phoneNumberIds: [...filters.phoneNumberIds],
		messageTypes: [...filters.messageTypes],
		statuses: [...filters.statuses],
		keywords: filters.keywordFilter?.keywords.map(({ keyword }) => keyword) ?? [],
		keywordMatch: filters.keywordFilter?.mode ?? 'exact',
		onlyFirstEver: filters.onlyFirstEver,
	};
}

/**
 * Checks a route read from the store (another version may have written it) and compiles its
 * filters. Throws an Error naming the route and the field.
 */
export function compileRoute(route: Route): CompiledRoute {
	const fail = (field: string, problem: string): never => {
		throw new Error(`Route ${JSON.stringify(route.id)}: ${field} ${problem}`);
	};
	if (!(ROUTE_ROLES as readonly string[]).includes(route.role)) {
		fail('role', `${JSON.stringify(route.role)} is not one of ${ROUTE_ROLES.join(', ')}`);
	}
	if (!Number.isFinite(route.priority)) fail('priority', 'is not a number');
	const { filters } = route;
	for (const list of [
		'events',
		'phoneNumberIds',
		'messageTypes',
		'statuses',
		'keywords',
	] as const) {
		const value: unknown = filters[list];
		if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
			fail(list, 'is not a list of strings');
		}
	}
	const unknownEvent = filters.events.find((event) => !TRIGGER_EVENTS.includes(event));
	if (unknownEvent !== undefined) {
		fail('events', `${JSON.stringify(unknownEvent)} is not one of ${TRIGGER_EVENTS.join(', ')}`);
	}
	if (typeof filters.onlyFirstEver !== 'boolean') fail('onlyFirstEver', 'is not true or false');
	if (!KEYWORD_MATCH_MODES.includes(filters.keywordMatch)) {
		fail('keywordMatch', `${JSON.stringify(filters.keywordMatch)} is not a match mode`);
	}
	if (route.role === 'keyword' && filters.keywords.length === 0) {
		fail('keywords', 'is empty: a keyword route needs at least one keyword');
	}
	let keywordFilter: EventFilters['keywordFilter'];
	try {
		keywordFilter = compileKeywordFilter(filters.keywords, filters.keywordMatch);
	} catch (error) {
		return fail('keywords', (error as Error).message);
	}
	return {
		route,
		filters: {
			events: new Set(filters.events),
			onlyFirstEver: filters.onlyFirstEver,
			statuses: new Set(filters.statuses),
			phoneNumberIds: new Set(filters.phoneNumberIds),
			messageTypes: new Set(filters.messageTypes),
			keywordFilter,
		},
	};
}

export interface CompiledRoute {
	route: Route;
	filters: EventFilters;
}

/**
 * The routes that receive this event, each once, sorted by route id (the same answer for the
 * same routes in any order). Pass routes as compiled once per delivery (compileRoute).
 */
export function chooseRoutes(
	event: RoutedEvent,
	routes: readonly CompiledRoute[],
	context: RoutingContext,
): RouteChoice[] {
	const handover = context.handover?.active === true ? context.handover : null;
	const flags = (
		forMessage: boolean,
	): Pick<RouteChoice, 'consumedReply' | 'duringHandover' | 'handover'> => ({
		...(forMessage && context.consumedByWait ? { consumedReply: true as const } : {}),
		...(handover === null ? {} : { duringHandover: true as const }),
		...(forMessage && handover !== null ? { handover: handoverInfo(handover) } : {}),
	});

	const messageMatches = new Map<string, ReturnType<typeof matchMessage>>();
	if (event.kind === 'message') {
		for (const { route, filters } of routes) {
			if (!passesNumberFilter(event.phoneNumberId, filters)) continue;
			const match = matchMessage(event, filters);
			if (match !== null) messageMatches.set(route.id, match);
		}
	}
	const keywordWinner = handover ? null : winningKeywordRoute(routes, messageMatches);
	const fallbackOpen = !handover && keywordWinner === null;

	const choices: RouteChoice[] = [];
	if (event.kind === 'account') {
		for (const { route, filters } of routes) {
			if (!wantsAccountEvent(event.triggerEvent, filters)) continue;
			choices.push({
				routeId: route.id,
				role: route.role,
				rule: 'every',
				events: [event.triggerEvent],
			});
		}
		return choices.sort((a, b) => compareIds(a.routeId, b.routeId));
	}
	for (const { route, filters } of routes) {
		if (!passesNumberFilter(event.phoneNumberId, filters)) continue;
		const events: TriggerEvent[] = [];
		let rule: RoutingRule = 'every';
		const match = messageMatches.get(route.id) ?? null;
		const receivesMessage =
			match !== null &&
			(route.role === 'every' ||
				(route.role === 'keyword' && keywordWinner?.route.id === route.id) ||
				(route.role === 'fallback' &&
					fallbackOpen &&
					(!context.consumedByWait || route.receiveConsumedReplies)));
		if (receivesMessage) {
			events.push(match.triggerEvent);
			rule = route.role;
		}
		if (event.kind === 'status' && passesStatusFilter(event.status, filters)) {
			events.push('messageStatus');
		}
		if (event.consentChanged && wantsConsentChange(filters)) events.push('consentChanged');
		if (events.length === 0) continue;
		choices.push({
			routeId: route.id,
			role: route.role,
			rule,
			events,
			...(receivesMessage && match.keyword !== null ? { keyword: match.keyword } : {}),
			...flags(receivesMessage),
		});
	}
	return choices.sort((a, b) => compareIds(a.routeId, b.routeId));
}

function handoverInfo(handover: HandoverState): HandoverInfo {
	return {
		since: handover.since.toISOString(),
		until: handover.until?.toISOString() ?? null,
		reason: handover.reason ?? null,
	};
}

/** The one keyword route that takes the message, or null when none matched. */
function winningKeywordRoute(
	routes: readonly CompiledRoute[],
	matches: ReadonlyMap<string, ReturnType<typeof matchMessage>>,
): CompiledRoute | null {
	let best: CompiledRoute | null = null;
	for (const candidate of routes) {
		if (candidate.route.role !== 'keyword' || !matches.has(candidate.route.id)) continue;
		if (best === null || outranks(candidate, best, matches)) best = candidate;
	}
	return best;
}

function outranks(
	a: CompiledRoute,
	b: CompiledRoute,
	matches: ReadonlyMap<string, ReturnType<typeof matchMessage>>,
): boolean {
	const specificity = (route: CompiledRoute) => SPECIFICITY[route.route.filters.keywordMatch];
	const keywordLength = (route: CompiledRoute) => matches.get(route.route.id)?.keyword?.length ?? 0;
	const order = [
		specificity(a) - specificity(b),
		a.route.priority - b.route.priority,
		keywordLength(a) - keywordLength(b),
		compareIds(b.route.id, a.route.id),
	];
	return (order.find((difference) => difference !== 0) ?? 0) > 0;
}

/** Code-unit order, the same in every locale. */
function compareIds(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
