/**
 * The compose files of docker/ (README, "Install in n8n"), read as Docker Compose reads them (YAML
 * with merge keys) and checked for what makes the package work in every n8n container: one n8n
 * image of a supported version, the same encryption key, community packages on and reinstalled
 * where missing, and in queue mode the same database and queue for main, webhook processor and
 * workers. `docker compose config` needs a Docker daemon, which neither this machine nor CI has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { MIN_N8N_VERSION } from '../../lib/core/n8nVersion';

interface Service {
	image?: string;
	command?: string;
	environment?: Record<string, string>;
	volumes?: string[];
	ports?: string[];
	depends_on?: Record<string, { condition: string }>;
	healthcheck?: { test: string[] };
}

interface ComposeFile {
	services: Record<string, Service>;
	volumes?: Record<string, unknown>;
}

const dockerDir = join(__dirname, '..', '..', 'docker');

function readCompose(setup: string): ComposeFile {
	return parse(readFileSync(join(dockerDir, setup, 'compose.yaml'), 'utf8'), {
		merge: true,
	}) as ComposeFile;
}

function n8nServices(compose: ComposeFile): Array<[string, Service]> {
	return Object.entries(compose.services).filter(([, service]) =>
		service.image?.startsWith('docker.n8n.io/n8nio/n8n:'),
	);
}

function versionAtLeast(version: string, minimum: string): boolean {
	const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
	for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
	return true;
}

/** The `.n8n` folder's mount of a service: `<volume>:/home/node/.n8n`. */
function userFolderVolume(service: Service): string | undefined {
	return service.volumes?.find((volume) => volume.endsWith(':/home/node/.n8n'))?.split(':')[0];
}

describe.each([
	['single', ['n8n']],
	['queue', ['n8n-main', 'n8n-webhook', 'n8n-worker']],
])('docker/%s/compose.yaml', (setup, expectedN8nServices) => {
	const compose = readCompose(setup);
	const services = n8nServices(compose);

	it('runs n8n in the expected services, one image of a supported n8n version', () => {
		expect(services.map(([name]) => name)).toEqual(expectedN8nServices);
		const images = new Set(services.map(([, service]) => service.image));
		expect(images.size).toBe(1);
		const [version] = /\d+\.\d+\.\d+$/.exec([...images][0] ?? '') ?? [''];
		expect(versionAtLeast(version, MIN_N8N_VERSION)).toBe(true);
	});

	it('lets every n8n process load the package: community packages on, missing ones reinstalled', () => {
		for (const [name, { environment = {} }] of services) {
			expect({ name, env: environment }).toMatchObject({
				name,
				env: {
					N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
					N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
					N8N_REINSTALL_MISSING_PACKAGES: 'true',
				},
			});
			// Not n8n's deprecated WEBHOOK_URL: the trigger registers N8N_WEBHOOK_URL with Meta.
			expect(environment.WEBHOOK_URL).toBeUndefined();
			expect(environment.N8N_WEBHOOK_URL).toMatch(/^\$\{N8N_WEBHOOK_URL:\?/);
		}
	});

	it('gives every n8n process the same encryption key', () => {
		const keys = new Set(services.map(([, service]) => service.environment?.N8N_ENCRYPTION_KEY));
		expect([...keys]).toEqual(['${N8N_ENCRYPTION_KEY:?set N8N_ENCRYPTION_KEY in .env}']);
	});

	it('keeps the main’s n8n folder (installed package, SQLite files) in a volume of its own', () => {
		const [, main] = services[0];
		const volume = userFolderVolume(main);
		expect(volume).toBeDefined();
		expect(Object.keys(compose.volumes ?? {})).toContain(volume);
		// A folder shared by two processes would have both install the package into it at once.
		const mounted = services.map(([, service]) => userFolderVolume(service)).filter(Boolean);
		expect(new Set(mounted).size).toBe(mounted.length);
	});

	it('asks .env.example for every required variable', () => {
		const text = readFileSync(join(dockerDir, setup, 'compose.yaml'), 'utf8');
		const example = readFileSync(join(dockerDir, setup, '.env.example'), 'utf8');
		const required = [...new Set([...text.matchAll(/\$\{(\w+):\?/g)].map((match) => match[1]))];
		expect(required.length).toBeGreaterThan(0);
		for (const name of required) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
	});
});

describe('docker/queue/compose.yaml in queue mode', () => {
	const compose = readCompose('queue');
	const services = Object.fromEntries(n8nServices(compose));

	it('starts the main, a webhook processor and workers', () => {
		expect(services['n8n-main'].command).toBeUndefined();
		expect(services['n8n-webhook'].command).toBe('webhook');
		expect(services['n8n-worker'].command).toBe('worker');
	});

	it('gives every n8n process the same database and queue, and waits for them to be healthy', () => {
		const shared = (service: Service) =>
			Object.fromEntries(
				Object.entries(service.environment ?? {}).filter(([name]) =>
					/^(DB_|QUEUE_BULL_|EXECUTIONS_MODE$)/.test(name),
				),
			);
		const main = shared(services['n8n-main']);
		expect(main).toMatchObject({
			EXECUTIONS_MODE: 'queue',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: 'postgres',
			QUEUE_BULL_REDIS_HOST: 'redis',
		});
		for (const service of Object.values(services)) {
			expect(shared(service)).toEqual(main);
			expect(service.depends_on?.postgres).toEqual({ condition: 'service_healthy' });
			expect(service.depends_on?.redis).toEqual({ condition: 'service_healthy' });
		}
		expect(compose.services.postgres.environment).toMatchObject({
			POSTGRES_USER: main.DB_POSTGRESDB_USER,
			POSTGRES_DB: main.DB_POSTGRESDB_DATABASE,
			POSTGRES_PASSWORD: main.DB_POSTGRESDB_PASSWORD,
		});
		expect(compose.services.postgres.healthcheck?.test).toBeDefined();
		expect(compose.services.redis.healthcheck?.test).toBeDefined();
	});

	it('serves production webhooks from the webhook processor only', () => {
		expect(services['n8n-main'].environment?.N8N_DISABLE_PRODUCTION_MAIN_PROCESS).toBe('true');
		expect(services['n8n-webhook'].ports).toEqual(['5679:5678']);
	});
});
