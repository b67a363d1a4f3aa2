import { db } from '../db.ts';
import { log } from '../log.ts';
import { twilioClient } from '../twilio.ts';
import type { VerificationDeps } from './verification.ts';

/** The verification module wired to this process's pool, Twilio client and logger. */
export function verificationDeps(): VerificationDeps {
	return { db: db(), twilio: twilioClient(), log: log.child({ module: 'verification' }) };
}
