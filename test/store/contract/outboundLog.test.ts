/** The store contract, outbound log: the same behaviour on SQLite and PostgreSQL. */
import { ACCOUNT, WA, PHONE, describeContract } from '../support/contract';
import { T0 } from '../support/storeEnvironment';

describeContract('outbound log', (contract) => {
	const message = {
		wamid: 'wamid.OUT1',
		account: ACCOUNT,
		phoneNumberId: PHONE,
		recipient: `+${WA}`,
		kind: 'template' as const,
		templateName: 'appointment_reminder',
		templateLanguage: 'de',
		category: 'UTILITY',
		sentAt: T0,
	};

	it('logs a message once and builds its status timeline', async () => {
		expect(await contract.store.logOutbound(message)).toBe(true);
		expect(await contract.store.logOutbound({ ...message, templateName: 'other' })).toBe(false);
		expect(
			await contract.store.recordOutboundStatus({
				wamid: message.wamid,
				status: 'read',
				at: T0 + 3000,
			}),
		).toBe(true);
		expect(
			await contract.store.recordOutboundStatus({
				wamid: message.wamid,
				status: 'sent',
				at: T0 + 1000,
			}),
		).toBe(true);
		expect(
			await contract.store.recordOutboundStatus({
				wamid: message.wamid,
				status: 'sent',
				at: T0 + 1000,
			}),
		).toBe(false);
		expect(
			await contract.store.recordOutboundStatus({
				wamid: message.wamid,
				status: 'delivered',
				at: T0 + 3000,
			}),
		).toBe(true);
		expect(await contract.store.getOutbound(message.wamid)).toEqual({
			wamid: message.wamid,
			phoneNumberId: PHONE,
			recipient: WA,
			kind: 'template',
			templateName: 'appointment_reminder',
			templateLanguage: 'de',
			category: 'UTILITY',
			text: null,
			account: ACCOUNT,
			callbackData: null,
			recipientName: null,
			purpose: null,
			sentAt: new Date(T0),
			repliedAt: null,
			status: 'read',
			statuses: [
				{ status: 'sent', at: new Date(T0 + 1000), errorCode: null, errorTitle: null },
				{ status: 'delivered', at: new Date(T0 + 3000), errorCode: null, errorTitle: null },
				{ status: 'read', at: new Date(T0 + 3000), errorCode: null, errorTitle: null },
			],
		});
	});

	it('keeps a status that arrives before the send is logged, and failure details', async () => {
		await contract.store.recordOutboundStatus({
			wamid: 'wamid.OUT2',
			status: 'failed',
			at: T0 + 5000,
			errorCode: 131047,
			errorTitle: 'Re-engagement message',
		});
		expect(await contract.store.getOutbound('wamid.OUT2')).toBeNull();
		await contract.store.logOutbound({
			...message,
			wamid: 'wamid.OUT2',
			kind: 'text',
			text: 'Hallo!',
			templateName: undefined,
		});
		expect(await contract.store.getOutbound('wamid.OUT2')).toMatchObject({
			kind: 'text',
			text: 'Hallo!',
			templateName: null,
			status: 'failed',
			statuses: [
				{
					status: 'failed',
					at: new Date(T0 + 5000),
					errorCode: 131047,
					errorTitle: 'Re-engagement message',
				},
			],
		});
	});

	it('logs a batch in one call: true per new message in input order, repeats and known ones false', async () => {
		await contract.store.logOutbound({ ...message, wamid: 'wamid.B0' });
		const batch = Array.from({ length: 250 }, (_, i) => ({
			...message,
			wamid: `wamid.B${i}`,
			recipient: `49151${String(20000000 + i)}`,
			text: `message ${i}`,
			sentAt: T0 + i,
		}));
		const logged = await contract.store.logOutboundMany([...batch, batch[7]]);
		expect(logged).toEqual([false, ...batch.slice(1).map(() => true), false]);
		expect(await contract.store.getOutbound('wamid.B249')).toMatchObject({
			recipient: '4915120000249',
			text: 'message 249',
			sentAt: new Date(T0 + 249),
			status: null,
		});
		expect(await contract.store.logOutboundMany(batch.slice(0, 3))).toEqual([false, false, false]);
		expect(await contract.store.logOutboundMany([])).toEqual([]);
	});

	it('writes none of a batch with one bad message, naming it', async () => {
		await expect(
			contract.store.logOutboundMany([
				{ ...message, wamid: 'wamid.OK1' },
				{ ...message, wamid: 'wamid.BAD', kind: 'fax' as never },
			]),
		).rejects.toThrow(/messages\[1\]\.kind/);
		expect(await contract.store.getOutbound('wamid.OK1')).toBeNull();
	});
});
