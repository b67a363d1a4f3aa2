import { randomUUID } from 'node:crypto';
import { roll, type Faults } from '../faults.ts';
import { E164 } from '../outcomes.ts';
import type { Scheduler } from '../scheduler.ts';
import { countSegments } from '../segments.ts';
import type { JsonPoster } from './json-poster.ts';
import { callbacksFor, PROVIDER_REJECTIONS, type DownMode, type HttpProviderId, type Stage } from './outcomes.ts';
import { reportJson, signedRequest } from './reports.ts';
import { ProviderTextStore, type ProviderText } from './store.ts';

/** A refusal in the provider's own error vocabulary (see routes.ts for the bodies). */
export class ProviderApiError extends Error {
	constructor(
		readonly status: number,
		/** sms-retail's string code; 23telecom's number. */
		readonly code: string | number,
		message: string
	) {
		super(message);
	}
}

export interface ProviderCallbackAttempt {
	provider: HttpProviderId;
	id: string;
	url: string;
	body: string;
	headers: Record<string, string>;
	status: number | null;
	error: string | null;
	attempt: number;
	duplicate: boolean;
	dropped: boolean;
	at: string;
}

export interface ProviderSettings {
	/** The only API key accepted; unset: any non-empty key. */
	apiKey?: string | null;
	/** Signs delivery reports when set. */
	webhookSecret?: string | null;
}

interface Deps {
	scheduler: Scheduler;
	poster: JsonPoster;
	now: () => number;
	faults: () => Faults;
	delays: { sent: number; delivered: number };
	retry: { attempts: number; baseDelayMs: number };
	maxTexts: number;
	maxCallbackLog: number;
}

const CODES: Readonly<Record<HttpProviderId, Record<'invalid_number' | 'opted_out' | 'invalid_request', string | number>>> = {
	'sms-retail': { invalid_number: 'invalid_number', opted_out: 'opted_out', invalid_request: 'invalid_request' },
	'23telecom': { invalid_number: 1001, opted_out: 1002, invalid_request: 1000 }
};

/** One emulated HTTP provider: accepts texts, walks them through their outcome, posts reports. */
export class ProviderEmulator {
	readonly texts: ProviderTextStore;
	down: DownMode | null = null;
	apiKey: string | null;
	webhookSecret: string | null;
	/** Texts accepted since the last reset (repeats of an idempotency key not counted). */
	accepted = 0;
	private log: ProviderCallbackAttempt[] = [];
	private nextId = 100_000;
	private generation = 0;

	constructor(
		readonly provider: HttpProviderId,
		settings: ProviderSettings,
		private readonly deps: Deps
	) {
		this.texts = new ProviderTextStore(deps.maxTexts);
		this.apiKey = settings.apiKey ?? null;
		this.webhookSecret = settings.webhookSecret ?? null;
	}

	keyAccepted(key: string | null): boolean {
		if (!key) return false;
		return this.apiKey === null || key === this.apiKey;
	}

	/** Accept a text (or return the one already accepted under this client reference). */
	create(input: { to: string; from: string; body: string; callbackUrl: string | null; clientRef: string | null }): {
		text: ProviderText;
		repeated: boolean;
	} {
		const codes = CODES[this.provider];
		if (input.clientRef) {
			const existing = this.texts.byRef(input.clientRef);
			if (existing) return { text: existing, repeated: true };
		}
		if (!input.to) throw new ProviderApiError(400, codes.invalid_request, 'The destination number is required.');
		if (!input.body) throw new ProviderApiError(400, codes.invalid_request, 'The text is empty.');
		if (input.body.length > 1600) throw new ProviderApiError(400, codes.invalid_request, 'The text is longer than 1600 characters.');
		if (!E164.test(input.to)) throw new ProviderApiError(400, codes.invalid_number, `${input.to} is not a valid number.`);
		const rejection = PROVIDER_REJECTIONS[input.to];
		if (rejection) {
			const message = rejection === 'opted_out' ? `${input.to} has opted out.` : `${input.to} is not a valid number.`;
			throw new ProviderApiError(400, codes[rejection], message);
		}
		const now = this.deps.now();
		const text: ProviderText = {
			provider: this.provider,
			id: this.provider === 'sms-retail' ? String(this.nextId++) : randomUUID(),
			clientRef: input.clientRef,
			to: input.to,
			from: input.from,
			body: input.body,
			stage: 'queued',
			parts: countSegments(input.body),
			callbackUrl: input.callbackUrl,
			createdAt: now,
			updatedAt: now
		};
		this.texts.add(text);
		this.accepted++;
		this.schedule(text);
		return { text, repeated: false };
	}

	callbacks(id?: string | null): ProviderCallbackAttempt[] {
		return id ? this.log.filter((c) => c.id === id) : [...this.log];
	}

	reset(): void {
		this.generation++;
		this.texts.clear();
		this.log = [];
		this.accepted = 0;
		this.down = null;
	}

	private schedule(text: ProviderText): void {
		const stages = callbacksFor(text.to);
		const { sent, delivered } = this.deps.delays;
		const reorder = roll(this.deps.faults().reorderCallbacks);
		const generation = this.generation;
		stages.forEach((stage, i) => {
			const last = i === stages.length - 1;
			// A single final report (failed) comes at the "sent" time; reordered texts swap the two.
			let delay = stages.length === 1 || !last ? sent : delivered;
			if (reorder && stages.length > 1) delay = last ? sent : delivered;
			this.deps.scheduler.schedule(delay, () => {
				if (generation !== this.generation) return;
				text.stage = stage;
				text.updatedAt = this.deps.now();
				this.report(text, stage);
			});
		});
	}

	private report(text: ProviderText, stage: Stage): void {
		if (!text.callbackUrl) return;
		const body = JSON.stringify(reportJson(this.provider, text, stage, this.deps.now()));
		const faults = this.deps.faults();
		if (roll(faults.dropCallbacks)) {
			this.record({ text, url: text.callbackUrl, body, headers: {}, status: null, error: 'dropped by fault injection', attempt: 1, duplicate: false, dropped: true });
			return;
		}
		void this.deliver(text, body, 1, false);
		if (roll(faults.duplicateCallbacks)) void this.deliver(text, body, 1, true);
	}

	private async deliver(text: ProviderText, body: string, attempt: number, duplicate: boolean): Promise<void> {
		const generation = this.generation;
		const signed = signedRequest(this.provider, text.callbackUrl ?? '', body, this.webhookSecret, this.deps.now());
		let result: { status: number | null; error: string | null };
		try {
			new URL(signed.url);
			result = await this.deps.poster.post(signed.url, body, signed.headers);
		} catch {
			result = { status: null, error: `invalid URL ${text.callbackUrl}` };
		}
		if (generation !== this.generation) return;
		this.record({ text, url: signed.url, body, headers: signed.headers, ...result, attempt, duplicate, dropped: false });
		const failed = result.status === null || result.status >= 500;
		if (failed && attempt < this.deps.retry.attempts) {
			const delay = this.deps.retry.baseDelayMs * 2 ** (attempt - 1);
			this.deps.scheduler.schedule(delay, () => {
				if (generation === this.generation) void this.deliver(text, body, attempt + 1, duplicate);
			});
		}
	}

	private record(entry: Omit<ProviderCallbackAttempt, 'provider' | 'id' | 'at'> & { text: ProviderText }): void {
		const { text, ...rest } = entry;
		this.log.push({ provider: this.provider, id: text.id, ...rest, at: new Date().toISOString() });
		if (this.log.length > this.deps.maxCallbackLog) this.log.splice(0, this.log.length - this.deps.maxCallbackLog);
	}
}
