/**
 * The store contract, one customer message in one call (recordInboundMessage): what the trigger
 * commits per message must be exactly what upsertContact, touchWindow, recordReply and
 * findWaitingWaits would have done one after the other, on both backends.
 */
import { StoreInputError, type ContactRef, type Store } from '../../../lib/store';
import { ACCOUNT, PHONE, USER, WA, describeContract } from '../support/contract';
import { HOUR, MINUTE, T0 } from '../support/storeEnvironment';

interface Message {
	contact: { waId?: string; userId?: string };
	profileName?: string;
	at: number;
	phoneNumberId: string | null;
}

/** The same message through the four separate calls: the behaviour recordInboundMessage keeps. */
async function recordSeparately(store: Store, message: Message) {
	const contact = await store.upsertContact({
		account: ACCOUNT,
		...message.contact,
		...(message.profileName ? { profileName: message.profileName } : {}),
		seenAt: message.at,
	});
	if (message.phoneNumberId === null) return { contact, conversation: null, waitsPending: false };
	const key = { account: ACCOUNT, phoneNumberId: message.phoneNumberId, contact: message.contact };
	const conversation = await store.touchWindow({ ...key, inboundAt: message.at });
	await store.recordReply({ ...key, at: message.at });
	const waits = await store.findWaitingWaits({ ...key, at: message.at });
	return { contact, conversation, waitsPending: waits.length > 0 };
}

async function recordAtOnce(store: Store, message: Message) {
	return await store.recordInboundMessage({
		account: ACCOUNT,
		contact: message.contact,
		...(message.profileName ? { profileName: message.profileName } : {}),
		at: message.at,
		phoneNumberId: message.phoneNumberId,
		waitsAfter: message.at,
	});
}

/** Everything a later call can observe of a contact: the record, windows, replies and waits. */
async function observe(store: Store, contacts: ContactRef[], wamids: string[]) {
	const seen = [];
	for (const contact of contacts) {
		const record = await store.getContact(ACCOUNT, contact);
		seen.push({
			record: record && { ...record, createdAt: record.createdAt.getTime() },
			window: await store.getWindow({ account: ACCOUNT, phoneNumberId: PHONE, contact }),
			waits: (
				await store.findWaitingWaits({ account: ACCOUNT, phoneNumberId: PHONE, contact, at: T0 })
			).map((wait) => wait.executionId),
		});
	}
	for (const wamid of wamids) {
		seen.push({ wamid, repliedAt: (await store.getOutbound(wamid))?.repliedAt ?? null });
	}
	return seen;
}

async function seed(store: Store): Promise<void> {
	// Known apart until the message that names both: a wa_id row and a user id row.
	await store.upsertContact({ account: ACCOUNT, waId: WA, seenAt: T0 - HOUR });
	await store.upsertContact({ account: ACCOUNT, userId: USER, seenAt: T0 - HOUR });
	await store.logOutboundMany(
		[
			{ wamid: 'wamid.TO-WA', recipient: WA, sentAt: T0 - 30 * MINUTE },
			{ wamid: 'wamid.TO-USER', recipient: USER, sentAt: T0 - 20 * MINUTE },
			// Answered by a message that names only the user id: found through the linked row.
			{ wamid: 'wamid.TO-WA-LINKED', recipient: WA, sentAt: T0 + 2 * HOUR },
			{ wamid: 'wamid.LATER', recipient: WA, sentAt: T0 + 5 * HOUR },
		].map((message) => ({
			...message,
			account: ACCOUNT,
			phoneNumberId: PHONE,
			kind: 'text' as const,
			text: 'Hello',
		})),
	);
	await store.registerWait({
		account: ACCOUNT,
		phoneNumberId: PHONE,
		contact: USER,
		executionId: 'exec-1',
		workflowId: 'wf-1',
		resumeUrl: 'http://127.0.0.1:5678/webhook-waiting/1',
		deadline: T0 + 2 * HOUR,
		matchRule: { anyMessage: true, keywords: [] },
		createdAt: T0 - HOUR,
	});
}

