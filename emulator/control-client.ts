import type { EmulatorInfo } from './server';
import type { EmulatorSettings } from './settings';
import type { DeliveryRecord, DispatchOutcome } from './webhooks/dispatcher';

/** The customer side of POST /_emulator/inbound: exactly one content field per call. */
export interface InboundInput {
	phoneNumberId?: string;
	from?: string;
	userId?: string;
	name?: string;
	username?: string;
	id?: string;
	context?: string | { id: string; referred_product?: Record<string, unknown> };
	referral?: Record<string, unknown>;
	waitForDelivery?: boolean;
	text?: string;
	button?: string | { text: string; payload?: string };
	buttonReply?: string | { id: string; title: string };
	listReply?: string | { id: string; title: string; description?: string };
	image?: true | MediaInput;
	video?: true | MediaInput;
	audio?: true | (MediaInput & { voice?: boolean });
	document?: true | MediaInput;
	sticker?: true | MediaInput;
	location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string };
	reaction?: { emoji: string; messageId?: string };
	contacts?: Array<Record<string, unknown>>;
	order?: Record<string, unknown>;
	system?: { newWaId: string; body?: string };
	unsupported?: true;
	message?: Record<string, unknown> & { type: string };
}

export interface MediaInput {
	caption?: string;
	mimeType?: string;
	/** File content, base64. */
	data?: string;
	filename?: string;
}

export interface InboundReply {
	messageId: string;
	phoneNumberId: string;
	waId?: string;
	userId: string;
	timestamp: string;
	delivery?: DispatchOutcome;
}

export interface StatusRecord {
	status: 'sent' | 'delivered' | 'read' | 'failed';
	timestamp: number;
	errors?: Array<Record<string, unknown>>;
}

export interface OutboundRecord {
	id: string;
	phoneNumberId: string;
	to?: string;
	userId: string;
	input: string;
	type: string;
	status: 'accepted' | StatusRecord['status'];
	statuses: StatusRecord[];
	template?: { name: string; language: string; category: string };
	renderedText?: string;
	replyOptions: Array<{ kind: string; id: string; title: string; description?: string }>;
	bizOpaqueCallbackData?: string;
	error?: { code: number; title: string; message: string; error_data: { details: string } };
	createdAt: string;
	request: Record<string, unknown>;
}

export interface InboundRecord {
	id: string;
	phoneNumberId: string;
	from?: string;
	userId: string;
	type: string;
	timestamp: string;
	readByBusiness: boolean;
	typingIndicatorShown: boolean;
	message: Record<string, unknown>;
}

/** A typed client for the emulator's control API (`/_emulator/...`), for tests and the sandbox. */
export class EmulatorControl {
	constructor(readonly baseUrl: string) {}

	info(): Promise<EmulatorInfo> {
		return this.call('GET', '/info');
	}

	inbound(input: InboundInput): Promise<InboundReply> {
		return this.call('POST', '/inbound', input);
	}

	userPreferences(input: {
		phoneNumberId?: string;
		from?: string;
		userId?: string;
		value: 'stop' | 'resume';
		detail?: string;
		waitForDelivery?: boolean;
	}): Promise<{ marketingStopped: boolean; delivery?: DispatchOutcome }> {
		return this.call('POST', '/user-preferences', input);
	}

	read(input: {
		phoneNumberId?: string;
		from?: string;
		userId?: string;
	}): Promise<{ read: number }> {
		return this.call('POST', '/read', input);
	}

	async messages(filter: { to?: string; phoneNumberId?: string } = {}): Promise<OutboundRecord[]> {
		const result = await this.call<{ data: OutboundRecord[] }>(
			'GET',
			`/messages?${new URLSearchParams(filter).toString()}`,
		);
		return result.data;
	}

	async inboundMessages(
		filter: { from?: string; phoneNumberId?: string } = {},
	): Promise<InboundRecord[]> {
		const result = await this.call<{ data: InboundRecord[] }>(
			'GET',
			`/inbound-messages?${new URLSearchParams(filter).toString()}`,
		);
		return result.data;
	}

	advanceClock(seconds: number): Promise<{ now: string }> {
		return this.call('POST', '/clock', { advanceSeconds: seconds });
	}

	setPhoneNumber(
		id: string,
		patch: { status?: string; qualityRating?: string; messagingLimitTier?: string; mps?: number },
	): Promise<unknown> {
		return this.call('POST', `/phone-numbers/${encodeURIComponent(id)}`, patch);
	}

	/** Meta's `phone_number_quality_update` for a business number; moves its status and rating too. */
	phoneNumberQualityUpdate(input: {
		phoneNumberId?: string;
		event: 'FLAGGED' | 'UNFLAGGED' | 'DOWNGRADE' | 'UPGRADE' | 'ONBOARDING' | 'THROUGHPUT_UPGRADE';
		currentLimit?: string;
		oldLimit?: string;
		qualityRating?: string;
		status?: string;
		waitForDelivery?: boolean;
	}): Promise<{
		phoneNumberId: string;
		status: string;
		qualityRating: string;
		messagingLimitTier: string;
		delivery?: DispatchOutcome;
	}> {
		return this.call('POST', '/phone-number-quality-update', input);
	}

	/** Meta's `account_update` (violations, restrictions, bans, linked ad accounts…). */
	accountUpdate(input: {
		event: string;
		phoneNumberId?: string;
		violationType?: string;
		restrictions?: Array<{ type: string; expiresAt?: number | string }>;
		ban?: { state: string; date?: string };
		value?: Record<string, unknown>;
		waitForDelivery?: boolean;
	}): Promise<{ value: Record<string, unknown>; delivery?: DispatchOutcome }> {
		return this.call('POST', '/account-update', input);
	}

	settings(patch?: Record<string, unknown>): Promise<EmulatorSettings> {
		return patch ? this.call('POST', '/settings', patch) : this.call('GET', '/settings');
	}

	webhook(input: {
		phoneNumberId?: string;
		field: string;
		value: Record<string, unknown>;
		waitForDelivery?: boolean;
	}): Promise<{ queued: true; delivery?: DispatchOutcome }> {
		return this.call('POST', '/webhook', input);
	}

	/** Forces a template's status (review outcome, pause, disable); the status webhook follows. */
	templateStatus(input: {
		id?: string;
		name?: string;
		language?: string;
		status: 'APPROVED' | 'REJECTED' | 'PAUSED' | 'DISABLED';
		reason?: string;
		waitForDelivery?: boolean;
	}): Promise<{
		id: string;
		name: string;
		language: string;
		status: string;
		delivery?: DispatchOutcome;
	}> {
		return this.call('POST', '/templates/status', input);
	}

	async deliveries(): Promise<DeliveryRecord[]> {
		return (await this.call<{ data: DeliveryRecord[] }>('GET', '/webhook-deliveries')).data;
	}

	reset(): Promise<{ reset: true }> {
		return this.call('POST', '/reset', {});
	}

	private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
		const response = await fetch(`${this.baseUrl}/_emulator${path}`, {
			method,
			...(body === undefined
				? {}
				: { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
		});
		const payload = (await response.json()) as T & { error?: { message?: string } };
		if (!response.ok) {
			throw new Error(
				`emulator ${method} /_emulator${path} → ${response.status}: ${payload.error?.message ?? 'error'}`,
			);
		}
		return payload;
	}
}
