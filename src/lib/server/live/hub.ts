import type { Sql } from '@sms/db';
import type { Logger } from 'pino';
import { parseStatusNotice, SMS_STATUS_CHANNEL, type StatusNotice } from './notice.ts';

/** A subscriber gets its user's notices, and `resync` after the LISTEN connection came back. */
export interface LiveSubscriber {
	notice(notice: StatusNotice): void;
	/** Notices may have been missed while the connection was down: refresh what is on screen. */
	resync(): void;
	/** The hub is shutting down: end the stream so the HTTP server can close. */
	close?(): void;
}

/**
 * NOTIFY → subscribers fan-out: ONE LISTEN connection per server process however many browsers
 * are watching, each notice delivered only to the subscribers of the user it belongs to.
 */
export class LiveHub {
	private readonly subscribers = new Map<string, Set<LiveSubscriber>>();
	private listening: Promise<{ unlisten: () => Promise<void> }> | null = null;
	private listenCount = 0;

	constructor(private readonly options: { sql: Sql; log: Logger; channel?: string }) {}

	/** Starts listening on first use; returns the unsubscribe function. */
	subscribe(userId: string, subscriber: LiveSubscriber): () => void {
		let set = this.subscribers.get(userId);
		if (!set) {
			set = new Set();
			this.subscribers.set(userId, set);
		}
		set.add(subscriber);
		void this.ensureListening();
		return () => {
			const current = this.subscribers.get(userId);
			if (!current) return;
			current.delete(subscriber);
			if (current.size === 0) this.subscribers.delete(userId);
		};
	}

	/** Open subscriptions of one user (their tabs and devices). */
	countFor(userId: string): number {
		return this.subscribers.get(userId)?.size ?? 0;
	}

	/** Number of open subscriptions (all users). */
	get size(): number {
		let n = 0;
		for (const set of this.subscribers.values()) n += set.size;
		return n;
	}

	/** Resolves once the LISTEN is in place (useful before a test NOTIFYs). */
	ready(): Promise<void> {
		return this.ensureListening().then(() => undefined);
	}

	async close(): Promise<void> {
		const listening = this.listening;
		this.listening = null;
		const all = [...this.subscribers.values()].flatMap((set) => [...set]);
		this.subscribers.clear();
		for (const s of all) this.safely(() => s.close?.());
		if (listening) await (await listening).unlisten();
	}

	private ensureListening(): Promise<{ unlisten: () => Promise<void> }> {
		if (!this.listening) {
			const channel = this.options.channel ?? SMS_STATUS_CHANNEL;
			this.listening = this.options.sql
				.listen(channel, (raw) => this.dispatch(raw), () => this.onListen())
				.catch((error: unknown) => {
					// Try again on the next subscription rather than staying broken.
					this.listening = null;
					this.options.log.error({ err: error, channel }, 'LISTEN failed; live updates paused');
					throw error;
				});
			this.listening.catch(() => {});
		}
		return this.listening;
	}

	/** postgres.js calls this on every (re)connect of the LISTEN connection. */
	private onListen(): void {
		this.listenCount++;
		if (this.listenCount === 1) return;
		this.options.log.warn('LISTEN connection re-established; asking clients to resync');
		for (const set of this.subscribers.values()) for (const s of set) this.safely(() => s.resync());
	}

	private dispatch(raw: string): void {
		const notice = parseStatusNotice(raw);
		if (!notice) return;
		const set = this.subscribers.get(notice.userId);
		if (!set) return;
		for (const s of set) this.safely(() => s.notice(notice));
	}

	private safely(fn: () => void): void {
		try {
			fn();
		} catch (error) {
			this.options.log.warn({ err: error }, 'live subscriber failed');
		}
	}
}
