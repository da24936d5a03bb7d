/**
 * "Pause When Quality Is Low": a campaign stops sending from a number whose quality rating Meta
 * reports as RED, so a team does not burn it. The rating is read with the sender's status at the
 * start of the batch (the sender check's one read) and again, per sender, once every N messages
 * handed over from it (one Graph call per N messages, never one per message; Meta's management
 * API allows a few hundred calls an hour). From then on no message of that sender leaves: items
 * still to prepare and items already waiting for the sender come out as skipped, with the reason.
 */
import type { IExecuteFunctions } from 'n8n-workflow';

import { isLowQuality } from '../../../lib/core/senderHealth';
import type { GraphClient, PhoneNumber } from '../../../lib/transport/graphApi';
import type { PreparedSend } from './types';

/** Why an item was not sent: the sender's quality turned low during (or before) the batch. */
export class QualityPause extends Error {
	constructor(
		readonly qualityRating: string,
		readonly checkedAt: string,
		sender: PhoneNumber,
	) {
		super(
			`Paused: the quality rating of ${sender.display_phone_number} (${sender.id}) is ${qualityRating} (low), so the rest of the batch was not sent. Improve the quality (WhatsApp Manager → Insights) or send from another number, then run the items that were not sent again.`,
		);
		this.name = 'QualityPause';
	}
}

export const DEFAULT_QUALITY_CHECK_EVERY = 1000;

export class QualityWatch {
	private readonly paused = new Map<string, QualityPause>();

	/** Messages handed over per sender since its rating was last read. */
	private readonly sinceRead = new Map<string, number>();

	constructor(
		private readonly fn: IExecuteFunctions,
		private readonly client: GraphClient,
		private readonly checkEvery: number,
	) {}

	/** The pause of this item's sender, if its quality turned low. */
	pauseOf(p: PreparedSend): QualityPause | undefined {
		return this.paused.get(p.sender.id);
	}

	/**
	 * Before a chunk is handed over: a sender not read yet is judged by the batch-start read (the
	 * sender check's), one with N messages since its last read is read again. Returns the items to
	 * hold back, each with its pause.
	 */
	async screen(chunk: readonly PreparedSend[]): Promise<Array<[PreparedSend, QualityPause]>> {
		const senders = new Map<string, PhoneNumber>();
		for (const p of chunk) senders.set(p.sender.id, p.sender);
		for (const [id, sender] of senders) {
			if (this.paused.has(id)) continue;
			const since = this.sinceRead.get(id);
			if (since === undefined) {
				this.judge(sender, sender.quality_rating);
				this.sinceRead.set(id, 0);
			} else if (since >= this.checkEvery) {
				this.judge(sender, await this.readRating(sender));
				this.sinceRead.set(id, 0);
			}
		}
		const held: Array<[PreparedSend, QualityPause]> = [];
		for (const p of chunk) {
			const pause = this.pauseOf(p);
			if (pause) held.push([p, pause]);
			else this.sinceRead.set(p.sender.id, (this.sinceRead.get(p.sender.id) ?? 0) + 1);
		}
		return held;
	}

	private judge(sender: PhoneNumber, rating: string | undefined): void {
		if (rating !== undefined && isLowQuality(rating)) {
			this.paused.set(
				sender.id,
				new QualityPause(rating.toUpperCase(), new Date().toISOString(), sender),
			);
		}
	}

	/** A failed read keeps the batch going on the last reading (not low): the check must not lose items. */
	private async readRating(sender: PhoneNumber): Promise<string | undefined> {
		try {
			return (await this.client.getPhoneNumber(sender.id)).quality_rating;
		} catch (error) {
			this.fn.logger.warn(
				'The sender’s quality rating could not be read again; the batch goes on with the last reading',
				{ sender: sender.id, reason: (error as Error).message },
			);
			return undefined;
		}
	}
}
