export interface CallbackAttempt {
	url: string;
	params: Record<string, string>;
	/** HTTP status the receiver answered; null when it could not be reached or the callback was dropped. */
	status: number | null;
	error: string | null;
	attempt: number;
	duplicate: boolean;
	dropped: boolean;
	at: string;
}

/** The last `capacity` callback attempts, oldest first (a ring, so memory stays bounded). */
export class CallbackLog {
	private entries: CallbackAttempt[] = [];
	private start = 0;

	constructor(private readonly capacity: number) {}

	add(entry: CallbackAttempt): void {
		if (this.entries.length < this.capacity) {
			this.entries.push(entry);
			return;
		}
		this.entries[this.start] = entry;
		this.start = (this.start + 1) % this.capacity;
	}

	list(): CallbackAttempt[] {
		return [...this.entries.slice(this.start), ...this.entries.slice(0, this.start)];
	}

	clear(): void {
		this.entries = [];
		this.start = 0;
	}
}
