/**
 * Run by config.test.ts on a Node.js without node:sqlite: importing the store must work, and
 * opening a SQLite store must say which Node.js it needs.
 */
import { createStore, storeConfigFromCredentials } from '../../../lib/store';

const config = storeConfigFromCredentials({ store: 'builtin', sqlitePath: process.argv[2] });
createStore(config).then(
	() => process.stdout.write('opened\n'),
	(error: Error) => process.stdout.write(`${error.message}\n`),
);
