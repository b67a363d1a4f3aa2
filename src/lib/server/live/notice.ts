import { z } from 'zod';

/** Channel the SQL API notifies on whenever a message's status changes. */
export const SMS_STATUS_CHANNEL = 'sms_status';

/** What Postgres sends on 'sms_status': {message_id, user_id, status}. */
export interface StatusNotice {
	messageId: string;
	userId: string;
	status: string;
}

const payload = z.object({
	message_id: z.string().uuid(),
	user_id: z.string().uuid(),
	status: z.string().min(1)
});

/** Null for anything that is not a well-formed notice (e.g. inbound texts with no user). */
export function parseStatusNotice(raw: string): StatusNotice | null {
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch {
		return null;
	}
	const parsed = payload.safeParse(json);
	if (!parsed.success) return null;
	return { messageId: parsed.data.message_id, userId: parsed.data.user_id, status: parsed.data.status };
}
