/**
 * The sandbox (`npm start`), the e2e examples test and the browser chat story name the example
 * workflows through test/helpers/examples.ts. A renamed, removed or added example must fail here,
 * in the fast tests: the browser and e2e projects need a real n8n and run rarely.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EXAMPLES, EXAMPLES_DIR, examplePath } from '../helpers/examples';

const named = Object.values(EXAMPLES).sort();

describe('the example workflows', () => {
	it('are exactly the files of examples/ the tests name', () => {
		const files = readdirSync(EXAMPLES_DIR)
			.filter((file) => file.endsWith('.json'))
			.sort();
		expect(files).toEqual(named);
	});

	it('are each linked from examples/README.md, and the README links no other', () => {
		const readme = readFileSync(join(EXAMPLES_DIR, 'README.md'), 'utf8');
		const linked = [...readme.matchAll(/\]\(([^)]+\.json)\)/g)].map((match) => match[1]).sort();
		expect([...new Set(linked)]).toEqual(named);
	});

	it.each(named)('%s is a workflow n8n can import: a name, nodes and connections', (file) => {
		const workflow = JSON.parse(readFileSync(examplePath(file), 'utf8')) as Record<string, unknown>;
		expect(workflow).toEqual(
			expect.objectContaining({
				name: expect.any(String),
				nodes: expect.any(Array),
				connections: expect.any(Object),
			}),
		);
	});
});
