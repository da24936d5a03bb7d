/**
 * The send node's Handover resource against the real store (SQLite) and the routing of published
 * trigger workflows (docs/nodes/trigger.md, "Handing a contact over to a person"): a fallback bot
 * and a logger receiving every event, served by a fake n8n on loopback that counts their runs.
 * The store side of handovers runs on both backends in test/store/.
 */
import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { closeAllStores, openStore, type Store } from '../../lib/store';
import { WhatsAppAutomation } from '../../nodes/WhatsAppAutomation/WhatsAppAutomation.node';
import { FakeWebhookN8n } from '../helpers/fakeWebhookN8n';
import { runNode } from '../helpers/nodeHarness';
import {
	jsonOf,
	tempSqlitePath,
	triggerCredentials,
	triggerFixture,
} from '../helpers/triggerSetup';
import type { TriggerFixture } from '../helpers/webhookHarness';

const CUSTOMER = '+4915112345678';
const CUSTOMER_WA_ID = '4915112345678';
const HOUR = 3600_000;

let emulator: RunningEmulator;
let control: EmulatorControl;
let n8n: FakeWebhookN8n;
let credentials: Record<string, unknown>;
let store: Store;
let bot: TriggerFixture;
let logger: TriggerFixture;

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
});

beforeEach(async () => {
	n8n = await FakeWebhookN8n.start();
	const info = emulator.info();
	const sqlitePath = tempSqlitePath();
	credentials = triggerCredentials({
		accessToken: info.accessToken,
		businessAccountId: info.wabaId,
		appId: info.appId,
		appSecret: info.appSecret,
		baseUrl: info.baseUrl,
		graphApiVersion: info.graphVersion,
		sqlitePath,
	});
	const workflow = (name: string, parameters: Record<string, unknown>): TriggerFixture => ({
		...triggerFixture({ registration: 'accountOverride', ...parameters }, credentials),
		workflowId: `wf-${name}`,
		nodeId: `node-${name}`,
		webhookId: `hook-${name}`,
	});
	bot = workflow('bot', { events: ['messageReceived'] });
	logger = workflow('logger', { events: ['messageReceived'], routingRole: 'every' });
	await n8n.publish('bot', bot);
	await n8n.publish('logger', logger);
	store = await openStore({ backend: 'sqlite', path: sqlitePath });
});

afterEach(async () => {
	jest.useRealTimers();
	await n8n.close();
	await control.reset();
});

afterAll(async () => {
	await closeAllStores();
	await emulator.stop();
});

async function customerWrites(text: string): Promise<void> {
	const { delivery } = await control.inbound({
		from: CUSTOMER,
		name: 'Lena',
		text,
		waitForDelivery: true,
	});
	expect(delivery).toMatchObject({ httpStatus: 200 });
}

const runCounts = () => ({ bot: n8n.runs('bot').length, logger: n8n.runs('logger').length });

/** The send node's Handover resource, for the items given (by default: the bot's last run). */
async function handover(
	parameters: Record<string, unknown>,
	items = n8n.runs('bot').at(-1),
	continueOnFail = false,
) {
	const run = await runNode({
		node: new WhatsAppAutomation(),
		parameters: { resource: 'handover', ...parameters },
		items,
		credentials: { whatsAppCloudApi: credentials },
		continueOnFail,
	});
	return run.output![0];
}

