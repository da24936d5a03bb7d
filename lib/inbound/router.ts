/**
 * The trigger Meta called, after processDelivery recorded the delivery's events once: which
 * published triggers (routes) receive each event (lib/core/routing.ts), the ones this trigger
 * emits itself, and signed forwards to the others. A route is served once: the forward ledger
 * marks it, and a redelivery (the events already recorded) finishes only the forwards still
 * missing, from the routed events kept in the store until every route got them.
 */
import {
	chooseRoutes,
	compileRoute,
	type CompiledRoute,
	type HandoverInfo,
	type Route,
	type RouteChoice,
	type RoutingContext,
} from '../core/routing';
import { NEW_ROUTE_SETTLING_MS } from '../core/timeouts';
import { contactIdsOf, eventDedupKey } from '../core/webhookEvents';
import type { RouteRecord, Store } from '../store';
import type { DeliveryOutcome, InboundLog } from './delivery';
import {
	parseForwardedEvents,
	signForward,
	type ForwardedEvent,
	type SignedForward,
} from './forward';
import { itemsForEvent, type TriggerItem } from './items';
import { routedEventOf } from './routedEvent';
import type { TriggerSettings } from './settings';

/** A route's registration mode while it only listens for a test event in the editor. */
export const TEST_ROUTE_MODE = 'test';

export interface RouterPorts {
	store: Store;
	account: string;
	/** Forward key (lib/inbound/forward.ts); null: nothing can be forwarded. */
	key: Buffer | null;
	/** POSTs a forward; resolves the status, rejects when no answer came in time. */
	post(url: string, forward: SignedForward): Promise<number>;
	log: InboundLog;
	now(): number;
}

export interface RoutingResult {
	/** The events this trigger's own workflow receives. */
	own: ForwardedEvent[];
	/** Why Meta must deliver again (a chosen route was not reached); null when all were served. */
	retryReason: string | null;
	forwarded: number;
}

/**
 * Routes one delivery. `self` is the receiving trigger as a route (from its current settings,
 * so it counts even before its route is stored); `routes` the account's published routes.
 */
export async function routeDelivery(
	delivery: Pick<DeliveryOutcome, 'recorded' | 'duplicates'>,
	self: Route,
	routes: readonly RouteRecord[],
	ports: RouterPorts,
): Promise<RoutingResult> {
	const { store, account, log } = ports;
	const result: RoutingResult = { own: [], retryReason: null, forwarded: 0 };
	const published = compileAll(
		routes.filter((route) => route.registrationMode !== TEST_ROUTE_MODE && route.id !== self.id),
		log,
	);
	published.push(compileRoute(self));
	// Routes listening for a test event get what their filters match, without competing.
	const listening = compileAll(
		routes
			.filter((route) => route.registrationMode === TEST_ROUTE_MODE && route.id !== self.id)
			.map((route) => ({ ...route, role: 'every' as const })),
		log,
	);
	const urls = new Map(routes.map((route) => [route.id, route.webhookUrl]));
	const refreshedAt = new Map(routes.map((route) => [route.id, route.refreshedAt.getTime()]));
	const isTest = new Set(listening.map(({ route }) => route.id));

	/** Per route, the events to forward to it. */
	const outgoing = new Map<string, ForwardedEvent[]>();
	const send = (forwarded: ForwardedEvent) => {
		const list = outgoing.get(forwarded.routing.routeId) ?? [];
		list.push(forwarded);
		outgoing.set(forwarded.routing.routeId, list);
	};
	/** Event key → the routed events of that key still to be served (for deleting the copy). */
	const pendingKeys = new Set<string>();

	for (const { facts, consumedByWait } of delivery.recorded) {
		const eventKey = eventDedupKey(facts.event);
		const context: RoutingContext = { consumedByWait, handover: null };
		if (facts.event.event === 'message' || facts.event.event === 'system') {
			const handover = await store
				.getHandover(account, facts.event.contact, ports.now())
				.catch((error: unknown) => {
					log.warn('The contact’s handover could not be read; routing as if none', {
						event: eventKey,
						reason: describe(error),
					});
					return null;
				});
			context.handover = handover;
		}
		const routed = routedEventOf(facts);
		const choices = [
			...chooseRoutes(routed, published, context),
			...chooseRoutes(routed, listening, context),
		];
		const events = choices.map((routing): ForwardedEvent => ({ eventKey, facts, routing }));
		// The receiving trigger is never in the saved copy: its own run starts now, whatever happens.
		const forwards = events.filter(({ routing }) => routing.routeId !== self.id);
		if (forwards.some(({ routing }) => !isTest.has(routing.routeId))) {
			// Before the first forward: a redelivery after a crash or a failed forward finds it.
			await store.savePendingForwards(
				eventKey,
				JSON.stringify(forwards.filter(({ routing }) => !isTest.has(routing.routeId))),
				ports.now(),
				contactIdsOf(facts.event),
			);
			pendingKeys.add(eventKey);
		}
		for (const forwarded of events) {
			if (forwarded.routing.routeId === self.id) result.own.push(forwarded);
			else send(forwarded);
		}
	}

	for (const event of delivery.duplicates) {
		const eventKey = eventDedupKey(event);
		const saved = await store.pendingForwards(eventKey);
		if (saved === null) continue;
		const served = await store.forwardedRoutes(eventKey);
		pendingKeys.add(eventKey);
		for (const forwarded of parseForwardedEvents(saved)) {
			const routeId = forwarded.routing.routeId;
			if (served.has(routeId)) continue;
			if (routeId === self.id) {
				// The earlier delivery reached another trigger, which could not forward it here.
				if (await store.markForwarded(eventKey, routeId, ports.now())) result.own.push(forwarded);
			} else if (urls.has(routeId)) send(forwarded);
			else {
				log.warn('A route chosen for an event was unpublished before it got it', {
					event: eventKey,
					route: routeId,
				});
			}
		}
	}

	const failures = await Promise.all(
		[...outgoing].map(async ([routeId, events]) => {
			const url = urls.get(routeId);
			if (url === undefined) return null;
			const settling = ports.now() - (refreshedAt.get(routeId) ?? 0) < NEW_ROUTE_SETTLING_MS;
			const problem = await forwardTo(url, routeId, events, ports, settling);
			if (problem === null) {
				result.forwarded += events.length;
				return null;
			}
			if (isTest.has(routeId)) {
				log.warn('An event could not be forwarded to a trigger listening for a test event', {
					route: routeId,
					reason: problem.reason,
				});
				return null;
			}
			if (!problem.retry) {
				log.warn(
					'A trigger workflow refused a forwarded WhatsApp event; it is not retried (is it published with the same credential?)',
					{ route: routeId, reason: problem.reason },
				);
				return null;
			}
			return `route ${routeId} could not be reached (${problem.reason})`;
		}),
	);
	const unreachable = failures.filter((failure): failure is string => failure !== null);
	if (unreachable.length > 0) result.retryReason = unreachable.join('; ');

	// A copy is only needed while some route still misses the event.
	for (const eventKey of pendingKeys) {
		const saved = await store.pendingForwards(eventKey);
		if (saved === null) continue;
		const served = await store.forwardedRoutes(eventKey);
		const missing = parseForwardedEvents(saved).filter(
			({ routing }) => !served.has(routing.routeId) && urls.has(routing.routeId),
		);
		if (missing.length === 0) await store.deletePendingForwards(eventKey);
	}
	return result;
}

