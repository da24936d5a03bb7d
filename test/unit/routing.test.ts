import fc from 'fast-check';

import { matchMessage, passesNumberFilter, passesStatusFilter } from '../../lib/core/eventFilters';
import type { KeywordMatchMode } from '../../lib/core/keywords';
import {
	chooseRoutes,
	compileRoute,
	defaultRouteRole,
	routeFiltersOf,
	type CompiledRoute,
	type Route,
	type RouteFilters,
	type RoutedEvent as AnyRoutedEvent,
	type RoutingContext,
} from '../../lib/core/routing';
import { resolveTriggerSettings } from '../../lib/inbound/settings';

/** The events about a contact or a number (account-level events are tested on their own). */
type RoutedEvent = Exclude<AnyRoutedEvent, { kind: 'account' }>;

const NUMBER = '106540352242922';
const OTHER_NUMBER = '106540352242923';

function filters(overrides: Partial<RouteFilters> = {}): RouteFilters {
	return {
		events: ['messageReceived'],
		phoneNumberIds: [],
		messageTypes: [],
		statuses: [],
		keywords: [],
		keywordMatch: 'exact',
		onlyFirstEver: false,
		...overrides,
	};
}

function route(id: string, overrides: Partial<Omit<Route, 'id'>> = {}): CompiledRoute {
	return compileRoute({
		id,
		role: 'fallback',
		priority: 0,
		filters: filters(),
		receiveConsumedReplies: false,
		...overrides,
	});
}

function keywordRoute(
	id: string,
	keywords: string[],
	keywordMatch: KeywordMatchMode = 'exact',
	priority = 0,
): CompiledRoute {
	return route(id, { role: 'keyword', priority, filters: filters({ keywords, keywordMatch }) });
}

function message(text: string | null, overrides: Partial<RoutedEvent> = {}): RoutedEvent {
	return {
		kind: 'message',
		phoneNumberId: NUMBER,
		consentChanged: false,
		type: 'text',
		text,
		conversation: { isNew: false, isFirstEver: false },
		...overrides,
	} as RoutedEvent;
}

const PLAIN: RoutingContext = { consumedByWait: false, handover: null };
const CONSUMED: RoutingContext = { consumedByWait: true, handover: null };
const HANDED_OVER: RoutingContext = {
	consumedByWait: false,
	handover: { active: true, since: new Date(0), until: null },
};

const ids = (choices: Array<{ routeId: string }>) => choices.map((choice) => choice.routeId);

