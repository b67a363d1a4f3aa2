import { isE164 } from '@sms/twilio-service/validate';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * Worker configuration, read once from the environment at start-up. Every problem is reported
 * with the name of the variable so an operator can fix it without reading code.
 */
export interface WorkerConfig {
	databaseUrl: string;
	twilio: {
		accountSid: string;
		authToken: string;
		messagingServiceSid?: string;
		from?: string;
		/** Set to the sandbox's URL locally; unset means api.twilio.com. */
		apiBaseUrl?: string;
	};
	/** PUBLIC_BASE_URL + /api/webhooks/twilio/status */
	statusCallbackUrl: string;
	/** PUBLIC_BASE_URL + /api/webhooks/sms (sms-retail's and 23telecom's delivery reports) */
	providerCallbackUrl: string;
	/** The HTTP providers: per-call timeout, outages before "down", how long a down one is skipped, settings cache. */
	providers: { timeoutMs: number; outageThreshold: number; cooldownMs: number; settingsTtlMs: number };
	concurrency: number;
	batchSize: number;
	leaseSeconds: number;
	maxAttempts: number;
	pollIntervalMs: number;
	retryBaseMs: number;
	retryMaxMs: number;
	/** After an unanswered Twilio call, wait this long before asking Twilio whether it arrived. */
	settleMs: number;
	/** 0 picks a free port. */
	port: number;
	/** Interface for /health and /metrics (default 127.0.0.1; 0.0.0.0 for a scraper elsewhere). */
	host: string;
	reconcileAfterSeconds: number;
	reconcileIntervalMs: number;
	/** Give up polling Twilio for a message this old; it stays `sent` and says so. */
	reconcileGiveUpSeconds: number;
	/** Ceiling on texts per user per day whatever the user's own limit says. */
	/** Undefined: the database's sms_max_daily_limit() (read at start). */
	hardDailyCap: number | undefined;
	/** How often alerts are evaluated; 0 leaves it to other workers. */
	alertsIntervalMs: number;
	logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
	workerId?: string;
}

/**
 * The shortest job lease the worker accepts. The worker renews its leases every third of the
 * lease, so a lease survives a stall (event loop, database) of two thirds of it; provider calls
 * time out at half of it. Below 2 s a busy machine's ordinary pauses are enough to lose one.
 */
export const MIN_LEASE_SECONDS = 2;

const int = <D extends number | undefined>(name: string, def: D, min: number, max = Number.MAX_SAFE_INTEGER) =>
	z
		.string()
		.optional()
		.transform((v, ctx) => {
			if (v === undefined || v.trim() === '') return def;
			const n = Number(v);
			if (!Number.isInteger(n) || n < min || n > max) {
				ctx.addIssue({ code: 'custom', message: `${name} must be a whole number between ${min} and ${max} (got "${v}")` });
				return z.NEVER;
			}
			return n;
		});

const url = (name: string) =>
	z
		.string({ error: `${name} is required` })
		.trim()
		.min(1, `${name} is required`)
		.refine((v) => URL.canParse(v), `${name} must be a URL (got something else)`);

const optionalUrl = (name: string) =>
	z
		.string()
		.trim()
		.optional()
		.transform((v) => (v ? v : undefined))
		.refine((v) => v === undefined || URL.canParse(v), `${name} must be a URL`);

