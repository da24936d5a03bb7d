/**
 * The size cap of a media download (MAX_MEDIA_DOWNLOAD_BYTES in ./timeouts): a file is refused by
 * its announced size before the download, and cut off while reading when it was not announced
 * (or announced wrongly), so no file fills memory or disk past the cap.
 */
import { Transform } from 'node:stream';

/** Refuses a file whose announced size (Meta's `file_size`, then Content-Length) is over the cap. */
export function refuseOversizedMedia(mediaId: string, size: number, maxBytes: number): void {
	if (Number.isFinite(size) && size > maxBytes) {
		throw new Error(
			`Media ${mediaId} is ${megabytes(size)} (${size} bytes), more than the ${megabytes(maxBytes)} the trigger downloads; it was not downloaded. Fetch it yourself from its media id if you need it.`,
		);
	}
}

/** Passes the bytes through and fails the stream once more than `maxBytes` went by. */
export function capped(mediaId: string, maxBytes: number): Transform {
	let seen = 0;
	return new Transform({
		transform(chunk: Buffer, _encoding, done) {
			seen += chunk.length;
			if (seen > maxBytes) {
				done(
					new Error(
						`Media ${mediaId} is larger than the ${megabytes(maxBytes)} the trigger downloads; the download was stopped.`,
					),
				);
				return;
			}
			done(null, chunk);
		},
	});
}

function megabytes(bytes: number): string {
	return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