describe('chooseRoutes: roles', () => {
	const logger = route('logger', {
		role: 'every',
		filters: filters({ events: ['messageReceived', 'messageStatus', 'consentChanged'] }),
	});
	const promo = keywordRoute('promo', ['PROMO']);
	const support = keywordRoute('support', ['help', 'support'], 'contains');
	const bot = route('bot');
	const secondBot = route('bot-2');
	const all = [logger, promo, support, bot, secondBot];

	it.each([
		['PROMO', PLAIN, ['logger', 'promo']],
		['promo ', PLAIN, ['logger', 'promo']],
		['I need help', PLAIN, ['logger', 'support']],
		['hello', PLAIN, ['bot', 'bot-2', 'logger']],
		[null, PLAIN, ['bot', 'bot-2', 'logger']],
		['hello', CONSUMED, ['logger']],
		['PROMO', CONSUMED, ['logger', 'promo']],
		['hello', HANDED_OVER, ['logger']],
		['PROMO', HANDED_OVER, ['logger']],
	] as const)('%j with %o goes to %j', (text, context, expected) => {
		expect(ids(chooseRoutes(message(text), all, context))).toEqual(expected);
	});

	it('says which rule routed the message and which keyword matched', () => {
		expect(chooseRoutes(message('PROMO'), all, PLAIN)).toEqual([
			{ routeId: 'logger', role: 'every', rule: 'every', events: ['messageReceived'] },
			{
				routeId: 'promo',
				role: 'keyword',
				rule: 'keyword',
				events: ['messageReceived'],
				keyword: 'PROMO',
			},
		]);
		expect(chooseRoutes(message('hello'), [bot], PLAIN)).toEqual([
			{ routeId: 'bot', role: 'fallback', rule: 'fallback', events: ['messageReceived'] },
		]);
	});

	it('flags consumed replies and handovers on the routes that still receive them', () => {
		expect(chooseRoutes(message('PROMO'), all, CONSUMED)).toEqual([
			expect.objectContaining({ routeId: 'logger', consumedReply: true }),
			expect.objectContaining({ routeId: 'promo', consumedReply: true }),
		]);
		expect(chooseRoutes(message('hello'), all, HANDED_OVER)).toEqual([
			expect.objectContaining({ routeId: 'logger', duringHandover: true }),
		]);
	});

	it('gives a consumed reply to a fallback route that asks for it, never during a handover', () => {
		const listening = route('listening', { receiveConsumedReplies: true });
		expect(ids(chooseRoutes(message('hello'), [bot, listening], CONSUMED))).toEqual(['listening']);
		expect(
			chooseRoutes(message('hello'), [bot, listening], {
				...HANDED_OVER,
				consumedByWait: true,
			}),
		).toEqual([]);
	});

	it('treats an ended handover as none', () => {
		const ended: RoutingContext = {
			consumedByWait: false,
			handover: { active: false, since: new Date(0), until: new Date(1) },
		};
		expect(ids(chooseRoutes(message('hello'), all, ended))).toEqual(['bot', 'bot-2', 'logger']);
	});

	it('lets a fallback take a message whose keyword route filters it out by number or type', () => {
		const promoOnOtherNumber = route('promo', {
			role: 'keyword',
			filters: filters({ keywords: ['PROMO'], phoneNumberIds: [OTHER_NUMBER] }),
		});
		expect(ids(chooseRoutes(message('PROMO'), [promoOnOtherNumber, bot], PLAIN))).toEqual(['bot']);
		const promoImagesOnly = route('promo', {
			role: 'keyword',
			filters: filters({ keywords: ['PROMO'], messageTypes: ['image'] }),
		});
		expect(ids(chooseRoutes(message('PROMO'), [promoImagesOnly, bot], PLAIN))).toEqual(['bot']);
	});

	it('applies an every or fallback route’s own keyword filter without making it compete', () => {
		const promoLogger = route('promo-logger', {
			role: 'every',
			filters: filters({ keywords: ['PROMO'] }),
		});
		const promoFallback = route('promo-fallback', { filters: filters({ keywords: ['PROMO'] }) });
		expect(ids(chooseRoutes(message('PROMO'), [promoLogger, promoFallback], PLAIN))).toEqual([
			'promo-fallback',
			'promo-logger',
		]);
		expect(ids(chooseRoutes(message('PROMO'), [promoLogger, promoFallback, promo], PLAIN))).toEqual(
			['promo', 'promo-logger'],
		);
		expect(chooseRoutes(message('hello'), [promoLogger, promoFallback], PLAIN)).toEqual([]);
	});

	it('emits Conversation Started for a route that asks for it', () => {
		const starts = route('starts', {
			role: 'every',
			filters: filters({ events: ['conversationStarted', 'messageReceived'] }),
		});
		const firstOnly = route('first-only', {
			role: 'every',
			filters: filters({ events: ['conversationStarted'], onlyFirstEver: true }),
		});
		const newConversation = message('hi', { conversation: { isNew: true, isFirstEver: false } });
		expect(chooseRoutes(newConversation, [starts, firstOnly], PLAIN)).toEqual([
			expect.objectContaining({ routeId: 'starts', events: ['conversationStarted'] }),
		]);
	});
});

