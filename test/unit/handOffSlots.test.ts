import { HandOffSlots } from '../../lib/waits/handOffSlots';

/** A sleep the test ends by hand, so no timer decides the outcome. */
function manualSleep() {
	const pending: Array<() => void> = [];
	return {
		sleep: async () => await new Promise<void>((resolve) => pending.push(resolve)),
		elapse: () => pending.splice(0).forEach((resolve) => resolve()),
	};
}

const FAR = new Date(Date.now() + 60_000);
const tick = async () => await new Promise((resolve) => setImmediate(resolve));

describe('HandOffSlots', () => {
	it('grants up to its limit at once and the rest in order of arrival as slots come back', async () => {
		const slots = new HandOffSlots(2, manualSleep());
		const granted: string[] = [];
		const take = (name: string) =>
			slots.acquire(FAR).then((release) => {
				granted.push(name);
				return release!;
			});
		const a = await take('a');
		const b = await take('b');
		const c = take('c');
		const d = take('d');
		await tick();
		expect(granted).toEqual(['a', 'b']);
		expect(slots.waiting).toBe(2);

		b();
		await tick();
		expect(granted).toEqual(['a', 'b', 'c']);
		a();
		a(); // a second release gives back nothing more
		await tick();
		expect(granted).toEqual(['a', 'b', 'c', 'd']);
		(await c)();
		(await d)();
		// all four slots back: two can be taken at once again, a third waits
		await take('e');
		await take('f');
		void take('g');
		await tick();
		expect(granted).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
	});

	it('answers null when no slot frees up before the deadline, and forgets the waiter', async () => {
		const clock = manualSleep();
		const slots = new HandOffSlots(1, clock);
		const held = (await slots.acquire(FAR))!;
		const late = slots.acquire(FAR);
		await tick();
		clock.elapse();
		expect(await late).toBeNull();
		expect(slots.waiting).toBe(0);
		held();
		// the slot it would have had is free for the next caller
		expect(await slots.acquire(FAR)).toEqual(expect.any(Function));
	});

	it('answers null at once when every slot is taken and the deadline has passed', async () => {
		const slots = new HandOffSlots(1, manualSleep());
		await slots.acquire(FAR);
		expect(await slots.acquire(new Date(Date.now() - 1))).toBeNull();
		expect(slots.waiting).toBe(0);
	});

	it('refuses a limit that is not a whole number of at least one', () => {
		expect(() => new HandOffSlots(0)).toThrow(RangeError);
		expect(() => new HandOffSlots(1.5)).toThrow(RangeError);
	});
});
