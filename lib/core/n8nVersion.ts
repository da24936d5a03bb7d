/**
 * The lowest n8n this package supports (also package.json `engines.n8n`, which a unit test holds
 * to this constant). n8n 2.39 is the first to forward every output of a waiting node resumed by
 * its webhook (n8n-core's `forwardAllOutputs`, n8n pull request 31714); older versions keep only
 * output 0, so the Follow-up Wait's Replied and Cancelled branches would be dropped without an error.
 */
export const MIN_N8N_VERSION = '2.39.0';

function parse(version: string): [number, number, number] | undefined {
	const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
	return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/**
 * Why `version` (n8n's, as its n8n-workflow tells it) is too old for the Follow-up Wait, or
 * undefined when it is new enough or unknown: an unreadable version never blocks a run.
 */
export function tooOldN8n(version: string | undefined): string | undefined {
	const running = version === undefined ? undefined : parse(version);
	const minimum = parse(MIN_N8N_VERSION);
	if (!running || !minimum) return undefined;
	for (let i = 0; i < 3; i++) {
		if (running[i] > minimum[i]) return undefined;
		if (running[i] < minimum[i]) {
			return (
				`This n8n (${running.slice(0, 2).join('.')}) is too old for WhatsApp Follow-up Wait: it needs ` +
				`n8n ${MIN_N8N_VERSION.replace(/\.0$/, '')} or newer. Older n8n versions drop the Replied and ` +
				'Cancelled branches of a resumed wait without an error. Update n8n, then run the workflow again.'
			);
		}
	}
	return undefined;
}
