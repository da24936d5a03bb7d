import { randomBytes, randomInt } from 'node:crypto';

/** Graph object ids are decimal strings of 15-16 digits. */
export function numericId(): string {
	return String(randomInt(1, 10)) + Array.from({ length: 15 }, () => randomInt(0, 10)).join('');
}

/** Meta's message ids are `wamid.` followed by base64 (of an internal protobuf); only the form matters. */
export function wamid(): string {
	return `wamid.${randomBytes(30).toString('base64')}`;
}

export function fbtraceId(): string {
	return randomBytes(17).toString('base64').replace(/[+/=]/g, 'A').slice(0, 23);
}

export function randomToken(): string {
	return randomBytes(16).toString('hex');
}
