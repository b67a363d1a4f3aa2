import { CallbackDispatcher } from './callback-dispatcher.ts';
import { CallbackLog } from './callback-log.ts';
import { Clock } from './clock.ts';
import { NO_FAULTS, type Faults } from './faults.ts';
import { Inbound } from './inbound.ts';
import { MessageStore } from './message-store.ts';
import { Messaging } from './messaging.ts';
import { DEFAULTS, type SandboxOptions } from './options.ts';
import { Scheduler } from './scheduler.ts';
import { countSegments } from './segments.ts';
import { newSid } from './ids.ts';
import { VerifyService } from './verify-service.ts';
import { WebhookPoster } from './webhook-poster.ts';
import { ProviderEmulator } from './providers/emulator.ts';
import { JsonPoster } from './providers/json-poster.ts';
import type { HttpProviderId } from './providers/outcomes.ts';

/**
 * Everything the sandbox holds, in one place: tests running in-process may read it directly
 * (`sandbox.state.store.forPhone(...)`), other processes use the /_sandbox control API.
 */
export class SandboxState {
	readonly clock: Clock;
	readonly store: MessageStore;
	readonly scheduler: Scheduler;
	readonly callbackLog: CallbackLog;
	readonly callbacks: CallbackDispatcher;
	readonly messaging: Messaging;
	readonly verify: VerifyService;
	readonly inbound: Inbound;
	/** The emulated HTTP providers, by id. */
	readonly providers: Readonly<Record<HttpProviderId, ProviderEmulator>>;
	readonly accountSid: string;
	readonly authToken: string;
	faults: Faults = NO_FAULTS;
	incomingWebhookUrl: string | null;
	private readonly poster: WebhookPoster;

	constructor(options: SandboxOptions) {
		this.accountSid = options.accountSid;
		this.authToken = options.authToken;
		this.incomingWebhookUrl = options.incomingWebhookUrl ?? null;
		const defaultFrom = options.defaultFrom ?? DEFAULTS.defaultFrom;
		const retry = { ...DEFAULTS.callbackRetry, ...options.callbackRetry };

		this.clock = new Clock(options.now);
		const now = this.clock.now;
		this.store = new MessageStore(options.maxMessages ?? DEFAULTS.maxMessages);
		this.scheduler = new Scheduler(options.onError);
		this.callbackLog = new CallbackLog(options.maxCallbackLog ?? DEFAULTS.maxCallbackLog);
		this.poster = new WebhookPoster({ authToken: options.authToken, timeoutMs: retry.timeoutMs });
		this.callbacks = new CallbackDispatcher({
			poster: this.poster,
			scheduler: this.scheduler,
			log: this.callbackLog,
			faults: () => this.faults,
			retry,
			concurrency: options.callbackConcurrency ?? DEFAULTS.callbackConcurrency
		});
		this.messaging = new Messaging(
			{
				accountSid: options.accountSid,
				defaultFrom,
				delays: options.callbackDelaysMs ?? DEFAULTS.callbackDelaysMs,
				now
			},
			{ store: this.store, scheduler: this.scheduler, callbacks: this.callbacks, faults: () => this.faults }
		);
		this.verify = new VerifyService({
			serviceSid: options.verifyServiceSid,
			ttlMs: options.verificationTtlMs ?? DEFAULTS.verificationTtlMs,
			maxSendsPerWindow: 5,
			sendWindowMs: 10 * 60_000,
			maxWrongChecks: 5,
			now,
			deliverCode: (to, code) => this.deliverVerificationText(to, code)
		});
		const providerDeps = {
			scheduler: this.scheduler,
			poster: new JsonPoster({ timeoutMs: retry.timeoutMs, concurrency: options.callbackConcurrency ?? DEFAULTS.callbackConcurrency }),
			now,
			faults: () => this.faults,
			delays: options.callbackDelaysMs ?? DEFAULTS.callbackDelaysMs,
			retry,
			maxTexts: options.maxMessages ?? DEFAULTS.maxMessages,
			maxCallbackLog: options.maxCallbackLog ?? DEFAULTS.maxCallbackLog
		};
		this.providers = {
			'sms-retail': new ProviderEmulator('sms-retail', options.providers?.['sms-retail'] ?? {}, providerDeps),
			'23telecom': new ProviderEmulator('23telecom', options.providers?.['23telecom'] ?? {}, providerDeps)
		};
		this.inbound = new Inbound({
			store: this.store,
			poster: this.poster,
			accountSid: options.accountSid,
			defaultFrom,
			messagingServiceSid: () => options.messagingServiceSid ?? null,
			webhookUrl: () => this.incomingWebhookUrl,
			now
		});
	}

	/** Forget messages, codes, callbacks, faults, provider texts and down switches, pending timers; keep configuration. */
	reset(): void {
		this.scheduler.clear();
		this.callbacks.reset();
		this.messaging.reset();
		this.store.clear();
		this.verify.clear();
		this.callbackLog.clear();
		this.clock.reset();
		this.faults = NO_FAULTS;
		for (const provider of Object.values(this.providers)) provider.reset();
	}

	close(): void {
		this.scheduler.close();
		this.callbacks.reset();
		this.poster.close();
	}

	private deliverVerificationText(to: string, code: string): void {
		const now = this.clock.now();
		const body = `Your verification code is: ${code}`;
		const segments = countSegments(body);
		this.store.add({
			sid: newSid('SM'),
			kind: 'verification',
			accountSid: this.accountSid,
			direction: 'outbound-api',
			to,
			from: 'Verify',
			messagingServiceSid: null,
			body,
			status: 'delivered',
			numSegments: segments,
			reportedSegments: segments,
			price: null,
			priceUnit: 'USD',
			errorCode: null,
			errorMessage: null,
			statusCallback: null,
			dateCreated: now,
			dateSent: now,
			dateUpdated: now,
			sendAt: null
		});
	}
}