const MESSAGES: Message[] = [
	{ contact: { waId: WA }, at: T0, phoneNumberId: PHONE },
	// Both ids at once: the two rows become one, the window and the wait follow.
	{
		contact: { waId: WA, userId: USER },
		profileName: 'Anna',
		at: T0 + MINUTE,
		phoneNumberId: PHONE,
	},
	{ contact: { userId: USER }, at: T0 + 3 * HOUR, phoneNumberId: PHONE },
	// No business number: the contact only.
	{
		contact: { waId: '4915100000009' },
		profileName: 'Ben',
		at: T0 + 4 * HOUR,
		phoneNumberId: null,
	},
	// A late-delivered older message changes no window.
	{ contact: { waId: WA }, at: T0 - 2 * HOUR, phoneNumberId: PHONE },
];

describeContract('one customer message at once', (contract) => {
	it('answers and leaves the store as the separate calls do, message after message', async () => {
		const apart = await contract.env.freshStore();
		await seed(apart);
		await seed(contract.store);
		for (const message of MESSAGES) {
			const expected = await recordSeparately(apart, message);
			const actual = await recordAtOnce(contract.store, message);
			expect({
				...actual,
				conversation: actual.conversation && { ...actual.conversation, conversationId: 'id' },
			}).toEqual({
				...expected,
				conversation: expected.conversation && { ...expected.conversation, conversationId: 'id' },
			});
		}
		const contacts: ContactRef[] = [WA, USER, '4915100000009'];
		const wamids = ['wamid.TO-WA', 'wamid.TO-USER', 'wamid.TO-WA-LINKED', 'wamid.LATER'];
		const normalise = (seen: Awaited<ReturnType<typeof observe>>) =>
			seen.map((entry) =>
				'window' in entry && entry.window
					? { ...entry, window: { ...entry.window, conversationId: 'id' } }
					: entry,
			);
		expect(normalise(await observe(contract.store, contacts, wamids))).toEqual(
			normalise(await observe(apart, contacts, wamids)),
		);
	});

	it('creates the contact with its profile, opens the window, marks the reply and sees the wait', async () => {
		await seed(contract.store);
		const result = await recordAtOnce(contract.store, MESSAGES[1]);
		expect(result).toEqual({
			contact: expect.objectContaining({ waId: WA, userId: USER, profileName: 'Anna' }),
			conversation: expect.objectContaining({
				isFirstEver: true,
				isNewConversation: true,
				lastInboundAt: new Date(T0 + MINUTE),
			}),
			waitsPending: true,
		});
		expect((await contract.store.getOutbound('wamid.TO-WA'))?.repliedAt).toEqual(
			new Date(T0 + MINUTE),
		);
		expect((await contract.store.getOutbound('wamid.TO-USER'))?.repliedAt).toEqual(
			new Date(T0 + MINUTE),
		);
		expect((await contract.store.getOutbound('wamid.LATER'))?.repliedAt).toBeNull();

		// After the wait's deadline it no longer waits.
		const later = await contract.store.recordInboundMessage({
			account: ACCOUNT,
			contact: { userId: USER },
			at: T0 + 3 * HOUR,
			phoneNumberId: PHONE,
			waitsAfter: T0 + 3 * HOUR,
		});
		expect(later.waitsPending).toBe(false);
	});

	it('keeps no window without a business number', async () => {
		const result = await recordAtOnce(contract.store, MESSAGES[3]);
		expect(result).toEqual({
			contact: expect.objectContaining({ waId: '4915100000009', profileName: 'Ben' }),
			conversation: null,
			waitsPending: false,
		});
	});

	it('refuses bad input naming the field, and writes nothing', async () => {
		const valid = {
			account: ACCOUNT,
			contact: WA,
			at: T0,
			phoneNumberId: PHONE,
			waitsAfter: T0,
		};
		const refusal = (input: Record<string, unknown>) =>
			contract.store.recordInboundMessage({ ...valid, ...input } as never);
		await expect(refusal({ phoneNumberId: ' ' })).rejects.toMatchObject({
			constructor: StoreInputError,
			field: 'phoneNumberId',
		});
		await expect(refusal({ contact: 'not a contact' })).rejects.toMatchObject({ field: 'contact' });
		await expect(refusal({ waitsAfter: 'soon' })).rejects.toMatchObject({ field: 'waitsAfter' });
		expect(await contract.store.getContact(ACCOUNT, WA)).toBeNull();
	});
});
