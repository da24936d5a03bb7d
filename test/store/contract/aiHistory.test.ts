/** The store contract, AI history: the same behaviour on SQLite and PostgreSQL. */
import { WA, describeContract } from '../support/contract';
import { DAY, MINUTE, T0 } from '../support/storeEnvironment';

describeContract('AI history', (contract) => {
	const conversation = { assistant: 'sales-bot', customer: WA };
	const turn = (index: number) => [
		{ role: 'user' as const, content: `question ${index}`, at: T0 + index * MINUTE },
		{ role: 'assistant' as const, content: `answer ${index}`, at: T0 + index * MINUTE + 1000 },
	];

	it('starts a conversation per assistant and customer and returns the newest messages oldest first', async () => {
		const first = await contract.store.appendAiMessages({ ...conversation, messages: turn(1) });
		expect(first.isNew).toBe(true);
		const second = await contract.store.appendAiMessages({
			...conversation,
			customer: `+${WA}`,
			messages: turn(2),
		});
		expect(second).toEqual({ conversationId: first.conversationId, isNew: false });
		const other = await contract.store.appendAiMessages({
			...conversation,
			assistant: 'support-bot',
			messages: turn(1),
		});
		expect(other.isNew).toBe(true);
		expect(other.conversationId).not.toBe(first.conversationId);

		const history = await contract.store.getAiHistory({ ...conversation, limit: 3 });
		expect(history.conversationId).toBe(first.conversationId);
		expect(history.messages.map((message) => message.content)).toEqual([
			'answer 1',
			'question 2',
			'answer 2',
		]);
		expect(history.messages[2]).toEqual({
			role: 'assistant',
			content: 'answer 2',
			at: new Date(T0 + 2 * MINUTE + 1000),
		});
		const recent = await contract.store.getAiHistory({
			...conversation,
			limit: 10,
			notBefore: T0 + 2 * MINUTE,
		});
		expect(recent.messages.map((message) => message.content)).toEqual(['question 2', 'answer 2']);
		expect(
			await contract.store.getAiHistory({ ...conversation, customer: '4915100000001', limit: 5 }),
		).toEqual({ conversationId: null, messages: [] });
	});

	it('keeps at most maxMessages per conversation', async () => {
		for (let index = 1; index <= 4; index++) {
			await contract.store.appendAiMessages({
				...conversation,
				messages: turn(index),
				maxMessages: 5,
			});
		}
		const history = await contract.store.getAiHistory({ ...conversation, limit: 100 });
		expect(history.messages.map((message) => message.content)).toEqual([
			'answer 2',
			'question 3',
			'answer 3',
			'question 4',
			'answer 4',
		]);
	});

	it('prunes old messages, and a conversation left empty starts anew', async () => {
		const old = await contract.store.appendAiMessages({ ...conversation, messages: turn(1) });
		await contract.store.appendAiMessages({
			...conversation,
			customer: '4915100000001',
			messages: turn(1),
		});
		await contract.store.appendAiMessages({
			...conversation,
			customer: '4915100000001',
			messages: turn(60 * 24 * 3),
		});
		expect(await contract.store.pruneAiHistory(T0 + DAY)).toBe(4);
		expect(
			(await contract.store.getAiHistory({ ...conversation, customer: '4915100000001', limit: 10 }))
				.messages,
		).toHaveLength(2);
		const again = await contract.store.appendAiMessages({
			...conversation,
			messages: turn(60 * 24 * 3),
		});
		expect(again.isNew).toBe(true);
		expect(again.conversationId).not.toBe(old.conversationId);
	});
});
