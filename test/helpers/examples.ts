/**
 * The example workflows of examples/ by name, the one list the sandbox, e2e and unit tests use: a
 * renamed or removed example fails test/unit/examples.test.ts, not a skipped browser test.
 */
import { join, resolve } from 'node:path';

export const EXAMPLES_DIR = resolve(__dirname, '../../examples');

export const EXAMPLES = {
	callEnded: '01-call-ended-follow-up.json',
	leadQualification: '02-lead-qualification.json',
	appointmentReminders: '03-appointment-reminders.json',
	marketingPush: '04-marketing-push.json',
	followUpAfterSilence: '05-follow-up-after-silence.json',
	promoOptIn: '06-keyword-opt-in.json',
	dailyCampaignReport: '07-daily-campaign-report.json',
	resendUnread: '08-resend-unread.json',
	aiFollowUpSequence: '09-ai-follow-up-sequence.json',
	deleteMyData: '10-delete-my-data.json',
} as const;

export type ExampleFile = (typeof EXAMPLES)[keyof typeof EXAMPLES];

export const examplePath = (file: ExampleFile): string => join(EXAMPLES_DIR, file);
