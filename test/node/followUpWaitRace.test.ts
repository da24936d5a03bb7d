/**
 * A reply arriving just as the time runs out, 100 times per store: the claim in the store and
 * n8n's single status change must give every wait exactly one outcome, and the store's record
 * must agree with it or the hand-off must say why not.
 */
import { closeAllStores, openStore, type Store } from '../../lib/store';
import { resumeWaitsForMessage } from '../../lib/waits/resume';
import {
	ACCOUNT,
	credentialsFor,
	CUSTOMER,
	followUpWait,
	inboundMessage,
	noPause,
	NUMBER,
	resumeHttp,
	sentTemplateItem,
	waitParameters,
} from '../helpers/followUpWaitFixtures';
import { branchOf, FakeWaitingN8n, type Branch } from '../helpers/fakeWaitingN8n';
import { BACKENDS, shuffled, useStoreEnvironment } from '../store/support/storeEnvironment';

const RUNS = 100;

describe.each(BACKENDS)('reply and deadline racing with the %s store', (backend) => {
	const environment = useStoreEnvironment(backend);
	let n8n: FakeWaitingN8n;
	let store: Store;
	let credentials: Record<string, Record<string, unknown>>;

	beforeAll(async () => {
		n8n = await FakeWaitingN8n.start();
		const config = environment.freshConfig();
		credentials = credentialsFor(config);
		store = await openStore(config);
	});

	afterAll(async () => {
		await closeAllStores();
		await n8n.close();
	});

	it(`gives each of ${RUNS} racing waits exactly one outcome`, async () => {
		// How long the wait tracker lets pass before it fires, varied per run: some event-loop
		// turns (it fires mid-hand-off) or some milliseconds (the hand-off may be through).
		const trackerDelays = shuffled(
			Array.from({ length: RUNS }, (_, run) =>
				run % 2 === 0 ? { turns: run % 30, ms: 0 } : { turns: 0, ms: run % 30 },
			),
			20260610,
		);
		const outcomes: Record<Branch, number> = {
			noReply: 0,
			replied: 0,
			cancelled: 0,
			limitReached: 0,
		};

		for (const trackerDelay of trackerDelays) {
			const execution = await n8n.execute({
				node: followUpWait,
				parameters: waitParameters({ amount: 1, unit: 'hours' }),
				items: [sentTemplateItem()],
				credentials,
			});
			const deadline = execution.waitTill as Date;
			const [registered] = await store.findWaitingWaits({
				account: ACCOUNT,
				phoneNumberId: NUMBER,
				contact: CUSTOMER,
				at: new Date(),
			});
			const justBefore = new Date(deadline.getTime() - 1);
			// The clock reaches the deadline when the wait tracker fires, as it does in n8n.
			let timedOut = false;
			const clock = () => (timedOut ? deadline : justBefore);

			const [handOff] = await Promise.all([
				resumeWaitsForMessage(store, inboundMessage(), resumeHttp, {
					account: ACCOUNT,
					sleep: noPause,
					now: clock,
				}),
				(async () => {
					for (let turn = 0; turn < trackerDelay.turns; turn++) await new Promise(setImmediate);
					await new Promise((resolve) => setTimeout(resolve, trackerDelay.ms));
					timedOut = true;
					n8n.timeOut(execution.id);
					// What the next registration (or the trigger) does with waits whose time ran out.
					await store.expireWaits(deadline);
				})(),
			]);

			const branch = branchOf(execution);
			const nonEmptyOutputs = execution.outputs?.filter((output) => output.length > 0) ?? [];
			expect(nonEmptyOutputs).toHaveLength(1);
			expect(execution.answers.filter((status) => status === 200).length).toBe(
				branch === 'replied' ? 1 : 0,
			);
			const stored = await store.getWait(registered.id);
			// Whatever the outcome, the record ends settled: no resume URL or secret is left behind.
			expect([stored?.resumeUrl, stored?.secret]).toEqual([null, null]);
			if (branch === 'replied') {
				expect(handOff).toEqual({ resumed: 1, failed: 0, failures: [] });
				expect(stored?.status).toBe('claimed');
			} else {
				expect(branch).toBe('noReply');
				expect(handOff.resumed).toBe(0);
				expect(stored?.status).toBe('expired');
				if (handOff.failed > 0) {
					// The claim won in the store, n8n's timeout won the execution: the hand-off says
					// so and gives the claim up.
					expect(handOff.failures.map((failure) => failure.reason)).toEqual([
						expect.stringMatching(/^(notWaiting|n8nError)$/),
					]);
					expect(handOff.failures[0].detail).toMatch(/given up/);
				}
			}
			outcomes[branch as Branch] += 1;
		}

		expect(outcomes.noReply + outcomes.replied).toBe(RUNS);
		expect(outcomes.cancelled).toBe(0);
		// 100 full hand-offs, each over real HTTP and a real store: jest's 5 s is not enough on a
		// busy 2-core machine (a limit against hanging, not a timing assertion).
	}, 60_000);
});
