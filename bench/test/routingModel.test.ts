import { checkRouting, expectedRecipients, type FlowSpec } from '../lib/routingModel';
import { FIVE_WORKFLOWS, messageText, ONE_WORKFLOW } from '../scenarios/routing';

const withRouteIds = (flows: readonly Omit<FlowSpec, 'routeId'>[]): FlowSpec[] =>
	flows.map((flow, index) => ({ ...flow, routeId: `wf${index}/node` }));

const flow = (name: string, extra: Partial<FlowSpec> = {}): FlowSpec => ({
	name,
	role: 'fallback',
	keywords: [],
	keywordMatch: 'exact',
	priority: 0,
	routeId: `${name}/node`,
	...extra,
});

describe('expectedRecipients', () => {
	const five = withRouteIds(FIVE_WORKFLOWS);

	it('sends each message of the benchmark’s mix to the workflows its roles choose', () => {
		const mix = Array.from({ length: 5 }, (_, index) => messageText(index));

		expect(mix.map((text) => [text, expectedRecipients(text, five)])).toEqual([
			['PROMO', ['PROMO campaign (keyword, contains PROMO)', 'CRM logger (every)']],
			[
				'order 1001',
				[
					'Orders (keyword, starts with ORDER)',
					'CRM logger (every)',
					'Order audit (every, contains ORDER)',
				],
			],
			['Hello, this is customer 2', ['Bot (fallback)', 'CRM logger (every)']],
			[
				'Where is my order 1003?',
				['Bot (fallback)', 'CRM logger (every)', 'Order audit (every, contains ORDER)'],
			],
			[
				'Order 1004 with the promo code',
				[
					'Orders (keyword, starts with ORDER)',
					'CRM logger (every)',
					'Order audit (every, contains ORDER)',
				],
			],
		]);
	});

	it('gives a lone fallback trigger every message', () => {
		const one = withRouteIds(ONE_WORKFLOW);

		expect(expectedRecipients('PROMO', one)).toEqual(['Bot (fallback)']);
		expect(expectedRecipients('anything', one)).toEqual(['Bot (fallback)']);
	});

	it('lets exactly one keyword flow win: mode, then priority, then keyword length, then route id', () => {
		const contains = flow('contains', {
			role: 'keyword',
			keywords: ['sale'],
			keywordMatch: 'contains',
		});
		const startsWith = flow('startsWith', {
			role: 'keyword',
			keywords: ['sale'],
			keywordMatch: 'startsWith',
		});
		const exact = flow('exact', { role: 'keyword', keywords: ['sale'], keywordMatch: 'exact' });

		expect(expectedRecipients(' SALE ', [contains, startsWith, exact])).toEqual(['exact']);
		expect(expectedRecipients('sale now', [contains, startsWith, exact])).toEqual(['startsWith']);

		const low = flow('low', { role: 'keyword', keywords: ['sale'], keywordMatch: 'contains' });
		const high = flow('high', {
			role: 'keyword',
			keywords: ['sale'],
			keywordMatch: 'regex',
			priority: 5,
		});
		expect(expectedRecipients('big sale', [low, high])).toEqual(['high']);

		const short = flow('short', { role: 'keyword', keywords: ['sale'], keywordMatch: 'contains' });
		const long = flow('long', {
			role: 'keyword',
			keywords: ['x', 'big sale'],
			keywordMatch: 'contains',
		});
		expect(expectedRecipients('a big sale', [short, long])).toEqual(['long']);

		const b = flow('b', { role: 'keyword', keywords: ['sale'], routeId: 'b/1' });
		const a = flow('a', { role: 'keyword', keywords: ['sale'], routeId: 'a/1' });
		expect(expectedRecipients('sale', [b, a])).toEqual(['a']);
	});

	it('gives fallbacks only what no keyword flow took, all of them, each behind its own filter', () => {
		const keyword = flow('keyword', { role: 'keyword', keywords: ['PROMO'] });
		const bot = flow('bot');
		const helpdesk = flow('helpdesk');
		const onlyHelp = flow('only help', { keywords: ['help'], keywordMatch: 'contains' });
		const flows = [keyword, bot, helpdesk, onlyHelp];

		expect(expectedRecipients('promo', flows)).toEqual(['keyword']);
		expect(expectedRecipients('hi', flows)).toEqual(['bot', 'helpdesk']);
		expect(expectedRecipients('I need help', flows)).toEqual(['bot', 'helpdesk', 'only help']);
	});
});

describe('checkRouting', () => {
	const workflows = ['bot', 'logger'];
	const deliveries = [
		{ messageId: 'm1', text: 'hi', expected: ['bot', 'logger'] },
		{ messageId: 'm2', text: 'PROMO', expected: ['logger'] },
	];

	it('matches when every delivery started exactly its workflows', () => {
		const check = checkRouting(workflows, deliveries, [
			{ workflow: 'bot', messageIds: ['m1'] },
			{ workflow: 'logger', messageIds: ['m1'] },
			{ workflow: 'logger', messageIds: ['m2'] },
		]);

		expect(check).toMatchObject({
			deliveries: 2,
			expectedExecutions: 3,
			actualExecutions: 3,
			expectedPerDelivery: 1.5,
			actualPerDelivery: 1.5,
			exactDeliveries: 2,
			unattributedRuns: 0,
			matches: true,
			mismatches: [],
		});
		expect(check.byWorkflow).toEqual({
			bot: { expected: 1, actual: 1, extra: 0, missing: 0 },
			logger: { expected: 2, actual: 2, extra: 0, missing: 0 },
		});
	});

	it('counts a second run, a run for the wrong delivery, a missing run and a run of no delivery', () => {
		const check = checkRouting(workflows, deliveries, [
			{ workflow: 'bot', messageIds: ['m1'] },
			{ workflow: 'bot', messageIds: ['m1'] },
			{ workflow: 'bot', messageIds: ['m2'] },
			{ workflow: 'logger', messageIds: ['m1'] },
			{ workflow: 'logger', messageIds: ['unknown'] },
		]);

		expect(check.matches).toBe(false);
		expect(check.exactDeliveries).toBe(0);
		expect(check.unattributedRuns).toBe(1);
		expect(check.actualPerDelivery).toBe(2.5);
		expect(check.byWorkflow).toEqual({
			bot: { expected: 1, actual: 3, extra: 2, missing: 0 },
			logger: { expected: 2, actual: 2, extra: 1, missing: 1 },
		});
		expect(check.mismatches).toEqual([
			{ text: 'hi', expected: ['bot', 'logger'], actual: ['bot', 'bot', 'logger'] },
			{ text: 'PROMO', expected: ['logger'], actual: ['bot'] },
		]);
	});

	it('does not match when runs name no delivery, even with every delivery right', () => {
		const check = checkRouting(
			['logger'],
			[deliveries[1]],
			[
				{ workflow: 'logger', messageIds: ['m2'] },
				{ workflow: 'logger', messageIds: [] },
			],
		);

		expect(check.exactDeliveries).toBe(1);
		expect(check.matches).toBe(false);
	});
});