describe('Hand Over to a Person and Return to Automation', () => {
	it('a handed-over contact reaches only the every-event logger, flagged; back in automation the bot answers again', async () => {
		await customerWrites('I want to talk to a person');
		expect(runCounts()).toEqual({ bot: 1, logger: 1 });

		// The contact is the incoming item's, by default.
		const handedOver = await handover({
			operation: 'handOver',
			handoverReason: 'asked for a person',
		});
		const since = (handedOver[0].json.handover as { since: string }).since;
		expect(handedOver).toEqual([
			{
				json: {
					handover: {
						contact: CUSTOMER_WA_ID,
						active: true,
						since: expect.any(String),
						until: null,
						reason: 'asked for a person',
					},
				},
				pairedItem: { item: 0 },
			},
		]);

		await customerWrites('Hello? Anyone there?');
		expect(runCounts()).toEqual({ bot: 1, logger: 2 });
		expect(jsonOf(n8n.runs('logger')[1])[0]).toMatchObject({
			message: { text: 'Hello? Anyone there?' },
			routing: { role: 'every', rule: 'every', duringHandover: true },
			handover: {
				since,
				until: null,
				reason: 'asked for a person',
			},
		});

		const returned = await handover({ operation: 'returnToAutomation' }, n8n.runs('logger').at(-1));
		expect(returned).toEqual([
			{
				json: {
					handover: {
						contact: CUSTOMER_WA_ID,
						active: false,
						since,
						until: null,
						reason: 'asked for a person',
						released: true,
					},
				},
				pairedItem: { item: 0 },
			},
		]);

		await customerWrites('thanks, bye');
		expect(runCounts()).toEqual({ bot: 2, logger: 3 });
		expect(jsonOf(n8n.runs('bot')[1])[0]).toMatchObject({
			routing: { role: 'fallback', duringHandover: false },
			handover: null,
		});
	});

	it('a timed handover ends by itself at its time', async () => {
		const until = new Date(Date.now() + HOUR).toISOString();
		const [item] = await handover(
			{
				operation: 'handOver',
				contact: CUSTOMER,
				handoverDuration: 'untilTime',
				handoverUntil: until,
			},
			[{ json: {} }],
		);
		expect(item.json.handover).toMatchObject({ active: true, until, reason: null });

		await customerWrites('still there?');
		expect(runCounts()).toEqual({ bot: 0, logger: 1 });

		// Only the clock moves past the handover's end: nobody releases it.
		setClock(Date.now() + HOUR + 1000);
		await customerWrites('hello again');
		expect(runCounts()).toEqual({ bot: 1, logger: 2 });
		expect(jsonOf(n8n.runs('bot')[0])[0]).toMatchObject({
			routing: { role: 'fallback', duringHandover: false },
		});
		expect(
			await store.getHandover(emulator.info().wabaId, CUSTOMER_WA_ID, Date.now()),
		).toMatchObject({ active: false });
	});

	it('Return to Automation for a contact that is not handed over says so and changes nothing', async () => {
		const [item] = await handover({ operation: 'returnToAutomation', contact: CUSTOMER }, [
			{ json: {} },
		]);
		expect(item.json.handover).toEqual({
			contact: CUSTOMER_WA_ID,
			active: false,
			since: null,
			until: null,
			reason: null,
			released: false,
		});
	});

	it('names the field, the value and the fix: a contact that is no WhatsApp id, an until in the past (per item under Continue On Fail)', async () => {
		const past = new Date(Date.now() - HOUR).toISOString();
		const items = [
			{ json: { contact: 'Lena Berg', until: past } },
			{ json: { contact: CUSTOMER, until: past } },
			{ json: { contact: CUSTOMER, until: new Date(Date.now() + HOUR).toISOString() } },
		];
		const output = await handover(
			{
				operation: 'handOver',
				contact: (_: number, item: { json: { contact: string } }) => item.json.contact,
				handoverDuration: 'untilTime',
				handoverUntil: (_: number, item: { json: { until: string } }) => item.json.until,
			},
			items,
			true,
		);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json.error).toMatchObject({
			field: 'Contact',
			value: 'Lena Berg',
			fix: expect.stringContaining('E.164'),
		});
		expect(output[1].json.error).toMatchObject({
			message: expect.stringContaining('Until is in the past'),
			field: 'Until',
			value: past,
			fix: expect.stringContaining('Until Released'),
		});
		expect(output[2].json.handover).toMatchObject({ contact: CUSTOMER_WA_ID, active: true });

		// Without Continue On Fail the first bad item stops the run, naming it.
		await expect(
			handover({ operation: 'handOver', contact: '0151 1234567' }, [{ json: {} }]),
		).rejects.toMatchObject({
			message: expect.stringContaining('Contact'),
			context: { itemIndex: 0 },
		});
	});
});

/** Fakes only Date, at `now`: the emulator, the HTTP servers and the store keep their real timers. */
function setClock(now: number): void {
	jest.useFakeTimers({
		now,
		doNotFake: [
			'hrtime',
			'nextTick',
			'performance',
			'queueMicrotask',
			'requestAnimationFrame',
			'cancelAnimationFrame',
			'requestIdleCallback',
			'cancelIdleCallback',
			'setImmediate',
			'clearImmediate',
			'setInterval',
			'clearInterval',
			'setTimeout',
			'clearTimeout',
		],
	});
}
