import type { BusinessBubble, ChatSnapshot, CustomerBubble } from '../../emulator/chat/view-types';
import { customer, customerWaId, eventually, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

async function chatState(query: Record<string, string> = {}): Promise<ChatSnapshot> {
	const response = await fetch(
		`${h.emulator.baseUrl}/_emulator/chat/state?${new URLSearchParams(query).toString()}`,
	);
	expect(response.status).toBe(200);
	return (await response.json()) as ChatSnapshot;
}

async function conversation(phoneNumberId = h.phoneNumberId) {
	const snapshot = await chatState({ phoneNumberId, contact: customer });
	if (!snapshot.conversation) throw new Error('no conversation in the snapshot');
	return snapshot.conversation;
}

async function sendAndGetId(body: Record<string, unknown>): Promise<string> {
	const answer = await h.send({ to: customer, ...body });
	expect(answer.status).toBe(200);
	return answer.body.messages[0].id as string;
}

async function businessBubble(id: string): Promise<BusinessBubble> {
	const bubble = (await conversation()).bubbles.find((candidate) => candidate.id === id);
	if (bubble?.from !== 'business') throw new Error(`no business bubble ${id}`);
	return bubble;
}

describe('the chat page and its assets', () => {
	it.each(['/', '/chat'])(
		'serves the page at %s with a policy that forbids other origins',
		async (path) => {
			const response = await fetch(`${h.emulator.baseUrl}${path}`);
			expect(response.status).toBe(200);
			expect(response.headers.get('content-type')).toContain('text/html');
			expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
			const html = await response.text();
			expect(html).toContain('/chat/chat.js');
			expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
		},
	);

	it.each([
		['/chat/chat.js', 'text/javascript'],
		['/chat/chat.css', 'text/css'],
		['/chat/icon.svg', 'image/svg+xml'],
	])('serves %s as %s', async (path, type) => {
		const response = await fetch(`${h.emulator.baseUrl}${path}`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toContain(type);
	});

	it('serves nothing else from the page folder', async () => {
		const response = await fetch(`${h.emulator.baseUrl}/chat/../routes.ts`);
		expect(response.status).not.toBe(200);
		const other = await fetch(`${h.emulator.baseUrl}/chat/snapshot.ts`);
		expect(other.status).toBe(400);
	});
});

describe('GET /_emulator/chat/state', () => {
	it('renders a template as the phone shows it: header, filled body, footer, buttons', async () => {
		await h.control.inbound({ from: customer, text: 'Hi' });
		const id = await sendAndGetId({
			type: 'template',
			template: {
				name: 'spring_sale',
				language: { code: 'en_US' },
				components: [
					{
						type: 'body',
						parameters: [
							{ type: 'text', text: 'Anna' },
							{ type: 'text', text: '20%' },
						],
					},
					{
						type: 'button',
						sub_type: 'url',
						index: '0',
						parameters: [{ type: 'text', text: 'anna-20' }],
					},
				],
			},
		});
		const bubble = await businessBubble(id);
		expect(bubble).toMatchObject({
			type: 'template',
			template: { name: 'spring_sale', language: 'en_US', category: 'MARKETING' },
			header: { text: 'Spring Sale' },
			body: expect.stringContaining('Anna'),
			footer: expect.any(String),
		});
		expect(bubble.body).toContain('20%');
		expect(bubble.body).not.toContain('{{');
		expect(bubble.actions).toEqual([
			{ kind: 'url', title: expect.any(String), url: expect.stringContaining('anna-20') },
			{ kind: 'quick_reply', id: 'Stop promotions', title: 'Stop promotions' },
		]);
	});

	it('shows a media header of a template as a placeholder with its link', async () => {
		const id = await sendAndGetId({
			type: 'template',
			template: {
				name: 'order_confirmation_image',
				language: { code: 'en_US' },
				components: [
					{
						type: 'header',
						parameters: [{ type: 'image', image: { link: 'https://example.com/order.jpg' } }],
					},
					{
						type: 'body',
						parameters: ['Anna', '$10.00', 'today'].map((text) => ({ type: 'text', text })),
					},
				],
			},
		});
		const bubble = await businessBubble(id);
		expect(bubble.header).toEqual({
			media: { type: 'image', source: 'https://example.com/order.jpg' },
		});
		expect(bubble.body).toBe(
			'Hi Anna, your order total is $10.00. Delivery is scheduled for today.',
		);
	});

	it('renders reply buttons, lists, link buttons, media and locations', async () => {
		await h.control.inbound({ from: customer, text: 'Hi' });
		const buttons = await sendAndGetId({
			type: 'interactive',
			interactive: {
				type: 'button',
				header: { type: 'text', text: 'Demo' },
				body: { text: 'Interested?' },
				footer: { text: 'Tap one' },
				action: {
					buttons: [
						{ type: 'reply', reply: { id: 'yes', title: 'Yes please' } },
						{ type: 'reply', reply: { id: 'no', title: 'Not now' } },
					],
				},
			},
		});
		const list = await sendAndGetId({
			type: 'interactive',
			interactive: {
				type: 'list',
				body: { text: 'Pick a plan' },
				action: {
					button: 'See plans',
					sections: [
						{ title: 'Monthly', rows: [{ id: 'basic', title: 'Basic', description: '10 EUR' }] },
						{ title: 'Yearly', rows: [{ id: 'pro', title: 'Pro' }] },
					],
				},
			},
		});
		const link = await sendAndGetId({
			type: 'interactive',
			interactive: {
				type: 'cta_url',
				body: { text: 'Book a slot' },
				action: {
					name: 'cta_url',
					parameters: { display_text: 'Open calendar', url: 'https://example.com/book' },
				},
			},
		});
		const image = await sendAndGetId({
			type: 'image',
			image: { link: 'https://example.com/shop.jpg', caption: 'Our shop' },
		});
		const place = await sendAndGetId({
			type: 'location',
			location: { latitude: 52.52, longitude: 13.4, name: 'Shop' },
		});

		expect(await businessBubble(buttons)).toMatchObject({
			header: { text: 'Demo' },
			body: 'Interested?',
			footer: 'Tap one',
			actions: [
				{ kind: 'button_reply', id: 'yes', title: 'Yes please' },
				{ kind: 'button_reply', id: 'no', title: 'Not now' },
			],
		});
		expect((await businessBubble(list)).list).toEqual({
			button: 'See plans',
			sections: [
				{ title: 'Monthly', rows: [{ id: 'basic', title: 'Basic', description: '10 EUR' }] },
				{ title: 'Yearly', rows: [{ id: 'pro', title: 'Pro' }] },
			],
		});
		expect((await businessBubble(link)).actions).toEqual([
			{ kind: 'url', title: 'Open calendar', url: 'https://example.com/book' },
		]);
		expect((await businessBubble(image)).media).toEqual({
			type: 'image',
			source: 'https://example.com/shop.jpg',
			caption: 'Our shop',
		});
		expect((await businessBubble(place)).media).toEqual({
			type: 'location',
			source: '52.52,13.4',
			caption: 'Shop',
			mapUrl: 'https://www.openstreetmap.org/?mlat=52.52&mlon=13.4#map=17/52.52/13.4',
		});
	});

	it('renders contact cards and a location request, and the customer’s answers to them', async () => {
		await h.control.inbound({ from: customer, text: 'Hi' });
		const cards = await sendAndGetId({
			type: 'contacts',
			contacts: [
				{
					name: { formatted_name: 'Anna Schmidt', first_name: 'Anna' },
					org: { company: 'ACME', title: 'Support' },
					phones: [{ phone: '+49 151 12345678', type: 'WORK' }],
					emails: [{ email: 'anna@acme.example' }],
					urls: [{ url: 'https://acme.example' }],
					addresses: [{ street: 'Main St 1', zip: '10115', city: 'Berlin', country: 'Germany' }],
				},
				{ name: { formatted_name: 'Support', first_name: 'Support' } },
			],
		});
		const ask = await sendAndGetId({
			type: 'interactive',
			interactive: {
				type: 'location_request_message',
				body: { text: 'Where are you?' },
				action: { name: 'send_location' },
			},
		});
		expect((await businessBubble(cards)).contacts).toEqual([
			{
				name: 'Anna Schmidt',
				organization: 'ACME · Support',
				phones: ['+49 151 12345678'],
				emails: ['anna@acme.example'],
				urls: ['https://acme.example'],
				addresses: ['Main St 1, 10115, Berlin, Germany'],
			},
			{ name: 'Support', phones: [], emails: [], urls: [], addresses: [] },
		]);
		expect((await businessBubble(ask)).actions).toEqual([
			{ kind: 'location_request', title: 'Send location' },
		]);

		await h.control.inbound({
			from: customer,
			location: { latitude: 52.5, longitude: 13.4, name: 'Home' },
			context: ask,
		});
		await h.control.inbound({ from: customer, reaction: { emoji: '❤️', messageId: cards } });
		const { bubbles } = await conversation();
		const shared = bubbles.at(-1) as CustomerBubble;
		expect(shared.media).toMatchObject({ type: 'location', source: '52.5,13.4' });
		expect(shared.quote).toMatchObject({ id: ask, from: 'business' });
		expect(await businessBubble(cards)).toMatchObject({
			reactions: ['❤️'],
			customerReaction: '❤️',
		});
		// An empty emoji takes the customer's reaction back.
		await h.control.inbound({ from: customer, reaction: { emoji: '', messageId: cards } });
		const after = await businessBubble(cards);
		expect(after.reactions).toEqual([]);
		expect(after.customerReaction).toBeUndefined();
	});

	it("shows the customer's replies with the message they answer, and reactions on their target", async () => {
		await h.control.inbound({ from: customer, name: 'Anna', text: 'Hi' });
		const question = await sendAndGetId({
			type: 'interactive',
			interactive: {
				type: 'button',
				body: { text: 'Interested?' },
				action: { buttons: [{ type: 'reply', reply: { id: 'yes', title: 'Yes please' } }] },
			},
		});
		await h.control.inbound({ from: customer, buttonReply: 'yes' });
		await h.control.inbound({ from: customer, reaction: { emoji: '👍', messageId: question } });

		const { bubbles, contact } = await conversation();
		expect(contact).toMatchObject({ key: customerWaId, waId: customerWaId, name: 'Anna' });
		expect(bubbles.map((bubble) => bubble.from)).toEqual(['customer', 'business', 'customer']);
		const reply = bubbles[2] as CustomerBubble;
		expect(reply).toMatchObject({
			type: 'interactive',
			text: 'Yes please',
			quote: { id: question, from: 'business', preview: 'Interested?' },
		});
		expect(bubbles[1].reactions).toEqual(['👍']);
	});

	it('shows a send that failed later with its code and details', async () => {
		const id = await sendAndGetId({ type: 'text', text: { body: 'Outside the window' } });
		await eventually(async () => (await businessBubble(id)).status === 'failed');
		expect((await businessBubble(id)).error).toMatchObject({ code: 131047 });
	});

	it('keeps one conversation per business number and contact, newest first', async () => {
		await h.control.inbound({ from: customer, text: 'to the first number' });
		await h.control.advanceClock(60);
		await h.control.inbound({
			from: customer,
			phoneNumberId: h.secondPhoneNumberId,
			text: 'to the second number',
		});
		const snapshot = await chatState();
		expect(
			snapshot.conversations.map(({ phoneNumberId, lastPreview }) => [phoneNumberId, lastPreview]),
		).toEqual([
			[h.secondPhoneNumberId, 'to the second number'],
			[h.phoneNumberId, 'to the first number'],
		]);
		expect((await conversation(h.secondPhoneNumberId)).bubbles).toHaveLength(1);
	});

	it('counts unread business messages until the customer reads them', async () => {
		await h.control.inbound({ from: customer, text: 'Hi' });
		const id = await sendAndGetId({ type: 'text', text: { body: 'Hello' } });
		await eventually(async () => (await businessBubble(id)).status === 'delivered');
		expect((await chatState()).conversations[0].unread).toBe(1);
		await h.control.read({ from: customer });
		expect((await chatState()).conversations[0].unread).toBe(0);
		expect((await businessBubble(id)).status).toBe('read');
	});

	it('tells when the 24-hour window closes, following the emulator clock', async () => {
		const before = await conversation();
		expect(before).toMatchObject({ windowOpen: false, windowClosesAt: null, bubbles: [] });
		await h.control.inbound({ from: customer, text: 'Hi' });
		const open = await conversation();
		expect(open.windowOpen).toBe(true);
		await h.control.advanceClock(24 * 3600);
		const closed = await conversation();
		expect(closed.windowOpen).toBe(false);
		expect(closed.windowClosesAt).toBe(open.windowClosesAt);
	});

	it('opens the conversation of a customer not met yet without creating them', async () => {
		const snapshot = await chatState({ phoneNumberId: h.phoneNumberId, contact: '+447700900123' });
		expect(snapshot.conversation).toMatchObject({ contact: { waId: '447700900123' }, bubbles: [] });
		expect((await chatState()).conversations).toEqual([]);
		expect(await h.control.inboundMessages()).toEqual([]);
	});

	it('refuses an unknown business number or a malformed contact, naming the field', async () => {
		const unknownNumber = await fetch(
			`${h.emulator.baseUrl}/_emulator/chat/state?phoneNumberId=1&contact=${customerWaId}`,
		);
		expect(unknownNumber.status).toBe(400);
		expect(await unknownNumber.json()).toMatchObject({ error: { field: 'phoneNumberId' } });
		const badContact = await fetch(
			`${h.emulator.baseUrl}/_emulator/chat/state?phoneNumberId=${h.phoneNumberId}&contact=anna`,
		);
		expect(await badContact.json()).toMatchObject({
			error: { field: 'contact', fix: expect.any(String) },
		});
		const half = await fetch(`${h.emulator.baseUrl}/_emulator/chat/state?contact=${customerWaId}`);
		expect(await half.json()).toMatchObject({ error: { field: 'phoneNumberId' } });
	});
});

describe('GET /_emulator/chat/events', () => {
	/** Reads `change` events from the stream into `revisions`, until aborted. */
	async function follow(revisions: number[], abort: AbortController): Promise<void> {
		const response = await fetch(`${h.emulator.baseUrl}/_emulator/chat/events`, {
			signal: abort.signal,
		});
		expect(response.headers.get('content-type')).toContain('text/event-stream');
		const reader = (response.body as ReadableStream<Uint8Array>).getReader();
		const decoder = new TextDecoder();
		let buffered = '';
		void (async () => {
			for (;;) {
				const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
				if (done) return;
				buffered += decoder.decode(value, { stream: true });
				const events = buffered.split('\n\n');
				buffered = events.pop() ?? '';
				for (const event of events) {
					const data = event.split('\n').find((line) => line.startsWith('data: '));
					if (event.includes('event: change') && data)
						revisions.push((JSON.parse(data.slice(6)) as { revision: number }).revision);
				}
			}
		})();
	}

	it('announces every change the page must draw, status updates from the schedule included', async () => {
		const revisions: number[] = [];
		const abort = new AbortController();
		await follow(revisions, abort);
		try {
			await eventually(async () => revisions.length >= 1);
			const before = (await chatState()).revision;
			await h.control.inbound({ from: customer, text: 'Hi' });
			const id = await sendAndGetId({ type: 'text', text: { body: 'Hello' } });
			await eventually(async () => (await businessBubble(id)).status === 'delivered');
			const after = (await chatState()).revision;
			// Two requests (the inbound, the send) and two scheduled status updates (sent, delivered).
			expect(after - before).toBe(4);
			await eventually(async () => revisions.at(-1) === after);
			expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
		} finally {
			abort.abort();
		}
	});
});
