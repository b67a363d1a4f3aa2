import type { SandboxMessage } from './message.ts';

/**
 * Every message the sandbox knows, by SID and by phone number, oldest first.
 * Bounded: past `capacity` the oldest messages are forgotten, so a long benchmark
 * cannot grow memory without limit.
 */
export class MessageStore {
	private bySid = new Map<string, SandboxMessage>();
	private byPhone = new Map<string, SandboxMessage[]>();

	constructor(private readonly capacity: number) {}

	get size(): number {
		return this.bySid.size;
	}

	add(message: SandboxMessage): void {
		this.bySid.set(message.sid, message);
		this.index(message.to, message);
		if (message.from && message.from !== message.to) this.index(message.from, message);
		if (this.bySid.size > this.capacity) this.evictOldest();
	}

	get(sid: string): SandboxMessage | undefined {
		return this.bySid.get(sid);
	}

	/** Messages to or from `phone`, oldest first (the array is live: do not mutate). */
	forPhone(phone: string): readonly SandboxMessage[] {
		return this.byPhone.get(phone) ?? [];
	}

	phones(): string[] {
		return [...this.byPhone.keys()];
	}

	all(): IterableIterator<SandboxMessage> {
		return this.bySid.values();
	}

	clear(): void {
		this.bySid.clear();
		this.byPhone.clear();
	}

	private index(phone: string, message: SandboxMessage): void {
		const list = this.byPhone.get(phone);
		if (list) list.push(message);
		else this.byPhone.set(phone, [message]);
	}

	private evictOldest(): void {
		const oldest = this.bySid.values().next().value;
		if (!oldest) return;
		this.bySid.delete(oldest.sid);
		for (const phone of [oldest.to, oldest.from]) {
			if (!phone) continue;
			const list = this.byPhone.get(phone);
			if (!list) continue;
			// Insertion order is chronological, so the oldest is at the front.
			const at = list[0] === oldest ? 0 : list.indexOf(oldest);
			if (at >= 0) list.splice(at, 1);
			if (list.length === 0) this.byPhone.delete(phone);
		}
	}
}
