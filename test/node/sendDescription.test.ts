/**
 * The editor sees a node through its description: parameter names, defaults, display options,
 * option order, display names and descriptions. Saved workflows (and examples/) depend on every
 * one of them, so the send node's layout may change but what it describes may not. The fixtures
 * were written from the node before its operations moved into one file each; the Consent Gate
 * borrows the send node's sender and template pickers, so its description is pinned as well. The
 * Follow-up Wait (sender picker), the AI Reply and the trigger (credential) were pinned, from the nodes as they
 * were, before the helpers the nodes share moved into one folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeTypeDescription } from 'n8n-workflow';

import { WhatsAppAiReply } from '../../nodes/WhatsAppAiReply/WhatsAppAiReply.node';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { WhatsAppAutomationTrigger } from '../../nodes/WhatsAppAutomationTrigger/WhatsAppAutomationTrigger.node';
import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import { WhatsAppFollowUpWait } from '../../nodes/WhatsAppFollowUpWait/WhatsAppFollowUpWait.node';

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

	it('the Follow-up Wait, which reuses the sender picker, is unchanged', () => {
		expect(asEditorSeesIt(new WhatsAppFollowUpWait().description)).toStrictEqual(
			fixture('followUpWaitDescription.json'),
		);
	});

	it('the AI Reply is unchanged', () => {
		expect(asEditorSeesIt(new WhatsAppAiReply().description)).toStrictEqual(
			fixture('aiReplyDescription.json'),
		);
	});

	it('the trigger is unchanged', () => {
		expect(asEditorSeesIt(new WhatsAppAutomationTrigger().description)).toStrictEqual(
			fixture('triggerDescription.json'),
		);
	});
});
