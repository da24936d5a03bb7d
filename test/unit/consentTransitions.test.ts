/**
 * The state machine table in docs/nodes/consent-gate.md is the one the code renders, so the
 * documentation cannot drift from what the store does (the store tests run every cell).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { consentTransition, renderConsentTransitionTable } from '../../lib/core/consentTransitions';

/** Rows of cells, ignoring the padding Prettier adds and the separator row. */
function cellsOf(table: string): string[][] {
	return table
		.trim()
		.split('\n')
		.map((line) =>
			line
				.split('|')
				.slice(1, -1)
				.map((cell) => cell.trim()),
		)
		.filter((cells) => !cells.every((cell) => /^-+$/.test(cell)));
}

describe('consent state machine', () => {
	it('docs/nodes/consent-gate.md shows the table the code renders', () => {
		const doc = readFileSync(path.join(__dirname, '../../docs/nodes/consent-gate.md'), 'utf8');
		const shown =
			/<!-- consent-transitions:start -->([\s\S]*?)<!-- consent-transitions:end -->/.exec(doc);
		expect(shown).not.toBeNull();
		expect(cellsOf(shown![1])).toEqual(cellsOf(renderConsentTransitionTable()));
	});

	it("a contact's own marketing opt-out never loosens a STOP; an opt-in or an operator's setting does", () => {
		const blocked = { status: 'blocked', source: 'keyword' } as const;
		for (const source of ['keyword', 'button', 'in_app'] as const) {
			expect(consentTransition(blocked, { kind: 'set', status: 'opted_out', source })).toEqual({
				kind: 'unchanged',
			});
		}
		expect(
			consentTransition(blocked, { kind: 'set', status: 'opted_in', source: 'keyword' }),
		).toEqual({ kind: 'set', status: 'opted_in', source: 'keyword' });
		expect(consentTransition(blocked, { kind: 'set', status: 'opted_out', source: 'api' })).toEqual(
			{
				kind: 'set',
				status: 'opted_out',
				source: 'api',
			},
		);
	});

	it('a resume lifts only an in-app stop', () => {
		const resume = { kind: 'in_app_resume' } as const;
		expect(consentTransition({ status: 'opted_out', source: 'in_app' }, resume)).toEqual({
			kind: 'restore_before_in_app_stop',
		});
		for (const source of ['keyword', 'button', 'api', 'import'] as const) {
			expect(consentTransition({ status: 'opted_out', source }, resume)).toEqual({
				kind: 'unchanged',
			});
		}
		expect(consentTransition({ status: 'blocked', source: 'keyword' }, resume).kind).toBe(
			'unchanged',
		);
		expect(consentTransition({ status: 'unknown', source: null }, resume).kind).toBe('unchanged');
	});
});
