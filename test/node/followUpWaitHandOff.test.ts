/**
 * How the hand-off treats n8n's answers: a 409 while the execution is not yet saved as waiting is
 * retried with the injected sleep; an execution that is gone, a refused token or no answer at all
 * end as reported failures that never hold up the other waits. Afterwards the store's record
 * says what is left to do: settled (no resume URL or secret kept), pending again for the next
 * message, or given up.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';

import type { Store } from '../../lib/store';
import { HandOffSlots } from '../../lib/waits/handOffSlots';
import { registerFollowUpWait } from '../../lib/waits/register';
import {
	cancelPendingWaits,
	CLAIM_IN_DOUBT_MS,
	DEFAULT_RETRY_DELAYS_MS,
	type ResumeHttp,
	resumeWaitsForMessage,
} from '../../lib/waits/resume';
import {
	ACCOUNT,
	CUSTOMER,
	customerWrites,
	followUpWait,
	inboundMessage,
	noPause,
	NUMBER,
	resumeHttp,
	sentTemplateItem,
	waitParameters,
} from '../helpers/followUpWaitFixtures';
import { branchOf, FakeWaitingN8n } from '../helpers/fakeWaitingN8n';
import { useWaitingWorld } from '../helpers/waitingWorld';

const HOUR = 60 * 60 * 1000;

describe('the hand-off to a waiting execution', () => {
	const world = useWaitingWorld('sqlite');
	let n8n: FakeWaitingN8n;
	let store: Store;
	let credentials: Record<string, Record<string, unknown>>;

	beforeEach(() => {
		({ n8n, store, credentials } = world);
	});

	async function startWait(savedAsWaiting?: Promise<void>) {
		return await n8n.execute({
			node: followUpWait,
			parameters: waitParameters(),
			items: [sentTemplateItem()],
			credentials,
			savedAsWaiting,
		});
	}

	async function onlyWait() {
		const [wait] = await store.findWaitingWaits({
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			at: new Date(),
		});
		return wait;
	}

	/** A wait whose resume URL points wherever the test wants. */
	async function waitAt(resumeUrl: string, executionId = 'elsewhere') {
		const now = new Date();
		return await registerFollowUpWait(store, {
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			executionId,
			resumeUrl,
			deadline: new Date(now.getTime() + HOUR),
			rule: { kind: 'anyMessage' },
			now,
		});
	}

	it('retries a 409 while the execution is not saved as waiting yet, then resumes it', async () => {
		let save: () => void = () => undefined;
		const execution = await startWait(new Promise<void>((resolve) => (save = resolve)));
		const pauses: number[] = [];
		const sleep = async (ms: number) => {
			pauses.push(ms);
			if (pauses.length === 2) save();
		};

		const result = await customerWrites(store, inboundMessage(), { sleep });

		expect(result).toEqual({ resumed: 1, failed: 0, failures: [] });
		expect(execution.answers).toEqual([409, 409, 200]);
		expect(pauses).toEqual(DEFAULT_RETRY_DELAYS_MS.slice(0, 2));
		expect(branchOf(execution)).toBe('replied');
	});

	it('settles the wait once n8n took the hand-off: its resume URL and secret leave the store', async () => {
		const execution = await startWait();
		const wait = await onlyWait();

		expect(await customerWrites(store, inboundMessage())).toMatchObject({ resumed: 1 });

		expect(branchOf(execution)).toBe('replied');
		expect(await store.getWait(wait.id)).toMatchObject({
			status: 'claimed',
			resumeUrl: null,
			secret: null,
		});
	});

	it('gives up on a 409 after the retries and reports that the execution is not waiting', async () => {
		const execution = await startWait(new Promise<void>(() => undefined));
		const pauses: number[] = [];

		const result = await customerWrites(store, inboundMessage(), {
			sleep: async (ms) => void pauses.push(ms),
		});

		expect(result).toMatchObject({
			resumed: 0,
			failed: 1,
			failures: [{ executionId: execution.id, reason: 'notWaiting', statusCode: 409 }],
		});
		expect(pauses).toEqual(DEFAULT_RETRY_DELAYS_MS);
		expect(execution.answers).toEqual(Array(DEFAULT_RETRY_DELAYS_MS.length + 1).fill(409));
	});

	it('puts the claim back after a 409 before the deadline, so the next message resumes the execution', async () => {
		let save: () => void = () => undefined;
		const execution = await startWait(new Promise<void>((resolve) => (save = resolve)));
		const wait = await onlyWait();

		const first = await customerWrites(store, inboundMessage({ text: 'first' }));

		expect(first.failures).toMatchObject([
			{ reason: 'notWaiting', detail: expect.stringContaining('pending again') },
		]);
		expect(await store.getWait(wait.id)).toEqual(wait);

		save();
		const second = await customerWrites(store, inboundMessage({ text: 'second' }));

		expect(second).toEqual({ resumed: 1, failed: 0, failures: [] });
		expect(branchOf(execution)).toBe('replied');
		expect(execution.outputs?.[1][0].json).toMatchObject({ message: { text: 'second' } });
	});

	it('expires the claim after a 409 once the deadline passed: n8n’s timeout won', async () => {
		const execution = await startWait();
		const wait = await onlyWait();
		n8n.timeOut(execution.id);
		const afterDeadline = new Date(wait.deadline.getTime() + 1);
		const times = [new Date(), afterDeadline];

		const result = await resumeWaitsForMessage(store, inboundMessage(), resumeHttp, {
			account: ACCOUNT,
			sleep: noPause,
			now: () => times.shift() ?? afterDeadline,
		});

		expect(result.failures).toMatchObject([
			{ reason: 'notWaiting', detail: expect.stringContaining('given up') },
		]);
		expect(await store.getWait(wait.id)).toMatchObject({
			status: 'expired',
			resolvedAt: afterDeadline,
			resumeUrl: null,
			secret: null,
		});
		expect(branchOf(execution)).toBe('noReply');
	});

	it('puts the claim back after a 5xx, so the next message retries', async () => {
		const failing = createHttpServer((_request, response) => {
			response.writeHead(503).end('{}');
		});
		await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
		const { port } = failing.address() as { port: number };
		try {
			const wait = await waitAt(`http://127.0.0.1:${port}/webhook-waiting/1?signature=x`);

			const result = await customerWrites(store, inboundMessage());

			expect(result.failures).toMatchObject([
				{ reason: 'n8nError', statusCode: 503, detail: expect.stringContaining('pending again') },
			]);
			expect(await store.getWait(wait.id)).toEqual(wait);
		} finally {
			failing.closeAllConnections();
			await new Promise<void>((resolve) => failing.close(() => resolve()));
		}
	});

	it('reports an execution n8n no longer knows (404) without retrying', async () => {
		const execution = await startWait();
		n8n.forget(execution.id);
		const pauses: number[] = [];

		const result = await customerWrites(store, inboundMessage(), {
			sleep: async (ms) => void pauses.push(ms),
		});

		expect(result).toMatchObject({
			resumed: 0,
			failed: 1,
			failures: [{ executionId: execution.id, reason: 'executionGone', statusCode: 404 }],
		});
		expect(pauses).toEqual([]);
		// No later message can resume a deleted execution: the claim is given up for good.
		expect(result.failures[0].detail).toMatch(/given up/);
		expect(await store.getWait(result.failures[0].waitId)).toMatchObject({
			status: 'expired',
			resumeUrl: null,
			secret: null,
		});
	});

	it('reports a refused resume token (401) without retrying', async () => {
		const execution = await startWait();
		const [wait] = await store.findWaitingWaits({
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			at: new Date(),
		});
		await store.cancelWaits({ account: ACCOUNT, contact: CUSTOMER, at: new Date() });
		await waitAt(wait.resumeUrl.replace(/signature=\w+/, 'signature=wrong'), execution.id);

		const result = await customerWrites(store, inboundMessage());

		expect(result.failures).toMatchObject([{ reason: 'refused', statusCode: 401 }]);
		expect(execution.status).toBe('waiting');
		expect(await store.getWait(result.failures[0].waitId)).toMatchObject({
			status: 'expired',
			resumeUrl: null,
			secret: null,
		});
	});

	it('reports n8n being unreachable after the retries, and still resumes the other waits', async () => {
		const closedPort = await unusedPort();
		const unreachable = await waitAt(
			`http://127.0.0.1:${closedPort}/webhook-waiting/1?signature=x`,
		);
		const reachable = await startWait();
		const pauses: number[] = [];

		const result = await customerWrites(store, inboundMessage(), {
			sleep: async (ms) => void pauses.push(ms),
		});

		expect(result).toMatchObject({
			resumed: 1,
			failed: 1,
			failures: [
				{
					executionId: 'elsewhere',
					reason: 'unreachable',
					statusCode: null,
					resumableLater: true,
				},
			],
		});
		expect(result.failures[0].detail).toMatch(/ECONNREFUSED/);
		expect(JSON.stringify(result)).not.toContain(String(closedPort));
		expect(pauses).toEqual(DEFAULT_RETRY_DELAYS_MS);
		expect(branchOf(reachable)).toBe('replied');
		// Pending again with its resume URL: the contact's next message tries once more.
		expect(await store.getWait(unreachable.id)).toEqual(unreachable);
	});

	it('leaves a wait with an unreadable reply rule waiting and reports it', async () => {
		const now = new Date();
		const wait = await store.registerWait({
			account: ACCOUNT,
			phoneNumberId: NUMBER,
			contact: CUSTOMER,
			executionId: 'odd-rule',
			resumeUrl: `${n8n.baseUrl}/webhook-waiting/none?signature=x`,
			secret: 'x',
			deadline: new Date(now.getTime() + HOUR),
			matchRule: { kind: 'sentiment' },
		});

		const result = await resumeWaitsForMessage(store, inboundMessage(), resumeHttp, {
			account: ACCOUNT,
		});

		expect(result.failures).toMatchObject([{ waitId: wait.id, reason: 'invalidRule' }]);
		expect((await store.getWait(wait.id))?.status).toBe('waiting');
	});

	it('settles cancelled waits whether or not their execution could be told', async () => {
		const told = await startWait();
		const toldWait = await onlyWait();
		const closedPort = await unusedPort();
		const untoldWait = await waitAt(`http://127.0.0.1:${closedPort}/webhook-waiting/1?signature=x`);

		const result = await cancelPendingWaits(
			store,
			{ account: ACCOUNT, contact: CUSTOMER },
			resumeHttp,
			{ sleep: noPause },
		);

		expect(result).toMatchObject({
			cancelled: 2,
			resumed: 1,
			failed: 1,
			failures: [{ waitId: untoldWait.id, reason: 'unreachable' }],
		});
		expect(branchOf(told)).toBe('cancelled');
		for (const wait of [toldWait, untoldWait]) {
			expect(await store.getWait(wait.id)).toMatchObject({
				status: 'cancelled',
				resumeUrl: null,
				secret: null,
			});
		}
	});

	it('starts no POST once the caller’s time is up: the wait stays waiting, untouched, for a later try', async () => {
		const execution = await startWait();
		const wait = await onlyWait();
		const event = inboundMessage();

		const result = await resumeWaitsForMessage(store, event, resumeHttp, {
			account: ACCOUNT,
			attemptsBefore: new Date(Date.now() - 1),
		});

		expect(result).toMatchObject({
			resumed: 0,
			failures: [{ waitId: wait.id, reason: 'outOfTime', resumableLater: true }],
		});
		expect(execution.answers).toEqual([]);
		expect(await store.getWait(wait.id)).toEqual(wait);
	});

	it('stops retrying when the next retry would start after the caller’s time, and puts the claim back', async () => {
		const closedPort = await unusedPort();
		const wait = await waitAt(`http://127.0.0.1:${closedPort}/webhook-waiting/1?signature=x`);
		const pauses: number[] = [];
		const now = new Date();

		const result = await resumeWaitsForMessage(store, inboundMessage(), resumeHttp, {
			account: ACCOUNT,
			now: () => now,
			sleep: async (ms) => void pauses.push(ms),
			retryDelaysMs: [250, 500, 1000],
			attemptsBefore: new Date(now.getTime() + 400),
		});

		expect(pauses).toEqual([250]);
		expect(result.failures).toMatchObject([{ reason: 'unreachable', resumableLater: true }]);
		expect(await store.getWait(wait.id)).toEqual(wait);
	});

	describe('a POST that went out and got no answer (a busy n8n)', () => {
		/** Meta's delivery of the reply, and its redeliveries, at the times the test names. */
		const deliverAt = async (at: Date, http: ResumeHttp = resumeHttp) =>
			await resumeWaitsForMessage(store, event, http, {
				account: ACCOUNT,
				sleep: noPause,
				now: () => at,
			});
		let event: ReturnType<typeof inboundMessage>;
		beforeEach(() => {
			event = inboundMessage();
		});

		/** n8n took the POST, but its answer was lost (the caller's timeout, a reset). */
		const answerLost: ResumeHttp = {
			post: async (url, body) => {
				await resumeHttp.post(url, body);
				throw Object.assign(new Error('timeout of 5000ms exceeded'), { code: 'ECONNABORTED' });
			},
		};
		/** The connection broke before n8n read the request. */
		const neverArrived: ResumeHttp = {
			post: async () => {
				throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
			},
		};

		it('keeps the claim, so that n8n still taking the POST resumes the execution; the redelivery then ends it', async () => {
			const execution = await startWait();
			const wait = await onlyWait();
			const t0 = new Date();

			const first = await deliverAt(t0, answerLost);
			expect(first.failures).toMatchObject([
				{ waitId: wait.id, reason: 'noAnswer', resumableLater: true },
			]);
			// n8n took it: the waiting node accepted the claim that was kept.
			expect(branchOf(execution)).toBe('replied');
			expect(await store.getWait(wait.id)).toMatchObject({
				status: 'claimed',
				secret: wait.secret,
			});

			// Meta's redeliveries: soon after, the claim is taken; later, Meta must come again.
			expect(await deliverAt(new Date(t0.getTime() + 5_000))).toMatchObject({ failures: [] });
			expect((await deliverAt(new Date(t0.getTime() + 20_000))).failures).toMatchObject([
				{ reason: 'claimInDoubt', resumableLater: true },
			]);
			// From CLAIM_IN_DOUBT_MS on a redelivery takes the claim over; n8n says the execution
			// is not waiting any more, so the wait ends (not put back).
			const later = await deliverAt(new Date(t0.getTime() + CLAIM_IN_DOUBT_MS));
			expect(later.failures).toMatchObject([{ reason: 'notWaiting', resumableLater: false }]);
			expect(await store.getWait(wait.id)).toMatchObject({ status: 'expired', secret: null });
		});

		it('resumes the execution on the redelivery when the first POST never reached n8n', async () => {
			const execution = await startWait();
			const wait = await onlyWait();
			const t0 = new Date();

			expect((await deliverAt(t0, neverArrived)).failures).toMatchObject([
				{ reason: 'noAnswer', resumableLater: true },
			]);
			expect(branchOf(execution)).toBeNull();

			const redelivery = await deliverAt(new Date(t0.getTime() + CLAIM_IN_DOUBT_MS));
			expect(redelivery).toMatchObject({ resumed: 1, failures: [] });
			expect(branchOf(execution)).toBe('replied');
			expect(await store.getWait(wait.id)).toMatchObject({ status: 'claimed', secret: null });
		});

		it('lets exactly one of several redeliveries take a claim in doubt over', async () => {
			await startWait();
			const t0 = new Date();
			await deliverAt(t0, neverArrived);
			const later = new Date(t0.getTime() + CLAIM_IN_DOUBT_MS + 1);
			const results = await Promise.all(
				Array.from({ length: 5 }, async () => await deliverAt(later)),
			);
			expect(results.reduce((sum, result) => sum + result.resumed, 0)).toBe(1);
		});
	});

	it('a permanent failure (404) is not resumable later', async () => {
		const execution = await startWait();
		n8n.forget(execution.id);

		const result = await customerWrites(store, inboundMessage());

		expect(result.failures).toMatchObject([{ reason: 'executionGone', resumableLater: false }]);
	});

	it('does nothing for a message that names no business number', async () => {
		await startWait();
		const event = inboundMessage();

		const result = await resumeWaitsForMessage(
			store,
			{ ...event, business: { phoneNumberId: null, displayPhoneNumber: null } },
			resumeHttp,
			{ account: ACCOUNT },
		);

		expect(result).toEqual({ resumed: 0, failed: 0, failures: [] });
	});

	describe('through the slots of one process (a burst of replies)', () => {
		/** Answers every POST after a short while, counting how many it held at once. */
		async function slowN8n() {
			const seen = { inFlight: 0, most: 0, answered: 0 };
			const server = createHttpServer((request, response) => {
				seen.inFlight++;
				seen.most = Math.max(seen.most, seen.inFlight);
				request.resume();
				request.on('end', () => {
					setTimeout(() => {
						seen.inFlight--;
						seen.answered++;
						response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
					}, 20);
				});
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			const { port } = server.address() as { port: number };
			return {
				seen,
				url: (id: number) => `http://127.0.0.1:${port}/webhook-waiting/${id}?signature=x`,
				close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
			};
		}

		it('never has more POSTs in flight than slots, and every reply resumes its wait', async () => {
			const n8nStandIn = await slowN8n();
			try {
				const customers = Array.from({ length: 8 }, (_, i) => `49151123456${10 + i}`);
				const now = new Date();
				for (const [i, contact] of customers.entries()) {
					await registerFollowUpWait(store, {
						account: ACCOUNT,
						phoneNumberId: NUMBER,
						contact,
						executionId: `burst-${i}`,
						resumeUrl: n8nStandIn.url(i),
						deadline: new Date(now.getTime() + HOUR),
						rule: { kind: 'anyMessage' },
						now,
					});
				}
				const slots = new HandOffSlots(2);

				const results = await Promise.all(
					customers.map(
						async (from) =>
							await resumeWaitsForMessage(store, inboundMessage({ from }), resumeHttp, {
								account: ACCOUNT,
								slots,
							}),
					),
				);

				expect(results.map((result) => [result.resumed, result.failures])).toEqual(customers.map(() => [1, []]));
				expect(n8nStandIn.seen).toMatchObject({ most: 2, answered: 8 });
			} finally {
				await n8nStandIn.close();
			}
		});

		it('claims nothing when no slot frees up within the delivery’s time: the wait stays for the redelivery', async () => {
			const slots = new HandOffSlots(1);
			const held = await slots.acquire(new Date(Date.now() + HOUR));
			try {
				const wait = await waitAt('http://127.0.0.1:9/never-called');

				const result = await resumeWaitsForMessage(store, inboundMessage(), resumeHttp, {
					account: ACCOUNT,
					slots,
					attemptsBefore: new Date(Date.now() + 50),
				});

				expect(result.failures).toMatchObject([
					{ waitId: wait.id, reason: 'outOfTime', resumableLater: true },
				]);
				expect(await store.getWait(wait.id)).toEqual(wait);
			} finally {
				held?.();
			}
		});
	});

	it('does not take a message sent well before the wait began (a late first delivery)', async () => {
		const execution = await startWait();

		const result = await customerWrites(
			store,
			inboundMessage({ sentAt: new Date(Date.now() - 10 * 60 * 1000) }),
		);

		expect(result.resumed).toBe(0);
		expect(execution.status).toBe('waiting');
	});
});

async function unusedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}