/** Null when the route took the events; else why, and whether Meta's redelivery may help. */
async function forwardTo(
	url: string,
	routeId: string,
	events: ForwardedEvent[],
	ports: RouterPorts,
	/** Published moments ago: n8n may not serve its URL yet, so a 404 is worth a redelivery. */
	settling: boolean,
): Promise<{ reason: string; retry: boolean } | null> {
	if (ports.key === null) {
		return { reason: 'the credential has no secret to sign forwards with', retry: false };
	}
	let status: number;
	try {
		status = await ports.post(url, signForward({ v: 1, routeId, events }, ports.key, ports.now()));
	} catch (error) {
		return { reason: describe(error), retry: true };
	}
	if (status >= 200 && status < 300) {
		for (const { eventKey } of events) {
			await ports.store.markForwarded(eventKey, routeId, ports.now());
		}
		return null;
	}
	// No answer, a busy or failing n8n: worth a redelivery. A refusal (401, 404: another
	// credential, a workflow gone) would refuse again, and would hold every delivery up; except
	// a 404 just after publishing, while n8n is still registering the route's URL.
	if (status === 404 && settling) {
		return {
			reason: 'HTTP 404 (published moments ago: n8n does not serve its URL yet)',
			retry: true,
		};
	}
	const retry = status >= 500 || status === 408 || status === 429;
	return { reason: `HTTP ${status}`, retry };
}

function compileAll(routes: readonly Route[], log: InboundLog): CompiledRoute[] {
	const compiled: CompiledRoute[] = [];
	for (const route of routes) {
		try {
			compiled.push(compileRoute(route));
		} catch (error) {
			log.warn('A published trigger route cannot be used; it receives nothing', {
				route: route.id,
				reason: describe(error),
			});
		}
	}
	return compiled;
}

/**
 * The items of the events a route receives, built with the route's own settings: only the
 * trigger events its choice names, each with `routing: {role, rule, keyword?, …}`.
 */
export function itemsForRoutedEvents(
	events: readonly ForwardedEvent[],
	settings: TriggerSettings,
): TriggerItem[] {
	const items: TriggerItem[] = [];
	for (const { facts, routing } of events) {
		const wanted = new Set<string>(routing.events);
		for (const item of itemsForEvent(facts, settings)) {
			const event = String(item.json.event);
			if (!wanted.has(event)) continue;
			// Message items say whether a person has the conversation (only every-event routes get those).
			const handover = isMessageItem(event) ? { handover: handoverJson(routing.handover) } : {};
			items.push({ ...item, json: { ...item.json, routing: routingJson(routing), ...handover } });
		}
	}
	return items;
}

function routingJson(choice: RouteChoice): Record<string, unknown> {
	return {
		role: choice.role,
		rule: choice.rule,
		...(choice.keyword === undefined ? {} : { keyword: choice.keyword }),
		consumedReply: choice.consumedReply === true,
		duringHandover: choice.duringHandover === true,
	};
}

function isMessageItem(event: string): boolean {
	return event === 'messageReceived' || event === 'conversationStarted';
}

function handoverJson(handover: HandoverInfo | undefined): Record<string, unknown> | null {
	return handover === undefined
		? null
		: { since: handover.since, until: handover.until, reason: handover.reason };
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
