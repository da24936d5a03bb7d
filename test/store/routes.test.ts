/**
 * Many trigger workflows on one number: published routes, the holder of Meta's callback, and the
 * forward ledger, on SQLite and PostgreSQL, with clients racing each other.
 */
import { createStore, StoreInputError, type RouteInput, type Store } from '../../lib/store';
import { BACKENDS, DAY, HOUR, MINUTE, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';

function routeInput(routeId: string, overrides: Partial<RouteInput> = {}): RouteInput {
	return {
		account: ACCOUNT,
		routeId,
		webhookUrl: `https://n8n.example.com/webhook/${routeId.replace('/', '-')}/webhook`,
		role: 'fallback',
		filters: {
			events: ['messageReceived'],
			phoneNumberIds: [],
			messageTypes: [],
			statuses: [],
			keywords: [],
			keywordMatch: 'exact',
			onlyFirstEver: false,
		},
		registrationMode: 'accountOverride',
		scopes: ['account'],
		at: T0,
		...overrides,
	};
}

describe.each(BACKENDS)('%s store: routes', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	it('publishes, refreshes, lists oldest first and removes routes', async () => {
		const bot = await store.upsertRoute(routeInput('wf1/trigger'));
		expect(bot).toEqual({
			account: ACCOUNT,
			id: 'wf1/trigger',
			webhookUrl: 'https://n8n.example.com/webhook/wf1-trigger/webhook',
			role: 'fallback',
			priority: 0,
			filters: routeInput('x').filters,
			receiveConsumedReplies: false,
			registrationMode: 'accountOverride',
			scopes: ['account'],
			publishedAt: new Date(T0),
			refreshedAt: new Date(T0),
		});
		const promoFilters = { ...routeInput('x').filters, keywords: ['PROMO'] };
		await store.upsertRoute(
			routeInput('wf2/trigger', {
				role: 'keyword',
				priority: 5,
				filters: promoFilters,
				at: T0 + MINUTE,
			}),
		);
		const refreshed = await store.upsertRoute(
			routeInput('wf1/trigger', { receiveConsumedReplies: true, at: T0 + HOUR }),
		);
		expect(refreshed).toMatchObject({
			receiveConsumedReplies: true,
			publishedAt: new Date(T0),
			refreshedAt: new Date(T0 + HOUR),
		});
		expect(
			(await store.listRoutes(ACCOUNT)).map((route) => [route.id, route.role, route.priority]),
		).toEqual([
			['wf1/trigger', 'fallback', 0],
			['wf2/trigger', 'keyword', 5],
		]);
		expect(await store.listRoutes('waba-2')).toEqual([]);
		expect(await store.removeRoute(ACCOUNT, 'wf1/trigger')).toBe(true);
		expect(await store.removeRoute(ACCOUNT, 'wf1/trigger')).toBe(false);
		expect((await store.listRoutes(ACCOUNT)).map((route) => route.id)).toEqual(['wf2/trigger']);
	});

	it.each([
		['webhookUrl', { webhookUrl: 'ftp://n8n/webhook' }, /webhookUrl is not an http\(s\) URL/],
		['role', { role: 'owner' as never }, /role is not allowed .*every, keyword, fallback/],
		[
			'filters',
			{ role: 'keyword' as const },
			/filters cannot be routed: .*keyword route needs at least one keyword/,
		],
		[
			'filters',
			{
				filters: {
					...routeInput('x').filters,
					keywords: ['(a+)+'],
					keywordMatch: 'regex' as const,
				},
			},
			/filters cannot be routed/,
		],
		[
			'filters',
			{ filters: { ...routeInput('x').filters, events: ['everything' as never] } },
			/"everything" is not one of/,
		],
		['scopes', { scopes: [] }, /scopes is not a list of 1 to 100 entries/],
		['priority', { priority: 1.5 }, /priority is not a whole number/],
		['receiveConsumedReplies', { receiveConsumedReplies: 'yes' as never }, /is not true or false/],
	])(
		'refuses a route with a bad %s, naming it, and writes nothing',
		async (field, change, message) => {
			const error = await store
				.upsertRoute(routeInput('wf/trigger', change))
				.catch((e: unknown) => e);
			expect(error).toBeInstanceOf(StoreInputError);
			expect((error as StoreInputError).field).toBe(field);
			expect((error as Error).message).toMatch(message);
			expect(await store.listRoutes(ACCOUNT)).toEqual([]);
		},
	);

	/**
	 * Clients of their own on PostgreSQL (each its own pool); on SQLite one process has one
	 * connection per file, so the racers share it and interleave at every await.
	 */
	async function racers(count: number): Promise<{ clients: Store[]; close: () => Promise<void> }> {
		if (backend === 'sqlite') {
			return { clients: Array.from({ length: count }, () => store), close: async () => undefined };
		}
		const config = env.configOf(store);
		const clients = await Promise.all(Array.from({ length: count }, () => createStore(config)));
		return { clients, close: async () => void (await Promise.all(clients.map((c) => c.close()))) };
	}

	describe('the callback holder', () => {
		it('goes to the first published route that claims it and stays there', async () => {
			await store.upsertRoute(routeInput('a'));
			await store.upsertRoute(routeInput('b'));
			expect(
				await store.claimCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'b',
					at: T0,
				}),
			).toEqual({
				holds: true,
				holder: { account: ACCOUNT, scope: 'account', routeId: 'b', since: new Date(T0) },
			});
			const second = await store.claimCallbackHolder({
				account: ACCOUNT,
				scope: 'account',
				routeId: 'a',
				at: T0 + 1,
			});
			expect(second).toMatchObject({ holds: false, holder: { routeId: 'b' } });
			const again = await store.claimCallbackHolder({
				account: ACCOUNT,
				scope: 'account',
				routeId: 'b',
				at: T0 + 2,
			});
			expect(again).toMatchObject({ holds: true, holder: { routeId: 'b', since: new Date(T0) } });
			expect(await store.getCallbackHolder(ACCOUNT, 'account')).toMatchObject({ routeId: 'b' });
			expect(await store.getCallbackHolder(ACCOUNT, 'number:1065')).toBeNull();
		});

		it('is never claimed for a route that is not published', async () => {
			expect(
				await store.claimCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'ghost',
					at: T0,
				}),
			).toEqual({
				holds: false,
				holder: null,
			});
		});

		it('is taken over from a holder that is no longer published', async () => {
			await store.upsertRoute(routeInput('a'));
			await store.upsertRoute(routeInput('b'));
			await store.claimCallbackHolder({ account: ACCOUNT, scope: 'account', routeId: 'a', at: T0 });
			await store.removeRoute(ACCOUNT, 'a');
			expect(
				await store.claimCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'b',
					at: T0 + 1,
				}),
			).toMatchObject({
				holds: true,
				holder: { routeId: 'b', since: new Date(T0 + 1) },
			});
		});

		it('is handed to the oldest other route of the scope, or the one asked for, or left vacant', async () => {
			await store.upsertRoute(routeInput('a', { at: T0 }));
			await store.upsertRoute(routeInput('c', { at: T0 + 1, scopes: ['number:1065'] }));
			await store.upsertRoute(routeInput('d', { at: T0 + 2 }));
			await store.upsertRoute(routeInput('b', { at: T0 + 3, scopes: ['account', 'number:1065'] }));
			await store.claimCallbackHolder({ account: ACCOUNT, scope: 'account', routeId: 'a', at: T0 });

			expect(
				await store.releaseCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'd',
					at: T0 + 5,
				}),
			).toMatchObject({
				released: false,
				holder: { routeId: 'a' },
			});
			await store.removeRoute(ACCOUNT, 'a');
			expect(
				await store.releaseCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'a',
					at: T0 + 6,
				}),
			).toEqual({
				released: true,
				holder: { account: ACCOUNT, scope: 'account', routeId: 'd', since: new Date(T0 + 6) },
			});
			expect(
				await store.releaseCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'd',
					successor: 'b',
					at: T0 + 7,
				}),
			).toMatchObject({ released: true, holder: { routeId: 'b' } });
			// A successor outside the scope (or unpublished) is not taken: the oldest one of the scope is.
			await store.upsertRoute(routeInput('d', { at: T0 + 8 }));
			expect(
				await store.releaseCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'b',
					successor: 'c',
					at: T0 + 9,
				}),
			).toMatchObject({ released: true, holder: { routeId: 'd' } });
			await store.removeRoute(ACCOUNT, 'b');
			await store.removeRoute(ACCOUNT, 'c');
			expect(
				await store.releaseCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'd',
					at: T0 + 10,
				}),
			).toEqual({
				released: true,
				holder: null,
			});
			expect(await store.getCallbackHolder(ACCOUNT, 'account')).toBeNull();
			await store.upsertRoute(routeInput('e'));
			expect(
				await store.claimCallbackHolder({
					account: ACCOUNT,
					scope: 'account',
					routeId: 'e',
					at: T0 + 11,
				}),
			).toMatchObject({
				holds: true,
			});
		});

		it('goes to exactly one of many clients claiming at once', async () => {
			const { clients, close } = await racers(3);
			try {
				for (let round = 0; round < 10; round++) {
					const scope = `number:${round}`;
					const ids = clients.map((_, index) => `r${round}-${index}`);
					for (const id of ids) await store.upsertRoute(routeInput(id, { scopes: [scope] }));
					const results = await Promise.all(
						clients.flatMap((client, index) =>
							[0, 1].map(() =>
								client.claimCallbackHolder({
									account: ACCOUNT,
									scope,
									routeId: ids[index],
									at: T0,
								}),
							),
						),
					);
					const holder = await store.getCallbackHolder(ACCOUNT, scope);
					expect(holder).not.toBeNull();
					const winners = new Set(
						results.filter((result) => result.holds).map((result) => result.holder?.routeId),
					);
					expect([...winners]).toEqual([holder?.routeId]);
					expect(results.every((result) => result.holder?.routeId === holder?.routeId)).toBe(true);
				}
			} finally {
				await close();
			}
		});

		it('is never left vacant when the holder leaves while another route publishes', async () => {
			const {
				clients: [leaving, joining],
				close,
			} = await racers(2);
			try {
				for (let round = 0; round < 15; round++) {
					const scope = `scope-${round}`;
					const [a, b] = [`a${round}`, `b${round}`];
					await store.upsertRoute(routeInput(a, { scopes: [scope] }));
					await store.claimCallbackHolder({ account: ACCOUNT, scope, routeId: a, at: T0 });
					await Promise.all([
						(async () => {
							await leaving.removeRoute(ACCOUNT, a);
							await leaving.releaseCallbackHolder({
								account: ACCOUNT,
								scope,
								routeId: a,
								at: T0 + 1,
							});
						})(),
						(async () => {
							await joining.upsertRoute(routeInput(b, { scopes: [scope], at: T0 + 1 }));
							await joining.claimCallbackHolder({
								account: ACCOUNT,
								scope,
								routeId: b,
								at: T0 + 1,
							});
						})(),
					]);
					expect(await store.getCallbackHolder(ACCOUNT, scope)).toMatchObject({ routeId: b });
				}
			} finally {
				await close();
			}
		});
	});

	describe('the forward ledger', () => {
		it('marks each route once per event and lists them', async () => {
			expect(await store.forwardedRoutes('msg:wamid.1')).toEqual(new Set());
			expect(await store.markForwarded('msg:wamid.1', 'a', T0)).toBe(true);
			expect(await store.markForwarded('msg:wamid.1', 'a', T0 + 1)).toBe(false);
			expect(await store.markForwarded('msg:wamid.1', 'b', T0)).toBe(true);
			expect(await store.markForwarded('msg:wamid.2', 'a', T0)).toBe(true);
			expect(await store.forwardedRoutes('msg:wamid.1')).toEqual(new Set(['a', 'b']));
		});

		it('hands each mark to exactly one of many concurrent callers', async () => {
			const results = await Promise.all(
				Array.from({ length: 20 }, () => store.markForwarded('msg:wamid.race', 'a', T0)),
			);
			expect(results.filter(Boolean)).toHaveLength(1);
		});

		it('is pruned by housekeeping after the dedup retention', async () => {
			const now = T0 + 10 * DAY;
			await store.markForwarded('msg:old', 'a', now - 8 * DAY);
			await store.markForwarded('msg:recent', 'a', now - DAY);
			expect(await store.housekeeping(now)).toMatchObject({ ran: true, deletedSeenKeys: 1 });
			expect(await store.forwardedRoutes('msg:old')).toEqual(new Set());
			expect(await store.forwardedRoutes('msg:recent')).toEqual(new Set(['a']));
		});

		it('keeps a routed event for the redelivery until its forwards are done, then prunes it', async () => {
			expect(await store.pendingForwards('msg:wamid.1')).toBeNull();
			await store.savePendingForwards('msg:wamid.1', '[{"v":1}]', T0, null);
			await store.savePendingForwards('msg:wamid.1', '[{"v":2}]', T0 + 1, null);
			expect(await store.pendingForwards('msg:wamid.1')).toBe('[{"v":2}]');
			expect(await store.deletePendingForwards('msg:wamid.1')).toBe(true);
			expect(await store.deletePendingForwards('msg:wamid.1')).toBe(false);
			expect(await store.pendingForwards('msg:wamid.1')).toBeNull();

			const now = T0 + 10 * DAY;
			await store.savePendingForwards('msg:old', '[]', now - 8 * DAY, null);
			await store.savePendingForwards('msg:recent', '[]', now - DAY, null);
			await store.housekeeping(now);
			expect(await store.pendingForwards('msg:old')).toBeNull();
			expect(await store.pendingForwards('msg:recent')).toBe('[]');
			await expect(store.savePendingForwards('msg:x', '', T0, null)).rejects.toThrow(/payload/);
		});

		it('erases the routed events still waiting for forwards with their contact, by wa_id or user id', async () => {
			const anna = { waId: '4915112345678', userId: null };
			await store.savePendingForwards('msg:wamid.anna', '["Anna: hello"]', T0, anna);
			await store.savePendingForwards('msg:wamid.anna-bsuid', '["Anna again"]', T0, {
				waId: null,
				userId: 'DE.123456789',
			});
			await store.savePendingForwards('status:wamid.to-anna:read', '["read"]', T0, anna);
			await store.savePendingForwards('msg:wamid.ben', '["Ben: hi"]', T0, {
				waId: '4915199999999',
				userId: 'DE.987654321',
			});
			await store.savePendingForwards('other:account_update:1', '["account"]', T0, null);
			await store.eraseContact(ACCOUNT, { waId: '4915112345678', userId: 'DE.123456789' });
			expect(await store.pendingForwards('msg:wamid.anna')).toBeNull();
			expect(await store.pendingForwards('msg:wamid.anna-bsuid')).toBeNull();
			expect(await store.pendingForwards('status:wamid.to-anna:read')).toBeNull();
			expect(await store.pendingForwards('msg:wamid.ben')).toBe('["Ben: hi"]');
			expect(await store.pendingForwards('other:account_update:1')).toBe('["account"]');
		});

		it('loses the marks of keys that embed an erased contact', async () => {
			await store.markForwarded('pref:4915112345678:marketing:stop:1', 'a', T0);
			await store.markForwarded('msg:wamid.1', 'a', T0);
			const summary = await store.eraseContact(ACCOUNT, '4915112345678');
			expect(summary.deleted.dedupKeys).toBe(1);
			expect(await store.forwardedRoutes('pref:4915112345678:marketing:stop:1')).toEqual(new Set());
			expect(await store.forwardedRoutes('msg:wamid.1')).toEqual(new Set(['a']));
		});
	});
});
