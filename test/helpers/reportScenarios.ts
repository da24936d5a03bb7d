/**
 * Examples 7 (daily campaign report) and 8 (re-send to "delivered but not read") driven end to end
 * in a real n8n, with every other example published beside them (exampleScenarios.ts): a campaign
 * goes out through the send node with its Callback Data, the emulator delivers it and reports the
 * statuses to the published trigger (example 2's), which records them with the replies and the
 * opt-outs; then the two examples run from the editor, as copies that name this run's campaign
 * (and, for example 8, wait seconds instead of 24 hours for "not read").
 */
import {
	customer,
	customerWrites,
	eventually,
	eventuallyMessagesTo,
	executionError,
	finishedExecution,
	importWorkflow,
	messagesTo,
	outputOf,
	patchParameters,
	readExample,
	runFromEditor,
	type World,
} from './e2eWorld';
import { expectRunsSince, runCounts, type PublishedExamples } from './exampleScenarios';
import { EXAMPLES } from './examples';

const HOUR_MS = 60 * 60 * 1000;

/** Runs an imported workflow from its schedule trigger and expects it to succeed. */
async function runToSuccess(world: World, workflowId: string, trigger: string) {
	const execution = await finishedExecution(world, await runFromEditor(world, workflowId, trigger));
	expect({ status: execution.status, error: executionError(execution) }).toEqual({
		status: 'success',
		error: 'null',
	});
	return execution;
}