describe('chooseRoutes: keyword routes compete', () => {
	it.each([
		[
			'exact beats startsWith',
			[keywordRoute('a', ['promo'], 'startsWith'), keywordRoute('b', ['promo'])],
			'promo',
			'b',
		],
		[
			'startsWith beats contains',
			[keywordRoute('a', ['pro'], 'contains'), keywordRoute('b', ['pro'], 'startsWith')],
			'promo',
			'b',
		],
		[
			'startsWith beats regex',
			[keywordRoute('a', ['^pro'], 'regex'), keywordRoute('b', ['pro'], 'startsWith')],
			'promo',
			'b',
		],
		[
			'exact beats a higher-priority contains',
			[keywordRoute('a', ['promo'], 'contains', 10), keywordRoute('b', ['promo'])],
			'promo',
			'b',
		],
		[
			'higher priority among equals',
			[keywordRoute('a', ['promo'], 'exact', 1), keywordRoute('b', ['promo'], 'exact', 2)],
			'promo',
			'b',
		],
		[
			'contains and regex are equal: priority',
			[keywordRoute('a', ['pro'], 'contains', 1), keywordRoute('b', ['p.o'], 'regex', 2)],
			'promo',
			'b',
		],
		[
			'then the longer matched keyword',
			[keywordRoute('a', ['pro'], 'startsWith'), keywordRoute('b', ['promo'], 'startsWith')],
			'promo code',
			'b',
		],
		[
			'then the smaller route id',
			[keywordRoute('b', ['promo']), keywordRoute('a', ['promo'])],
			'promo',
			'a',
		],
	] as const)('%s', (_name, routes, text, winner) => {
		const chosen = chooseRoutes(message(text), routes, PLAIN);
		expect(ids(chosen)).toEqual([winner]);
	});
});

describe('chooseRoutes: statuses and consent changes ignore roles', () => {
	const statusAll = (id: string, role: Route['role'], keywords: string[] = []) =>
		route(id, {
			role,
			filters: filters({ events: ['messageStatus', 'consentChanged'], keywords }),
		});
	const routes = [
		statusAll('e', 'every'),
		statusAll('k', 'keyword', ['x']),
		statusAll('f', 'fallback'),
	];

	it('sends a status to every route whose filters ask for it, during a handover too', () => {
		const status: RoutedEvent = {
			kind: 'status',
			phoneNumberId: NUMBER,
			status: 'read',
			consentChanged: false,
		};
		for (const context of [PLAIN, HANDED_OVER, CONSUMED]) {
			expect(
				chooseRoutes(status, routes, context).map((c) => [c.routeId, c.rule, c.events]),
			).toEqual([
				['e', 'every', ['messageStatus']],
				['f', 'every', ['messageStatus']],
				['k', 'every', ['messageStatus']],
			]);
		}
		const onlyFailed = route('failed-only', {
			role: 'every',
			filters: filters({ events: ['messageStatus'], statuses: ['failed'] }),
		});
		expect(chooseRoutes(status, [onlyFailed], PLAIN)).toEqual([]);
	});

	it('sends an in-app preference change to every route with Consent Changed', () => {
		const preference: RoutedEvent = {
			kind: 'preference',
			phoneNumberId: NUMBER,
			consentChanged: true,
		};
		expect(ids(chooseRoutes(preference, routes, HANDED_OVER))).toEqual(['e', 'f', 'k']);
		expect(chooseRoutes({ ...preference, consentChanged: false }, routes, PLAIN)).toEqual([]);
	});

	it('sends a STOP message’s consent change to every route, the message by role', () => {
		const bot = route('bot', {
			filters: filters({ events: ['messageReceived', 'consentChanged'] }),
		});
		const promo = route('promo', {
			role: 'keyword',
			filters: filters({ events: ['messageReceived', 'consentChanged'], keywords: ['PROMO'] }),
		});
		const stop = message('STOP', { consentChanged: true });
		expect(chooseRoutes(stop, [bot, promo], PLAIN)).toEqual([
			{
				routeId: 'bot',
				role: 'fallback',
				rule: 'fallback',
				events: ['messageReceived', 'consentChanged'],
			},
			{ routeId: 'promo', role: 'keyword', rule: 'every', events: ['consentChanged'] },
		]);
		expect(chooseRoutes(stop, [bot, promo], HANDED_OVER)).toEqual([
			{
				routeId: 'bot',
				role: 'fallback',
				rule: 'every',
				events: ['consentChanged'],
				duringHandover: true,
			},
			{
				routeId: 'promo',
				role: 'keyword',
				rule: 'every',
				events: ['consentChanged'],
				duringHandover: true,
			},
		]);
	});
});

