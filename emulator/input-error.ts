import { describeValue } from './json';

/**
 * Bad input to the emulator itself (seed file, control API, CLI flags): names the field, the value and
 * the fix. Graph API requests get Meta's error shape instead (graph/errors.ts).
 */
export class InputError extends Error {
	constructor(
		readonly field: string,
		readonly value: unknown,
		readonly fix: string,
		readonly httpStatus = 400,
	) {
		super(`${field}: got ${describeValue(value)}; ${fix}`);
		this.name = 'InputError';
	}
}
