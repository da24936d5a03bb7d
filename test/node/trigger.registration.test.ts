/**
 * Activation and deactivation against the emulator over real HTTP, in each registration mode:
 * the emulator verifies the callback with the hub.challenge GET like Meta, then delivers signed
 * webhooks to the trigger served on loopback.
 */
import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { closeAllStores } from '../../lib/store';
import {
	jsonOf,
	OTHER_PHONE_NUMBER_ID,
	PHONE_NUMBER_ID,
	triggerCredentials,
	triggerFixture,
} from '../helpers/triggerSetup';
import {
	runWebhookMethod,
	startTriggerServer,
	type TriggerFixture,
	type TriggerServer,
} from '../helpers/webhookHarness';

let emulator: RunningEmulator;
let control: EmulatorControl;
const servers: TriggerServer[] = [];

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
});

afterEach(async () => {
	await Promise.all(servers.splice(0).map(async (server) => await server.stop()));
	await control.reset();
});

afterAll(async () => {
	await emulator.stop();
	await closeAllStores();
});

function emulatorCredentials(overrides: Record<string, unknown> = {}) {
	const info = emulator.info();
	return triggerCredentials({
		accessToken: info.accessToken,
		businessAccountId: info.wabaId,
		appId: info.appId,
		appSecret: info.appSecret,
		baseUrl: info.baseUrl,
		graphApiVersion: info.graphVersion,
		...overrides,
	});
}

/** A trigger served on loopback; `nodeId` tells two triggers of one test apart. */
async function servedTrigger(
	parameters: Record<string, unknown>,
	nodeId = 'node-a',
): Promise<{ fixture: TriggerFixture; server: TriggerServer }> {
	const fixture: TriggerFixture = {
		...triggerFixture(parameters, emulatorCredentials()),
		nodeId,
		webhookId: `hook-${nodeId}`,
	};
	const server = await startTriggerServer(fixture);
	servers.push(server);
	return { fixture, server };
}

async function activate(fixture: TriggerFixture): Promise<void> {
	if (!(await runWebhookMethod(fixture, 'checkExists')).result) {
		await runWebhookMethod(fixture, 'create');
	}
}

async function customerWrites(text: string, phoneNumberId = PHONE_NUMBER_ID) {
	return await control.inbound({
		from: '+4915112345678',
		name: 'Lena',
		text,
		phoneNumberId,
		waitForDelivery: true,
	});
}

describe('Account Callback Override', () => {
	it('claims the account, receives its messages, and hands it back on delete', async () => {
		const { fixture, server } = await servedTrigger({ registration: 'accountOverride' });
		expect((await runWebhookMethod(fixture, 'checkExists')).result).toBe(false);
		await runWebhookMethod(fixture, 'create');
		expect((await runWebhookMethod(fixture, 'checkExists')).result).toBe(true);
		// The emulator verified the callback with the derived verify token before accepting it.
		expect(server.calls[0]).toMatchObject({ status: 200, body: expect.stringMatching(/^\d+$/) });

		const inbound = await customerWrites('Hallo');
		expect(inbound.delivery).toMatchObject({ delivered: true, httpStatus: 200 });
		expect(jsonOf(server.runs()[0])).toEqual([
			expect.objectContaining({
				messageId: inbound.messageId,
				message: expect.objectContaining({ text: 'Hallo' }),
			}),
		]);

		await runWebhookMethod(fixture, 'delete');
		expect((await runWebhookMethod(fixture, 'checkExists')).result).toBe(false);
		expect((await customerWrites('noch da?')).delivery).toMatchObject({ delivered: false });
	});

	it('reads the credential once per lifecycle call (checkExists, create, delete)', async () => {
		const { fixture } = await servedTrigger({ registration: 'accountOverride' });
		const reads = [];
		for (const method of ['checkExists', 'create', 'checkExists', 'delete'] as const) {
			const call = await runWebhookMethod(fixture, method);
			reads.push([method, call.credentialReads]);
		}
		expect(reads).toEqual([
			['checkExists', 1],
			['create', 1],
			['checkExists', 1],
			['delete', 1],
		]);
	});

	it('refuses to take over an account another callback owns, and leaves it alone on delete', async () => {
		const first = await servedTrigger({ registration: 'accountOverride' }, 'node-a');
		await activate(first.fixture);
		const second = await servedTrigger({ registration: 'accountOverride' }, 'node-b');

		await expect(runWebhookMethod(second.fixture, 'checkExists')).rejects.toThrow(
			/already sends the webhooks of WhatsApp Business Account .* to http:\/\/127\.0\.0\.1:\d+\/webhook\/hook-node-a\/webhook/,
		);
		await runWebhookMethod(second.fixture, 'delete');
		expect((await runWebhookMethod(first.fixture, 'checkExists')).result).toBe(true);
	});

	it('renews its own route when n8n moved to another address (same webhook path)', async () => {
		const old = await servedTrigger({ registration: 'accountOverride' });
		await activate(old.fixture);
		await old.server.stop();

		const moved = await startTriggerServer(old.fixture); // same node and path, new port
		servers.push(moved);
		expect((await runWebhookMethod(old.fixture, 'checkExists')).result).toBe(false);
		await runWebhookMethod(old.fixture, 'create');
		expect((await customerWrites('after the move')).delivery).toMatchObject({
			delivered: true,
			url: moved.webhookUrl,
		});
	});

	it('Meta refuses a callback that does not echo the challenge (token mismatch)', async () => {
		const { fixture } = await servedTrigger({ registration: 'accountOverride' });
		const impostor: TriggerFixture = { ...fixture, nodeId: 'another-node' };
		await expect(runWebhookMethod(impostor, 'create')).rejects.toThrow(
			/Meta refused the webhook registration/,
		);
	});
});

