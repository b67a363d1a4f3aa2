import { config } from '../config.ts';
import { db } from '../db.ts';
import { log } from '../log.ts';
import { twilioClient } from '../twilio.ts';
import { DEFAULT_VERIFICATION_LIMITS } from './rate-limit.ts';
import type { VerificationDeps } from './verification.ts';

const HOUR = 60 * 60 * 1000;

/** The verification module wired to this process's pool, Twilio client, logger and limits. */
export function verificationDeps(): VerificationDeps {
	const c = config();
	return {
		db: db(),
		twilio: twilioClient(),
		log: log.child({ module: 'verification' }),
		allowedCountries: c.VERIFICATION_COUNTRIES.length > 0 ? c.VERIFICATION_COUNTRIES : [c.DEFAULT_COUNTRY.toUpperCase()],
		// Twilio's +1 500 555 test numbers exist only behind a Twilio-compatible test API (the sandbox).
		allowTestNumbers: c.TWILIO_API_BASE_URL !== undefined,
		limits: {
			...DEFAULT_VERIFICATION_LIMITS,
			startsPerCountry: { limit: c.VERIFICATION_HOURLY_CAP_PER_COUNTRY, windowMs: HOUR },
			startsGlobal: { limit: c.VERIFICATION_HOURLY_CAP, windowMs: HOUR }
		}
	};
}
