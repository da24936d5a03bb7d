/**
 * The store contract: the same behaviour on SQLite (a temp file) and PostgreSQL (a database
 * created for this run on the local server).
 */
import type { Store } from '../../lib/store';
import { BACKENDS, DAY, HOUR, MINUTE, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
const WA = '4915112345678';
const USER = 'DE.11815799212886844830';
const PHONE = 'phone-1';

describe.each(BACKENDS)('%s store contract', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeEach(async () => {
		store = await env.freshStore();
	});

	it('reports its backend', () => {
		expect(store.backend).toBe(backend);
	});

	describe('contacts', () => {
		it('creates a contact and updates its profile name and last seen time', async () => {
			await store.upsertContact({ account: ACCOUNT, waId: WA, profileName: 'Ada', seenAt: T0 });
			const updated = await store.upsertContact({
				account: ACCOUNT,
				waId: WA,
				profileName: 'Ada L.',
				seenAt: T0 + MINUTE,
			});
			expect(updated).toMatchObject({
				account: ACCOUNT,
				waId: WA,
				userId: null,
				profileName: 'Ada L.',
				lastSeenAt: new Date(T0 + MINUTE),
			});
			const older = await store.upsertContact({ account: ACCOUNT, waId: WA, seenAt: T0 - HOUR });
			expect(older.lastSeenAt).toEqual(new Date(T0 + MINUTE));
			expect(older.profileName).toBe('Ada L.');
		});

		it('finds a contact by either identifier once a webhook links them', async () => {
			await store.upsertContact({ account: ACCOUNT, waId: WA, userId: USER, seenAt: T0 });
			const byWa = await store.getContact(ACCOUNT, `+${WA}`);
			const byUser = await store.getContact(ACCOUNT, USER);
			expect(byWa).toEqual(byUser);
			expect(byWa).toMatchObject({ waId: WA, userId: USER });
		});

		it('keeps accounts apart', async () => {
			await store.upsertContact({ account: ACCOUNT, waId: WA, seenAt: T0 });
			expect(await store.getContact('waba-2', WA)).toBeNull();
		});
	});

	describe('consent', () => {
		it('is unknown for a contact never seen', async () => {
			expect(await store.getConsent(ACCOUNT, WA)).toEqual({
				status: 'unknown',
				since: null,
				source: null,
			});
		});

		it('applies events in event-time order and keeps late older events in history only', async () => {
			const optIn = await store.recordConsent({
				account: ACCOUNT,
				contact: WA,
				status: 'opted_in',
				source: 'button',
				evidence: { text: 'Yes, send me offers', messageIds: ['wamid.in1'] },
				eventAt: T0,
				recordedAt: T0 + 1000,
			});
			expect(optIn).toEqual({
				applied: true,
				current: { status: 'opted_in', since: new Date(T0), source: 'button' },
				previous: { status: 'unknown', since: null, source: null },
			});
			const optOut = await store.recordConsent({
				account: ACCOUNT,
				contact: WA,
				status: 'opted_out',
				source: 'keyword',
				eventAt: T0 + 2 * HOUR,
			});
			expect(optOut.applied).toBe(true);
			const late = await store.recordConsent({
				account: ACCOUNT,
				contact: WA,
				status: 'opted_in',
				source: 'api',
				eventAt: T0 + HOUR,
			});
			expect(late).toEqual({
				applied: false,
				current: { status: 'opted_out', since: new Date(T0 + 2 * HOUR), source: 'keyword' },
				previous: { status: 'opted_out', since: new Date(T0 + 2 * HOUR), source: 'keyword' },
			});
			expect(await store.getConsent(ACCOUNT, WA)).toEqual(late.current);

			const history = await store.getConsentHistory(ACCOUNT, WA);
			expect(
				history.map((entry) => [entry.previousStatus, entry.newStatus, entry.applied]),
			).toEqual([
				['unknown', 'opted_in', true],
				['opted_out', 'opted_in', false],
				['opted_in', 'opted_out', true],
			]);
			expect(history[0]).toMatchObject({
				source: 'button',
				evidence: { text: 'Yes, send me offers', messageIds: ['wamid.in1'] },
				eventAt: new Date(T0),
				recordedAt: new Date(T0 + 1000),
			});
			expect(history[1].evidence).toBeNull();
		});

		it('lets the more restrictive status win at the same instant, whatever the arrival order', async () => {
			for (const [contact, order] of [
				['4915100000001', ['opted_in', 'blocked', 'opted_out']],
				['4915100000002', ['blocked', 'opted_out', 'opted_in']],
			] as const) {
				for (const status of order) {
					await store.recordConsent({
						account: ACCOUNT,
						contact,
						status,
						source: 'api',
						eventAt: T0,
					});
				}
				expect((await store.getConsent(ACCOUNT, contact)).status).toBe('blocked');
			}
		});

		it('follows a contact across identifiers and merges two rows proven to be one person', async () => {
			await store.recordConsent({
				account: ACCOUNT,
				contact: WA,
				status: 'opted_in',
				source: 'import',
				eventAt: T0,
			});
			await store.recordConsent({
				account: ACCOUNT,
				contact: USER,
				status: 'opted_out',
				source: 'in_app',
				eventAt: T0 + HOUR,
			});
			await store.touchWindow({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: USER,
				inboundAt: T0 + 2 * HOUR,
			});
			// A webhook carrying both identifiers proves they are the same person.
			await store.touchWindow({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: { waId: WA, userId: USER },
				inboundAt: T0 + 3 * HOUR,
			});
			expect(await store.getConsent(ACCOUNT, WA)).toEqual({
				status: 'opted_out',
				since: new Date(T0 + HOUR),
				source: 'in_app',
			});
			expect(await store.getContact(ACCOUNT, WA)).toMatchObject({ waId: WA, userId: USER });
			const history = await store.getConsentHistory(ACCOUNT, WA);
			expect(history.map((entry) => entry.newStatus)).toEqual(['opted_in', 'opted_out']);
			const window = await store.getWindow({ account: ACCOUNT, phoneNumberId: PHONE, contact: WA });
			expect(window?.lastInboundAt).toEqual(new Date(T0 + 3 * HOUR));
		});

		it('treats a phone number reassigned to another person as a new contact', async () => {
			const previousOwner = 'DE.1111';
			const newOwner = 'DE.2222';
			await store.recordConsent({
				account: ACCOUNT,
				contact: { waId: WA, userId: previousOwner },
				status: 'opted_in',
				source: 'button',
				eventAt: T0,
			});
			await store.upsertContact({ account: ACCOUNT, waId: WA, userId: newOwner, seenAt: T0 + DAY });
			expect((await store.getConsent(ACCOUNT, WA)).status).toBe('unknown');
			expect((await store.getConsent(ACCOUNT, previousOwner)).status).toBe('opted_in');
			expect(await store.getContact(ACCOUNT, previousOwner)).toMatchObject({ waId: null });
		});

		it('looks up many contacts in input order, by either identifier, per account', async () => {
			await store.recordConsent({
				account: ACCOUNT,
				contact: { waId: WA, userId: USER },
				status: 'opted_in',
				source: 'api',
				eventAt: T0,
			});
			await store.recordConsent({
				account: ACCOUNT,
				contact: '4915100000009',
				status: 'blocked',
				source: 'keyword',
				eventAt: T0,
			});
			await store.recordConsent({
				account: 'waba-2',
				contact: '4915100000007',
				status: 'opted_in',
				source: 'api',
				eventAt: T0,
			});
			const states = await store.getConsentMany(ACCOUNT, [
				USER,
				'4915100000009',
				'4915100000007',
				`+${WA}`,
				USER,
			]);
			expect(states.map((state) => state.status)).toEqual([
				'opted_in',
				'blocked',
				'unknown',
				'opted_in',
				'opted_in',
			]);
			expect(await store.getConsentMany(ACCOUNT, [])).toEqual([]);
		});

		it('answers a lookup larger than one batch', async () => {
			const contacts = Array.from(
				{ length: 10_050 },
				(_, index) => `49151${String(index).padStart(8, '0')}`,
			);
			await store.recordConsent({
				account: ACCOUNT,
				contact: contacts[3],
				status: 'opted_in',
				source: 'api',
				eventAt: T0,
			});
			await store.recordConsent({
				account: ACCOUNT,
				contact: contacts[10_040],
				status: 'opted_out',
				source: 'api',
				eventAt: T0,
			});
			const states = await store.getConsentMany(ACCOUNT, contacts);
			expect(states).toHaveLength(10_050);
			expect(states[3].status).toBe('opted_in');
			expect(states[10_040].status).toBe('opted_out');
			expect(states.filter((state) => state.status === 'unknown')).toHaveLength(10_048);
		});
	});

	describe('24-hour windows', () => {
		const key = { account: ACCOUNT, phoneNumberId: PHONE, contact: WA };

		it('starts a conversation on the first message and keeps it while the window is open', async () => {
			const first = await store.touchWindow({ ...key, inboundAt: T0 });
			expect(first).toMatchObject({
				isFirstEver: true,
				wasOpen: false,
				isNewConversation: true,
				previousInboundAt: null,
				conversationStartedAt: new Date(T0),
				expiresAt: new Date(T0 + DAY),
			});
			const second = await store.touchWindow({ ...key, inboundAt: T0 + 23 * HOUR });
			expect(second).toMatchObject({
				isFirstEver: false,
				wasOpen: true,
				isNewConversation: false,
				conversationId: first.conversationId,
				previousInboundAt: new Date(T0),
				lastInboundAt: new Date(T0 + 23 * HOUR),
				expiresAt: new Date(T0 + 47 * HOUR),
			});
		});

		it('starts a new conversation when the window has closed (at exactly 24 hours)', async () => {
			const first = await store.touchWindow({ ...key, inboundAt: T0 });
			const next = await store.touchWindow({ ...key, inboundAt: T0 + DAY });
			expect(next).toMatchObject({ isFirstEver: false, wasOpen: false, isNewConversation: true });
			expect(next.conversationId).not.toBe(first.conversationId);
			expect(next.conversationStartedAt).toEqual(new Date(T0 + DAY));
		});

		it('changes nothing for a late-delivered older message', async () => {
			const latest = await store.touchWindow({ ...key, inboundAt: T0 + 2 * DAY });
			const late = await store.touchWindow({ ...key, inboundAt: T0 });
			expect(late).toMatchObject({
				isNewConversation: false,
				conversationId: latest.conversationId,
				lastInboundAt: new Date(T0 + 2 * DAY),
				previousInboundAt: new Date(T0 + 2 * DAY),
			});
		});

		it('answers whether the window is open at a time, per business number', async () => {
			await store.touchWindow({ ...key, inboundAt: T0 });
			expect(await store.isWindowOpen({ ...key, at: T0 + DAY - 1 })).toBe(true);
			expect(await store.isWindowOpen({ ...key, at: T0 + DAY })).toBe(false);
			expect(await store.isWindowOpen({ ...key, phoneNumberId: 'phone-2', at: T0 + MINUTE })).toBe(
				false,
			);
			expect(await store.isWindowOpen({ ...key, contact: '4915100000001', at: T0 })).toBe(false);
			expect(await store.getWindow({ ...key, phoneNumberId: 'phone-2' })).toBeNull();
			expect(await store.getWindow(key)).toMatchObject({
				firstInboundAt: new Date(T0),
				lastInboundAt: new Date(T0),
				expiresAt: new Date(T0 + DAY),
			});
		});
	});

	describe('follow-up waits', () => {
		const base = {
			account: ACCOUNT,
			phoneNumberId: PHONE,
			contact: WA,
			executionId: 'exec-1',
			workflowId: 'wf-1',
			resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1?signature=secret-token',
			deadline: T0 + HOUR,
			matchRule: { anyMessage: true, keywords: ['yes'] },
			createdAt: T0,
		};

		it('registers a wait and reads it back', async () => {
			const wait = await store.registerWait({ ...base, secret: 's3cret' });
			expect(wait).toEqual({
				id: expect.any(String),
				phoneNumberId: PHONE,
				executionId: 'exec-1',
				workflowId: 'wf-1',
				resumeUrl: base.resumeUrl,
				secret: 's3cret',
				deadline: new Date(T0 + HOUR),
				matchRule: { anyMessage: true, keywords: ['yes'] },
				status: 'waiting',
				createdAt: new Date(T0),
				resolvedAt: null,
			});
			expect(await store.getWait(wait.id)).toEqual(wait);
			expect(await store.getWait('no-such-wait')).toBeNull();
		});

		it('finds the waiting waits of a contact on a number, by either identifier, before the deadline', async () => {
			const first = await store.registerWait({ ...base, contact: { waId: WA, userId: USER } });
			const second = await store.registerWait({
				...base,
				executionId: 'exec-2',
				createdAt: T0 + 1,
			});
			await store.registerWait({ ...base, executionId: 'exec-3', phoneNumberId: 'phone-2' });
			await store.registerWait({ ...base, executionId: 'exec-4', deadline: T0 + MINUTE });
			const found = await store.findWaitingWaits({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: USER,
				at: T0 + 2 * MINUTE,
			});
			expect(found.map((wait) => wait.id)).toEqual([first.id, second.id]);
			await store.claimWait(first.id, 'claimed', T0 + 3 * MINUTE);
			const after = await store.findWaitingWaits({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: WA,
				at: T0 + 3 * MINUTE,
			});
			expect(after.map((wait) => wait.id)).toEqual([second.id]);
			expect(
				await store.findWaitingWaits({
					account: ACCOUNT,
					phoneNumberId: PHONE,
					contact: '4915100000001',
					at: T0,
				}),
			).toEqual([]);
		});

		it('lets a wait be claimed once, and not after its deadline', async () => {
			const wait = await store.registerWait(base);
			const claimed = await store.claimWait(wait.id, 'claimed', T0 + MINUTE);
			expect(claimed).toMatchObject({
				id: wait.id,
				status: 'claimed',
				resolvedAt: new Date(T0 + MINUTE),
				resumeUrl: base.resumeUrl,
			});
			expect(await store.claimWait(wait.id, 'claimed', T0 + MINUTE)).toBeNull();
			expect(await store.claimWait(wait.id, 'cancelled', T0 + MINUTE)).toBeNull();

			const late = await store.registerWait({ ...base, executionId: 'exec-late' });
			expect(await store.claimWait(late.id, 'claimed', T0 + HOUR)).toBeNull();
			expect(await store.claimWait(late.id, 'cancelled', T0 + HOUR)).toMatchObject({
				status: 'cancelled',
			});
		});

		it('cancels the waiting waits of a contact, on one number or all', async () => {
			const a = await store.registerWait(base);
			const b = await store.registerWait({
				...base,
				executionId: 'exec-2',
				phoneNumberId: 'phone-2',
			});
			const done = await store.registerWait({ ...base, executionId: 'exec-3' });
			await store.claimWait(done.id, 'claimed', T0 + 1);
			const onPhone = await store.cancelWaits({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: WA,
				at: T0 + 2,
			});
			expect(onPhone.map((wait) => [wait.id, wait.status])).toEqual([[a.id, 'cancelled']]);
			const everywhere = await store.cancelWaits({ account: ACCOUNT, contact: WA, at: T0 + 3 });
			expect(everywhere.map((wait) => wait.id)).toEqual([b.id]);
			expect((await store.getWait(done.id))?.status).toBe('claimed');
			expect(
				await store.cancelWaits({ account: ACCOUNT, contact: '4915100000001', at: T0 }),
			).toEqual([]);
		});

		it('expires waits whose deadline has passed', async () => {
			const due = await store.registerWait(base);
			const later = await store.registerWait({
				...base,
				executionId: 'exec-2',
				deadline: T0 + DAY,
			});
			expect(await store.expireWaits(T0 + HOUR)).toBe(1);
			expect(await store.getWait(due.id)).toMatchObject({
				status: 'expired',
				resolvedAt: new Date(T0 + HOUR),
				resumeUrl: null,
				secret: null,
			});
			expect(await store.getWait(later.id)).toMatchObject({
				status: 'waiting',
				resumeUrl: base.resumeUrl,
			});
			expect(await store.expireWaits(T0 + HOUR)).toBe(0);
		});

		it('releases a claim whose hand-off failed for now, once, and only before the deadline', async () => {
			const wait = await store.registerWait({ ...base, secret: 's3cret' });
			await store.claimWait(wait.id, 'claimed', T0 + MINUTE);

			const released = await store.releaseWait(wait.id, T0 + 2 * MINUTE);

			expect(released).toEqual({ ...wait, status: 'waiting', resolvedAt: null });
			expect(await store.releaseWait(wait.id, T0 + 2 * MINUTE)).toBeNull();
			const query = { account: ACCOUNT, phoneNumberId: PHONE, contact: WA, at: T0 + 3 * MINUTE };
			expect((await store.findWaitingWaits(query)).map((found) => found.id)).toEqual([wait.id]);
			// The contact's next message claims it again.
			expect(await store.claimWait(wait.id, 'claimed', T0 + 3 * MINUTE)).toMatchObject({
				status: 'claimed',
				secret: 's3cret',
			});
			// At the deadline n8n's timeout resumes the execution: the claim is not released.
			expect(await store.releaseWait(wait.id, T0 + HOUR)).toBeNull();
			expect((await store.getWait(wait.id))?.status).toBe('claimed');
		});

		it('releases neither a waiting, a cancelled nor a settled wait', async () => {
			const waiting = await store.registerWait(base);
			const cancelled = await store.registerWait({ ...base, executionId: 'exec-2' });
			await store.claimWait(cancelled.id, 'cancelled', T0 + 1);
			const settled = await store.registerWait({ ...base, executionId: 'exec-3' });
			await store.claimWait(settled.id, 'claimed', T0 + 1);
			await store.settleWait(settled.id);

			for (const wait of [waiting, cancelled, settled]) {
				expect(await store.releaseWait(wait.id, T0 + MINUTE)).toBeNull();
			}
			expect(await store.releaseWait('no-such-wait', T0 + MINUTE)).toBeNull();
			expect(
				await Promise.all(
					[waiting, cancelled, settled].map(async (wait) => (await store.getWait(wait.id))?.status),
				),
			).toEqual(['waiting', 'cancelled', 'claimed']);
		});

		it('expires a claim whose hand-off can never succeed, clearing its resume URL and secret', async () => {
			const wait = await store.registerWait({ ...base, secret: 's3cret' });
			await store.claimWait(wait.id, 'claimed', T0 + MINUTE);

			const expired = await store.expireClaimedWait(wait.id, T0 + 2 * MINUTE);

			expect(expired).toEqual({
				...wait,
				status: 'expired',
				resolvedAt: new Date(T0 + 2 * MINUTE),
				resumeUrl: null,
				secret: null,
			});
			expect(await store.getWait(wait.id)).toEqual(expired);
			expect(await store.expireClaimedWait(wait.id, T0 + 2 * MINUTE)).toBeNull();
			expect(await store.releaseWait(wait.id, T0 + 2 * MINUTE)).toBeNull();

			// After the deadline too: a 409 there means n8n's timeout won.
			const late = await store.registerWait({ ...base, executionId: 'exec-late' });
			await store.claimWait(late.id, 'claimed', T0 + HOUR - 1);
			expect(await store.expireClaimedWait(late.id, T0 + HOUR + MINUTE)).toMatchObject({
				status: 'expired',
			});
		});

		it('expires only claims not yet settled', async () => {
			const waiting = await store.registerWait(base);
			const cancelled = await store.registerWait({ ...base, executionId: 'exec-2' });
			await store.claimWait(cancelled.id, 'cancelled', T0 + 1);
			const delivered = await store.registerWait({ ...base, executionId: 'exec-3' });
			await store.claimWait(delivered.id, 'claimed', T0 + 1);
			await store.settleWait(delivered.id);

			for (const wait of [waiting, cancelled, delivered]) {
				expect(await store.expireClaimedWait(wait.id, T0 + MINUTE)).toBeNull();
			}
			expect(await store.getWait(waiting.id)).toMatchObject({
				status: 'waiting',
				resumeUrl: base.resumeUrl,
			});
			expect((await store.getWait(cancelled.id))?.status).toBe('cancelled');
			expect((await store.getWait(delivered.id))?.status).toBe('claimed');
		});

		it('settles a claimed or cancelled wait once: status kept, resume URL and secret gone', async () => {
			const claimed = await store.registerWait({ ...base, secret: 's3cret' });
			await store.claimWait(claimed.id, 'claimed', T0 + MINUTE);
			const cancelled = await store.registerWait({
				...base,
				executionId: 'exec-2',
				secret: 'other',
			});
			await store.cancelWaits({ account: ACCOUNT, contact: WA, at: T0 + MINUTE });

			expect(await store.settleWait(claimed.id)).toBe(true);
			expect(await store.settleWait(cancelled.id)).toBe(true);

			expect(await store.getWait(claimed.id)).toEqual({
				...claimed,
				status: 'claimed',
				resolvedAt: new Date(T0 + MINUTE),
				resumeUrl: null,
				secret: null,
			});
			expect(await store.getWait(cancelled.id)).toMatchObject({
				status: 'cancelled',
				resumeUrl: null,
				secret: null,
			});
			expect(await store.settleWait(claimed.id)).toBe(false);
			expect(await store.settleWait('no-such-wait')).toBe(false);
		});

		it('does not settle a wait that is still waiting', async () => {
			const wait = await store.registerWait({ ...base, secret: 's3cret' });

			expect(await store.settleWait(wait.id)).toBe(false);

			expect(await store.getWait(wait.id)).toEqual(wait);
		});
	});

	describe('housekeeping', () => {
		const NOW = T0 + 10 * DAY;
		const waitAt = (executionId: string, createdAt: number, deadline: number) =>
			store.registerWait({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: WA,
				executionId,
				resumeUrl: `http://127.0.0.1:5678/webhook-waiting/${executionId}?signature=x`,
				secret: `secret-${executionId}`,
				deadline,
				matchRule: null,
				createdAt,
			});

		it('runs once per hour, whoever calls, and reports what it did', async () => {
			const overdue = await waitAt('overdue', NOW - 2 * HOUR, NOW - HOUR);
			const pending = await waitAt('pending', NOW - HOUR, NOW + DAY);
			const oldDone = await waitAt('old-done', NOW - 9 * DAY, NOW - 8 * DAY);
			await store.claimWait(oldDone.id, 'claimed', NOW - 8 * DAY - HOUR);
			await store.settleWait(oldDone.id);
			const recentDone = await waitAt('recent-done', NOW - 6 * DAY, NOW - 5 * DAY);
			await store.claimWait(recentDone.id, 'claimed', NOW - 6 * DAY + HOUR);
			await store.settleWait(recentDone.id);
			await store.markSeen('msg:old', NOW - 8 * DAY);
			await store.markSeen('msg:recent', NOW - DAY);

			const first = await store.housekeeping(NOW);

			expect(first).toEqual({
				ran: true,
				nextDueAt: new Date(NOW + HOUR),
				expiredWaits: 1,
				releasedClaims: 0,
				settledHandOffs: 0,
				deletedWaits: 1,
				deletedSeenKeys: 1,
			});
			expect(await store.getWait(overdue.id)).toMatchObject({
				status: 'expired',
				resumeUrl: null,
				secret: null,
			});
			expect(await store.getWait(pending.id)).toEqual(pending);
			expect(await store.getWait(oldDone.id)).toBeNull();
			expect((await store.getWait(recentDone.id))?.status).toBe('claimed');
			expect(await store.markSeen('msg:old', NOW)).toBe(true);
			expect(await store.markSeen('msg:recent', NOW)).toBe(false);

			// Not due again within the hour, whatever is pending by then.
			await waitAt('overdue-2', NOW, NOW + MINUTE);
			expect(await store.housekeeping(NOW + 59 * MINUTE)).toEqual({ ran: false });
			expect(await store.housekeeping(NOW)).toEqual({ ran: false });
			expect(await store.housekeeping(NOW + HOUR)).toMatchObject({
				ran: true,
				nextDueAt: new Date(NOW + 2 * HOUR),
				expiredWaits: 1,
			});
		});

		it('recovers hand-offs their resumer abandoned: a claim before its deadline is retried', async () => {
			const retry = await waitAt('retry', NOW - 3 * HOUR, NOW + HOUR);
			await store.claimWait(retry.id, 'claimed', NOW - 2 * HOUR);
			const tooLate = await waitAt('too-late', NOW - 3 * HOUR, NOW - MINUTE);
			await store.claimWait(tooLate.id, 'claimed', NOW - 2 * HOUR);
			const cancelled = await waitAt('cancelled', NOW - 3 * HOUR, NOW + HOUR);
			await store.claimWait(cancelled.id, 'cancelled', NOW - 2 * HOUR);
			const inFlight = await waitAt('in-flight', NOW - 3 * HOUR, NOW + HOUR);
			await store.claimWait(inFlight.id, 'claimed', NOW - MINUTE);

			const result = await store.housekeeping(NOW);

			expect(result).toMatchObject({ ran: true, releasedClaims: 1, settledHandOffs: 2 });
			expect(await store.getWait(retry.id)).toEqual(retry);
			for (const [wait, status] of [
				[tooLate, 'claimed'],
				[cancelled, 'cancelled'],
			] as const) {
				expect(await store.getWait(wait.id)).toMatchObject({
					status,
					resumeUrl: null,
					secret: null,
				});
			}
			expect(await store.getWait(inFlight.id)).toMatchObject({
				status: 'claimed',
				resumeUrl: inFlight.resumeUrl,
				secret: inFlight.secret,
			});
		});
	});

	describe('webhook deduplication', () => {
		it('reports a key as new only the first time, until it is pruned', async () => {
			expect(await store.markSeen('msg:wamid.A', T0)).toBe(true);
			expect(await store.markSeen('msg:wamid.A', T0 + MINUTE)).toBe(false);
			expect(await store.markSeen('msg:wamid.B', T0 + DAY)).toBe(true);
			expect(await store.pruneSeen(T0 + HOUR)).toBe(1);
			expect(await store.markSeen('msg:wamid.B', T0 + DAY)).toBe(false);
			expect(await store.markSeen('msg:wamid.A', T0 + 2 * DAY)).toBe(true);
		});
	});

	describe('outbound log', () => {
		const message = {
			wamid: 'wamid.OUT1',
			phoneNumberId: PHONE,
			recipient: `+${WA}`,
			kind: 'template' as const,
			templateName: 'appointment_reminder',
			templateLanguage: 'de',
			category: 'UTILITY',
			sentAt: T0,
		};

		it('logs a message once and builds its status timeline', async () => {
			expect(await store.logOutbound(message)).toBe(true);
			expect(await store.logOutbound({ ...message, templateName: 'other' })).toBe(false);
			expect(
				await store.recordOutboundStatus({ wamid: message.wamid, status: 'read', at: T0 + 3000 }),
			).toBe(true);
			expect(
				await store.recordOutboundStatus({ wamid: message.wamid, status: 'sent', at: T0 + 1000 }),
			).toBe(true);
			expect(
				await store.recordOutboundStatus({ wamid: message.wamid, status: 'sent', at: T0 + 1000 }),
			).toBe(false);
			expect(
				await store.recordOutboundStatus({
					wamid: message.wamid,
					status: 'delivered',
					at: T0 + 3000,
				}),
			).toBe(true);
			expect(await store.getOutbound(message.wamid)).toEqual({
				wamid: message.wamid,
				phoneNumberId: PHONE,
				recipient: WA,
				kind: 'template',
				templateName: 'appointment_reminder',
				templateLanguage: 'de',
				category: 'UTILITY',
				text: null,
				sentAt: new Date(T0),
				status: 'read',
				statuses: [
					{ status: 'sent', at: new Date(T0 + 1000), errorCode: null, errorTitle: null },
					{ status: 'delivered', at: new Date(T0 + 3000), errorCode: null, errorTitle: null },
					{ status: 'read', at: new Date(T0 + 3000), errorCode: null, errorTitle: null },
				],
			});
		});

		it('keeps a status that arrives before the send is logged, and failure details', async () => {
			await store.recordOutboundStatus({
				wamid: 'wamid.OUT2',
				status: 'failed',
				at: T0 + 5000,
				errorCode: 131047,
				errorTitle: 'Re-engagement message',
			});
			expect(await store.getOutbound('wamid.OUT2')).toBeNull();
			await store.logOutbound({
				...message,
				wamid: 'wamid.OUT2',
				kind: 'text',
				text: 'Hallo!',
				templateName: undefined,
			});
			expect(await store.getOutbound('wamid.OUT2')).toMatchObject({
				kind: 'text',
				text: 'Hallo!',
				templateName: null,
				status: 'failed',
				statuses: [
					{
						status: 'failed',
						at: new Date(T0 + 5000),
						errorCode: 131047,
						errorTitle: 'Re-engagement message',
					},
				],
			});
		});
	});

	describe('AI history', () => {
		const conversation = { assistant: 'sales-bot', customer: WA };
		const turn = (index: number) => [
			{ role: 'user' as const, content: `question ${index}`, at: T0 + index * MINUTE },
			{ role: 'assistant' as const, content: `answer ${index}`, at: T0 + index * MINUTE + 1000 },
		];

		it('starts a conversation per assistant and customer and returns the newest messages oldest first', async () => {
			const first = await store.appendAiMessages({ ...conversation, messages: turn(1) });
			expect(first.isNew).toBe(true);
			const second = await store.appendAiMessages({
				...conversation,
				customer: `+${WA}`,
				messages: turn(2),
			});
			expect(second).toEqual({ conversationId: first.conversationId, isNew: false });
			const other = await store.appendAiMessages({
				...conversation,
				assistant: 'support-bot',
				messages: turn(1),
			});
			expect(other.isNew).toBe(true);
			expect(other.conversationId).not.toBe(first.conversationId);

			const history = await store.getAiHistory({ ...conversation, limit: 3 });
			expect(history.conversationId).toBe(first.conversationId);
			expect(history.messages.map((message) => message.content)).toEqual([
				'answer 1',
				'question 2',
				'answer 2',
			]);
			expect(history.messages[2]).toEqual({
				role: 'assistant',
				content: 'answer 2',
				at: new Date(T0 + 2 * MINUTE + 1000),
			});
			const recent = await store.getAiHistory({
				...conversation,
				limit: 10,
				notBefore: T0 + 2 * MINUTE,
			});
			expect(recent.messages.map((message) => message.content)).toEqual(['question 2', 'answer 2']);
			expect(
				await store.getAiHistory({ ...conversation, customer: '4915100000001', limit: 5 }),
			).toEqual({ conversationId: null, messages: [] });
		});

		it('keeps at most maxMessages per conversation', async () => {
			for (let index = 1; index <= 4; index++) {
				await store.appendAiMessages({ ...conversation, messages: turn(index), maxMessages: 5 });
			}
			const history = await store.getAiHistory({ ...conversation, limit: 100 });
			expect(history.messages.map((message) => message.content)).toEqual([
				'answer 2',
				'question 3',
				'answer 3',
				'question 4',
				'answer 4',
			]);
		});

		it('prunes old messages, and a conversation left empty starts anew', async () => {
			const old = await store.appendAiMessages({ ...conversation, messages: turn(1) });
			await store.appendAiMessages({
				...conversation,
				customer: '4915100000001',
				messages: turn(1),
			});
			await store.appendAiMessages({
				...conversation,
				customer: '4915100000001',
				messages: turn(60 * 24 * 3),
			});
			expect(await store.pruneAiHistory(T0 + DAY)).toBe(4);
			expect(
				(await store.getAiHistory({ ...conversation, customer: '4915100000001', limit: 10 }))
					.messages,
			).toHaveLength(2);
			const again = await store.appendAiMessages({ ...conversation, messages: turn(60 * 24 * 3) });
			expect(again.isNew).toBe(true);
			expect(again.conversationId).not.toBe(old.conversationId);
		});
	});

	describe('erasure', () => {
		async function fillEverything(account = ACCOUNT): Promise<void> {
			await store.upsertContact({
				account,
				waId: WA,
				userId: USER,
				profileName: 'Ada',
				seenAt: T0,
			});
			await store.recordConsent({
				account,
				contact: WA,
				status: 'opted_in',
				source: 'import',
				eventAt: T0,
			});
			await store.touchWindow({
				account,
				phoneNumberId: PHONE,
				contact: USER,
				inboundAt: T0 + MINUTE,
			});
			await store.registerWait({
				account,
				phoneNumberId: PHONE,
				contact: WA,
				executionId: 'exec-1',
				resumeUrl: 'http://127.0.0.1/webhook-waiting/1',
				deadline: T0 + HOUR,
				matchRule: null,
			});
			await store.logOutbound({
				wamid: 'wamid.E1',
				phoneNumberId: PHONE,
				recipient: WA,
				kind: 'text',
				text: 'hi',
				sentAt: T0,
			});
			await store.recordOutboundStatus({ wamid: 'wamid.E1', status: 'sent', at: T0 + 1 });
			await store.appendAiMessages({
				assistant: 'bot',
				customer: WA,
				messages: [{ role: 'user', content: 'hi', at: T0 }],
			});
			await store.appendAiMessages({
				assistant: 'bot',
				customer: USER,
				messages: [{ role: 'user', content: 'hi', at: T0 }],
			});
		}

		it('deletes everything about an opted-out contact but keeps the opt-out honoured', async () => {
			await fillEverything();
			await store.recordConsent({
				account: ACCOUNT,
				contact: USER,
				status: 'opted_out',
				source: 'keyword',
				eventAt: T0 + HOUR,
			});
			const summary = await store.eraseContact(ACCOUNT, WA);
			expect(summary).toEqual({
				contactFound: true,
				contactsFound: 1,
				suppressedAs: 'opted_out',
				deleted: {
					contacts: 1,
					consentHistory: 2,
					windows: 1,
					waits: 1,
					outboundMessages: 1,
					outboundStatuses: 1,
					aiConversations: 2,
					aiMessages: 2,
					dedupKeys: 0,
				},
			});
			const counts = await env.countRows(env.configOf(store));
			expect(counts).toMatchObject({
				contacts: 0,
				consent_history: 0,
				conversation_windows: 0,
				waits: 0,
				outbound_messages: 0,
				outbound_statuses: 0,
				ai_messages: 0,
				ai_conversations: 0,
				consent_suppressions: 2,
			});
			for (const contact of [WA, USER]) {
				expect(await store.getConsent(ACCOUNT, contact)).toEqual({
					status: 'opted_out',
					since: new Date(T0 + HOUR),
					source: 'keyword',
				});
				expect(await store.getConsentHistory(ACCOUNT, contact)).toEqual([]);
			}
			expect(await store.getContact(ACCOUNT, WA)).toBeNull();
		});

		it('keeps the opt-out when the erased contact writes again, until a newer opt-in', async () => {
			await store.recordConsent({
				account: ACCOUNT,
				contact: USER,
				status: 'blocked',
				source: 'keyword',
				eventAt: T0,
			});
			await store.eraseContact(ACCOUNT, USER);
			await store.touchWindow({
				account: ACCOUNT,
				phoneNumberId: PHONE,
				contact: USER,
				inboundAt: T0 + DAY,
			});
			expect((await store.getConsent(ACCOUNT, USER)).status).toBe('blocked');
			const older = await store.recordConsent({
				account: ACCOUNT,
				contact: USER,
				status: 'opted_in',
				source: 'api',
				eventAt: T0 - HOUR,
			});
			expect(older.applied).toBe(false);
			const newer = await store.recordConsent({
				account: ACCOUNT,
				contact: USER,
				status: 'opted_in',
				source: 'keyword',
				eventAt: T0 + DAY,
			});
			expect(newer.applied).toBe(true);
			expect(await store.eraseContact(ACCOUNT, USER)).toMatchObject({
				contactFound: true,
				suppressedAs: null,
			});
			expect((await store.getConsent(ACCOUNT, USER)).status).toBe('unknown');
			expect((await env.countRows(env.configOf(store))).consent_suppressions).toBe(0);
		});

		it('forgets an opted-in contact completely and touches no other account', async () => {
			await fillEverything();
			await store.recordConsent({
				account: 'waba-2',
				contact: WA,
				status: 'opted_out',
				source: 'api',
				eventAt: T0,
			});
			expect(await store.eraseContact(ACCOUNT, USER)).toMatchObject({
				contactFound: true,
				suppressedAs: null,
			});
			expect(await store.getConsent(ACCOUNT, WA)).toEqual({
				status: 'unknown',
				since: null,
				source: null,
			});
			expect((await env.countRows(env.configOf(store))).consent_suppressions).toBe(0);
			expect((await store.getConsent('waba-2', WA)).status).toBe('opted_out');
			expect(await store.eraseContact(ACCOUNT, '4915100000001')).toMatchObject({
				contactFound: false,
				suppressedAs: null,
			});
		});
	});

	describe('transactions', () => {
		it('commits all writes of a transaction together', async () => {
			const result = await store.transaction(async (tx) => {
				await tx.markSeen('msg:tx', T0);
				await tx.touchWindow({
					account: ACCOUNT,
					phoneNumberId: PHONE,
					contact: WA,
					inboundAt: T0,
				});
				return await tx.transaction(async (nested) => await nested.markSeen('msg:nested', T0));
			});
			expect(result).toBe(true);
			expect(await store.markSeen('msg:tx', T0)).toBe(false);
			expect(await store.markSeen('msg:nested', T0)).toBe(false);
			expect(
				await store.isWindowOpen({ account: ACCOUNT, phoneNumberId: PHONE, contact: WA, at: T0 }),
			).toBe(true);
		});

		it('rolls back every write when the function throws', async () => {
			await expect(
				store.transaction(async (tx) => {
					await tx.markSeen('msg:rolled-back', T0);
					await tx.recordConsent({
						account: ACCOUNT,
						contact: WA,
						status: 'opted_in',
						source: 'api',
						eventAt: T0,
					});
					throw new Error('side effect failed');
				}),
			).rejects.toThrow('side effect failed');
			expect(await store.markSeen('msg:rolled-back', T0)).toBe(true);
			expect((await store.getConsent(ACCOUNT, WA)).status).toBe('unknown');
		});

		it('refuses calls on the outer store from inside the transaction instead of deadlocking', async () => {
			await expect(
				store.transaction(async () => await store.markSeen('msg:outer', T0)),
			).rejects.toThrow(/use the tx argument/i);
			expect(await store.markSeen('msg:outer', T0)).toBe(true);
			await expect(store.transaction(async (tx) => await tx.close())).rejects.toThrow(
				/transaction handle/,
			);
		});
	});
});
