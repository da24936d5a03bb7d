import type { Locator, Page } from 'playwright-core';

import { EmulatorControl, startEmulator, type RunningEmulator } from '../../emulator';
import { openBrowser, type BrowserSession } from './browser';
import { sendAsBusiness, springSale, type GraphAnswer } from './business';

/**
 * The chat page against a bare emulator (no n8n): the user plays the customer, the test plays the
 * business through the Graph API, the way a workflow would. One story, step by step.
 */

const customer = '+4915112345678';

let emulator: RunningEmulator;
let control: EmulatorControl;
let browser: BrowserSession;
let page: Page;
let phoneNumberId: string;

function send(body: Record<string, unknown>): Promise<GraphAnswer> {
	return sendAsBusiness(emulator, phoneNumberId, customer, body);
}

async function sendAndGetId(body: Record<string, unknown>): Promise<string> {
	const answer = await send(body);
	expect(answer.status).toBe(200);
	return answer.body.messages[0].id as string;
}

/** Polls the emulator until `probe` finds something; the page acts asynchronously. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
	const deadline = Date.now() + 15_000;
	for (;;) {
		const found = await probe();
		if (found !== undefined) return found;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((done) => setTimeout(done, 50));
	}
}

async function lastInbound(type: string) {
	return await eventually(async () => {
		const inbound = await control.inboundMessages({ from: customer });
		const last = inbound.at(-1);
		return last?.type === type ? last : undefined;
	}, `the customer's ${type} message`);
}

/** Keystrokes go where the focus is: wait for it before typing, as a user looks before typing. */
async function waitForFocus(target: Locator): Promise<void> {
	await target.and(page.locator(':focus')).waitFor();
}

function bubble(messageId: string) {
	return page.locator(`[data-message-id="${messageId}"]`);
}

beforeAll(async () => {
	emulator = await startEmulator();
	control = new EmulatorControl(emulator.baseUrl);
	phoneNumberId = emulator.info().phoneNumbers[0].id;
	browser = await openBrowser([emulator.baseUrl]);
	page = browser.page;
	page.setDefaultTimeout(10_000);
	await page.goto(`${emulator.baseUrl}/chat`);
});

afterAll(async () => {
	await browser?.close();
	await emulator?.stop();
});

it('opens a chat and writes as the customer with the keyboard only', async () => {
	await page.getByText('No chats yet').waitFor();
	// The skip link is the first stop; the new-chat form follows.
	await page.keyboard.press('Tab');
	await page.getByRole('link', { name: 'Skip to the message box' }).waitFor();
	await page.getByLabel('Your phone number').focus();
	await page.keyboard.press('Control+A');
	await page.keyboard.type(customer);
	await page.keyboard.press('Tab');
	await page.keyboard.press('Control+A');
	await page.keyboard.type('Anna');
	await page.keyboard.press('Tab'); // business number
	await page.keyboard.press('Tab'); // Open chat
	await page.keyboard.press('Enter');
	// Opening a chat puts the cursor in the message box, once the chat is drawn.
	await waitForFocus(page.getByLabel('Message as the customer'));
	await page.keyboard.type('Hi');
	await page.keyboard.press('Enter');

	const hi = await lastInbound('text');
	expect(hi.message).toMatchObject({ text: { body: 'Hi' } });
	expect(hi.phoneNumberId).toBe(phoneNumberId);
	await bubble(hi.id).getByText('Hi').waitFor();
	await page.getByRole('button', { name: /^Anna/ }).waitFor();
	await page.getByText('24-hour window open').waitFor();
});

