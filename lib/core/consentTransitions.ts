/**
 * The consent state machine: what one event does to a contact's current consent. The store applies
 * it (inside its transaction, after the event-time ordering check), the Consent Gate's
 * documentation shows it as a table rendered from this file, and the store tests iterate the same
 * table, so the three cannot drift apart.
 *
 * Events set their status ("the newer event wins"), with two exceptions. A contact's own marketing
 * opt-out (keyword, button, in-app stop) never loosens a STOP: it asks for less, not more, so a
 * blocked contact stays blocked (only an opt-in, or an operator's Set Consent / Import, lifts a
 * block). WhatsApp's in-app "resume marketing" only undoes WhatsApp's own in-app "stop", going back
 * to what the contact had before that stop. It never creates an opt-in and never lifts a STOP, an
 * opt-out keyword or button, or an opt-out recorded through the API.
 */
import type { ConsentStatus } from './consentPolicy';

export type ConsentSourceName = 'keyword' | 'button' | 'in_app' | 'api' | 'import';

/** A contact's current consent: the status and the source of the event that set it. */
export interface ConsentPosition {
	status: ConsentStatus;
	source: ConsentSourceName | null;
}

export type ConsentTransitionEvent =
	{ kind: 'set'; status: ConsentStatus; source: ConsentSourceName } | { kind: 'in_app_resume' };

export type ConsentOutcome =
	| { kind: 'set'; status: ConsentStatus; source: ConsentSourceName }
	/** Back to the consent the contact had before WhatsApp's in-app stop (the store's history knows it). */
	| { kind: 'restore_before_in_app_stop' }
	| { kind: 'unchanged' };

/** WhatsApp's in-app marketing stop (also Meta's error 131050, which reports the same stop). */
export function isInAppStop(position: ConsentPosition): boolean {
	return position.status === 'opted_out' && position.source === 'in_app';
}

function isContactsOwnOptOut(event: { status: ConsentStatus; source: ConsentSourceName }) {
	return event.status === 'opted_out' && event.source !== 'api' && event.source !== 'import';
}

/** The event's effect on the current consent, for an event newer than the one that set it. */
export function consentTransition(
	current: ConsentPosition,
	event: ConsentTransitionEvent,
): ConsentOutcome {
	if (event.kind === 'set') {
		if (isContactsOwnOptOut(event) && current.status === 'blocked') return { kind: 'unchanged' };
		return { kind: 'set', status: event.status, source: event.source };
	}
	return isInAppStop(current) ? { kind: 'restore_before_in_app_stop' } : { kind: 'unchanged' };
}

/** The rows of the documented table: every kind of event the package records. */
export const CONSENT_TABLE_EVENTS: ReadonlyArray<{
	label: string;
	event: ConsentTransitionEvent;
}> = [
	{
		label: 'opt-in: START, the opt-in button, Set Consent / Import `opted_in`',
		event: { kind: 'set', status: 'opted_in', source: 'keyword' },
	},
	{
		label: 'marketing opt-out keyword or phrase (INFOSTOP, "keine Werbung mehr")',
		event: { kind: 'set', status: 'opted_out', source: 'keyword' },
	},
	{
		label: '"Stop promotions" button, "No, thanks" on the opt-in question',
		event: { kind: 'set', status: 'opted_out', source: 'button' },
	},
	{
		label: 'block keyword or phrase (STOP)',
		event: { kind: 'set', status: 'blocked', source: 'keyword' },
	},
	{
		label: "WhatsApp's in-app stop, Meta error 131050",
		event: { kind: 'set', status: 'opted_out', source: 'in_app' },
	},
	{ label: "WhatsApp's in-app resume", event: { kind: 'in_app_resume' } },
	{
		label: 'Set Consent `opted_out` (Import: the same, source import)',
		event: { kind: 'set', status: 'opted_out', source: 'api' },
	},
	{
		label: 'Set Consent or Import `blocked`',
		event: { kind: 'set', status: 'blocked', source: 'api' },
	},
];

/** The columns of the documented table: every current consent that an event can meet. */
export const CONSENT_TABLE_STATES: ReadonlyArray<{ label: string; position: ConsentPosition }> = [
	{ label: '`unknown`', position: { status: 'unknown', source: null } },
	{ label: '`opted_in`', position: { status: 'opted_in', source: 'keyword' } },
	{ label: '`opted_out` (keyword)', position: { status: 'opted_out', source: 'keyword' } },
	{ label: '`opted_out` (button)', position: { status: 'opted_out', source: 'button' } },
	{ label: '`opted_out` (in-app)', position: { status: 'opted_out', source: 'in_app' } },
	{ label: '`opted_out` (API)', position: { status: 'opted_out', source: 'api' } },
	{ label: '`blocked`', position: { status: 'blocked', source: 'keyword' } },
];

const SOURCE_LABELS: Record<ConsentSourceName, string> = {
	keyword: 'keyword',
	button: 'button',
	in_app: 'in-app',
	api: 'API',
	import: 'import',
};

function outcomeLabel(outcome: ConsentOutcome): string {
	switch (outcome.kind) {
		case 'unchanged':
			return 'unchanged';
		case 'restore_before_in_app_stop':
			return 'as before the in-app stop';
		case 'set':
			return outcome.status === 'opted_out'
				? `\`opted_out\` (${SOURCE_LABELS[outcome.source]})`
				: `\`${outcome.status}\``;
	}
}

/** The state machine as the Markdown table docs/nodes/consent-gate.md shows (a test keeps them equal). */
export function renderConsentTransitionTable(): string {
	const header = ['event ↓ / current →', ...CONSENT_TABLE_STATES.map((state) => state.label)];
	const rows = CONSENT_TABLE_EVENTS.map(({ label, event }) => [
		label,
		...CONSENT_TABLE_STATES.map(({ position }) => outcomeLabel(consentTransition(position, event))),
	]);
	return [header, header.map(() => '---'), ...rows]
		.map((cells) => `| ${cells.join(' | ')} |`)
		.join('\n');
}
