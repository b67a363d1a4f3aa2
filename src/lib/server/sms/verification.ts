import type { Db, TransactionSql } from '@sms/db';
import { normalizePhone, PhoneNumberError, type CountryCode } from '@sms/twilio-service';
import type { Logger } from 'pino';
import { checkVerificationNumber } from './number-policy.ts';
import { sealE164 } from '../phones/input.ts';
import { phoneCipher } from '@sms/db';
import { checkFailure, startFailure } from './verification-failures.ts';
import {
	checkCheckLimits,
	checkStartLimits,
	DEFAULT_VERIFICATION_LIMITS,
	liveVerificationStart,
	lockVerificationSends,
	lockVerificationSubjects,
	recordAttempt,
	setAttemptOutcome,
	type LimitDecision,
	type VerificationLimits,
	type VerificationOutcome
} from './rate-limit.ts';
import { VerificationError, waitPhrase } from './verification-errors.ts';

export { VerificationError } from './verification-errors.ts';

/** The slice of TwilioClient this module needs (Twilio Verify v2). */
export interface VerifyApi {
	startVerification(options: { to: string }): Promise<{ sid: string; status: string }>;
	checkVerification(options: { to: string; code: string }): Promise<{ status: string; valid?: boolean }>;
}

export interface VerificationDeps {
	db: Db;
	twilio: VerifyApi;
	now?: () => Date;
	limits?: VerificationLimits;
	/** Countries codes may be sent to (ISO codes); default: US only. */
	allowedCountries?: readonly string[];
	/** Accept Twilio's +1 500 555 test numbers (only when Twilio is the sandbox). */
	allowTestNumbers?: boolean;
	log?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface StartVerificationInput {
	userId: string;
	/** What the person typed; national numbers are read in `country`. */
	phone: string;
	country?: string;
	/** Caller's IP address, for the per-IP limit (null when unknown). */
	ip: string | null;
}

export interface StartVerificationResult {
	phoneNumber: string;
	verificationSid: string;
	status: string;
	/** When a new code may be requested for this number. */
	resendAt: Date;
}

export interface ConfirmVerificationInput extends StartVerificationInput {
	code: string;
}

export interface ConfirmVerificationResult {
	phoneNumber: string;
	verified: true;
}

// SQLSTATE raised by set_verified_phone when another account already verified the number,
// and Postgres' unique_violation on the one-verified-owner index, in case of a race.
const PHONE_TAKEN_SQLSTATES = new Set(['SM010', '23505']);

function sqlState(error: unknown): string | null {
	if (typeof error !== 'object' || error === null) return null;
	const code = (error as { code?: unknown }).code;
	return typeof code === 'string' ? code : null;
}

export function toE164(phone: string, country: string | undefined): string {
	try {
		return normalizePhone(phone, (country?.toUpperCase() || undefined) as CountryCode | undefined);
	} catch (error) {
		if (error instanceof PhoneNumberError) {
			throw new VerificationError({ code: 'invalid_number', message: error.message, field: 'phone', cause: error });
		}
		throw error;
	}
}

function refused(decision: Exclude<LimitDecision, { allowed: true }>, action: 'start' | 'check'): VerificationError {
	const wait = waitPhrase(decision.retryAfterSeconds);
	const messages: Record<typeof decision.scope, string> = {
		cooldown: `A code was just sent. You can ask for a new one in ${wait}.`,
		number: `Too many codes have been sent to this number. Try again in ${wait}.`,
		user: action === 'start'
			? `You have asked for too many codes. Try again in ${wait}.`
			: `Too many attempts. Try again in ${wait}.`,
		ip: `Too many attempts from your network. Try again in ${wait}.`,
		verification: `Too many wrong codes. Ask for a new code in ${wait}.`,
		country: `We are sending unusually many codes to this country right now. Try again in ${wait}.`,
		global: `We are sending unusually many codes right now. Try again in ${wait}.`
	};
	return new VerificationError({
		code: decision.scope === 'verification' ? 'too_many_attempts' : 'rate_limited',
		message: messages[decision.scope],
		field: action === 'start' ? 'phone' : 'code',
		retryAfterSeconds: decision.retryAfterSeconds
	});
}

async function takenByAnother(tx: TransactionSql, userId: string, phoneNumber: string): Promise<boolean> {
	const rows = await tx`
		select 1 from public.user_sms_preferences
		 where phone_hash = ${phoneCipher().blindIndex(phoneNumber)} and phone_verified and user_id <> ${userId}`;
	return rows.length > 0;
}

const PHONE_TAKEN_MESSAGE =
	'This number is already verified on another account. Use a different number, or remove it from the other account first.';

/** One alert row per cap and hour (the operations console shows them), and a warning in the log. */
async function raiseCapAlert(
	tx: TransactionSql,
	deps: VerificationDeps,
	scope: 'country' | 'global',
	callingCode: string,
	limits: VerificationLimits
): Promise<void> {
	const window = scope === 'country' ? limits.startsPerCountry : limits.startsGlobal;
	const kind = scope === 'country' ? 'verification_country_cap' : 'verification_global_cap';
	const subject = scope === 'country' ? `+${callingCode}` : '';
	const [{ raised }] = await tx<{ raised: boolean }[]>`
		select public.raise_security_alert(${kind}, ${subject},
		  ${tx.json({ limit: window.limit, windowSeconds: Math.round(window.windowMs / 1000) })}, 3600) as raised`;
	if (raised) deps.log?.warn({ kind, subject, limit: window.limit }, 'verification cap reached: codes refused (possible SMS pumping)');
}

/**
 * Sends a verification code to a number for a signed-in user: checks the number, that no other
 * account owns it, and the per-number / per-user / per-IP limits, then asks Twilio Verify.
 * When the number differs from the user's current one, the new number is stored unverified
 * (changing the number un-verifies it).
 */
export async function startPhoneVerification(
	deps: VerificationDeps,
	input: StartVerificationInput
): Promise<StartVerificationResult> {
	const limits = deps.limits ?? DEFAULT_VERIFICATION_LIMITS;
	const now = (deps.now ?? (() => new Date()))();
	const phoneNumber = toE164(input.phone, input.country);
	const verdict = checkVerificationNumber(phoneNumber, {
		allowedCountries: deps.allowedCountries ?? ['US'],
		allowTestNumbers: deps.allowTestNumbers
	});
	if (!verdict.allowed) {
		// Kept for audit (who tried which premium number); never counted, never sent.
		await deps.db.asService((tx) =>
			recordAttempt(tx, { userId: input.userId, phoneNumber, ip: input.ip, now, action: 'start', outcome: 'invalid_number' })
		);
		deps.log?.info({ userId: input.userId, reason: verdict.reason }, 'verification refused for this number');
		throw new VerificationError({ code: 'invalid_number', message: verdict.message, field: 'phone' });
	}
	const subject = { userId: input.userId, phoneNumber, ip: input.ip, now, callingCode: verdict.callingCode };

	const gate = await deps.db.asService(async (tx) => {
		await lockVerificationSends(tx);
		await lockVerificationSubjects(tx, subject);
		// Limits first, "taken" after: an account out of codes must not learn who owns a number,
		// and each "taken" answer is counted like a code (see rate-limit.ts COUNTED).
		const decision = await checkStartLimits(tx, { ...subject, limits });
		if (!decision.allowed) {
			await recordAttempt(tx, { ...subject, action: 'start', outcome: 'rate_limited' });
			if (decision.scope === 'country' || decision.scope === 'global') await raiseCapAlert(tx, deps, decision.scope, subject.callingCode, limits);
			return { error: refused(decision, 'start') };
		}
		if (await takenByAnother(tx, input.userId, phoneNumber)) {
			await recordAttempt(tx, { ...subject, action: 'start', outcome: 'phone_taken' });
			return { error: new VerificationError({ code: 'phone_taken', message: PHONE_TAKEN_MESSAGE, field: 'phone' }) };
		}
		// Counted from now on, so a concurrent request sees it while Twilio is being called.
		return { attemptId: await recordAttempt(tx, { ...subject, action: 'start', outcome: 'pending' }) };
	});
	if ('error' in gate) throw gate.error;

	let verification: { sid: string; status: string };
	try {
		verification = await deps.twilio.startVerification({ to: phoneNumber });
	} catch (error) {
		const mapped = startFailure(error);
		await deps.db.asService((tx) =>
			setAttemptOutcome(tx, { id: gate.attemptId, outcome: mapped.code === 'invalid_number' ? 'invalid_number' : 'error' })
		);
		logFailure(deps, mapped, error, input.userId, 'verification start failed');
		throw mapped;
	}

	await deps.db.asService(async (tx) => {
		await setAttemptOutcome(tx, { id: gate.attemptId, outcome: 'sent' });
		const [current] = await tx<{ phone_hash: string | null }[]>`
			select phone_hash from public.user_sms_preferences where user_id = ${input.userId}`;
		if (current?.phone_hash !== phoneCipher().blindIndex(phoneNumber)) {
			const p = sealE164(phoneNumber);
			await tx`select public.set_unverified_phone(${input.userId}, row(${p.enc}, ${p.hash}, ${p.last4}, ${p.callingCode})::public.sealed_phone)`;
		}
	});
	deps.log?.info({ userId: input.userId, verificationSid: verification.sid }, 'verification code sent');
	return {
		phoneNumber,
		verificationSid: verification.sid,
		status: verification.status,
		resendAt: new Date(now.getTime() + limits.resendCooldownMs)
	};
}

/**
 * Checks a code. Only a code for a verification this same account started (within the code's
 * lifetime) is accepted; on approval the number becomes this account's verified phone, unless
 * another account verified it first.
 */
export async function confirmPhoneVerification(
	deps: VerificationDeps,
	input: ConfirmVerificationInput
): Promise<ConfirmVerificationResult> {
	const limits = deps.limits ?? DEFAULT_VERIFICATION_LIMITS;
	const now = (deps.now ?? (() => new Date()))();
	const phoneNumber = toE164(input.phone, input.country);
	const code = input.code.trim();
	if (!/^\d{4,10}$/.test(code)) {
		throw new VerificationError({ code: 'wrong_code', message: 'Enter the 6-digit code from the text.', field: 'code' });
	}
	const subject = { userId: input.userId, phoneNumber, ip: input.ip, now };

	const gate = await deps.db.asService(async (tx) => {
		await lockVerificationSubjects(tx, subject);
		const startedAt = await liveVerificationStart(tx, { ...subject, limits });
		if (!startedAt) {
			return {
				error: new VerificationError({
					code: 'not_started',
					message: 'There is no code waiting for this number. Ask for a code first; codes expire after 10 minutes.',
					field: 'code'
				})
			};
		}
		const decision = await checkCheckLimits(tx, { ...subject, limits });
		if (!decision.allowed) {
			await recordAttempt(tx, { ...subject, action: 'check', outcome: 'rate_limited' });
			return { error: refused(decision, 'check') };
		}
		if (await takenByAnother(tx, input.userId, phoneNumber)) {
			await recordAttempt(tx, { ...subject, action: 'check', outcome: 'phone_taken' });
			return { error: new VerificationError({ code: 'phone_taken', message: PHONE_TAKEN_MESSAGE, field: 'phone' }) };
		}
		return { attemptId: await recordAttempt(tx, { ...subject, action: 'check', outcome: 'pending' }) };
	});
	if ('error' in gate) throw gate.error;

	const finish = (outcome: VerificationOutcome) =>
		deps.db.asService((tx) => setAttemptOutcome(tx, { id: gate.attemptId, outcome }));

	let result: { status: string; valid?: boolean };
	try {
		result = await deps.twilio.checkVerification({ to: phoneNumber, code });
	} catch (error) {
		const mapped = checkFailure(error);
		await finish(mapped.code === 'expired' ? 'expired' : mapped.code === 'wrong_code' ? 'wrong_code' : 'error');
		logFailure(deps, mapped, error, input.userId, 'verification check failed');
		throw mapped;
	}

	if (result.status !== 'approved') {
		await finish('wrong_code');
		throw new VerificationError({
			code: 'wrong_code',
			message: 'That code is not right. Check the latest text and try again.',
			field: 'code'
		});
	}

	try {
		await deps.db.asService(async (tx) => {
			const p = sealE164(phoneNumber);
			await tx`select public.set_verified_phone(${input.userId}, row(${p.enc}, ${p.hash}, ${p.last4}, ${p.callingCode})::public.sealed_phone)`;
			await setAttemptOutcome(tx, { id: gate.attemptId, outcome: 'approved' });
		});
	} catch (error) {
		if (PHONE_TAKEN_SQLSTATES.has(sqlState(error) ?? '')) {
			await finish('phone_taken');
			throw new VerificationError({ code: 'phone_taken', message: PHONE_TAKEN_MESSAGE, field: 'phone', cause: error });
		}
		throw error;
	}
	deps.log?.info({ userId: input.userId }, 'phone verified');
	return { phoneNumber, verified: true };
}

export interface PendingVerification {
	phoneNumber: string;
	sentAt: Date;
	/** When "Send code again" becomes available. */
	resendAt: Date;
	/** When the code stops working. */
	expiresAt: Date;
}

/**
 * The code this account most recently had sent, while it can still be used — so the settings
 * page can show the code field and the resend countdown after a reload (or without JavaScript).
 */
export async function pendingVerification(
	deps: Pick<VerificationDeps, 'db' | 'now' | 'limits'>,
	options: { userId: string; phoneNumber: string }
): Promise<PendingVerification | null> {
	const limits = deps.limits ?? DEFAULT_VERIFICATION_LIMITS;
	const now = (deps.now ?? (() => new Date()))();
	const sentAt = await deps.db.asService((tx) => liveVerificationStart(tx, { ...options, now, limits }));
	if (!sentAt) return null;
	return {
		phoneNumber: options.phoneNumber,
		sentAt,
		resendAt: new Date(sentAt.getTime() + limits.resendCooldownMs),
		expiresAt: new Date(sentAt.getTime() + limits.codeTtlMs)
	};
}

/** A wrong or expired code is a person's everyday mistake: note it; keep stacks for real faults. */
function logFailure(deps: { log?: Pick<Logger, 'info' | 'warn'> }, mapped: VerificationError, cause: unknown, userId: string, message: string): void {
	if (mapped.status >= 500) deps.log?.warn({ err: cause, userId, code: mapped.code }, message);
	else deps.log?.info({ userId, code: mapped.code }, message);
}
