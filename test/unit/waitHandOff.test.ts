import { parseWebhookPayload, type InboundMessageEvent } from '../../lib/core/webhookEvents';
import type { WaitRecord } from '../../lib/store/types';
import { acceptsHandOff, parseHandOffBody } from '../../lib/waits/handOff';
import { metaFixture } from '../helpers/metaFixtures';

const claimKey = 'key-of-the-wait';

const event = parseWebhookPayload(metaFixture('webhooks/post-request/text-message.json'))
	.events[0] as InboundMessageEvent;

function wait(overrides: Partial<WaitRecord> = {}): WaitRecord {
	return {
		id: 'wait-1',
		phoneNumberId: '106540352242922',
		executionId: '42',
		workflowId: 'wf',
		resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/42?signature=token',
		secret: claimKey,
		deadline: new Date('2026-06-10T14:00:00Z'),
		matchRule: { kind: 'anyMessage' },
		status: 'claimed',
		createdAt: new Date('2026-06-10T10:00:00Z'),
		resolvedAt: new Date('2026-06-10T11:00:00Z'),
		sequence: 'wf',
		followUp: 1,
		...overrides,
	};
}

describe('parseHandOffBody', () => {
	it('reads a reply hand-off with its event and a cancel hand-off without one', () => {
		expect(
			parseHandOffBody({ waitId: 'wait-1', secret: 'x', outcome: 'replied', event, extra: 1 }),
		).toEqual({ waitId: 'wait-1', secret: 'x', outcome: 'replied', event });
		expect(parseHandOffBody({ waitId: 'wait-1', secret: 'x', outcome: 'cancelled' })).toEqual({
			waitId: 'wait-1',
			secret: 'x',
			outcome: 'cancelled',
		});
	});

	it.each([
		['nothing', undefined],
		['a string', 'hello'],
		['no secret', { waitId: 'wait-1', outcome: 'cancelled' }],
		['no wait id', { secret: 'x', outcome: 'cancelled' }],
		['an unknown outcome', { waitId: 'wait-1', secret: 'x', outcome: 'timedOut' }],
		['a reply without its message', { waitId: 'wait-1', secret: 'x', outcome: 'replied' }],
		[
			'a reply with a status event',
			{ waitId: 'w', secret: 'x', outcome: 'replied', event: { event: 'status' } },
		],
	])('refuses %s', (_name, body) => {
		expect(parseHandOffBody(body)).toBeNull();
	});
});

describe('acceptsHandOff', () => {
	const replied = { waitId: 'wait-1', secret: claimKey, outcome: 'replied' as const, event };

	it('accepts the claimer of this execution’s wait', () => {
		expect(acceptsHandOff(wait(), '42', replied)).toBe(true);
		expect(
			acceptsHandOff(wait({ status: 'cancelled' }), '42', { ...replied, outcome: 'cancelled' }),
		).toBe(true);
	});

	it.each([
		['no such wait', null, replied],
		['another execution', wait({ executionId: '43' }), replied],
		['a wrong secret', wait(), { ...replied, secret: claimKey.toUpperCase() }],
		['a prefix of the secret', wait(), { ...replied, secret: claimKey.slice(0, 6) }],
		['a wait nobody claimed', wait({ status: 'waiting' }), replied],
		['a reply to a cancelled wait', wait({ status: 'cancelled' }), replied],
		['a cancel of a claimed wait', wait(), { ...replied, outcome: 'cancelled' as const }],
		['an expired wait', wait({ status: 'expired' }), replied],
		['a wait without a secret', wait({ secret: null }), replied],
		['a settled wait (a replayed hand-off)', wait({ resumeUrl: null, secret: null }), replied],
	])('refuses %s', (_name, record, body) => {
		expect(acceptsHandOff(record, '42', body)).toBe(false);
	});
});
