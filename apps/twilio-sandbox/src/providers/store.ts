import type { HttpProviderId, Stage } from './outcomes.ts';

/** One text accepted by an emulated HTTP provider. */
export interface ProviderText {
	provider: HttpProviderId;
	/** The provider's reference: digits for sms-retail, a UUID for 23telecom. */
	id: string;
	clientRef: string | null;
	to: string;
	from: string;
	body: string;
	stage: Stage;
	parts: number;
	callbackUrl: string | null;
	createdAt: number;
	updatedAt: number;
}

/** Texts of one provider, by id and by client reference; bounded like MessageStore. */
export class ProviderTextStore {
	private byId = new Map<string, ProviderText>();
	private byClientRef = new Map<string, ProviderText>();

	constructor(private readonly capacity: number) {}

	get size(): number {
		return this.byId.size;
	}

	add(text: ProviderText): void {
		this.byId.set(text.id, text);
		if (text.clientRef) this.byClientRef.set(text.clientRef, text);
		if (this.byId.size > this.capacity) {
			const oldest = this.byId.values().next().value;
			if (oldest) {
				this.byId.delete(oldest.id);
				if (oldest.clientRef && this.byClientRef.get(oldest.clientRef) === oldest) this.byClientRef.delete(oldest.clientRef);
			}
		}
	}

	get(id: string): ProviderText | undefined {
		return this.byId.get(id);
	}

	byRef(clientRef: string): ProviderText | undefined {
		return this.byClientRef.get(clientRef);
	}

	all(): IterableIterator<ProviderText> {
		return this.byId.values();
	}

	clear(): void {
		this.byId.clear();
		this.byClientRef.clear();
	}
}
