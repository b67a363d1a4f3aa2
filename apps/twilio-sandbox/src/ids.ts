import { randomUUID } from 'node:crypto';

/** A Twilio-style SID: two-letter prefix + 32 lowercase hex digits (e.g. SM…, VE…). */
export function newSid(prefix: string): string {
	// randomUUID draws from a cached entropy pool, cheaper than randomBytes per message.
	return prefix + randomUUID().replaceAll('-', '');
}
