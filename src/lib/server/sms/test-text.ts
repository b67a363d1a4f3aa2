import { randomUUID } from 'node:crypto';
import type { Db } from '@sms/db';
import { checkTestTextLimit, DEFAULT_TEST_TEXT_LIMIT, TEST_TEXT_DEDUP_PREFIX, type RateWindow } from './rate-limit.ts';
import { waitPhrase } from './verification-errors.ts';

export const TEST_TEXT_BODY = 'Test text from SMS notifications: your texts are set up. Reply STOP to opt out, HELP for help.';

export type TestTextErrorCode = 'rate_limited' | 'no_verified_phone';

export class TestTextError extends Error {
	readonly code: TestTextErrorCode;
	readonly retryAfterSeconds: number | null;

	constructor(options: { code: TestTextErrorCode; message: string; retryAfterSeconds?: number | null; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'TestTextError';
		this.code = options.code;
		this.retryAfterSeconds = options.retryAfterSeconds ?? null;
	}
}

/**
 * Queues "Send me a test text" through queue_sms_message like any other text, to the user's
 * own verified phone only: the phone argument is null, so the database picks the verified
 * number — never one from a form. Preferences (opt-out, quiet hours, limit) apply as usual.
 */
export async function queueTestText(
	db: Db,
	options: { userId: string; now?: Date; window?: RateWindow }
): Promise<{ messageId: string }> {
	const now = options.now ?? new Date();
	const window = options.window ?? DEFAULT_TEST_TEXT_LIMIT;
	return db.asService(async (tx) => {
		// One at a time per user, so parallel clicks cannot slip past the limit.
		await tx`select pg_advisory_xact_lock(hashtextextended('test_text:' || ${options.userId}, 0))`;
		const [prefs] = await tx<{ phone_verified: boolean }[]>`
			select phone_verified from public.user_sms_preferences where user_id = ${options.userId}`;
		if (!prefs?.phone_verified) {
			throw new TestTextError({ code: 'no_verified_phone', message: 'Verify your phone number first.' });
		}
		const decision = await checkTestTextLimit(tx, { userId: options.userId, now, window });
		if (!decision.allowed) {
			throw new TestTextError({
				code: 'rate_limited',
				message: `You can send ${window.limit} test texts every ${waitPhrase(Math.round(window.windowMs / 1000))}. Try again in ${waitPhrase(decision.retryAfterSeconds)}.`,
				retryAfterSeconds: decision.retryAfterSeconds
			});
		}
		const [row] = await tx<{ id: string }[]>`
			select public.queue_sms_message(
				p_user_id => ${options.userId},
				p_phone_sealed => null,
				p_message => ${TEST_TEXT_BODY},
				p_priority => 'normal',
				p_scheduled_for => null,
				p_notification_type => 'custom',
				p_dedup_key => ${TEST_TEXT_DEDUP_PREFIX + randomUUID()}
			) as id`;
		return { messageId: row.id };
	});
}
