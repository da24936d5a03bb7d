import { n8nSettingsOf, readBenchConfig, SCENARIOS, TUNED_N8N_SETTINGS } from '../lib/config';
import { percentile, ratio } from '../lib/stats';

describe('readBenchConfig', () => {
	it('uses issue 11’s and 18’s sizes, every scenario and n8n’s defaults by default', () => {
		const config = readBenchConfig({});

		expect(config).toMatchObject({
			scenarios: [...SCENARIOS],
			campaignRecipients: 10_000,
			cappedMps: 1000,
			queueWorkers: 2,
			inboundDeliveries: 5000,
			consentContacts: 100_000,
			followUpWaits: 200,
			routingDeliveries: 90,
			routingRate: 1.5,
			skipBuild: false,
			n8nEnv: {},
		});
	});

	it('takes sizes, a scenario list in its own order and n8n settings from the environment', () => {
		const config = readBenchConfig({
			BENCH_SCENARIOS: 'store, campaign',
			BENCH_CAMPAIGN_RECIPIENTS: '1_000',
			BENCH_N8N_ENV: 'N8N_EXPRESSION_ENGINE=legacy,N8N_LOG_LEVEL=warn',
			BENCH_SKIP_BUILD: '1',
		});

		expect(config.scenarios).toEqual(['campaign', 'store']);
		expect(config.campaignRecipients).toBe(1000);
		expect(config.n8nEnv).toEqual({ N8N_EXPRESSION_ENGINE: 'legacy', N8N_LOG_LEVEL: 'warn' });
		expect(config.skipBuild).toBe(true);
	});

	it.each([
		[
			{ BENCH_CAMPAIGN_RECIPIENTS: 'many' },
			/BENCH_CAMPAIGN_RECIPIENTS=many .*whole number.*BENCH_CAMPAIGN_RECIPIENTS=10000/,
		],
		[{ BENCH_CAPPED_MPS: '2000' }, /BENCH_CAPPED_MPS=2000 .*from 1 to 1000/],
		[{ BENCH_FOLLOWUP_WAITS: '0' }, /BENCH_FOLLOWUP_WAITS=0/],
		[{ BENCH_INBOUND_RATE_FACTOR: '1' }, /BENCH_INBOUND_RATE_FACTOR=1 .*>= 1.05/],
		[{ BENCH_ROUTING_DELIVERIES: '5' }, /BENCH_ROUTING_DELIVERIES=5 .*>= 10/],
		[{ BENCH_ROUTING_RATE: 'fast' }, /BENCH_ROUTING_RATE=fast .*BENCH_ROUTING_RATE=1.5/],
		[
			{ BENCH_SCENARIOS: 'campaign,speed' },
			/"speed".*campaign, campaignQueue, inbound, consent, followUp, routing, store/,
		],
		[{ BENCH_N8N_ENV: 'legacy' }, /BENCH_N8N_ENV contains "legacy".*NAME=value/],
		[{ BENCH_SETTINGS: 'fast' }, /BENCH_SETTINGS=fast is neither defaults nor tuned/],
		[{ BENCH_QUEUE_WORKERS: '0' }, /BENCH_QUEUE_WORKERS=0 .*from 1 to 8/],
	])('refuses %j, naming the variable, the value and the fix', (env, message) => {
		expect(() => readBenchConfig(env)).toThrow(message);
	});
});

describe('n8n settings', () => {
	it('BENCH_SETTINGS=tuned sets issue 18’s tuned engine settings, BENCH_N8N_ENV adds to them', () => {
		expect(readBenchConfig({ BENCH_SETTINGS: 'tuned' }).n8nEnv).toEqual({
			N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
			N8N_EXPRESSION_ENGINE_COMPILE_CACHE: 'true',
		});
		expect(
			readBenchConfig({ BENCH_SETTINGS: 'tuned', BENCH_N8N_ENV: 'N8N_LOG_LEVEL=warn' }).n8nEnv,
		).toMatchObject({ N8N_LOG_LEVEL: 'warn', N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' });
		expect(readBenchConfig({ BENCH_SETTINGS: 'defaults' }).n8nEnv).toEqual({});
	});

	it('tells defaults from tuned from anything else', () => {
		expect(n8nSettingsOf({})).toBe('defaults');
		expect(n8nSettingsOf({ ...TUNED_N8N_SETTINGS })).toBe('tuned');
		expect(
			n8nSettingsOf({
				N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'TRUE',
				N8N_EXPRESSION_ENGINE_COMPILE_CACHE: 'true',
			}),
		).toBe('tuned');
		// Half of the tuned settings, or more than them, is neither.
		expect(n8nSettingsOf({ N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' })).toBe('other');
		expect(n8nSettingsOf({ ...TUNED_N8N_SETTINGS, N8N_EXPRESSION_ENGINE: 'legacy' })).toBe('other');
		expect(
			n8nSettingsOf({
				N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'false',
				N8N_EXPRESSION_ENGINE_COMPILE_CACHE: 'true',
			}),
		).toBe('other');
	});
});

describe('percentile', () => {
	it('is the nearest-rank value of unsorted samples', () => {
		const samples = [50, 10, 40, 20, 30, 100, 90, 80, 70, 60];

		expect(percentile(samples, 50)).toBe(50);
		expect(percentile(samples, 99)).toBe(100);
		expect(percentile(samples, 1)).toBe(10);
		expect(percentile([], 50)).toBeNull();
	});

	it('ratio is null without both sides', () => {
		expect(ratio(3, 2)).toBe(1.5);
		expect(ratio(null, 2)).toBeNull();
		expect(ratio(3, 0)).toBeNull();
	});
});
