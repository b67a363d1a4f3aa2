import type { ProviderSettings } from './providers/emulator.ts';
import type { HttpProviderId } from './providers/outcomes.ts';

export interface SandboxOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	/** Loopback only: the sandbox has no real security and must never face a network. */
	host?: '127.0.0.1';
	accountSid: string;
	authToken: string;
	/** When set, only this Verify service exists; otherwise any VA… SID works. */
	verifyServiceSid?: string;
	/** Reported on inbound messages and used by the dev phone. */
	messagingServiceSid?: string;
	/** Delay after creation before `sent`, and before `delivered`/`undelivered` (ms). */
	callbackDelaysMs?: { sent: number; delivered: number };
	/** The app's inbound SMS webhook, for the dev phone's replies. */
	incomingWebhookUrl?: string;
	/** How the sandbox is reached from a browser (links and logs); default its own URL. */
	publicUrl?: string;
	/** The app's number: sender for Messaging Service sends and target of phone replies. */
	defaultFrom?: string;
	/** Verification codes stay valid this long (default 10 minutes). */
	verificationTtlMs?: number;
	/** Clock for dates and Verify expiry (default Date.now); `state.clock.advance()` shifts it. */
	now?: () => number;
	/** Status-callback delivery: attempts in all, first retry delay (doubling), timeout. */
	callbackRetry?: { attempts?: number; baseDelayMs?: number; timeoutMs?: number };
	/** Status callbacks in flight at once (default 64). */
	callbackConcurrency?: number;
	/** Messages remembered before the oldest are forgotten (default 200 000). */
	maxMessages?: number;
	/** Callback attempts remembered by GET /_sandbox/callbacks (default 50 000). */
	maxCallbackLog?: number;
	/**
	 * The emulated HTTP providers (sms-retail, 23telecom): the API key each accepts (unset: any)
	 * and the secret that signs its delivery reports (unset: unsigned).
	 */
	providers?: Partial<Record<HttpProviderId, ProviderSettings>>;
	/** Hears about internal failures (a scheduled task that threw). Default: ignore. */
	onError?: (error: unknown) => void;
}

export const DEFAULTS = {
	callbackDelaysMs: { sent: 50, delivered: 150 },
	defaultFrom: '+15005550006',
	verificationTtlMs: 10 * 60_000,
	callbackRetry: { attempts: 4, baseDelayMs: 200, timeoutMs: 5_000 },
	callbackConcurrency: 64,
	maxMessages: 200_000,
	maxCallbackLog: 50_000
} as const;
