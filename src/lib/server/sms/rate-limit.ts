import { phoneCipher, type TransactionSql } from '@sms/db';

/** "At most `limit` events per `windowMs`". */
export interface RateWindow {
	limit: number;
	windowMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Pure sliding-window decision: with `timestamps` (ms) of earlier counted events, may one more
 * happen at `now`? When not, how long until the oldest event in the window drops out.
 */
export function slidingWindow(options: { timestamps: readonly number[]; window: RateWindow; now: number }): RateDecision {
	const { timestamps, window, now } = options;
	// Events stamped slightly after `now` (another clock, a transaction that started later) count too.
	const inWindow = timestamps.filter((t) => t > now - window.windowMs).sort((a, b) => a - b);
	if (inWindow.length < window.limit) return { allowed: true };
	// The event that must expire before one more fits.
	const blocking = inWindow[inWindow.length - window.limit];
	return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((blocking + window.windowMs - now) / 1000)) };
}

export interface VerificationLimits {
	/** Codes one account may have sent to one number. */
	startsPerNumberPerAccount: RateWindow;
	/**
	 * Codes sent to one number, whoever asks: higher than the per-account limit, so a few
	 * strangers cannot use up the owner's allowance (they still cannot text-bomb the number).
	 */
	startsPerNumber: RateWindow;
	/** Codes sent to one country calling code ("+44"), over all accounts (SMS pumping). */
	startsPerCountry: RateWindow;
	/** Codes sent in all, over every account and number (SMS pumping). */
	startsGlobal: RateWindow;
	/** Codes one account may request, over all numbers. */
	startsPerUser: RateWindow;
	/** Codes requested from one IP address, over all accounts. */
	startsPerIp: RateWindow;
	/** Minimum gap between two codes for the same account and number (the "resend" cooldown). */
	resendCooldownMs: number;
	/** Code checks per verification (since the last code was sent). */
	checksPerVerification: number;
	/** Code checks one account may make, over all numbers. */
	checksPerUser: RateWindow;
	/** Code checks from one IP address. */
	checksPerIp: RateWindow;
	/** How long a sent code stays usable (Twilio Verify: 10 minutes). */
	codeTtlMs: number;
}

const HOUR = 60 * 60 * 1000;

export const DEFAULT_VERIFICATION_LIMITS: VerificationLimits = {
	startsPerNumberPerAccount: { limit: 5, windowMs: HOUR },
	startsPerNumber: { limit: 20, windowMs: HOUR },
	startsPerCountry: { limit: 200, windowMs: HOUR },
	startsGlobal: { limit: 1000, windowMs: HOUR },
	startsPerUser: { limit: 10, windowMs: HOUR },
	startsPerIp: { limit: 20, windowMs: HOUR },
	resendCooldownMs: 30_000,
	checksPerVerification: 5,
	checksPerUser: { limit: 30, windowMs: HOUR },
	checksPerIp: { limit: 60, windowMs: HOUR },
	codeTtlMs: 10 * 60 * 1000
};

export type LimitScope = 'number' | 'user' | 'ip' | 'cooldown' | 'verification' | 'country' | 'global';

export type LimitDecision = { allowed: true } | { allowed: false; scope: LimitScope; retryAfterSeconds: number };

/**
 * Outcomes that count against the caller's limits (account, IP). Refusals ('rate_limited') are
 * recorded for audit but do not count, so hammering the button does not extend the lock-out
 * indefinitely. A "number already taken" answer counts: otherwise it would test numbers for free.
 */
const COUNTED = ['pending', 'sent', 'approved', 'wrong_code', 'error', 'expired', 'phone_taken'];
/** What counts against a number, a country or the whole service: codes (possibly) sent. */
const SENT = ['pending', 'sent', 'approved', 'wrong_code', 'error', 'expired'];

interface Row {
	scope: 'number' | 'user' | 'ip';
	at: Date;
}

async function recent(
	tx: TransactionSql,
	options: { action: 'start' | 'check'; userId: string; phoneNumber: string; ip: string | null; since: Date }
): Promise<Row[]> {
	const { action, userId, phoneNumber, ip, since } = options;
	// Three index range scans (phone / user / ip, created_at), one round trip.
	return tx<Row[]>`
		select 'number' as scope, created_at as at from public.phone_verifications
		 where phone_hash = ${phoneCipher().blindIndex(phoneNumber)} and created_at > ${since} and action = ${action} and outcome = any(${SENT})
		union all
		select 'user', created_at from public.phone_verifications
		 where user_id = ${userId} and created_at > ${since} and action = ${action} and outcome = any(${COUNTED})
		union all
		select 'ip', created_at from public.phone_verifications
		 where ${ip}::inet is not null and ip = ${ip}::inet and created_at > ${since} and action = ${action}
		   and outcome = any(${COUNTED})`;
}