describe('chooseRoutes: account-level events', () => {
	const quality: AnyRoutedEvent = { kind: 'account', triggerEvent: 'phoneNumberQualityChanged' };

	it('go to every route that chose them, whatever its role, Phone Number IDs or a handover', () => {
		const routes = [
			route('logger', {
				role: 'every',
				filters: filters({ events: ['phoneNumberQualityChanged'] }),
			}),
			route('one-number', {
				filters: filters({
					events: ['messageReceived', 'phoneNumberQualityChanged'],
					phoneNumberIds: [OTHER_NUMBER],
				}),
			}),
			keywordRoute('promo', ['PROMO']),
			route('templates', { filters: filters({ events: ['templateStatusChanged'] }) }),
		];
		for (const context of [PLAIN, HANDED_OVER]) {
			expect(chooseRoutes(quality, routes, context)).toEqual([
				{ routeId: 'logger', role: 'every', rule: 'every', events: ['phoneNumberQualityChanged'] },
				{
					routeId: 'one-number',
					role: 'fallback',
					rule: 'every',
					events: ['phoneNumberQualityChanged'],
				},
			]);
		}
		expect(
			chooseRoutes({ kind: 'account', triggerEvent: 'templateStatusChanged' }, routes, PLAIN).map(
				(choice) => choice.routeId,
			),
		).toEqual(['templates']);
	});

	it('reach no route that did not choose them (they are off by default)', () => {
		expect(chooseRoutes(quality, [route('default'), keywordRoute('k', ['HI'])], PLAIN)).toEqual([]);
	});
});

describe('defaults keep one trigger working as before an upgrade', () => {
	const parameters = [
		{ events: ['messageReceived'] },
		{ events: ['messageReceived'], keywords: 'PROMO\nOFFER', keywordMatch: 'startsWith' },
		{ events: ['messageReceived', 'conversationStarted', 'messageStatus', 'consentChanged'] },
		{ events: ['conversationStarted'], onlyFirstEver: true, messageTypes: ['text'] },
		{
			events: ['messageReceived'],
			phoneNumberIds: NUMBER,
			keywords: 'hi',
			keywordMatch: 'contains',
		},
	];
	const events: RoutedEvent[] = [
		message('PROMO now'),
		message('hello'),
		message('hi there', { conversation: { isNew: true, isFirstEver: true } }),
		message(null, { type: 'image' }),
		message('offer', { phoneNumberId: OTHER_NUMBER }),
		message('STOP', { consentChanged: true }),
		{ kind: 'status', phoneNumberId: NUMBER, status: 'delivered', consentChanged: false },
	];

	it.each(parameters)('a lone trigger %o receives what the trigger’s own filters pass', (raw) => {
		const settings = resolveTriggerSettings(raw);
		const routeFilters = routeFiltersOf(settings);
		const lone = route('only', { role: defaultRouteRole(routeFilters), filters: routeFilters });
		for (const event of events) {
			const today: string[] = [];
			if (passesNumberFilter(event.phoneNumberId, settings)) {
				if (event.kind === 'message') {
					const match = matchMessage(event, settings);
					if (match) today.push(match.triggerEvent);
				}
				if (event.kind === 'status' && passesStatusFilter(event.status, settings)) {
					today.push('messageStatus');
				}
				if (event.consentChanged && settings.events.has('consentChanged')) {
					today.push('consentChanged');
				}
			}
			const chosen = chooseRoutes(event, [lone], PLAIN);
			expect(chosen.flatMap((choice) => choice.events)).toEqual(today);
		}
	});

	it('is keyword with keywords, fallback without', () => {
		expect(defaultRouteRole({ keywords: ['PROMO'] })).toBe('keyword');
		expect(defaultRouteRole({ keywords: [] })).toBe('fallback');
	});
});

