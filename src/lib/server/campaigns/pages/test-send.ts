import { randomUUID } from 'node:crypto';
import type { Db } from '@sms/db';
import { checkTestTextLimit, DEFAULT_TEST_TEXT_LIMIT, TEST_TEXT_DEDUP_PREFIX } from '../../sms/rate-limit.ts';
import { TestTextError } from '../../sms/test-text.ts';
import { waitPhrase } from '../../sms/verification-errors.ts';

/**
 * A campaign's rendered text, sent once to the operator's own verified phone through the real
 * pipeline (queue_sms_message → worker → provider), as a text of the workspace. The phone is
 * never from the form: the database picks the caller's verified number. The test-text limit
 * applies (it counts these too).
 */
export async function queueCampaignTest(db: Db, options: { userId: string; organizationId: string; body: string }): Promise<{ messageId: string }> {
	return db.asService(async (tx) => {
		await tx`select pg_advisory_xact_lock(hashtextextended('test_text:' || ${options.userId}, 0))`;
		const [prefs] = await tx<{ phone_verified: boolean }[]>`
			select phone_verified from public.user_sms_preferences where user_id = ${options.userId}`;
		if (!prefs?.phone_verified) {
			throw new TestTextError({ code: 'no_verified_phone', message: 'Verify your own phone number first (Settings → SMS), then send the test.' });
		}
		const window = DEFAULT_TEST_TEXT_LIMIT;
		const decision = await checkTestTextLimit(tx, { userId: options.userId, now: new Date(), window });
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
				p_message => ${options.body},
				p_priority => 'normal',
				p_scheduled_for => null,
				p_notification_type => 'custom',
				p_dedup_key => ${TEST_TEXT_DEDUP_PREFIX + randomUUID()},
				p_organization_id => ${options.organizationId}
			) as id`;
		return { messageId: row!.id };
	});
}