function first(decisions: [LimitScope, RateDecision][]): LimitDecision {
	// Report the longest wait, so a retry at that time is not refused again by another limit.
	let worst: LimitDecision = { allowed: true };
	for (const [scope, d] of decisions) {
		if (!d.allowed && (worst.allowed || d.retryAfterSeconds > worst.retryAfterSeconds)) {
			worst = { allowed: false, scope, retryAfterSeconds: d.retryAfterSeconds };
		}
	}
	return worst;
}

/**
 * Serialises concurrent attempts for the same account, the same number and the same IP, so
 * two requests cannot both squeeze under a limit. Held until the caller's transaction ends.
 * Always taken in this order (after `lockVerificationSends` when both are needed): no deadlock.
 */
export async function lockVerificationSubjects(tx: TransactionSql, options: { userId: string; phoneNumber: string; ip: string | null }) {
	await tx`select pg_advisory_xact_lock(hashtextextended('phone_verification:user:' || ${options.userId}, 0)),
	                pg_advisory_xact_lock(hashtextextended('phone_verification:number:' || ${phoneCipher().blindIndex(options.phoneNumber)}, 0)),
	                pg_advisory_xact_lock(hashtextextended('phone_verification:ip:' || coalesce(${options.ip}::text, '-'), 0))`;
}

/**
 * Serialises code sends for the per-country and global caps. Sends are rare (a person signing
 * up), and the lock is held only while the limits are checked and the attempt recorded, never
 * while Twilio is called.
 */
export async function lockVerificationSends(tx: TransactionSql) {
	await tx`select pg_advisory_xact_lock(hashtextextended('phone_verification:sends', 0))`;
}

/** May this account ask for a code to be sent to this number now? */
export async function checkStartLimits(
	tx: TransactionSql,
	options: {
		userId: string;
		phoneNumber: string;
		ip: string | null;
		/** The number's country calling code ("1", "44"), for the per-country cap. */
		callingCode: string | null;
		now: Date;
		limits: VerificationLimits;
	}
): Promise<LimitDecision> {
	const { limits, now } = options;
	const longest = Math.max(limits.startsPerNumber.windowMs, limits.startsPerUser.windowMs, limits.startsPerIp.windowMs);
	const rows = await recent(tx, { ...options, action: 'start', since: new Date(now.getTime() - longest) });
	const at = (scope: Row['scope']) => rows.filter((r) => r.scope === scope).map((r) => r.at.getTime());
	const t = now.getTime();
	// The cooldown and the per-account limit concern this account and this number together.
	const mineSince = new Date(t - Math.max(limits.startsPerNumberPerAccount.windowMs, limits.resendCooldownMs));
	const mine = await tx<{ at: Date; sent: boolean }[]>`
		select created_at as at, outcome = any(${SENT}) as sent from public.phone_verifications
		 where user_id = ${options.userId} and phone_hash = ${phoneCipher().blindIndex(options.phoneNumber)}
		   and action = 'start' and outcome = any(${COUNTED}) and created_at > ${mineSince}`;
	const mineMs = mine.map((r) => r.at.getTime());
	// The resend cooldown follows codes actually sent ("taken" answers count only in the windows).
	const sentMs = mine.filter((r) => r.sent).map((r) => r.at.getTime());
	const last = sentMs.length > 0 ? Math.max(...sentMs) : undefined;
	const cooldown: RateDecision =
		last !== undefined && t - last < limits.resendCooldownMs
			? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((last + limits.resendCooldownMs - t) / 1000)) }
			: { allowed: true };
	const [caps] = await tx<{ country: Date[]; global: Date[] }[]>`
		select
		  coalesce((select array_agg(created_at) from public.phone_verifications
		             where action = 'start' and country_calling_code = ${options.callingCode}::text
		               and created_at > ${new Date(t - limits.startsPerCountry.windowMs)} and outcome = any(${SENT})), '{}') as country,
		  coalesce((select array_agg(created_at) from public.phone_verifications
		             where action = 'start'
		               and created_at > ${new Date(t - limits.startsGlobal.windowMs)} and outcome = any(${SENT})), '{}') as global`;
	const ms = (list: Date[]) => list.map((d) => new Date(d).getTime());
	return first([
		['cooldown', cooldown],
		['number', slidingWindow({ timestamps: mineMs, window: limits.startsPerNumberPerAccount, now: t })],
		['number', slidingWindow({ timestamps: at('number'), window: limits.startsPerNumber, now: t })],
		['country', slidingWindow({ timestamps: ms(caps.country), window: limits.startsPerCountry, now: t })],
		['global', slidingWindow({ timestamps: ms(caps.global), window: limits.startsGlobal, now: t })],
		['user', slidingWindow({ timestamps: at('user'), window: limits.startsPerUser, now: t })],
		['ip', slidingWindow({ timestamps: at('ip'), window: limits.startsPerIp, now: t })]
	]);
}

