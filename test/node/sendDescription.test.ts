/**
 * The editor sees a node through its description: parameter names, defaults, display options,
 * option order, display names and descriptions. Saved workflows (and examples/) depend on every
 * one of them, so the send node's layout may change but what it describes may not. The fixtures
 * were written from the node before its operations moved into one file each; the Consent Gate
 * borrows the send node's sender and template pickers, so its description is pinned as well.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeTypeDescription } from 'n8n-workflow';

import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';

function fixture(name: string): unknown {
	return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
}

/** What n8n serializes for the editor (undefined fields disappear, as they do there). */
function asEditorSeesIt(description: INodeTypeDescription): unknown {
	return JSON.parse(JSON.stringify(description));
}

describe('node descriptions the editor sees', () => {
	it('the send node describes exactly the parameters it described before', () => {
		expect(asEditorSeesIt(new WhatsAppAutomation().description)).toStrictEqual(
			fixture('sendNodeDescription.json'),
		);
	});

	it('the Consent Gate, which reuses the send node’s pickers, is unchanged too', () => {
		expect(asEditorSeesIt(new WhatsAppConsentGate().description)).toStrictEqual(
			fixture('consentGateDescription.json'),
		);
	});
});
