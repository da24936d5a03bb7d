/** The gate in front of the trigger's pipeline: authenticity, size, event count, own account. */
import { signMetaPayload } from '../../lib/core/signature';
import { parseWebhookPayload } from '../../lib/core/webhookEvents';
import {
	checkDelivery,
	keepOwnAccount,
	MAX_WEBHOOK_BODY_BYTES,
	MAX_WEBHOOK_EVENTS,
	publicRefusal,
} from '../../lib/inbound';

const SECRET = 'gate-test-secret';
const ACCOUNT = '419561257915477';

function statusBody(count: number, account = ACCOUNT): Buffer {
	const statuses = Array.from({ length: count }, (_, index) => ({
		id: `wamid.s${index}`,
		status: 'delivered',
		timestamp: '1700000000',
		recipient_id: '4915112345678',
	}));
	return Buffer.from(
		JSON.stringify({
			object: 'whatsapp_business_account',
			entry: [
				{
					id: account,
					changes: [
						{
							field: 'messages',
							value: {
								messaging_product: 'whatsapp',
								metadata: { display_phone_number: '15550783881', phone_number_id: '1065' },
								statuses,
							},
						},
					],
				},
			],
		}),
	);
}

function signed(rawBody: Buffer) {
	return { rawBody, signatureHeader: signMetaPayload(rawBody, SECRET), appSecret: SECRET };
}

describe('checkDelivery', () => {
	it(`accepts Meta's largest batch (${MAX_WEBHOOK_EVENTS} events) and refuses one more with 413`, () => {
		const full = checkDelivery(signed(statusBody(MAX_WEBHOOK_EVENTS)));
		expect(full.ok && full.parsed.events).toHaveLength(MAX_WEBHOOK_EVENTS);
		expect(checkDelivery(signed(statusBody(MAX_WEBHOOK_EVENTS + 1)))).toEqual({
			ok: false,
			status: 413,
			reason: expect.stringMatching(/1001 events, more than the 1000/),
		});
	});

	it('a full batch of 1,000 status updates stays far below the body cap', () => {
		expect(statusBody(MAX_WEBHOOK_EVENTS).length * 2).toBeLessThan(MAX_WEBHOOK_BODY_BYTES);
		expect(MAX_WEBHOOK_BODY_BYTES).toBe(3 * 1024 * 1024);
	});

	it('counts malformed parts too, so a flood of junk entries is refused as well', () => {
		const raw = Buffer.from(
			JSON.stringify({
				object: 'whatsapp_business_account',
				entry: Array.from({ length: MAX_WEBHOOK_EVENTS + 1 }, () => 7),
			}),
		);
		expect(checkDelivery(signed(raw))).toMatchObject({ ok: false, status: 413 });
	});

	it('without an app secret refuses unsigned bodies unless unsigned deliveries are accepted', () => {
		const rawBody = statusBody(1);
		const base = { rawBody, signatureHeader: undefined, appSecret: '' };
		expect(checkDelivery(base)).toEqual({
			ok: false,
			status: 401,
			reason: expect.stringMatching(/no App Secret.*"Accept Unsigned Deliveries \(Insecure\)"/),
		});
		expect(checkDelivery({ ...base, appSecret: undefined })).toMatchObject({ status: 401 });
		expect(checkDelivery({ ...base, acceptUnsigned: true })).toMatchObject({ ok: true });
	});

	it('with an app secret, accepting unsigned deliveries changes nothing', () => {
		const rawBody = statusBody(1);
		expect(
			checkDelivery({
				rawBody,
				signatureHeader: undefined,
				appSecret: SECRET,
				acceptUnsigned: true,
			}),
		).toMatchObject({ ok: false, status: 401 });
	});

	it('tells callers only the status text', () => {
		expect([400, 401, 403, 413].map((status) => publicRefusal(status as 400))).toEqual([
			'Bad Request',
			'Unauthorized',
			'Forbidden',
			'Payload Too Large',
		]);
	});
});

describe('keepOwnAccount', () => {
	const mixed = () => {
		const own = JSON.parse(statusBody(2).toString());
		const other = JSON.parse(statusBody(3, '555000111222333').toString());
		const anonymous = JSON.parse(statusBody(1).toString());
		delete anonymous.entry[0].id;
		return parseWebhookPayload({
			...own,
			entry: [...own.entry, ...other.entry, ...anonymous.entry],
		});
	};

	it("keeps the credential's account and counts the dropped events per foreign account", () => {
		const split = keepOwnAccount(mixed(), ACCOUNT);
		expect(split.parsed.events.map((event) => event.businessAccountId)).toEqual([ACCOUNT, ACCOUNT]);
		expect(split.foreign).toEqual([
			{ businessAccountId: '555000111222333', count: 3 },
			{ businessAccountId: null, count: 1 },
		]);
	});

	it('leaves a delivery of the own account untouched', () => {
		const parsed = parseWebhookPayload(JSON.parse(statusBody(2).toString()));
		expect(keepOwnAccount(parsed, ACCOUNT)).toEqual({ parsed, foreign: [] });
	});

	it('without an account in the credential attributes nothing and drops nothing', () => {
		const parsed = mixed();
		expect(keepOwnAccount(parsed, '')).toEqual({ parsed, foreign: [] });
	});
});