/** The latest code this account had sent to this number that is still within its lifetime. */
export async function liveVerificationStart(
	tx: TransactionSql,
	options: { userId: string; phoneNumber: string; now: Date; limits: VerificationLimits }
): Promise<Date | null> {
	const since = new Date(options.now.getTime() - options.limits.codeTtlMs);
	const [row] = await tx<{ at: Date | null }[]>`
		select max(created_at) as at from public.phone_verifications
		 where user_id = ${options.userId} and phone_hash = ${phoneCipher().blindIndex(options.phoneNumber)}
		   and action = 'start' and outcome = 'sent' and created_at > ${since}`;
	return row?.at ?? null;
}

/**
 * May this account check a code for this number now? At most `checksPerVerification` checks
 * within a code's lifetime (Twilio's own limit is 5 per verification, which lives 10 minutes).
 */
export async function checkCheckLimits(
	tx: TransactionSql,
	options: { userId: string; phoneNumber: string; ip: string | null; now: Date; limits: VerificationLimits }
): Promise<LimitDecision> {
	const { limits, now } = options;
	const longest = Math.max(limits.checksPerUser.windowMs, limits.checksPerIp.windowMs, limits.codeTtlMs);
	const rows = await recent(tx, { ...options, action: 'check', since: new Date(now.getTime() - longest) });
	const t = now.getTime();
	const at = (scope: Row['scope']) => rows.filter((r) => r.scope === scope).map((r) => r.at.getTime());
	const [{ times }] = await tx<{ times: Date[] }[]>`
		select coalesce(array_agg(created_at), '{}') as times from public.phone_verifications
		 where user_id = ${options.userId} and phone_hash = ${phoneCipher().blindIndex(options.phoneNumber)}
		   and action = 'check' and outcome = any(${COUNTED})
		   and created_at > ${new Date(t - limits.codeTtlMs)}`;
	return first([
		[
			'verification',
			slidingWindow({
				timestamps: times.map((d) => new Date(d).getTime()),
				window: { limit: limits.checksPerVerification, windowMs: limits.codeTtlMs },
				now: t
			})
		],
		['user', slidingWindow({ timestamps: at('user'), window: limits.checksPerUser, now: t })],
		['ip', slidingWindow({ timestamps: at('ip'), window: limits.checksPerIp, now: t })]
	]);
}

export type VerificationOutcome =
	| 'pending'
	| 'sent'
	| 'approved'
	| 'wrong_code'
	| 'expired'
	| 'error'
	| 'rate_limited'
	| 'invalid_number'
	| 'phone_taken';

/** Records one start / check attempt; returns its id so the outcome can be filled in later. */
export async function recordAttempt(
	tx: TransactionSql,
	options: {
		userId: string;
		phoneNumber: string;
		ip: string | null;
		action: 'start' | 'check';
		outcome: VerificationOutcome;
		now: Date;
		callingCode?: string | null;
	}
): Promise<number> {
	const phone = phoneCipher().seal(options.phoneNumber);
	const [row] = await tx<{ id: string }[]>`
		insert into public.phone_verifications (user_id, phone_enc, phone_hash, phone_last4, ip, action, outcome, created_at, country_calling_code)
		values (${options.userId}, ${phone.enc}, ${phone.hash}, ${phone.last4}, ${options.ip}::inet, ${options.action}, ${options.outcome}, ${options.now},
		        ${options.callingCode ?? null})
		returning id`;
	return Number(row.id);
}

export async function setAttemptOutcome(tx: TransactionSql, options: { id: number; outcome: VerificationOutcome }) {
	await tx`update public.phone_verifications set outcome = ${options.outcome} where id = ${options.id}`;
}

/** "Send me a test text": at most 3 per 10 minutes per user, by default. */
export const DEFAULT_TEST_TEXT_LIMIT: RateWindow = { limit: 3, windowMs: 10 * 60 * 1000 };

/** Test texts carry this dedup-key prefix, which is also how they are counted. */
export const TEST_TEXT_DEDUP_PREFIX = 'test-text:';

export async function checkTestTextLimit(
	tx: TransactionSql,
	options: { userId: string; now: Date; window?: RateWindow }
): Promise<LimitDecision> {
	const window = options.window ?? DEFAULT_TEST_TEXT_LIMIT;
	const since = new Date(options.now.getTime() - window.windowMs);
	const rows = await tx<{ at: Date }[]>`
		select created_at as at from public.sms_messages
		 where user_id = ${options.userId} and created_at > ${since}
		   and dedup_key like ${TEST_TEXT_DEDUP_PREFIX + '%'}`;
	const d = slidingWindow({ timestamps: rows.map((r) => r.at.getTime()), window, now: options.now.getTime() });
	return d.allowed ? d : { allowed: false, scope: 'user', retryAfterSeconds: d.retryAfterSeconds };
}
