/**
 * The consent state machine (lib/core/consentTransitions.ts, shown in docs/nodes/consent-gate.md)
 * cell by cell on both backends: every event × every current consent, each built from real events
 * so the in-app resume has a history to go back to.
 */
import {
	CONSENT_TABLE_EVENTS,
	CONSENT_TABLE_STATES,
	consentTransition,
	type ConsentPosition,
	type ConsentTransitionEvent,
} from '../../lib/core/consentTransitions';
import type { ConsentSource, ConsentStatus, Store } from '../../lib/store';
import { BACKENDS, MINUTE, T0, useStoreEnvironment } from './support/storeEnvironment';

const ACCOUNT = 'waba-1';
/** A new contact per test, in one store per backend (a store per test is slow on PostgreSQL). */
let WA = '';
let contactCounter = 0;

type Setter = { status: ConsentStatus; source: ConsentSource };

/** The consent an in-app stop column starts from: opted in by keyword, then stopped in the app. */
const BEFORE_IN_APP_STOP: ConsentPosition = { status: 'opted_in', source: 'keyword' };

async function record(store: Store, event: ConsentTransitionEvent, eventAt: number, note: string) {
	const evidence = { text: note, messageIds: [`wamid.${eventAt}`] };
	return event.kind === 'in_app_resume'
		? await store.recordInAppResume({ account: ACCOUNT, contact: WA, evidence, eventAt })
		: await store.recordConsent({
				account: ACCOUNT,
				contact: WA,
				status: event.status,
				source: event.source as ConsentSource,
				evidence,
				eventAt,
			});
}

/** Brings the contact to `position` with events at or before T0. */
async function reach(store: Store, position: ConsentPosition): Promise<void> {
	if (position.status === 'unknown') return;
	if (position.status === 'opted_out' && position.source === 'in_app') {
		await record(store, { kind: 'set', ...(BEFORE_IN_APP_STOP as Setter) }, T0 - MINUTE, 'before');
	}
	await record(store, { kind: 'set', ...(position as Setter) }, T0, 'setup');
}

function expected(position: ConsentPosition, event: ConsentTransitionEvent): ConsentPosition {
	const outcome = consentTransition(position, event);
	if (outcome.kind === 'set') return { status: outcome.status, source: outcome.source };
	if (outcome.kind === 'restore_before_in_app_stop') return BEFORE_IN_APP_STOP;
	return position;
}

const CELLS = CONSENT_TABLE_EVENTS.flatMap((row) =>
	CONSENT_TABLE_STATES.map(
		(column) => [row.label, column.label, row.event, column.position] as const,
	),
);

