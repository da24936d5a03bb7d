import { customer, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

const template = (to: string) => ({
	to,
	type: 'template',
	template: { name: 'hello_world', language: { code: 'en_US' } },
});

describe('throughput per business number (130429)', () => {
	it('refuses the send over the number’s messages-per-second cap', async () => {
		await h.control.setPhoneNumber(h.phoneNumberId, { mps: 3 });
		const answers = [];
		for (let index = 0; index < 4; index++)
			answers.push(await h.send(template(`+49151000000${10 + index}`)));
		expect(answers.slice(0, 3).map((answer) => answer.status)).toEqual([200, 200, 200]);
		expect(answers[3].status).toBe(400);
		expect(answers[3].body.error).toMatchObject({
			code: 130429,
			message: '(#130429) Rate limit hit',
		});
	});

	it('counts per number: another number still sends', async () => {
		await h.control.setPhoneNumber(h.phoneNumberId, { mps: 1 });
		expect((await h.send(template('+4915100000010'))).status).toBe(200);
		expect((await h.send(template('+4915100000011'))).body.error.code).toBe(130429);
		expect((await h.send(template('+4915100000011'), h.secondPhoneNumberId)).status).toBe(200);
	});

	it('frees capacity after a second of emulator time', async () => {
		await h.control.settings({ defaultMps: 1 });
		expect((await h.send(template('+4915100000010'))).status).toBe(200);
		expect((await h.send(template('+4915100000011'))).body.error.code).toBe(130429);
		await h.control.advanceClock(1);
		expect((await h.send(template('+4915100000011'))).status).toBe(200);
	});
});

describe('pair rate: same number to the same contact (131056)', () => {
	it('allows a burst, refuses the next send to that contact, and refills over time', async () => {
		await h.control.settings({ pairRate: { burst: 2, refillSeconds: 6 } });
		expect((await h.send(template(customer))).status).toBe(200);
		expect((await h.send(template(customer))).status).toBe(200);
		const refused = await h.send(template(customer));
		expect(refused.status).toBe(400);
		expect(refused.body.error).toMatchObject({
			code: 131056,
			message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
		});
		expect((await h.send(template('+4915100000099'))).status).toBe(200);
		await h.control.advanceClock(6);
		expect((await h.send(template(customer))).status).toBe(200);
		expect((await h.send(template(customer))).body.error.code).toBe(131056);
	});
});
