import type { Sql } from '@sms/db';
import type { Logger } from 'pino';
import { parseStatusNotice, SMS_STATUS_CHANNEL, type StatusNotice } from './notice.ts';

/** A subscriber gets its key's notices, and `resync` after the LISTEN connection came back. */
export interface LiveSubscriber<N = StatusNotice> {
	notice(notice: N): void;
	/** Notices may have been missed while the connection was down: refresh what is on screen. */
	resync(): void;
	/** The hub is shutting down: end the stream so the HTTP server can close. */
	close?(): void;
}

/** How a hub reads its channel: a payload to a notice, and the key it is delivered under. */
export interface LiveChannel<N> {
	name: string;
	parse(raw: string): N | null;
	keyOf(notice: N): string;
}

const STATUS_CHANNEL: LiveChannel<StatusNotice> = { name: SMS_STATUS_CHANNEL, parse: parseStatusNotice, keyOf: (n) => n.userId };

/**
 * NOTIFY → subscribers fan-out: ONE LISTEN connection per server process however many browsers
 * are watching, each notice delivered only to the subscribers of its key (by default
 * 'sms_status', keyed by the user the text belongs to).
 */
export class LiveHub<N = StatusNotice> {
	private readonly subscribers = new Map<string, Set<LiveSubscriber<N>>>();
	private listening: Promise<{ unlisten: () => Promise<void> }> | null = null;
	private listenCount = 0;

	private readonly channel: LiveChannel<N>;

	constructor(private readonly options: { sql: Sql; log: Logger; channel?: string; reader?: LiveChannel<N> }) {
		// Without a reader the hub reads status notices (N is StatusNotice then).
		this.channel = options.reader ?? ({ ...STATUS_CHANNEL, name: options.channel ?? SMS_STATUS_CHANNEL } as unknown as LiveChannel<N>);
	}

	/** Starts listening on first use; returns the unsubscribe function. */
	subscribe(userId: string, subscriber: LiveSubscriber<N>): () => void {
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
			const channel = this.channel.name;
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
		const notice = this.channel.parse(raw);
		if (notice === null) return;
		const set = this.subscribers.get(this.channel.keyOf(notice));
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
