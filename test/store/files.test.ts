/**
 * The SQLite store's files hold phone numbers, consent records and resume URLs: the package
 * creates them readable by n8n's user only (file, -wal and -shm 0600, folders 0700), and leaves
 * the mode of a file its owner created alone.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createStore, type Store } from '../../lib/store';
import { T0 } from './support/storeEnvironment';

/** The permission bits in octal, as ls and chmod show them. */
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

(process.platform === 'win32' ? describe.skip : describe)('SQLite store files', () => {
	let folder: string;
	const opened: Store[] = [];

	beforeEach(() => {
		folder = mkdtempSync(path.join(tmpdir(), 'wa-store-files-'));
	});

	afterEach(async () => {
		await Promise.allSettled(opened.splice(0).map((store) => store.close()));
		rmSync(folder, { recursive: true, force: true });
	});

	it('creates the file, its -wal and -shm 0600 and missing folders 0700', async () => {
		const file = path.join(folder, 'n8n-home', '.n8n', 'whatsapp-automation.sqlite');
		const store = await createStore({ backend: 'sqlite', path: file });
		opened.push(store);
		// A write while open: the -wal and -shm files exist now.
		await store.markSeen('msg:wamid.1', T0);

		expect(existsSync(`${file}-wal`) && existsSync(`${file}-shm`)).toBe(true);
		expect({
			file: mode(file),
			wal: mode(`${file}-wal`),
			shm: mode(`${file}-shm`),
			folder: mode(path.dirname(file)),
			parent: mode(path.join(folder, 'n8n-home')),
		}).toEqual({ file: '600', wal: '600', shm: '600', folder: '700', parent: '700' });
	});

	it('keeps the mode of a file that already exists, and of an existing folder', async () => {
		const file = path.join(folder, 'shared.sqlite');
		writeFileSync(file, '');
		chmodSync(file, 0o640);
		chmodSync(folder, 0o750);
		const store = await createStore({ backend: 'sqlite', path: file });
		opened.push(store);
		await store.markSeen('msg:wamid.1', T0);

		expect({ file: mode(file), wal: mode(`${file}-wal`), folder: mode(folder) }).toEqual({
			file: '640',
			wal: '640',
			folder: '750',
		});
	});
});
