/**
 * The cap while reading a media download: a file whose size was not announced (or announced
 * wrongly) is cut off once it passes the limit, and the download fails with the reason.
 */
import { Readable } from 'node:stream';

import { capped } from '../../lib/core/mediaCap';

async function readAll(stream: Readable): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of stream) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

describe('media download cap', () => {
	it('passes a file up to the cap through unchanged', async () => {
		const file = Readable.from([Buffer.alloc(6, 1), Buffer.alloc(4, 2)]);
		expect(await readAll(file.pipe(capped('123', 10)))).toEqual(
			Buffer.concat([Buffer.alloc(6, 1), Buffer.alloc(4, 2)]),
		);
	});

	it('fails a file that grows past the cap while it is read', async () => {
		const file = Readable.from([Buffer.alloc(6), Buffer.alloc(6), Buffer.alloc(6)]);
		await expect(readAll(file.pipe(capped('123', 10)))).rejects.toThrow(
			/Media 123 is larger than the 0\.0 MB the trigger downloads; the download was stopped/,
		);
	});
});
