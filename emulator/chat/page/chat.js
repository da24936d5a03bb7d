// The sandbox chat page: the user plays the customer against the Cloud API emulator.
// It draws GET /_emulator/chat/state (built by emulator/chat/snapshot.ts), refetches whenever the
// event stream says something changed, and acts only through the emulator's control API.
'use strict';

(() => {
	const api = '/_emulator';
	const $ = (id) => document.getElementById(id);

	/** The open chat, mirrored in the address (#<phoneNumberId>/<contact>) so a reload keeps it. */
	let selection = readSelection();
	/** Names typed in "Write as a customer", sent with the customer's messages. */
	const names = new Map();
	let snapshot;
	let fetching = false;
	let fetchAgain = false;
	let openList;
	/** Set when a chat was opened from the form: the message box gets the focus once it is shown. */
	let focusComposer = false;

	function readSelection() {
		const [phoneNumberId, contact] = decodeURIComponent(location.hash.slice(1)).split('/');
		return phoneNumberId && contact ? { phoneNumberId, contact } : undefined;
	}

	function select(phoneNumberId, contact) {
		selection = { phoneNumberId, contact };
		history.replaceState(null, '', `#${encodeURIComponent(`${phoneNumberId}/${contact}`)}`);
		void refresh();
	}

	// ---------- talking to the emulator

	async function control(method, path, body) {
		const response = await fetch(`${api}${path}`, {
			method,
			...(body === undefined
				? {}
				: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
		});
		const payload = await response.json().catch(() => ({}));
		if (!response.ok) {
			const error = payload.error || {};
			const fix = error.fix ? ` (${error.fix})` : '';
			throw new Error(`${error.message || `HTTP ${response.status}`}${fix}`);
		}
		return payload;
	}

	/** Runs an action of the page; its failure is shown, never swallowed. */
	async function act(action) {
		showError('');
		try {
			await action();
		} catch (error) {
			showError(error.message);
		}
	}

	function showError(message) {
		$('page-error').textContent = message;
	}

	/** The customer of the open chat: by number, or by user id for a user who hides the number. */
	function who() {
		const conversation = snapshot && snapshot.conversation;
		const shown =
			conversation &&
			conversation.phoneNumberId === selection.phoneNumberId &&
			conversation.contact.key === selection.contact;
		const hidesNumber = shown && !conversation.contact.waId;
		return {
			phoneNumberId: selection.phoneNumberId,
			...(hidesNumber ? { userId: conversation.contact.userId } : { from: selection.contact }),
		};
	}

	function customerWrites(content) {
		const name = names.get(selection.contact);
		return control('POST', '/inbound', { ...who(), ...(name ? { name } : {}), ...content });
	}

	async function refresh() {
		if (fetching) {
			fetchAgain = true;
			return;
		}
		fetching = true;
		try {
			const query = selection
				? `?${new URLSearchParams({ phoneNumberId: selection.phoneNumberId, contact: selection.contact })}`
				: '';
			const response = await fetch(`${api}/chat/state${query}`);
			const payload = await response.json();
			if (!response.ok) {
				selection = undefined;
				history.replaceState(null, '', location.pathname);
				throw new Error(payload.error ? payload.error.message : `HTTP ${response.status}`);
			}
			snapshot = payload;
			render();
		} catch (error) {
			showError(error.message);
		} finally {
			fetching = false;
			if (fetchAgain) {
				fetchAgain = false;
				void refresh();
			}
		}
	}

	function listen() {
		const events = new EventSource(`${api}/chat/events`);
		events.addEventListener('change', () => void refresh());
		events.addEventListener('open', () => ($('connection').textContent = ''));
		events.addEventListener('error', () => {
			$('connection').textContent = '· reconnecting to the emulator…';
		});
	}

	// ---------- drawing

	function element(tag, attributes = {}, ...children) {
		const node = document.createElement(tag);
		for (const [name, value] of Object.entries(attributes)) {
			if (value === undefined || value === false) continue;
			if (name === 'className') node.className = value;
			else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
			else node.setAttribute(name, value === true ? '' : value);
		}
		for (const child of children.flat()) {
			if (child !== undefined && child !== null && child !== false) node.append(child);
		}
		return node;
	}

	/**
	 * Replaces the children of `container` with one node per item, reusing the node of an item whose
	 * signature did not change, so a live update does not take the keyboard focus away. With `live`,
	 * the parts of an item that change often (a message's ticks) are left out of its signature and
	 * patched into the node it keeps.
	 */
	function reconcile(container, items, keyOf, build, live) {
		const previous = new Map([...container.children].map((node) => [node.dataset.key, node]));
		const nodes = items.map((item) => {
			const key = keyOf(item);
			const signature = JSON.stringify(live ? live.withoutLiveParts(item) : item);
			const old = previous.get(key);
			if (old && old.dataset.signature === signature) {
				if (live) live.patch(old, item);
				return old;
			}
			const node = build(item);
			node.dataset.key = key;
			node.dataset.signature = signature;
			return node;
		});
		const wanted = new Set(nodes);
		for (const node of [...container.children]) if (!wanted.has(node)) node.remove();
		nodes.forEach((node, index) => {
			if (container.children[index] !== node)
				container.insertBefore(node, container.children[index] || null);
		});
	}

	const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
	const dayFormat = new Intl.DateTimeFormat(undefined, {
		weekday: 'short',
		day: 'numeric',
		month: 'short',
	});
	const clockFormat = new Intl.DateTimeFormat(undefined, {
		dateStyle: 'medium',
		timeStyle: 'short',
	});

	function businessNumber(id) {
		return snapshot.businessNumbers.find((number) => number.id === id);
	}

	function formatNumber(digits) {
		return digits.startsWith('+') ? digits : `+${digits}`;
	}

	function contactLabel(contact) {
		return contact.waId ? formatNumber(contact.waId) : contact.userId;
	}

	function render() {
		const now = new Date(snapshot.now);
		const clock = $('clock-now');
		clock.dateTime = snapshot.now;
		clock.textContent = clockFormat.format(now);
		renderBusinessNumbers();
		renderConversations();
		renderChat();
	}

	function renderBusinessNumbers() {
		const picker = $('new-chat-business');
		const chosen = picker.value;
		picker.replaceChildren(
			...snapshot.businessNumbers.map((number) =>
				element(
					'option',
					{ value: number.id },
					`${number.verifiedName} · ${number.displayPhoneNumber}`,
				),
			),
		);
		if (chosen) picker.value = chosen;

		reconcile(
			$('business-numbers'),
			snapshot.businessNumbers,
			(number) => number.id,
			(number) => {
				const online = number.status === 'CONNECTED';
				return element(
					'li',
					{ className: `number ${online ? 'online' : 'offline'}` },
					element('span', { className: 'number-name' }, number.verifiedName),
					element('span', { className: 'number-phone' }, number.displayPhoneNumber),
					element('span', { className: 'badge' }, online ? 'online' : number.status.toLowerCase()),
					element(
						'button',
						{
							type: 'button',
							'aria-label': `${online ? 'Switch offline' : 'Bring online'}: ${number.displayPhoneNumber}`,
							onclick: () =>
								act(() =>
									control('POST', `/phone-numbers/${encodeURIComponent(number.id)}`, {
										status: online ? 'DISCONNECTED' : 'CONNECTED',
									}),
								),
						},
						online ? 'Switch offline' : 'Bring online',
					),
				);
			},
		);
	}

	function renderConversations() {
		const list = $('conversations');
		$('no-conversations').hidden = snapshot.conversations.length > 0;
		const items = snapshot.conversations.map((conversation) => ({
			...conversation,
			current:
				!!selection &&
				selection.phoneNumberId === conversation.phoneNumberId &&
				selection.contact === conversation.contact.key,
		}));
		reconcile(
			list,
			items,
			(item) => `${item.phoneNumberId}/${item.contact.key}`,
			(item) => {
				const number = businessNumber(item.phoneNumberId);
				const at = new Date(item.lastAt);
				return element(
					'li',
					{},
					element(
						'button',
						{
							type: 'button',
							className: 'conversation',
							'aria-current': item.current ? 'true' : undefined,
							onclick: () => select(item.phoneNumberId, item.contact.key),
						},
						element('span', { className: 'conversation-name' }, item.contact.name),
						element(
							'time',
							{ className: 'conversation-time', datetime: item.lastAt },
							timeFormat.format(at),
						),
						element(
							'span',
							{ className: 'conversation-route' },
							`${contactLabel(item.contact)} → ${number ? number.displayPhoneNumber : item.phoneNumberId}`,
						),
						element('span', { className: 'conversation-preview' }, item.lastPreview),
						item.unread > 0
							? element(
									'span',
									{ className: 'unread', 'aria-label': `${item.unread} unread` },
									String(item.unread),
								)
							: undefined,
					),
				);
			},
		);
	}

	function windowText(conversation, now) {
		if (!conversation.windowClosesAt) {
			return 'No message from this customer yet: the business can only send templates.';
		}
		const closesAt = new Date(conversation.windowClosesAt);
		if (!conversation.windowOpen) {
			return `The 24-hour window closed ${clockFormat.format(closesAt)}: the business can only send templates until the customer writes again.`;
		}
		const minutes = Math.max(0, Math.round((closesAt - now) / 60000));
		const left =
			minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
		return `24-hour window open: free-form messages allowed for ${left} more (until ${clockFormat.format(closesAt)}).`;
	}

	function renderChat() {
		const conversation = snapshot.conversation;
		$('empty-state').hidden = !!conversation;
		$('chat').hidden = !conversation;
		$('chat-controls').hidden = !conversation;
		if (!conversation) return;
		const number = businessNumber(conversation.phoneNumberId);
		const contact = conversation.contact;
		$('chat-title').textContent = number
			? `${number.verifiedName} · ${number.displayPhoneNumber}`
			: conversation.phoneNumberId;
		const last = conversation.bubbles[conversation.bubbles.length - 1];
		const typing = last && last.from === 'customer' && last.typingIndicatorShown;
		const offline =
			number && number.status !== 'CONNECTED'
				? ` · business number ${number.status.toLowerCase()}`
				: '';
		$('chat-subtitle').textContent = typing
			? 'typing…'
			: `You are ${contact.name} · ${contactLabel(contact)}${offline}`;

		const windowStatus = $('window-status');
		windowStatus.textContent = windowText(conversation, new Date(snapshot.now));
		windowStatus.className = `window-status ${conversation.windowOpen ? 'open' : 'closed'}`;

		const marketing = $('marketing-toggle');
		marketing.textContent = contact.marketingStopped ? 'Resume marketing' : 'Stop marketing';
		marketing.setAttribute('aria-pressed', String(contact.marketingStopped));
		$('marketing-status').textContent = contact.marketingStopped
			? 'Marketing stopped in the app: marketing templates fail with 131050.'
			: 'Marketing allowed: the customer can stop it from the app, as in WhatsApp.';

		renderMessages(conversation);
		if (focusComposer) {
			focusComposer = false;
			$('composer-text').focus();
		}
	}

	// ---------- messages

	function renderMessages(conversation) {
		const list = $('messages');
		const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
		const changedChat =
			list.dataset.chat !== `${conversation.phoneNumberId}/${conversation.contact.key}`;
		list.dataset.chat = `${conversation.phoneNumberId}/${conversation.contact.key}`;
		const rows = [];
		let day;
		for (const bubble of conversation.bubbles) {
			const bubbleDay = dayFormat.format(new Date(bubble.at));
			if (bubbleDay !== day) {
				day = bubbleDay;
				rows.push({ kind: 'day', id: `day ${bubbleDay}`, label: bubbleDay });
			}
			rows.push({ kind: 'bubble', id: bubble.id, bubble });
		}
		if (rows.length === 0) rows.push({ kind: 'hint', id: 'hint' });
		reconcile(
			list,
			rows,
			(row) => row.id,
			(row) => {
				if (row.kind === 'day')
					return element('li', { className: 'day' }, element('span', {}, row.label));
				if (row.kind === 'hint') {
					return element(
						'li',
						{ className: 'day' },
						element('span', {}, 'Write the first message below, as the customer.'),
					);
				}
				return row.bubble.from === 'business'
					? businessBubble(row.bubble)
					: customerBubble(row.bubble);
			},
			{ withoutLiveParts: withoutTicks, patch: patchTicks },
		);
		if (changedChat || nearBottom) list.scrollTop = list.scrollHeight;
	}

	const statusLabels = {
		accepted: { mark: '◷', label: 'Accepted, not sent yet' },
		sent: { mark: '✓', label: 'Sent' },
		delivered: { mark: '✓✓', label: 'Delivered' },
		read: { mark: '✓✓', label: 'Read' },
		failed: { mark: '⚠', label: 'Failed' },
	};

	function ticks(status) {
		const { mark, label } = statusLabels[status];
		return element(
			'span',
			{ className: `ticks ${status}`, role: 'img', 'aria-label': label, title: label },
			mark,
		);
	}

	/** A business message's status, left out of its signature: ticks change while the user may be
	 * on one of its buttons, and rebuilding the bubble would drop the keyboard focus. */
	function withoutTicks(row) {
		if (row.kind !== 'bubble' || row.bubble.from !== 'business') return row;
		return { ...row, bubble: { ...row.bubble, status: undefined } };
	}

	function patchTicks(node, row) {
		if (row.kind !== 'bubble' || row.bubble.from !== 'business') return;
		const { status } = row.bubble;
		const current = node.querySelector('.ticks');
		if (current && current.classList.contains(status)) return;
		node.className = `bubble business status-${status}`;
		if (current) current.replaceWith(ticks(status));
	}

	function meta(bubble, extra) {
		return element(
			'span',
			{ className: 'meta' },
			extra,
			element('time', { datetime: bubble.at }, timeFormat.format(new Date(bubble.at))),
		);
	}

	// Line icons drawn here rather than emoji: the page must look the same without an emoji font.
	const iconShapes = {
		camera: [
			['path', { d: 'M4 8h3l2-3h6l2 3h3v11H4z' }],
			['circle', { cx: 12, cy: 13, r: 3.5 }],
		],
		image: [
			['rect', { x: 3, y: 5, width: 18, height: 14, rx: 2 }],
			['circle', { cx: 8.5, cy: 10, r: 1.5 }],
			['path', { d: 'M21 16l-5-5L5 19' }],
		],
		video: [
			['rect', { x: 3, y: 6, width: 13, height: 12, rx: 2 }],
			['path', { d: 'M16 10l5-3v10l-5-3z' }],
		],
		audio: [
			['path', { d: 'M9 18V5l11-2v13' }],
			['circle', { cx: 6, cy: 18, r: 3 }],
			['circle', { cx: 17, cy: 16, r: 3 }],
		],
		document: [
			['path', { d: 'M6 3h8l4 4v14H6z' }],
			['path', { d: 'M14 3v4h4M9 12h6M9 16h6' }],
		],
		sticker: [
			['circle', { cx: 12, cy: 12, r: 9 }],
			['path', { d: 'M8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01' }],
		],
		location: [
			['path', { d: 'M12 21s-7-6.2-7-11a7 7 0 0 1 14 0c0 4.8-7 11-7 11z' }],
			['circle', { cx: 12, cy: 10, r: 2.5 }],
		],
	};

	function icon(name) {
		const svgNs = 'http://www.w3.org/2000/svg';
		const svg = document.createElementNS(svgNs, 'svg');
		for (const [key, value] of Object.entries({
			viewBox: '0 0 24 24',
			width: 24,
			height: 24,
			fill: 'none',
			stroke: 'currentColor',
			'stroke-width': 2,
			'stroke-linecap': 'round',
			'stroke-linejoin': 'round',
			'aria-hidden': 'true',
			class: 'icon',
		})) {
			svg.setAttribute(key, String(value));
		}
		for (const [tag, attributes] of iconShapes[name] || iconShapes.document) {
			const shape = document.createElementNS(svgNs, tag);
			for (const [key, value] of Object.entries(attributes)) shape.setAttribute(key, String(value));
			svg.append(shape);
		}
		return svg;
	}

	for (const node of document.querySelectorAll('[data-icon]')) node.append(icon(node.dataset.icon));
	const mediaNames = {
		image: 'Photo',
		video: 'Video',
		audio: 'Audio',
		document: 'Document',
		sticker: 'Sticker',
		location: 'Location',
	};

	function media(view) {
		return element(
			'div',
			{ className: `media ${view.type}` },
			element('span', { className: 'media-icon' }, icon(view.type)),
			element(
				'span',
				{ className: 'media-text' },
				element('strong', {}, view.filename || mediaNames[view.type] || view.type),
				view.source ? element('span', { className: 'media-source' }, view.source) : undefined,
				view.mapUrl
					? element(
							'a',
							{
								className: 'map-link',
								href: view.mapUrl,
								target: '_blank',
								rel: 'noopener noreferrer',
							},
							'↗ Open map',
						)
					: undefined,
			),
		);
	}

	function contactCard(card) {
		const line = (prefix, value, href) =>
			element(
				'li',
				{},
				`${prefix} `,
				href ? element('a', { href, target: '_blank', rel: 'noopener noreferrer' }, value) : value,
			);
		return element(
			'div',
			{ className: 'contact-card' },
			element('strong', { className: 'contact-name' }, `👤 ${card.name}`),
			card.organization
				? element('span', { className: 'contact-org' }, card.organization)
				: undefined,
			element(
				'ul',
				{ className: 'contact-lines' },
				card.phones.map((phone) => line('☎', phone, `tel:${phone.replace(/[^+0-9]/g, '')}`)),
				card.emails.map((email) => line('✉', email, `mailto:${email}`)),
				card.urls.map((url) => line('↗', url, /^https?:/.test(url) ? url : undefined)),
				card.addresses.map((address) => line('⌂', address)),
			),
		);
	}

	/** The customer's reaction button: 👍 on a business message, tapped again to take it back. */
	function reactButton(bubble) {
		const mine = bubble.customerReaction;
		return element(
			'button',
			{
				type: 'button',
				className: 'react-button',
				'aria-label': mine ? `Remove your reaction ${mine}` : 'React with 👍',
				title: mine ? 'Remove your reaction' : 'React with 👍',
				onclick: () =>
					act(() =>
						customerWrites({ reaction: { messageId: bubble.id, emoji: mine ? '' : '👍' } }),
					),
			},
			mine ? '✕' : '👍',
		);
	}

	function quote(view) {
		if (!view) return undefined;
		return element(
			'div',
			{ className: `quote from-${view.from}` },
			element('strong', {}, view.from === 'business' ? 'Business' : 'You'),
			element('span', {}, view.preview),
		);
	}

	function reactions(bubble) {
		if (bubble.reactions.length === 0) return undefined;
		return element(
			'span',
			{ className: 'reactions', 'aria-label': `Reactions: ${bubble.reactions.join(' ')}` },
			bubble.reactions.join(''),
		);
	}

	function textBlock(className, text) {
		return text ? element('div', { className }, text) : undefined;
	}

	function tap(bubble, content) {
		return act(() => customerWrites({ ...content, context: bubble.id }));
	}

	function action(bubble, view) {
		switch (view.kind) {
			case 'quick_reply':
				return element(
					'button',
					{
						type: 'button',
						className: 'action reply',
						onclick: () => tap(bubble, { button: { text: view.title, payload: view.id } }),
					},
					`↩ ${view.title}`,
				);
			case 'button_reply':
				return element(
					'button',
					{
						type: 'button',
						className: 'action reply',
						onclick: () => tap(bubble, { buttonReply: { id: view.id, title: view.title } }),
					},
					view.title,
				);
			case 'url':
				return element(
					'a',
					{
						className: 'action link',
						href: view.url,
						target: '_blank',
						rel: 'noopener noreferrer',
					},
					`↗ ${view.title}`,
				);
			case 'phone':
				return element(
					'a',
					{ className: 'action link', href: `tel:${view.phoneNumber}` },
					`☎ ${view.title}`,
				);
			case 'copy_code':
				return element(
					'button',
					{
						type: 'button',
						className: 'action',
						title: `Copy ${view.code}`,
						onclick: () => act(() => navigator.clipboard.writeText(view.code)),
					},
					`${view.title}: ${view.code}`,
				);
			case 'location_request':
				return element(
					'button',
					{
						type: 'button',
						className: 'action reply',
						onclick: () => tap(bubble, { location: sandboxLocation }),
					},
					view.title,
				);
			default:
				return element('span', { className: 'action inert' }, view.title);
		}
	}

	function businessBubble(bubble) {
		const header = bubble.header
			? 'text' in bubble.header
				? textBlock('header', bubble.header.text)
				: media(bubble.header.media)
			: undefined;
		const label = bubble.template
			? element(
					'span',
					{ className: 'template-name' },
					`template ${bubble.template.name} · ${bubble.template.category.toLowerCase()}`,
				)
			: undefined;
		const error = bubble.error
			? element(
					'div',
					{ className: 'send-error', role: 'note' },
					`Not delivered: (#${bubble.error.code}) ${bubble.error.title}. ${bubble.error.details}`,
				)
			: undefined;
		const actions =
			bubble.actions.length > 0
				? element(
						'div',
						{ className: 'actions' },
						bubble.actions.map((view) => action(bubble, view)),
					)
				: undefined;
		const list = bubble.list
			? element(
					'div',
					{ className: 'actions' },
					element(
						'button',
						{
							type: 'button',
							className: 'action reply',
							'aria-haspopup': 'dialog',
							onclick: () => showList(bubble),
						},
						`☰ ${bubble.list.button}`,
					),
				)
			: undefined;
		return element(
			'li',
			{ className: `bubble business status-${bubble.status}`, 'data-message-id': bubble.id },
			element(
				'div',
				{ className: 'bubble-body' },
				element('span', { className: 'visually-hidden' }, 'Business: '),
				quote(bubble.quote),
				header,
				bubble.media ? media(bubble.media) : undefined,
				bubble.media && bubble.media.caption ? textBlock('text', bubble.media.caption) : undefined,
				textBlock('text', bubble.body),
				bubble.contacts ? bubble.contacts.map(contactCard) : undefined,
				textBlock('footer', bubble.footer),
				meta(bubble, [label, ticks(bubble.status), reactButton(bubble)]),
				error,
				reactions(bubble),
			),
			actions,
			list,
		);
	}

	function customerBubble(bubble) {
		const read = bubble.readByBusiness;
		const label = read ? 'Read by the business' : 'Delivered to the business';
		return element(
			'li',
			{
				className: `bubble customer${bubble.type === 'system' ? ' system' : ''}`,
				'data-message-id': bubble.id,
			},
			element(
				'div',
				{ className: 'bubble-body' },
				element('span', { className: 'visually-hidden' }, 'You: '),
				quote(bubble.quote),
				bubble.media ? media(bubble.media) : undefined,
				bubble.media && bubble.media.caption ? textBlock('text', bubble.media.caption) : undefined,
				textBlock('text', bubble.text),
				meta(
					bubble,
					element(
						'span',
						{
							className: `ticks ${read ? 'read' : 'delivered'}`,
							role: 'img',
							'aria-label': label,
							title: label,
						},
						'✓✓',
					),
				),
				reactions(bubble),
			),
		);
	}

	// ---------- list messages: WhatsApp's bottom sheet of rows, one to pick

	function showList(bubble) {
		openList = bubble;
		const dialog = $('list-dialog');
		$('list-dialog-title').textContent = bubble.list.button;
		let first = true;
		$('list-sections').replaceChildren(
			...bubble.list.sections.map((section, sectionIndex) =>
				element(
					'fieldset',
					{},
					element('legend', {}, section.title || 'Options'),
					section.rows.map((row, rowIndex) => {
						const id = `list-row-${sectionIndex}-${rowIndex}`;
						const checked = first;
						first = false;
						return element(
							'div',
							{ className: 'list-row' },
							element('input', { type: 'radio', name: 'list-row', id, value: row.id, checked }),
							element(
								'label',
								{ for: id },
								element('span', { className: 'row-title' }, row.title),
								row.description
									? element('span', { className: 'row-description' }, row.description)
									: undefined,
							),
						);
					}),
				),
			),
		);
		dialog.returnValue = '';
		dialog.showModal();
	}

	$('list-dialog').addEventListener('close', () => {
		const dialog = $('list-dialog');
		const bubble = openList;
		openList = undefined;
		if (dialog.returnValue !== 'send' || !bubble) return;
		const picked = $('list-form').querySelector('input[name="list-row"]:checked');
		if (!picked) return;
		const row = bubble.list.sections
			.flatMap((section) => section.rows)
			.find((candidate) => candidate.id === picked.value);
		void tap(bubble, {
			listReply: {
				id: row.id,
				title: row.title,
				...(row.description ? { description: row.description } : {}),
			},
		});
	});

	// ---------- the customer's own actions

	const sandboxLocation = {
		latitude: 52.520008,
		longitude: 13.404954,
		name: 'Alexanderplatz',
		address: 'Berlin',
	};

	$('composer').addEventListener('submit', (event) => {
		event.preventDefault();
		const input = $('composer-text');
		const text = input.value.trim();
		if (!text) return;
		void act(async () => {
			await customerWrites({ text });
			input.value = '';
		});
	});

	for (const button of document.querySelectorAll('[data-attach]')) {
		button.addEventListener('click', () => {
			const type = button.dataset.attach;
			const input = $('composer-text');
			const caption = input.value.trim();
			const content =
				type === 'location'
					? { location: sandboxLocation }
					: {
							[type]:
								type === 'document'
									? { filename: 'sandbox.pdf', ...(caption ? { caption } : {}) }
									: caption
										? { caption }
										: true,
						};
			void act(async () => {
				await customerWrites(content);
				if (type !== 'location') input.value = '';
			});
		});
	}

	$('new-chat').addEventListener('submit', (event) => {
		event.preventDefault();
		const number = $('new-chat-number').value.trim();
		const digits = number.replace(/[^0-9]/g, '');
		if (digits.length < 7 || digits.length > 15) {
			showError(
				`Your phone number "${number}" is not a phone number: use E.164, e.g. +4915112345678.`,
			);
			return;
		}
		showError('');
		const name = $('new-chat-name').value.trim();
		if (name) names.set(digits, name);
		focusComposer = true;
		select($('new-chat-business').value, digits);
	});

	$('mark-read').addEventListener('click', () => act(() => control('POST', '/read', who())));

	$('marketing-toggle').addEventListener('click', () =>
		act(() =>
			control('POST', '/user-preferences', {
				...who(),
				value: snapshot.conversation.contact.marketingStopped ? 'resume' : 'stop',
			}),
		),
	);

	$('clock-form').addEventListener('submit', (event) => {
		event.preventDefault();
		const hours = Number($('clock-hours').value);
		void act(() => control('POST', '/clock', { advanceSeconds: hours * 3600 }));
	});

	$('reset').addEventListener('click', () => act(() => control('POST', '/reset', {})));

	window.addEventListener('hashchange', () => {
		selection = readSelection();
		void refresh();
	});

	listen();
	void refresh();
})();
