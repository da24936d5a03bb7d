import { readFile } from 'node:fs/promises';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { sendAsBusiness, springSale } from './business';
import { launchFirefox, type FirefoxPage } from './firefox';

/**
 * The chat page in Firefox (Debian's firefox-esr over WebDriver BiDi, see firefox.ts), against a
 * bare emulator: the docs promise it works in current Chromium and Firefox. A shorter story than
 * chat.test.ts: write as the customer, see the business's messages, tap a reply button, offline.
 *
 * Code that runs in the page is source text (the tests compile without the DOM library).
 */

// Not the form's default number: the test must really type it.
const customer = '+4915187654321';
const customerName = 'Berta';

let emulator: RunningEmulator;
let control: EmulatorControl;
let firefox: FirefoxPage;
let phoneNumberId: string;
let buttonsId: string;

async function sendAndGetId(body: Record<string, unknown>): Promise<string> {
	const answer = await sendAsBusiness(emulator, phoneNumberId, customer, body);
	expect(answer).toMatchObject({ status: 200 });
	return answer.body.messages[0].id as string;
}

/** Polls the emulator until the customer's last message has `type`; the page acts asynchronously. */
async function lastInbound(type: string) {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const last = (await control.inboundMessages({ from: customer })).at(-1);
		if (last?.type === type) return last;
		if (Date.now() > deadline) {
			throw new Error(
				`timed out waiting for the customer's ${type} message; last: ${JSON.stringify(last)}` +
					(firefox.errors.length > 0 ? `\npage errors:\n${firefox.errors.join('\n')}` : ''),
			);
		}
		await new Promise((done) => setTimeout(done, 100));
	}
}

/** The id of the focused element (or its text, for a button without id). */
const focused = `() => {
	const active = document.activeElement;
	return active ? active.id || active.textContent.trim() : null;
}`;

/** What the page shows of each message (null: not drawn); "side" is where its bubble sits. */
const bubbles = `(ids) => ids.map((id) => {
	const node = document.querySelector('[data-message-id="' + CSS.escape(id) + '"]');
	if (!node) return null;
	const text = (selector) => {
		const found = node.querySelector(selector);
		return found && found.checkVisibility() ? found.textContent.trim() : null;
	};
	const list = node.parentElement.getBoundingClientRect();
	const box = node.getBoundingClientRect();
	return {
		visible: node.checkVisibility() && box.width > 0 && box.height > 0,
		side: box.left - list.left < list.right - box.right ? 'left' : 'right',
		quote: text('.quote'),
		header: text('.header'),
		body: text('.text'),
		footer: text('.footer'),
		ticks: node.querySelector('.ticks[role="img"]')?.getAttribute('aria-label') ?? null,
		// The customer's reply buttons; the reaction button (👍) every business bubble has is not one.
		buttons: [...node.querySelectorAll('button:not(.react-button)')]
			.filter((button) => button.checkVisibility() && button.getBoundingClientRect().height > 0)
			.map((button) => button.textContent.trim()),
		links: [...node.querySelectorAll('a')].map((link) => ({
			text: link.textContent.trim(),
			href: link.href,
		})),
	};
})`;

interface Bubble {
	visible: boolean;
	side: 'left' | 'right';
	quote: string | null;
	header: string | null;
	body: string | null;
	footer: string | null;
	ticks: string | null;
	buttons: string[];
	links: Array<{ text: string; href: string }>;
}

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
	phoneNumberId = emulator.info().phoneNumbers[0].id;
	firefox = await launchFirefox();
	await firefox.goto(`${emulator.baseUrl}/chat`);
});

afterAll(async () => {
	await firefox?.close();
	await emulator?.stop();
});