describe('compileRoute', () => {
	const base: Route = {
		id: 'wf/node',
		role: 'keyword',
		priority: 0,
		filters: filters({ keywords: ['PROMO'] }),
		receiveConsumedReplies: false,
	};

	it.each([
		[{ role: 'owner' }, /role "owner" is not one of every, keyword, fallback/],
		[{ priority: Number.NaN }, /priority is not a number/],
		[{ filters: filters({ keywords: [] }) }, /keywords is empty: a keyword route needs/],
		[{ filters: filters({ keywords: ['(a+)+'], keywordMatch: 'regex' }) }, /keywords .*\(a\+\)\+/],
		[
			{ filters: filters({ keywords: ['x'], keywordMatch: 'fuzzy' as KeywordMatchMode }) },
			/keywordMatch "fuzzy"/,
		],
	])('rejects %o naming the route and field', (change, message) => {
		expect(() => compileRoute({ ...base, ...change } as Route)).toThrow(message);
		expect(() => compileRoute({ ...base, ...change } as Route)).toThrow(/Route "wf\/node"/);
	});
});

describe('chooseRoutes: properties', () => {
	const WORDS = ['promo', 'pro', 'help', 'stop', 'hello', 'offer'];
	const arbitraryFilters: fc.Arbitrary<RouteFilters> = fc.record({
		events: fc.subarray(
			['messageReceived', 'conversationStarted', 'messageStatus', 'consentChanged'] as const,
			{ minLength: 1 },
		),
		phoneNumberIds: fc.subarray([NUMBER, OTHER_NUMBER]),
		messageTypes: fc.subarray(['text', 'image', 'button']),
		statuses: fc.subarray(['sent', 'delivered', 'read', 'failed']),
		keywords: fc.subarray(WORDS),
		keywordMatch: fc.constantFrom<KeywordMatchMode>('exact', 'startsWith', 'contains', 'regex'),
		onlyFirstEver: fc.boolean(),
	});
	const arbitraryRoutes = fc
		.uniqueArray(
			fc.record({
				id: fc.stringMatching(/^[a-e]{1,3}$/),
				role: fc.constantFrom<Route['role']>('every', 'keyword', 'fallback'),
				priority: fc.integer({ min: -2, max: 2 }),
				filters: arbitraryFilters,
				receiveConsumedReplies: fc.boolean(),
			}),
			{ selector: (r) => r.id, maxLength: 8 },
		)
		.map((routes) =>
			routes.map((r) =>
				r.role === 'keyword' && r.filters.keywords.length === 0
					? { ...r, filters: { ...r.filters, keywords: ['promo'] } }
					: r,
			),
		)
		.map((routes) => routes.map(compileRoute));
	const arbitraryEvent: fc.Arbitrary<RoutedEvent> = fc.oneof(
		fc.record({
			kind: fc.constant('message' as const),
			phoneNumberId: fc.constantFrom(NUMBER, OTHER_NUMBER, null),
			consentChanged: fc.boolean(),
			type: fc.constantFrom('text', 'image', 'button'),
			text: fc.oneof(
				fc.constant(null),
				fc.constantFrom(...WORDS, 'promo code', 'I need help', 'x'),
			),
			conversation: fc.oneof(
				fc.constant(null),
				fc.record({ isNew: fc.boolean(), isFirstEver: fc.boolean() }),
			),
		}),
		fc.record({
			kind: fc.constant('status' as const),
			phoneNumberId: fc.constantFrom(NUMBER, OTHER_NUMBER, null),
			status: fc.constantFrom('sent', 'delivered', 'read', 'failed'),
			consentChanged: fc.boolean(),
		}),
		fc.record({
			kind: fc.constant('preference' as const),
			phoneNumberId: fc.constantFrom(NUMBER, OTHER_NUMBER, null),
			consentChanged: fc.boolean(),
		}),
	);
	const arbitraryContext: fc.Arbitrary<RoutingContext> = fc.record({
		consumedByWait: fc.boolean(),
		handover: fc.oneof(
			fc.constant(null),
			fc.record({
				active: fc.boolean(),
				since: fc.constant(new Date(0)),
				until: fc.constant(null),
			}),
		),
	});
	const byId = (routes: CompiledRoute[]) => new Map(routes.map((r) => [r.route.id, r]));
	const messageRule = (choice: { rule: string; events: string[] }) =>
		choice.events.some((event) => event === 'messageReceived' || event === 'conversationStarted');

	it('chooses only routes whose own filters pass every event they get', () => {
		fc.assert(
			fc.property(arbitraryEvent, arbitraryRoutes, arbitraryContext, (event, routes, context) => {
				const routeOf = byId(routes);
				for (const choice of chooseRoutes(event, routes, context)) {
					const { filters: f } = routeOf.get(choice.routeId)!;
					expect(passesNumberFilter(event.phoneNumberId, f)).toBe(true);
					for (const emitted of choice.events) {
						if (emitted === 'messageStatus') {
							expect(event.kind === 'status' && passesStatusFilter(event.status, f)).toBe(true);
						} else if (emitted === 'consentChanged') {
							expect(event.consentChanged && f.events.has('consentChanged')).toBe(true);
						} else {
							expect(event.kind === 'message' && matchMessage(event, f)?.triggerEvent).toBe(
								emitted,
							);
						}
					}
					expect(new Set(choice.events).size).toBe(choice.events.length);
				}
			}),
		);
	});

	it('gives a message to at most one keyword route, and to fallbacks only when none took it, not consumed, no handover', () => {
		fc.assert(
			fc.property(arbitraryEvent, arbitraryRoutes, arbitraryContext, (event, routes, context) => {
				const chosen = chooseRoutes(event, routes, context).filter(messageRule);
				const keyword = chosen.filter((choice) => choice.rule === 'keyword');
				const fallback = chosen.filter((choice) => choice.rule === 'fallback');
				expect(keyword.length).toBeLessThanOrEqual(1);
				if (fallback.length > 0) {
					expect(keyword).toEqual([]);
					expect(context.handover?.active === true).toBe(false);
					const routeOf = byId(routes);
					for (const choice of fallback) {
						expect(
							!context.consumedByWait || routeOf.get(choice.routeId)!.route.receiveConsumedReplies,
						).toBe(true);
					}
				}
				if (context.handover?.active === true)
					expect(chosen.every((c) => c.rule === 'every')).toBe(true);
				for (const choice of chosen) expect(choice.rule).toBe(choice.role);
			}),
		);
	});

	it('lets a keyword route that matched lose only to a more specific or higher-ranked one', () => {
		fc.assert(
			fc.property(arbitraryEvent, arbitraryRoutes, (event, routes) => {
				const chosen = chooseRoutes(event, routes, PLAIN).filter(messageRule);
				const anyKeywordMatch =
					event.kind === 'message' &&
					routes.some(
						(r) =>
							r.route.role === 'keyword' &&
							passesNumberFilter(event.phoneNumberId, r.filters) &&
							matchMessage(event, r.filters) !== null,
					);
				expect(chosen.some((choice) => choice.rule === 'keyword')).toBe(anyKeywordMatch);
			}),
		);
	});

	it('gives every-routes the same whatever the context', () => {
		fc.assert(
			fc.property(arbitraryEvent, arbitraryRoutes, arbitraryContext, (event, routes, context) => {
				const every = (ctx: RoutingContext) =>
					chooseRoutes(event, routes, ctx)
						.filter((choice) => choice.role === 'every')
						.map(({ routeId, events, keyword }) => ({ routeId, events, keyword }));
				expect(every(context)).toEqual(every(PLAIN));
			}),
		);
	});

	it('answers the same for the routes in any order', () => {
		fc.assert(
			fc.property(
				arbitraryEvent,
				arbitraryRoutes.chain((routes) =>
					fc.tuple(fc.constant(routes), fc.shuffledSubarray(routes, { minLength: routes.length })),
				),
				arbitraryContext,
				(event, [routes, shuffled], context) => {
					expect(chooseRoutes(event, shuffled, context)).toEqual(
						chooseRoutes(event, routes, context),
					);
				},
			),
		);
	});
});
