/**
 * The sandbox (`npm start`), the e2e examples test and the browser chat story name the example
 * workflows through test/helpers/examples.ts. A renamed, removed or added example must fail here,
 * in the fast tests: the browser and e2e projects need a real n8n and run rarely.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { WhatsAppAiReply } from '../../nodes/WhatsAppAiReply/WhatsAppAiReply.node';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { WhatsAppAutomationTrigger } from '../../nodes/WhatsAppAutomationTrigger/WhatsAppAutomationTrigger.node';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import { WhatsAppFollowUpWait } from '../../nodes/WhatsAppFollowUpWait/WhatsAppFollowUpWait.node';
import { name as PACKAGE_NAME } from '../../package.json';
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

describe('the nodes of this package in the example workflows', () => {
	const defaultVersions: Record<string, number> = Object.fromEntries(
		[
			new WhatsAppAutomation(),
			new WhatsAppAiReply(),
			new WhatsAppConsentGate(),
			new WhatsAppFollowUpWait(),
			new WhatsAppAutomationTrigger(),
		].map(({ description }) => [
			`${PACKAGE_NAME}.${description.name}`,
			description.defaultVersion ?? (description.version as number),
		]),
	);

	// What users import is what n8n would create today: a trigger saved at version 1 makes n8n
	// evaluate an expression on every delivery (nodes/helpers/webhookNodeVersion.ts).
	it.each(named)('%s uses each of our nodes at its current default version', (file) => {
		const workflow = JSON.parse(readFileSync(examplePath(file), 'utf8')) as {
			nodes: { name: string; type: string; typeVersion: number }[];
		};
		const ours = workflow.nodes.filter((node) => node.type.startsWith(`${PACKAGE_NAME}.`));
		expect(ours.map(({ name, type, typeVersion }) => ({ name, type, typeVersion }))).toEqual(
			ours.map(({ name, type }) => ({ name, type, typeVersion: defaultVersions[type] })),
		);
	});

	it('the nodes that receive webhook calls default to a version above 1', () => {
		expect([
			new WhatsAppAutomationTrigger().description.defaultVersion,
			new WhatsAppFollowUpWait().description.defaultVersion,
		]).toEqual([1.1, 1.2]);
	});
});
