/**
 * Run by lazyModules.test.ts in a process of its own: opens a store of the backend named in argv
 * (SQLite at the given path, or PostgreSQL at the given JSON configuration), closes it and prints
 * which files of the `pg` driver Node has loaded, as one JSON line.
 */
import { createStore, type StoreConfig } from '../../../lib/store';

async function main(): Promise<void> {
	const config = JSON.parse(process.argv[2]) as StoreConfig;
	const store = await createStore(config);
	await store.close();
	const pgFiles = Object.keys(require.cache).filter((file) =>
		/[\\/]node_modules[\\/]pg[\\/]/.test(file),
	);
	process.stdout.write(`${JSON.stringify({ pgFiles })}\n`);
}

main().catch((error: Error) => {
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});
