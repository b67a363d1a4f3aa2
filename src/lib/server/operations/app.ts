import { db } from '$lib/server/db';
import { twilioClient } from '$lib/server/twilio';
import { createReadiness, type Readiness } from './readiness.ts';

let instance: (() => Promise<Readiness>) | undefined;

/** The server's readiness check, wired to its pool and Twilio client (one cache per process). */
export function readiness(): () => Promise<Readiness> {
	instance ??= createReadiness({ db: db(), checkProvider: () => twilioClient().checkCredentials() });
	return instance;
}