it('writes the first message as the customer through the new-chat form, by keyboard', async () => {
	// Drawn from the emulator's state: no chat yet, the business numbers in the picker.
	await firefox.waitFor(
		'the empty chat list and the business numbers',
		`() => document.getElementById('no-conversations').checkVisibility() &&
			document.getElementById('new-chat-business').options.length > 0`,
	);
	await firefox.click('the phone number field', `() => document.getElementById('new-chat-number')`);
	await firefox.waitFor(
		'the focus in the phone number field',
		focused,
		[],
		(id) => id === 'new-chat-number',
	);
	await firefox.press('Control+a');
	await firefox.type(customer);
	await firefox.press('Tab', 'Control+a');
	await firefox.type(customerName);
	await firefox.press('Tab', 'Tab'); // business number, then "Open chat"
	expect(
		await firefox.call(`() => ({
			number: document.getElementById('new-chat-number').value,
			name: document.getElementById('new-chat-name').value,
			focused: document.activeElement.textContent.trim(),
		})`),
	).toEqual({ number: customer, name: customerName, focused: 'Open chat' });
	await firefox.press('Enter');

	// Opening a chat puts the cursor in the message box, once the chat is drawn.
	await firefox.waitFor(
		'the focus in the message box',
		focused,
		[],
		(id) => id === 'composer-text',
	);
	await firefox.type('Hi from Firefox');
	await firefox.press('Enter');

	const hi = await lastInbound('text');
	expect(hi.message).toMatchObject({ text: { body: 'Hi from Firefox' } });
	expect(hi.phoneNumberId).toBe(phoneNumberId);
	const [shown] = await firefox.waitFor<Array<Bubble | null>>(
		'the customer message in the chat',
		bubbles,
		[[hi.id]],
		([bubble]) => bubble?.body === 'Hi from Firefox',
	);
	expect(shown).toMatchObject({ visible: true, side: 'right' });
	// The message box empties once the emulator has answered the page, which may come a bit later.
	const chat = await firefox.waitFor<{ subtitle: string; window: string; message: string }>(
		'the open window and an empty message box',
		`() => ({
			subtitle: document.getElementById('chat-subtitle').textContent,
			window: document.getElementById('window-status').textContent,
			message: document.getElementById('composer-text').value,
		})`,
		[],
		(found) => found.message === '' && found.window.startsWith('24-hour window open'),
	);
	expect(chat).toEqual({
		subtitle: `You are ${customerName} · ${customer}`,
		window: expect.stringMatching(/^24-hour window open/),
		message: '',
	});
});

it('shows the business messages live: text, template with parameters, reply buttons, ticks', async () => {
	const text = await sendAndGetId({ type: 'text', text: { body: 'Hello Anna! How can we help?' } });
	const template = await sendAndGetId(springSale);
	buttonsId = await sendAndGetId({
		type: 'interactive',
		interactive: {
			type: 'button',
			body: { text: 'Would you like a demo?' },
			footer: { text: 'Tap a button' },
			action: {
				buttons: [
					{ type: 'reply', reply: { id: 'demo-yes', title: 'Yes please' } },
					{ type: 'reply', reply: { id: 'demo-no', title: 'Not now' } },
				],
			},
		},
	});

	const shown = await firefox.waitFor<Array<Bubble | null>>(
		'the three business messages, delivered',
		bubbles,
		[[text, template, buttonsId]],
		(found) => found.every((bubble) => bubble?.ticks === 'Delivered'),
	);
	const business = { visible: true, side: 'left', ticks: 'Delivered' };
	expect(shown).toEqual([
		expect.objectContaining({ ...business, body: 'Hello Anna! How can we help?' }),
		expect.objectContaining({
			...business,
			header: 'Spring Sale',
			body: 'Hi Anna, use code 20% for 20% off everything until Sunday.',
			footer: 'Not interested? Tap Stop promotions',
			buttons: ['↩ Stop promotions'],
			links: [{ text: '↗ Shop now', href: 'https://shop.example.com/sale/anna' }],
		}),
		expect.objectContaining({
			...business,
			body: 'Would you like a demo?',
			footer: 'Tap a button',
			buttons: ['Yes please', 'Not now'],
		}),
	]);
});

it('taps a reply button with the mouse: the business gets the reply to its question', async () => {
	await firefox.click(
		'the "Yes please" button',
		`(id) => [...document.querySelectorAll('[data-message-id="' + CSS.escape(id) + '"] button')]
			.find((button) => button.textContent.trim() === 'Yes please')`,
		buttonsId,
	);
	const reply = await lastInbound('interactive');
	expect(reply.message).toMatchObject({
		context: { id: buttonsId },
		interactive: { type: 'button_reply', button_reply: { id: 'demo-yes', title: 'Yes please' } },
	});
	const [shown] = await firefox.waitFor<Array<Bubble | null>>(
		'the reply in the chat, quoting the question',
		bubbles,
		[[reply.id]],
		([bubble]) => bubble !== null,
	);
	expect(shown).toMatchObject({
		visible: true,
		side: 'right',
		quote: expect.stringContaining('Would you like a demo?'),
	});
});

it('loaded nothing from anywhere but the emulator, and raised no error', async () => {
	const origin = new URL(emulator.baseUrl).origin;
	const loaded = await firefox.call<string[]>(`() => [
		location.href,
		...performance.getEntriesByType('resource').map((entry) => entry.name),
	]`);
	// The page's own files are among them: the list is not empty by accident.
	expect(loaded).toEqual(
		expect.arrayContaining([`${origin}/chat/chat.css`, `${origin}/chat/chat.js`]),
	);
	expect(loaded.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
	// Firefox's own record of the tab's requests, failed or blocked ones included.
	expect(firefox.requests).toEqual(expect.arrayContaining([`${origin}/_emulator/chat/state`]));
	expect(firefox.requests.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
	expect(firefox.errors).toEqual([]);
});

it('takes a screenshot of the chat', async () => {
	const path = await firefox.screenshot('firefox-chat');
	const png = await readFile(path);
	expect(png.subarray(1, 4).toString()).toBe('PNG');
	expect(png.length).toBeGreaterThan(10_000);
});
