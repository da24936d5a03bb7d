/**
 * Forwards between trigger workflows of one account (docs/nodes/trigger.md, "Many workflows on
 * one number"): the trigger Meta called records each event once and POSTs what the other chosen
 * routes need to their own webhook URLs. A forward is signed with a key derived from the
 * credential (never the secret itself), names the route it is meant for and when it was sent, so
 * a forward cannot be forged, sent to another route, or replayed after a few minutes (and within
 * them the receiver's forward ledger refuses a second run).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

import type { RouteChoice } from '../core/routing';
import type { EventFacts } from './items';

/** The header that carries a forward's timestamp and signature: `t=<epoch ms>,v1=<hex>`. */
export const FORWARD_HEADER = 'x-wa-automation-forward';

/** A forward older (or further in the future) than this is refused: clocks of one n8n agree. */
export const FORWARD_MAX_AGE_MS = 5 * 60_000;

const INFO = 'n8n-nodes-whatsapp-automation/router/v1';

/**
 * HKDF-SHA256 of the App Secret (the Access Token when the credential has none), salted with the
 * WhatsApp Business Account id: every trigger of the credential derives the same key, no other
 * account's does, and the key reveals nothing of the secret.
 */
export function deriveForwardKey(input: {
	appSecret?: unknown;
	accessToken?: unknown;
	account: string;
}): Buffer | null {
	const appSecret = typeof input.appSecret === 'string' ? input.appSecret.trim() : '';
	const accessToken = typeof input.accessToken === 'string' ? input.accessToken.trim() : '';
	const secret = appSecret !== '' ? appSecret : accessToken;
	if (secret === '') return null;
	return Buffer.from(hkdfSync('sha256', secret, input.account, INFO, 32));
}

/** One event as a receiving route needs it: the recorded facts and why it was chosen. */
export interface ForwardedEvent {
	eventKey: string;
	facts: EventFacts;
	routing: RouteChoice;
}

export interface ForwardEnvelope {
	v: 1;
	routeId: string;
	events: ForwardedEvent[];
}

export interface SignedForward {
	body: string;
	headers: Record<string, string>;
}

export function signForward(envelope: ForwardEnvelope, key: Buffer, now: number): SignedForward {
	const body = JSON.stringify(envelope);
	const signature = forwardSignature(key, envelope.routeId, eventKeysOf(envelope), now, body);
	return {
		body,
		headers: {
			'content-type': 'application/json',
			[FORWARD_HEADER]: `t=${now},v1=${signature}`,
		},
	};
}

export type ForwardCheck =
	{ ok: true; envelope: ForwardEnvelope } | { ok: false; status: 400 | 401; reason: string };

/**
 * Checks a forward meant for `routeId`: the signature over route, events, time and body, the
 * route, and the age. Why a forward is refused goes to the log, never to the caller.
 */
export function verifyForward(input: {
	header: unknown;
	rawBody: Buffer | undefined;
	key: Buffer | null;
	routeId: string;
	now: number;
}): ForwardCheck {
	const refuse = (reason: string): ForwardCheck => ({ ok: false, status: 401, reason });
	if (input.key === null) {
		return refuse('the credential has neither App Secret nor Access Token to verify forwards');
	}
	const header = Array.isArray(input.header) ? String(input.header[0]) : String(input.header ?? '');
	const parts = Object.fromEntries(
		header.split(',').map((part) => {
			const at = part.indexOf('=');
			return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
		}),
	);
	const sentAt = Number(parts.t);
	if (!Number.isSafeInteger(sentAt) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) {
		return refuse(`the ${FORWARD_HEADER} header is malformed`);
	}
	if (Math.abs(input.now - sentAt) > FORWARD_MAX_AGE_MS) {
		return refuse('the forward is older than 5 minutes (or from the future)');
	}
	if (input.rawBody === undefined || input.rawBody.length === 0) return refuse('the body is empty');
	let envelope: ForwardEnvelope;
	try {
		envelope = JSON.parse(input.rawBody.toString('utf8'), reviveDates) as ForwardEnvelope;
	} catch {
		return refuse('the body is not JSON');
	}
	if (
		envelope?.v !== 1 ||
		!Array.isArray(envelope.events) ||
		typeof envelope.routeId !== 'string'
	) {
		return refuse('the body is not a forward of this version');
	}
	const expected = forwardSignature(
		input.key,
		envelope.routeId,
		eventKeysOf(envelope),
		sentAt,
		input.rawBody.toString('utf8'),
	);
	if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(parts.v1, 'hex'))) {
		return refuse('the signature does not match (another credential, or a forged forward)');
	}
	if (envelope.routeId !== input.routeId) {
		return refuse(`the forward is meant for route ${envelope.routeId}, not ${input.routeId}`);
	}
	return { ok: true, envelope };
}

function forwardSignature(
	key: Buffer,
	routeId: string,
	eventKeys: string[],
	sentAt: number,
	body: string,
): string {
	return createHmac('sha256', key)
		.update(`${routeId}\n${eventKeys.join(' ')}\n${sentAt}\n`)
		.update(body)
		.digest('hex');
}

function eventKeysOf(envelope: ForwardEnvelope): string[] {
	return envelope.events.map((event) => String(event?.eventKey));
}

/** The store's Date fields travel as ISO strings; these names get their Date back. */
const DATE_FIELDS = new Set([
	'conversationStartedAt',
	'previousInboundAt',
	'lastInboundAt',
	'expiresAt',
	'sentAt',
]);

function reviveDates(key: string, value: unknown): unknown {
	if (DATE_FIELDS.has(key) && typeof value === 'string') {
		const time = Date.parse(value);
		if (!Number.isNaN(time)) return new Date(time);
	}
	return value;
}

/** Parses stored forwarded events (JSON.stringify of ForwardedEvent[]) back, with their Dates. */
export function parseForwardedEvents(text: string): ForwardedEvent[] {
	return JSON.parse(text, reviveDates) as ForwardedEvent[];
}