describe.each(BACKENDS)('%s consent state machine', (backend) => {
	const env = useStoreEnvironment(backend);
	let store: Store;

	beforeAll(async () => {
		store = await env.freshStore();
	});

	beforeEach(() => {
		WA = String(4915100000000 + ++contactCounter);
	});

	it.each(CELLS)('%s on %s', async (_row, _column, event, position) => {
		await reach(store, position);
		const before = await store.getConsentHistory(ACCOUNT, WA);
		const want = expected(position, event);

		const result = await record(store, event, T0 + MINUTE, 'the event');

		const state = await store.getConsent(ACCOUNT, WA);
		expect({
			status: state.status,
			source: state.status === 'unknown' ? null : state.source,
		}).toEqual(want);
		// A newer event that sets a status is applied even when the status stays (its time counts).
		const changed = consentTransition(position, event).kind !== 'unchanged';
		expect(result.applied).toBe(changed);
		const history = await store.getConsentHistory(ACCOUNT, WA);
		expect(history).toHaveLength(before.length + 1);
		expect(history[history.length - 1]).toMatchObject({
			previousStatus: position.status,
			newStatus: want.status,
			source: event.kind === 'set' ? event.source : 'in_app',
			evidence: { text: 'the event', messageIds: [`wamid.${T0 + MINUTE}`] },
			eventAt: new Date(T0 + MINUTE),
			applied: changed,
		});
	});

	describe('in-app resume', () => {
		const stop: ConsentTransitionEvent = { kind: 'set', status: 'opted_out', source: 'in_app' };
		const resume: ConsentTransitionEvent = { kind: 'in_app_resume' };
		const at = (minutes: number) => T0 + minutes * MINUTE;
		const statusNow = async () => (await store.getConsent(ACCOUNT, WA)).status;

		it('from unknown records nothing but history: it is never an opt-in', async () => {
			expect(await record(store, resume, at(0), 'resume')).toMatchObject({ applied: false });
			expect(await statusNow()).toBe('unknown');
			expect(await store.getConsentHistory(ACCOUNT, WA)).toMatchObject([
				{ previousStatus: 'unknown', newStatus: 'unknown', source: 'in_app', applied: false },
			]);
		});

		it('after a stop from unknown goes back to unknown', async () => {
			await record(store, stop, at(0), 'stop');
			expect(await record(store, resume, at(1), 'resume')).toMatchObject({
				applied: true,
				current: { status: 'unknown', source: null },
			});
			expect(await statusNow()).toBe('unknown');
		});

		it('never lifts a STOP, even when an in-app stop came after it', async () => {
			await record(store, { kind: 'set', status: 'blocked', source: 'keyword' }, at(0), 'STOP');
			await record(store, stop, at(1), 'stop');
			await record(store, resume, at(2), 'resume');
			expect(await store.getConsent(ACCOUNT, WA)).toMatchObject({
				status: 'blocked',
				source: 'keyword',
			});
			// Nothing in-app left to lift.
			expect(await record(store, resume, at(3), 'resume')).toMatchObject({ applied: false });
			expect(await statusNow()).toBe('blocked');
		});

		it('goes back past repeated stops to the consent before the first', async () => {
			await record(store, { kind: 'set', status: 'opted_in', source: 'button' }, at(0), 'yes');
			await record(store, stop, at(1), 'stop');
			await record(store, stop, at(2), 'stop again');
			await record(store, resume, at(3), 'resume');
			expect(await store.getConsent(ACCOUNT, WA)).toMatchObject({
				status: 'opted_in',
				source: 'button',
				since: new Date(at(3)),
			});
		});

		it('keeps an opt-out keyword that came before the stop, through any number of resumes', async () => {
			await record(
				store,
				{ kind: 'set', status: 'opted_out', source: 'keyword' },
				at(0),
				'INFOSTOP',
			);
			await record(store, stop, at(1), 'stop');
			await record(store, resume, at(2), 'resume');
			await record(store, stop, at(3), 'stop');
			await record(store, resume, at(4), 'resume');
			await record(store, resume, at(5), 'resume');
			expect(await store.getConsent(ACCOUNT, WA)).toMatchObject({
				status: 'opted_out',
				source: 'keyword',
			});
		});

		it('older than the newest applied event changes nothing, at the same instant neither', async () => {
			await record(store, { kind: 'set', status: 'opted_in', source: 'keyword' }, at(0), 'START');
			await record(store, stop, at(2), 'stop');
			expect(await record(store, resume, at(1), 'late resume')).toMatchObject({ applied: false });
			expect(await record(store, resume, at(2), 'same instant')).toMatchObject({ applied: false });
			expect(await statusNow()).toBe('opted_out');
			const history = await store.getConsentHistory(ACCOUNT, WA);
			expect(history.map((entry) => entry.applied)).toEqual([true, false, true, false]);
		});

		it('concurrent with a STOP ends blocked whichever commits first', async () => {
			for (let round = 0; round < 5; round++) {
				const base = at(10 * round);
				await record(store, { kind: 'set', status: 'opted_in', source: 'keyword' }, base, 'START');
				await record(store, stop, base + MINUTE, 'stop');
				await Promise.all([
					record(store, resume, base + 2 * MINUTE, 'resume'),
					record(
						store,
						{ kind: 'set', status: 'blocked', source: 'keyword' },
						base + 3 * MINUTE,
						'STOP',
					),
					record(store, resume, base + 2 * MINUTE, 'resume twice'),
				]);
				expect(await statusNow()).toBe('blocked');
			}
		});
	});
});
