/**
 * Many trigger workflows on one account in n8n queue mode: a main process, one webhook processor
 * and two workers on PostgreSQL and Redis, the package's store on PostgreSQL, a load balancer in
 * front of the webhook processor. The five-workflow checks of routing.test.ts
 * (test/helpers/routingScenarios.ts), then n8n restarts while customers keep writing: every
 * message must reach the workflows it should exactly once (Meta delivers again what n8n could not
 * take), the published routes and Meta's callback stay as they were, and every run was a
 * worker's.
 */
import {
	customer,
	customerWrites,
	eventually,
	executionsOf,
	startWorld,
	type World,
} from '../helpers/e2eWorld';
import {
	attemptsOf,
	callbackOf,
	describeFiveWorkflows,
	expectRepliedRun,
	FAST_REDELIVERY,
	FLOWS,
} from '../helpers/routingScenarios';

describe('many trigger workflows on one account in n8n queue mode (main, webhook processor, two workers, PostgreSQL, Redis)', () => {
	let world: World;

	beforeAll(async () => {
		world = await startWorld({ queue: true, gateway: true });
		await world.control.settings(FAST_REDELIVERY);
	});

	afterAll(async () => {
		await world?.stop();
	});

	it('runs n8n in queue mode, the store on PostgreSQL', () => {
		expect(world.n8n.mode).toBe('queue');
		expect(world.n8n.webhookServerUrl).not.toBe(world.n8n.baseUrl);
		expect(world.store.backend).toBe('postgres');
	});

	describeFiveWorkflows(
		() => world,
		(getFive) => {
			it('n8n restarts while customers write: each message reaches its workflows once; the routes, Meta’s callback and a waiting follow-up stay', async () => {
				const five = getFive();
				// Long enough for Meta's retries to outlast the restart, short enough to follow it closely.
				await world.control.settings({ webhooks: { retryBaseMs: 1000, maxAttempts: 12 } });
				const routesBefore = routeSummary(await world.store.listRoutes(world.account));
				const holderBefore = await callbackOf(world, 'accountOverride');
				// A follow-up waits for Vera's reply across the restart.
				const vera = customer('Vera', '+4917673000001');
				const followUpRun = await five.orderPlaced(vera, 'R-3001');
				const before = await five.counts();

				// Customers keep writing while n8n goes down and comes up, one message every 3 s, to
				// one flow after the other.
				const rotation = [
					['ORDER 17', 'orders'],
					['hello', 'bot'],
					['PROMO', 'promo'],
				] as const;
				const sent: Record<'orders' | 'bot' | 'promo', string[]> = {
					orders: [],
					bot: [],
					promo: [],
				};
				let restarted = false;
				const restarting = world.n8n.restart().finally(() => (restarted = true));
				for (let turn = 0; !restarted && turn < 30; turn++) {
					const [text, flow] = rotation[turn % rotation.length];
					const who = customer(`Guest ${turn}`, `+49176731${String(turn).padStart(5, '0')}`);
					const { messageId } = await world.control.inbound({
						from: who.phone,
						name: who.name,
						text,
					});
					sent[flow].push(messageId);
					await new Promise((resolve) => setTimeout(resolve, 3000));
				}
				await restarting;
				const every = [...sent.orders, ...sent.bot, ...sent.promo];

				// Every message was answered 200 in the end; those n8n could not take, by a redelivery.
				const attempts = await eventually(
					async () => {
						const all = await Promise.all(every.map(async (id) => await attemptsOf(world, id)));
						return all.every((tries) => tries.includes(200)) ? all : undefined;
					},
					'every message sent during the restart to be taken by n8n',
					240_000,
				);
				expect(attempts.some((tries) => tries.length > 1)).toBe(true);
				for (const tries of attempts) expect(tries.slice(-1)).toEqual([200]);

				await five.expectStarted(
					before,
					{
						orders: sent.orders.length,
						bot: sent.bot.length,
						promo: sent.promo.length,
						logger: every.length,
					},
					120_000,
				);
				// Each message reached exactly the workflows it should, once.
				for (const flow of ['orders', 'bot', 'promo'] as const) {
					const received = await five.messagesReceived(
						flow,
						before[flow],
						before[flow] + sent[flow].length,
						120_000,
					);
					expect({ flow, received }).toEqual({ flow, received: [...sent[flow]].sort() });
				}
				expect(
					await five.messagesReceived(
						'logger',
						before.logger,
						before.logger + every.length,
						120_000,
					),
				).toEqual([...every].sort());

				// No run was lost to the restart: n8n marked none of them crashed.
				const crashed: string[] = [];
				for (const flow of FLOWS) {
					for (const execution of await executionsOf(world, five.ids[flow])) {
						if (execution.status === 'crashed') crashed.push(`${flow} ${execution.id}`);
					}
				}
				expect(crashed).toEqual([]);

				// The routes survived the restart, and Meta's callback still points at the same one.
				expect(routeSummary(await world.store.listRoutes(world.account))).toEqual(routesBefore);
				expect(await callbackOf(world, 'accountOverride')).toBe(holderBefore);

				// They route as before, at the first attempt; Vera's reply resumes her follow-up.
				await world.control.settings(FAST_REDELIVERY);
				const after = await five.counts();
				const orderId = await customerWrites(
					world,
					customer('Xaver', '+4917673000002'),
					'ORDER 18',
				);
				const replyId = await customerWrites(world, vera, 'Is it possible to pay on delivery?');
				await expectRepliedRun(world, followUpRun);
				await five.expectStarted(after, { orders: 1, logger: 2 });
				for (const id of [orderId, replyId]) expect(await attemptsOf(world, id)).toEqual([200]);
			});

			it('ran every execution of the five workflows on a worker', async () => {
				const five = getFive();
				const logs = world.n8n.logs();
				for (const flow of FLOWS) {
					for (const { id, status } of await executionsOf(world, five.ids[flow])) {
						// A run waiting for a reply has not finished yet.
						if (status === 'waiting') continue;
						expect(logs).toMatch(
							new RegExp(`^\\[worker-[12]\\] Worker finished execution ${id} `, 'm'),
						);
					}
				}
			});
		},
	);
});

/** What identifies a route and where it is reached. */
function routeSummary(routes: Array<{ id: string; webhookUrl: string; role: string }>) {
	return routes
		.map(({ id, webhookUrl, role }) => ({ id, webhookUrl, role }))
		.sort((a, b) => a.id.localeCompare(b.id));
}