export async function campaignReportScenario(
	world: World,
	examples: PublishedExamples,
): Promise<void> {
	const campaign = `e2e-campaign-${Date.now()}`;
	const rosa = customer('Rosa', '+4915112370001');
	const sam = customer('Sam', '+4915112370002');
	const tia = customer('Tia', '+4915112370003');
	const uwe = customer('Uwe', '+4915112370004');
	const recipients = [rosa, sam, tia, uwe];
	await world.control.settings({ notOnWhatsApp: [uwe.waId] });

	// The campaign: example 3's send node, for this run's customers, with the Callback Data.
	const sender = patchParameters(await readExample(EXAMPLES.appointmentReminders), {
		"Tomorrow's Appointments": {
			jsCode: `return ${JSON.stringify(
				recipients.map(({ name, phone }) => ({
					name,
					phone,
					with: 'Dr. Weber',
					when: 'May 4, 10:00',
					location: 'Main Street 1',
				})),
			)}.map((json) => ({ json }));`,
		},
		'Send Reminder': { options: { callbackData: campaign } },
	});
	const sent = await runToSuccess(
		world,
		await importWorkflow(world, { ...sender, name: `Campaign ${campaign}` }),
		'Every Day at 08:00',
	);
	expect(outputOf(sent, 'Send Reminder').map((item) => item.status)).toEqual(
		recipients.map(() => 'accepted'),
	);

	// Rosa reads and answers; Tia stops marketing in WhatsApp (no message, so she reads nothing:
	// writing would open the chat); Sam stays silent; Uwe is not on WhatsApp.
	const before = await runCounts(world, examples);
	await eventuallyMessagesTo(world, rosa, 1);
	await world.control.read({ from: rosa.waId });
	await customerWrites(world, rosa, 'Thanks, see you then!');
	const stop = await world.control.userPreferences({
		from: tia.waId,
		value: 'stop',
		waitForDelivery: true,
	});
	expect(stop.delivery).toMatchObject({ delivered: true, httpStatus: 200 });
	await expectRunsSince(world, examples, before, recipients, {
		leadQualification: ['Rosa: Thanks, see you then! (fallback)'],
	});
	const windows = { replyWithinMs: 24 * HOUR_MS, optOutWithinMs: 48 * HOUR_MS };
	const counts = () =>
		world.store.campaignReport({ account: world.account, callbackData: campaign, ...windows });
	await eventually(
		async () => {
			const { delivered, read, failed } = await counts();
			return delivered === 3 && read === 1 && failed === 1 ? true : undefined;
		},
		async () => {
			const logged = await Promise.all(
				outputOf(sent, 'Send Reminder').map(
					async (item) => await world.store.getOutbound(String(item.messageId)),
				),
			);
			return `the trigger to record the campaign’s statuses (report ${JSON.stringify(await counts())}; log ${JSON.stringify(logged)})`;
		},
	);

	// Example 7: the daily report, for this campaign.
	const report = patchParameters(await readExample(EXAMPLES.dailyCampaignReport), {
		'Campaign Report': { reportCampaign: campaign },
	});
	const reported = await runToSuccess(
		world,
		await importWorkflow(world, report),
		'Every Day at 09:00',
	);
	const [summary] = outputOf(reported, 'Campaign Report');
	expect(summary.report).toMatchObject({
		campaign,
		sent: 4,
		recipients: 4,
		delivered: 3,
		read: 1,
		failed: 1,
		pending: 0,
		replied: 1,
		optedOut: 1,
		optOutWindowHours: 48,
		rates: { delivered: 0.75, read: 0.25, failed: 0.25, readOfDelivered: 0.3333 },
		failures: [{ code: 131026, messages: 1 }],
	});
	const [post] = outputOf(reported, 'Report for the Team');
	expect(post.subject).toMatch(
		new RegExp(`^Daily report: ${campaign} \\(\\d{4}-\\d{2}-\\d{2}\\)$`),
	);
	expect(post.text).toBe(
		`Campaign ${campaign}: 4 sent · 3 delivered (75%) · 1 read (25%) · 1 failed (25%) [131026 ×1] · 1 replied within 24 h (25%) · 1 opted out within 48 h (25%)`,
	);

	// Example 8: "delivered but not read" after 36 seconds instead of 24 hours.
	const resend = await importWorkflow(
		world,
		patchParameters(await readExample(EXAMPLES.resendUnread), {
			'Delivered but Not Read (24 h)': { reportCampaign: campaign, unreadForHours: 0.01 },
		}),
	);
	await eventually(
		async () => {
			const unread = await world.store.reportRecipients({
				account: world.account,
				callbackData: campaign,
				...windows,
				filter: 'deliveredNotRead',
				unreadForMs: 36_000,
				now: Date.now(),
				limit: 10,
			});
			return unread.length === 2 ? true : undefined;
		},
		'Sam’s and Tia’s messages to be unread for 36 seconds',
		90_000,
	);
	const first = await runToSuccess(world, resend, 'Every Day at 10:00');
	expect(
		outputOf(first, 'Delivered but Not Read (24 h)').map((item) => [
			(item.contact as Record<string, unknown>).phone,
			item.status,
			item.messagesInSelection,
		]),
	).toEqual([
		[sam.phone, 'delivered', 1],
		[tia.phone, 'delivered', 1],
	]);
	// Tia stopped marketing: the send node skips her; Sam gets the reminder, in the same campaign.
	expect(
		outputOf(first, 'Send Reminder').map((item) => [
			(item.recipient as Record<string, unknown>).phone,
			item.status ?? null,
			item.skipped ?? false,
		]),
	).toEqual([
		[sam.phone, 'accepted', false],
		[tia.phone, null, true],
	]);
	const toSam = await eventuallyMessagesTo(world, sam, 2);
	expect(toSam[1]).toMatchObject({
		template: { name: 'spring_sale' },
		bizOpaqueCallbackData: campaign,
	});
	expect(toSam[1].renderedText).toContain('Hi Sam, use code SPRING20');

	// The next day's run reminds nobody twice: Sam got two messages of the campaign now.
	const second = await runToSuccess(world, resend, 'Every Day at 10:00');
	expect(
		outputOf(second, 'Not Reminded Yet').map(
			(item) => (item.contact as Record<string, unknown>).phone,
		),
	).not.toContain(sam.phone);
	expect(await messagesTo(world, sam)).toHaveLength(2);
	expect(await messagesTo(world, uwe)).toHaveLength(1);
}