describe('App Subscription', () => {
	it('sets the app’s callback with the app token, receives messages, releases on delete', async () => {
		const { fixture, server } = await servedTrigger({ registration: 'appSubscription' });
		await activate(fixture);
		const { requests } = await runWebhookMethod(fixture, 'checkExists');
		expect(requests.map((request) => new URL(request.url).pathname)).toContain(
			`/${emulator.info().graphVersion}/${emulator.info().appId}/subscriptions`,
		);

		const inbound = await customerWrites('Hi');
		expect(inbound.delivery).toMatchObject({ delivered: true });
		expect(jsonOf(server.runs()[0])[0]).toMatchObject({ messageId: inbound.messageId });

		await runWebhookMethod(fixture, 'delete');
		expect((await runWebhookMethod(fixture, 'checkExists')).result).toBe(false);
	});

	it('without App ID in the credential: a clear error naming the field', async () => {
		const fixture = triggerFixture(
			{ registration: 'appSubscription' },
			emulatorCredentials({ appId: '' }),
		);
		await expect(runWebhookMethod(fixture, 'checkExists')).rejects.toThrow(/needs the App ID/);
	});
});

describe('Number Callback Override', () => {
	it('takes over only the chosen numbers', async () => {
		const { fixture, server } = await servedTrigger({
			registration: 'numberOverride',
			filters: { phoneNumberIds: PHONE_NUMBER_ID },
		});
		await activate(fixture);
		expect((await runWebhookMethod(fixture, 'checkExists')).result).toBe(true);

		expect((await customerWrites('to number 1')).delivery).toMatchObject({ delivered: true });
		expect((await customerWrites('to number 2', OTHER_PHONE_NUMBER_ID)).delivery).toMatchObject({
			delivered: false,
		});
		expect(server.runs()).toHaveLength(1);

		await runWebhookMethod(fixture, 'delete');
		expect((await runWebhookMethod(fixture, 'checkExists')).result).toBe(false);
	});

	it('needs Phone Number IDs', async () => {
		const fixture = triggerFixture({ registration: 'numberOverride' }, emulatorCredentials());
		await expect(runWebhookMethod(fixture, 'checkExists')).rejects.toThrow(/Phone Number IDs/);
	});
});

describe('Manual', () => {
	it('calls nothing at Meta; Meta’s verification with the node’s token succeeds', async () => {
		const verifyToken = 'pasted-into-the-meta-dashboard';
		const { fixture, server } = await servedTrigger({ registration: 'manual', verifyToken });
		const check = await runWebhookMethod(fixture, 'checkExists');
		expect(check).toEqual({ result: true, requests: [], logs: [], credentialReads: 1 });

		// What Meta does when the user saves the URL and token in the dashboard.
		const response = await fetch(
			`${server.webhookUrl}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=42`,
		);
		expect([response.status, await response.text()]).toEqual([200, '42']);
	});

	it('refuses activation without a usable Verify Token and offers a random one', async () => {
		const fixture = triggerFixture(
			{ registration: 'manual', verifyToken: 'short' },
			emulatorCredentials(),
		);
		await expect(runWebhookMethod(fixture, 'checkExists')).rejects.toThrow(
			/Verify Token has 5 characters.*for example [A-Za-z0-9_-]{32}/,
		);
	});
});

it('activation refuses invalid settings with the field named', async () => {
	const fixture = triggerFixture(
		{ registration: 'manual', verifyToken: 'a-long-random-verify-token', events: [] },
		emulatorCredentials(),
	);
	await expect(runWebhookMethod(fixture, 'checkExists')).rejects.toThrow(/Events is empty/);
});