it('shows business messages live as WhatsApp does: templates, buttons, lists, media, ticks', async () => {
	const text = await sendAndGetId({ type: 'text', text: { body: 'Hello Anna! How can we help?' } });
	const template = await sendAndGetId(springSale);
	const buttons = await sendAndGetId({
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
	const image = await sendAndGetId({
		type: 'image',
		image: { link: 'https://example.com/shop.jpg', caption: 'Our shop' },
	});

	await bubble(text).getByText('Hello Anna! How can we help?').waitFor();
	const sale = bubble(template);
	await sale.getByText('Spring Sale', { exact: true }).waitFor();
	await sale.getByText(/Hi Anna, .*20%/).waitFor();
	await sale.locator('.footer').waitFor();
	const shopLink = sale.getByRole('link', { name: /Shop now/ });
	expect(await shopLink.getAttribute('href')).toContain('/sale/anna');
	await sale.getByRole('button', { name: /Stop promotions/ }).waitFor();
	await bubble(buttons).getByRole('button', { name: 'Yes please' }).waitFor();
	await bubble(image).getByText('Photo').waitFor();
	await bubble(image).getByText('https://example.com/shop.jpg').waitFor();
	await bubble(image).getByText('Our shop').waitFor();
	for (const id of [text, template, buttons, image])
		await bubble(id).getByRole('img', { name: 'Delivered' }).waitFor();
});

it('marks everything as read: delivered ticks turn to read', async () => {
	await page.getByRole('button', { name: 'Mark as read' }).click();
	const sent = await control.messages({ to: customer });
	for (const message of sent) await bubble(message.id).getByRole('img', { name: 'Read' }).waitFor();
	expect((await control.messages({ to: customer })).map((message) => message.status)).toEqual(
		sent.map(() => 'read'),
	);
});

it('taps a reply button: the reply reaches the business with the message it answers', async () => {
	const [question] = (await control.messages({ to: customer })).filter(
		(message) => message.type === 'interactive',
	);
	await bubble(question.id).getByRole('button', { name: 'Yes please' }).click();
	const reply = await lastInbound('interactive');
	expect(reply.message).toMatchObject({
		context: { id: question.id },
		interactive: { type: 'button_reply', button_reply: { id: 'demo-yes', title: 'Yes please' } },
	});
	await bubble(reply.id).getByText('Would you like a demo?').waitFor();
});

it("taps a template's quick reply: the business gets its payload", async () => {
	const [sale] = (await control.messages({ to: customer })).filter(
		(message) => message.type === 'template',
	);
	await bubble(sale.id)
		.getByRole('button', { name: /Stop promotions/ })
		.click();
	const reply = await lastInbound('button');
	expect(reply.message).toMatchObject({
		context: { id: sale.id },
		button: { text: 'Stop promotions', payload: 'Stop promotions' },
	});
});

it('picks a row of a list message with the keyboard', async () => {
	// Slow ticks, so that the status changes while the user is on the message's button.
	const defaults = await control.settings();
	await control.settings({ sentAfterMs: 700, deliveredAfterMs: 1400 });
	const list = await sendAndGetId({
		type: 'interactive',
		interactive: {
			type: 'list',
			header: { type: 'text', text: 'Our plans' },
			body: { text: 'Which plan fits you?' },
			action: {
				button: 'See plans',
				sections: [
					{
						title: 'Monthly',
						rows: [
							{ id: 'plan-basic', title: 'Basic', description: '10 EUR a month' },
							{ id: 'plan-pro', title: 'Pro', description: '30 EUR a month' },
						],
					},
				],
			},
		},
	});
	// Focus the button before the ticks change: a new status must not take the focus away from it.
	const seePlans = bubble(list).getByRole('button', { name: /See plans/ });
	await bubble(list).getByRole('img', { name: 'Accepted, not sent yet' }).waitFor();
	await seePlans.focus();
	await bubble(list).getByRole('img', { name: 'Delivered' }).waitFor();
	await control.settings({
		sentAfterMs: defaults.sentAfterMs,
		deliveredAfterMs: defaults.deliveredAfterMs,
	});
	expect(await seePlans.and(page.locator(':focus')).count()).toBe(1);
	await page.keyboard.press('Enter');
	const sheet = page.getByRole('dialog', { name: 'See plans' });
	await sheet.waitFor();
	await browser.screenshot('chat-list');
	// The first row is chosen and focused; the arrow key moves to the next one.
	await page.keyboard.press('ArrowDown');
	expect(await sheet.getByLabel(/Pro/).isChecked()).toBe(true);
	await sheet.getByRole('button', { name: 'Send' }).focus();
	await page.keyboard.press('Enter');
	const reply = await lastInbound('interactive');
	expect(reply.message).toMatchObject({
		context: { id: list },
		interactive: { type: 'list_reply', list_reply: { id: 'plan-pro', title: 'Pro' } },
	});
	await sheet.waitFor({ state: 'hidden' });
	await browser.screenshot('chat');
});

it('stops marketing in the app: the next marketing template fails with 131050', async () => {
	await page.getByRole('button', { name: 'Stop marketing' }).click();
	await page.getByRole('button', { name: 'Resume marketing' }).waitFor();
	const blocked = await sendAndGetId(springSale);
	await bubble(blocked)
		.getByText(/Not delivered: \(#131050\)/)
		.waitFor();
	await bubble(blocked).getByRole('img', { name: 'Failed' }).waitFor();

	await page.getByRole('button', { name: 'Resume marketing' }).click();
	await page.getByRole('button', { name: 'Stop marketing' }).waitFor();
	const allowed = await sendAndGetId(springSale);
	await bubble(allowed).getByRole('img', { name: 'Delivered' }).waitFor();
});

it('switches a business number offline and back: sends are refused with 133010 meanwhile', async () => {
	await page.getByRole('button', { name: 'Switch offline: +1 555-078-3881' }).click();
	await page.getByRole('button', { name: 'Bring online: +1 555-078-3881' }).waitFor();
	await page.getByText('business number disconnected').waitFor();
	const refused = await send({ type: 'text', text: { body: 'Are you there?' } });
	expect(refused.status).toBe(400);
	expect(refused.body.error.code).toBe(133010);

	await page.getByRole('button', { name: 'Bring online: +1 555-078-3881' }).click();
	await page.getByRole('button', { name: 'Switch offline: +1 555-078-3881' }).waitFor();
	expect((await send({ type: 'text', text: { body: 'Back online' } })).status).toBe(200);
});

it('moves the clock forward: the 24-hour window closes and free-form messages fail with 131047', async () => {
	await page.getByLabel('Move the clock forward by').selectOption('24');
	await page.getByRole('button', { name: 'Advance clock' }).click();
	await page.getByText('The 24-hour window closed').waitFor();
	const late = await sendAndGetId({ type: 'text', text: { body: 'Still there?' } });
	await bubble(late)
		.getByText(/Not delivered: \(#131047\)/)
		.waitFor();
	await browser.screenshot('chat-window-closed');
});

it('resets the emulator: every chat is gone', async () => {
	await page.getByRole('button', { name: 'Reset emulator' }).click();
	await page.getByText('No chats yet').waitFor();
	expect(await control.inboundMessages()).toEqual([]);
	await page.getByText('Write the first message below').waitFor();
});

it('loaded nothing from anywhere but the emulator', () => {
	expect(browser.foreignRequests).toEqual([]);
});
