/**
 * Two workflows record opposite consent for the same contact at the same moment: the event that
 * happened later wins whatever order the writes land in, and the history keeps both.
 */
import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { WhatsAppConsentGate } from '../../nodes/WhatsAppConsentGate/WhatsAppConsentGate.node';
import {
	type ConsentEnvironment,
	gateCredentials,
	germanNumbers,
	startConsentEnvironment,
} from '../helpers/consentHarness';
import { runNode } from '../helpers/nodeHarness';

const CONTACTS = 40;
const BASE = Date.parse('2025-05-01T12:00:00Z');

const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' };

async function withAdmin<T>(run: (client: Client) => Promise<T>): Promise<T> {
	const client = new Client({ ...POSTGRES, database: 'postgres' });
	await client.connect();
	try {
		return await run(client);
	} finally {
		await client.end();
	}
}

interface Backend {
	name: string;
	setUp(): Promise<Record<string, unknown> | undefined>;
	tearDown(): Promise<void>;
}

const database = `consent_race_${randomBytes(4).toString('hex')}`;
const backends: Backend[] = [
	{ name: 'SQLite', setUp: async () => undefined, tearDown: async () => undefined },
	{
		name: 'PostgreSQL',
		setUp: async () => {
			await withAdmin((client) => client.query(`CREATE DATABASE ${database}`));
			return {
				store: 'postgres',
				postgresHost: POSTGRES.host,
				postgresPort: POSTGRES.port,
				postgresDatabase: database,
				postgresUser: POSTGRES.user,
				postgresPassword: POSTGRES.password,
				postgresSsl: 'disable',
			};
		},
		tearDown: async () => {
			await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
		},
	},
];

describe.each(backends)('racing opt-in and opt-out on $name', (backend) => {
	let env: ConsentEnvironment;
	beforeAll(async () => {
		env = await startConsentEnvironment({ storeFields: await backend.setUp() });
	});
	afterAll(async () => {
		await env?.close();
		await backend.tearDown();
	});

	it('the later event wins whatever order the writes land in; the history has both', async () => {
		const phones = germanNumbers(CONTACTS, 500);
		// Every third contact acts twice in the same second: then the stricter status wins.
		const plans = phones.map((phone, i) => {
			const optInAt = BASE + i * 1000;
			const optOutAt = i % 3 === 0 ? optInAt : optInAt + (i % 2 === 0 ? 60_000 : -60_000);
			const expected = optOutAt >= optInAt ? 'opted_out' : 'opted_in';
			return { phone, optInAt, optOutAt, expected };
		});
		const setConsent = (phone: string, status: string, at: number, workflow: string) =>
			runNode({
				node: new WhatsAppConsentGate(),
				parameters: {
					operation: 'setConsent',
					contact: phone,
					status,
					source: status === 'opted_in' ? 'button' : 'keyword',
					eventTime: new Date(at).toISOString(),
					evidence: { text: `${workflow}: ${status}` },
				},
				credentials: gateCredentials(env),
				executionId: workflow,
			});
		// Both workflows start every write at once; half the contacts get the opt-out first.
		await Promise.all(
			plans.flatMap(({ phone, optInAt, optOutAt }, i) => {
				const optIn = () => setConsent(phone, 'opted_in', optInAt, 'workflow-a');
				const optOut = () => setConsent(phone, 'opted_out', optOutAt, 'workflow-b');
				return i % 2 === 0 ? [optIn(), optOut()] : [optOut(), optIn()];
			}),
		);

		const states = await env.store.getConsentMany(
			env.account,
			phones.map((phone) => phone.slice(1)),
		);
		expect(states.map((state) => state.status)).toEqual(plans.map((plan) => plan.expected));
		for (const [i, plan] of plans.entries()) {
			expect(states[i].since).toEqual(new Date(Math.max(plan.optInAt, plan.optOutAt)));
			const history = await env.store.getConsentHistory(env.account, plan.phone.slice(1));
			expect(history.map((entry) => [entry.newStatus, entry.eventAt.getTime()]).sort()).toEqual(
				[
					['opted_in', plan.optInAt],
					['opted_out', plan.optOutAt],
				].sort(),
			);
			expect(history.map((entry) => entry.evidence?.text).sort()).toEqual([
				'workflow-a: opted_in',
				'workflow-b: opted_out',
			]);
		}
	});
});
