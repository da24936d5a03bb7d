/**
 * Many trigger workflows on one WhatsApp Business Account, in the pinned n8n (one process, SQLite
 * store), driven through the Cloud API emulator (docs/nodes/trigger.md, "Many workflows on one
 * number"). The five workflows published at once, and their checks, are in
 * test/helpers/routingScenarios.ts (routingQueue.test.ts runs them in queue mode); here also:
 * unpublishing the workflow that holds Meta's callback, in each other automatic registration mode,
 * must not cost the others a message.
 */
import {
	customer,
	customerWrites,
	eventually,
	importWorkflow,
	outputOf,
	settledExecutions,
	startWorld,
	type World,
} from '../helpers/e2eWorld';
import {
	attemptsOf,
	callbackOf,
	describeFiveWorkflows,
	fallbackWorkflow,
	FAST_REDELIVERY,
	loggerWorkflow,
	ordersWorkflow,
	productionUrlOf,
	TRIGGER,
	unpublish,
	type RegistrationMode,
} from '../helpers/routingScenarios';

/** The text of the message each execution's trigger emitted (first item), per execution. */
function textsOf(executions: Awaited<ReturnType<typeof settledExecutions>>): string[] {
	return executions.map(
		(execution) =>
			((outputOf(execution, TRIGGER)[0]?.message as { text?: string } | undefined)?.text ??
				'') as string,
	);
}

describe('many trigger workflows on one account in a real n8n (SQLite)', () => {
	let world: World;

	beforeAll(async () => {
		world = await startWorld({ gateway: true });
		await world.control.settings(FAST_REDELIVERY);
	});

	afterAll(async () => {
		await world?.stop();
	});

	describeFiveWorkflows(() => world);

	describe.each<[RegistrationMode]>([['appSubscription'], ['numberOverride']])(
		'three workflows in %s mode',
		(mode) => {
			const ids = {} as Record<'keyword' | 'fallback' | 'logger', string>;
			const urls = {} as Record<'keyword' | 'fallback' | 'logger', string>;
			/** The texts each run of the flow got, once at least `count` runs have finished. */
			const texts =
				(flow: keyof typeof ids, count = 0) =>
				async () =>
					textsOf(await settledExecutions(world, ids[flow], count));

			beforeAll(async () => {
				const extra = {
					registration: mode,
					...(mode === 'numberOverride'
						? { filters: { phoneNumberIds: world.phoneNumberId } }
						: {}),
				};
				const workflows = {
					keyword: ordersWorkflow(extra),
					fallback: fallbackWorkflow(extra),
					logger: loggerWorkflow(extra),
				};
				for (const flow of ['keyword', 'fallback', 'logger'] as const) {
					ids[flow] = await importWorkflow(world, workflows[flow], { publish: true });
					urls[flow] = productionUrlOf(world, workflows[flow]);
				}
			});

			afterAll(async () => {
				// One after another, each once its deactivation gave the callback away: n8n deactivates
				// asynchronously, and a hand-over racing the next unpublish can name a workflow that is
				// just going (noted in docs/nodes/trigger.md).
				for (const flow of ['keyword', 'fallback', 'logger'] as const)
					await unpublish(world, ids[flow], urls[flow], mode);
				await eventually(
					async () => ((await callbackOf(world, mode)) === null ? true : undefined),
					`Meta's ${mode} callback to be removed`,
				);
			});

			it('unpublishing the holder hands the callback on; nothing is lost; published again, it receives again', async () => {
				expect(await callbackOf(world, mode)).toBe(urls.keyword);
				const who = customer(
					'Hugo',
					mode === 'appSubscription' ? '+4917672000001' : '+4917672000002',
				);
				const first = await customerWrites(world, who, `ORDER ${mode} 1`);
				await eventually(
					async () => ((await texts('keyword')()).length === 1 ? true : undefined),
					'the keyword flow to run once',
				);

				expect(await unpublish(world, ids.keyword, urls.keyword, mode)).toBe(urls.fallback);
				const second = await customerWrites(world, who, `ORDER ${mode} 2`);
				const hello = await customerWrites(world, who, 'hello');

				await world.n8n.api.publishWorkflow(ids.keyword);
				expect(await callbackOf(world, mode)).toBe(urls.fallback);
				const third = await customerWrites(world, who, `ORDER ${mode} 3`);

				// A forwarded run is saved after Meta got its 200: wait for each flow's runs to finish.
				expect({
					keyword: await texts('keyword', 2)(),
					fallback: await texts('fallback', 2)(),
					logger: await texts('logger', 4)(),
				}).toEqual({
					keyword: [`ORDER ${mode} 1`, `ORDER ${mode} 3`],
					// Without the keyword flow, its keyword is a message like any other: the fallback's.
					fallback: [`ORDER ${mode} 2`, 'hello'],
					logger: [`ORDER ${mode} 1`, `ORDER ${mode} 2`, 'hello', `ORDER ${mode} 3`],
				});
				for (const id of [first, second, hello, third]) {
					expect({ id, attempts: await attemptsOf(world, id) }).toEqual({ id, attempts: [200] });
				}
			});
		},
	);
});
