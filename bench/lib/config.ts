/**
 * What `npm run bench` measures and how much of it, from BENCH_* environment variables. The
 * defaults are the sizes of issues 11 and 18; smaller values make a quick run (see
 * docs/BENCHMARKS.md).
 */
export const SCENARIOS = [
	'campaign',
	'campaignQueue',
	'inbound',
	'consent',
	'followUp',
	'routing',
	'store',
	'campaignReport',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchConfig {
	scenarios: ScenarioName[];
	/** Recipients of the one campaign execution (scenario 1). */
	campaignRecipients: number;
	/** Our send node's Parallel Requests in scenario 1a (no pacing there). */
	campaignConcurrency: number;
	/** The emulator's cap and our node's Messages per Second in scenarios 1b and 1c. */
	cappedMps: number;
	/** n8n workers in queue mode (scenario 1c); the campaign is split into one execution each. */
	queueWorkers: number;
	/** Signed deliveries per receiver (scenario 2), spread over the rate steps. */
	inboundDeliveries: number;
	/** Offered rate of the first step, deliveries per second; each further step multiplies it. */
	inboundStartRate: number;
	inboundRateFactor: number;
	inboundStepSeconds: number;
	/** Contacts through the Consent Gate's Check per backend (scenario 3). */
	consentContacts: number;
	/** Waiting executions resumed together (scenario 4). */
	followUpWaits: number;
	/** Signed deliveries per receiver in the routing burst (scenario 5), after a short warm-up. */
	routingDeliveries: number;
	/** Their fixed rate, deliveries per second: moderate, so that every receiver keeps up. */
	routingRate: number;
	/** Skip `npm run build` (the dist/ folder must then be current). */
	skipBuild: boolean;
	/**
	 * Extra environment for every n8n process: TUNED_N8N_SETTINGS with BENCH_SETTINGS=tuned, plus
	 * BENCH_N8N_ENV (e.g. N8N_EXPRESSION_ENGINE=legacy).
	 */
	n8nEnv: Record<string, string>;
}

/**
 * Issue 18's tuned engine settings: an execution takes an expression isolate only when it
 * evaluates an expression, and compiled expressions are reused. Set for every n8n process of a
 * run, ours and the baselines alike.
 */
export const TUNED_N8N_SETTINGS: Readonly<Record<string, string>> = {
	N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true',
	N8N_EXPRESSION_ENGINE_COMPILE_CACHE: 'true',
};

/**
 * Which of issue 18's two settings a run's n8n had: `defaults` (nothing set), `tuned` (exactly
 * TUNED_N8N_SETTINGS) or `other` (anything else, e.g. the legacy engine), where no target that
 * names its settings is judged.
 */
export type N8nSettings = 'defaults' | 'tuned' | 'other';

export function n8nSettingsOf(n8nEnv: Readonly<Record<string, string>>): N8nSettings {
	const names = Object.keys(n8nEnv);
	if (names.length === 0) return 'defaults';
	const tunedNames = Object.keys(TUNED_N8N_SETTINGS);
	const tuned =
		names.length === tunedNames.length &&
		tunedNames.every((name) => n8nEnv[name]?.toLowerCase() === TUNED_N8N_SETTINGS[name]);
	return tuned ? 'tuned' : 'other';
}

type Env = Record<string, string | undefined>;

export class BenchConfigError extends Error {}

export function readBenchConfig(env: Env = process.env): BenchConfig {
	return {
		scenarios: scenarioList(env.BENCH_SCENARIOS),
		campaignRecipients: wholeNumber(env, 'BENCH_CAMPAIGN_RECIPIENTS', 10_000, 1),
		campaignConcurrency: wholeNumber(env, 'BENCH_CAMPAIGN_CONCURRENCY', 50, 1, 200),
		cappedMps: wholeNumber(env, 'BENCH_CAPPED_MPS', 1000, 1, 1000),
		queueWorkers: wholeNumber(env, 'BENCH_QUEUE_WORKERS', 2, 1, 8),
		inboundDeliveries: wholeNumber(env, 'BENCH_INBOUND_DELIVERIES', 5000, 10),
		inboundStartRate: decimal(env, 'BENCH_INBOUND_START_RATE', 4, 0.1),
		inboundRateFactor: decimal(env, 'BENCH_INBOUND_RATE_FACTOR', 1.25, 1.05),
		inboundStepSeconds: decimal(env, 'BENCH_INBOUND_STEP_SECONDS', 3, 0.5),
		consentContacts: wholeNumber(env, 'BENCH_CONSENT_CONTACTS', 100_000, 10),
		followUpWaits: wholeNumber(env, 'BENCH_FOLLOWUP_WAITS', 200, 1, 250),
		routingDeliveries: wholeNumber(env, 'BENCH_ROUTING_DELIVERIES', 90, 10),
		routingRate: decimal(env, 'BENCH_ROUTING_RATE', 1.5, 0.1),
		skipBuild: env.BENCH_SKIP_BUILD === '1',
		n8nEnv: { ...settingsPreset(env.BENCH_SETTINGS), ...variableList(env.BENCH_N8N_ENV) },
	};
}

/** BENCH_SETTINGS: `defaults` (or unset) adds nothing, `tuned` adds TUNED_N8N_SETTINGS. */
function settingsPreset(value: string | undefined): Record<string, string> {
	const name = value?.trim() ?? '';
	if (name === '' || name === 'defaults') return {};
	if (name === 'tuned') return { ...TUNED_N8N_SETTINGS };
	throw new BenchConfigError(
		`BENCH_SETTINGS=${value} is neither defaults nor tuned; use e.g. BENCH_SETTINGS=tuned`,
	);
}

/** `NAME=value,NAME=value` (values without commas). */
function variableList(value: string | undefined): Record<string, string> {
	if (value === undefined || value.trim() === '') return {};
	return Object.fromEntries(
		value.split(',').map((pair) => {
			const match = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
			if (!match) {
				throw new BenchConfigError(
					`BENCH_N8N_ENV contains "${pair}", which is not NAME=value; use e.g. BENCH_N8N_ENV=N8N_EXPRESSION_ENGINE=legacy`,
				);
			}
			return [match[1], match[2].trim()];
		}),
	);
}

function scenarioList(value: string | undefined): ScenarioName[] {
	if (value === undefined || value.trim() === '') return [...SCENARIOS];
	const names = value.split(',').map((name) => name.trim());
	for (const name of names) {
		if (!(SCENARIOS as readonly string[]).includes(name)) {
			throw new BenchConfigError(
				`BENCH_SCENARIOS contains "${name}", which is not a scenario; use a comma list of ${SCENARIOS.join(', ')}`,
			);
		}
	}
	return SCENARIOS.filter((name) => names.includes(name));
}

function wholeNumber(
	env: Env,
	name: string,
	fallback: number,
	min: number,
	max = Infinity,
): number {
	const raw = env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const value = Number(raw.replace(/_/g, ''));
	if (!Number.isInteger(value) || value < min || value > max) {
		const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
		throw new BenchConfigError(
			`${name}=${raw} is not a whole number ${range}; use e.g. ${name}=${fallback}`,
		);
	}
	return value;
}

function decimal(env: Env, name: string, fallback: number, min: number): number {
	const raw = env[name];
	if (raw === undefined || raw.trim() === '') return fallback;
	const value = Number(raw);
	if (!Number.isFinite(value) || value < min) {
		throw new BenchConfigError(
			`${name}=${raw} is not a number >= ${min}; use e.g. ${name}=${fallback}`,
		);
	}
	return value;
}