const schema = z
	.object({
		DATABASE_URL: url('DATABASE_URL').refine(
			(v) => /^postgres(ql)?:/.test(v),
			'DATABASE_URL must be a postgres:// URL'
		),
		TWILIO_ACCOUNT_SID: z
			.string({ error: 'TWILIO_ACCOUNT_SID is required' })
			.regex(/^AC[0-9a-fA-F]{32}$/, 'TWILIO_ACCOUNT_SID must look like AC followed by 32 hex characters'),
		TWILIO_AUTH_TOKEN: z.string({ error: 'TWILIO_AUTH_TOKEN is required' }).min(1, 'TWILIO_AUTH_TOKEN is required'),
		TWILIO_MESSAGING_SERVICE_SID: z
			.string()
			.optional()
			.transform((v) => (v ? v : undefined))
			.refine((v) => v === undefined || /^MG[0-9a-fA-F]{32}$/.test(v), 'TWILIO_MESSAGING_SERVICE_SID must look like MG followed by 32 hex characters'),
		TWILIO_FROM_NUMBER: z
			.string()
			.optional()
			.transform((v) => (v ? v : undefined))
			.refine((v) => v === undefined || isE164(v), 'TWILIO_FROM_NUMBER must be an E.164 number such as +15005550006'),
		TWILIO_API_BASE_URL: optionalUrl('TWILIO_API_BASE_URL'),
		PUBLIC_BASE_URL: url('PUBLIC_BASE_URL'),
		WORKER_CONCURRENCY: int('WORKER_CONCURRENCY', 64, 1, 4096),
		WORKER_BATCH_SIZE: int('WORKER_BATCH_SIZE', 50, 1, 1000),
		WORKER_LEASE_SECONDS: int('WORKER_LEASE_SECONDS', 60, 1, 86_400).refine(
			(v) => v >= MIN_LEASE_SECONDS,
			`WORKER_LEASE_SECONDS must be at least ${MIN_LEASE_SECONDS}: a shorter lease can run out while a text is on its way to the provider (the worker renews it every third of the lease), and the job would be claimed and the text sent again`
		),
		WORKER_MAX_ATTEMPTS: int('WORKER_MAX_ATTEMPTS', 5, 1, 100),
		WORKER_POLL_INTERVAL_MS: int('WORKER_POLL_INTERVAL_MS', 1000, 10, 3_600_000),
		WORKER_RETRY_BASE_MS: int('WORKER_RETRY_BASE_MS', 2000, 1, 3_600_000),
		WORKER_RETRY_MAX_MS: int('WORKER_RETRY_MAX_MS', 600_000, 1, 86_400_000),
		WORKER_SETTLE_MS: int('WORKER_SETTLE_MS', 30_000, 0, 3_600_000),
		WORKER_PROVIDER_TIMEOUT_MS: int('WORKER_PROVIDER_TIMEOUT_MS', 10_000, 100, 120_000),
		WORKER_PROVIDER_OUTAGE_THRESHOLD: int('WORKER_PROVIDER_OUTAGE_THRESHOLD', 3, 1, 1000),
		WORKER_PROVIDER_COOLDOWN_MS: int('WORKER_PROVIDER_COOLDOWN_MS', 30_000, 0, 3_600_000),
		WORKER_PROVIDER_SETTINGS_TTL_MS: int('WORKER_PROVIDER_SETTINGS_TTL_MS', 5000, 0, 3_600_000),
		WORKER_PORT: int('WORKER_PORT', 4020, 0, 65_535),
		WORKER_HOST: z.string().trim().min(1, 'WORKER_HOST must not be empty').default('127.0.0.1'),
		WORKER_ID: z.string().optional(),
		RECONCILE_AFTER_SECONDS: int('RECONCILE_AFTER_SECONDS', 600, 1, 30 * 86_400),
		RECONCILE_INTERVAL_MS: int('RECONCILE_INTERVAL_MS', 60_000, 100, 86_400_000),
		RECONCILE_GIVE_UP_SECONDS: int('RECONCILE_GIVE_UP_SECONDS', 3 * 86_400, 60, 365 * 86_400),
		// Unset: the database's sms_max_daily_limit(), the same ceiling users' limits are checked against.
		SMS_HARD_DAILY_CAP: int('SMS_HARD_DAILY_CAP', undefined, 1, 100_000),
		ALERTS_INTERVAL_MS: int('ALERTS_INTERVAL_MS', 60_000, 0, 86_400_000),
		LOG_LEVEL: z
			.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
				error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'
			})
			.default('info')
	})
	.refine((e) => e.TWILIO_MESSAGING_SERVICE_SID !== undefined || e.TWILIO_FROM_NUMBER !== undefined, {
		message: 'Set TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER (the sender of every text)',
		path: ['TWILIO_MESSAGING_SERVICE_SID']
	});

/** Parses and validates the environment; throws ConfigError listing every problem by variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
	const parsed = schema.safeParse(env);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((issue) => {
			const variable = String(issue.path[0] ?? 'environment');
			return issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`;
		});
		throw new ConfigError(problems);
	}
	const e = parsed.data;
	return {
		databaseUrl: e.DATABASE_URL,
		twilio: {
			accountSid: e.TWILIO_ACCOUNT_SID,
			authToken: e.TWILIO_AUTH_TOKEN,
			messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
			from: e.TWILIO_FROM_NUMBER,
			apiBaseUrl: e.TWILIO_API_BASE_URL
		},
		statusCallbackUrl: `${e.PUBLIC_BASE_URL.replace(/\/+$/, '')}/api/webhooks/twilio/status`,
		providerCallbackUrl: `${e.PUBLIC_BASE_URL.replace(/\/+$/, '')}/api/webhooks/sms`,
		providers: {
			timeoutMs: e.WORKER_PROVIDER_TIMEOUT_MS,
			outageThreshold: e.WORKER_PROVIDER_OUTAGE_THRESHOLD,
			cooldownMs: e.WORKER_PROVIDER_COOLDOWN_MS,
			settingsTtlMs: e.WORKER_PROVIDER_SETTINGS_TTL_MS
		},
		concurrency: e.WORKER_CONCURRENCY,
		batchSize: e.WORKER_BATCH_SIZE,
		leaseSeconds: e.WORKER_LEASE_SECONDS,
		maxAttempts: e.WORKER_MAX_ATTEMPTS,
		pollIntervalMs: e.WORKER_POLL_INTERVAL_MS,
		retryBaseMs: e.WORKER_RETRY_BASE_MS,
		retryMaxMs: e.WORKER_RETRY_MAX_MS,
		settleMs: e.WORKER_SETTLE_MS,
		port: e.WORKER_PORT,
		host: e.WORKER_HOST,
		reconcileAfterSeconds: e.RECONCILE_AFTER_SECONDS,
		reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
		reconcileGiveUpSeconds: e.RECONCILE_GIVE_UP_SECONDS,
		hardDailyCap: e.SMS_HARD_DAILY_CAP,
		alertsIntervalMs: e.ALERTS_INTERVAL_MS,
		logLevel: e.LOG_LEVEL,
		workerId: e.WORKER_ID || undefined
	};
}
