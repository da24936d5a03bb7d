// The registry this project is built from lacks the non-Linux builds of some native optional
// dependencies (e.g. @unrs/resolver-binding-darwin-arm64), so `npm install` leaves them out of
// package-lock.json and `npm ci` then refuses the lockfile as out of sync. This adds a
// platform-restricted entry for each missing optional dependency; npm skips them on Linux x64
// and a machine of another platform resolves them from its own registry.
// Run after any `npm install` that changed package-lock.json; pass another lockfile's path to fix
// that one instead (scripts/n8n-runtime/package-lock.json, the pinned n8n the e2e tests run in).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const lockPath = process.argv[2] ? resolve(process.argv[2]) : new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

function isInstalledFrom(location, name) {
	let base = location;
	for (;;) {
		if (packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
		if (!base) return false;
		const cut = base.lastIndexOf('/node_modules/');
		base = cut < 0 ? '' : base.slice(0, cut);
	}
}

function platformOf(name) {
	const os = ['android', 'darwin', 'freebsd', 'linux', 'openharmony', 'win32'].find((o) => name.includes(`-${o}-`));
	const cpu = ['arm64', 'arm', 'ia32', 'x64', 'loong64', 'ppc64', 'riscv64', 's390x'].find((c) =>
		new RegExp(`-${c}(-|$)`).test(name),
	);
	const libc = /-musl/.test(name) ? 'musl' : /-gnu/.test(name) ? 'glibc' : undefined;
	return { os, cpu, libc };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
	for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
		if (isInstalledFrom(location, name)) continue;
		const { os, cpu, libc } = platformOf(name);
		if (!os || !cpu) continue;
		packages[`node_modules/${name}`] = {
			version,
			cpu: [cpu],
			...(entry.dev ? { dev: true } : {}),
			license: 'MIT',
			optional: true,
			os: [os],
			...(libc ? { libc: [libc] } : {}),
		};
		added++;
	}
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, JSON.stringify(lock, null, '\t') + '\n');
process.stdout.write(`fix-lockfile: added ${added} platform-only optional entries\n`);
