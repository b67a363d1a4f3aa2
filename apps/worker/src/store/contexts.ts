import { phoneCipher, type Sql } from '@sms/db';
import { isProviderId } from '@sms/providers';
import { deliveryPrefs, isValidTimeZone, type Priority } from '@sms/twilio-service';
import type { Logger } from '../logger.ts';
import type { MessageStatus, SendContext } from '../types.ts';

interface ContextRow {
	message_id: string;
	user_id: string;
	phone_enc: string | null;
	body: string;
	status: MessageStatus;
	priority: Priority;
	twilio_sid: string | null;
	organization_id: string | null;
	provider: string | null;
	provider_reference: string | null;
	dispatched_at: Date | null;
	notification_type: string;
	bypasses_quiet_hours: boolean | null;
	type_enabled: boolean | null;
	time_zone: string | null;
	quiet_hours_start: string | null;
	quiet_hours_end: string | null;
	daily_limit: number | null;
	user_opted_out: boolean;
	number_opted_out: boolean;
	phone_verified: boolean;
	used_today: number;
}

/** Reads the send contexts of a batch; remembers which users' unusable time zones it already reported. */
export class ContextLoader {
	private readonly warnedZones = new Set<string>();

	constructor(
		private readonly sql: Sql,
		private readonly log: Pick<Logger, 'warn'>
	) {}

	/**
	 * A zone this runtime cannot use (e.g. 'Factory' written through SQL) must not stop that
	 * user's texts for ever: decide in UTC, and say so once per user and process.
	 */
	private usableTimeZone(zone: string | null, userId: string, messageId: string): string {
		if (zone === null) return 'UTC';
		if (isValidTimeZone(zone)) return zone;
		if (!this.warnedZones.has(userId)) {
			this.warnedZones.add(userId);
			this.log.warn({ userId, messageId, timeZone: zone }, 'unsupported time zone in preferences: deciding in UTC');
		}
		return 'UTC';
	}

	/**
	 * Reads, for many messages at once, the message and everything the policy needs: the
	 * user's preferences, the type switch, any STOP recorded for the number, and the count on
	 * the user's local day at `now` (the worker's clock, so tests can move time).
	 *
	 * A text to a contact (DESIGN §13) reads the same fields from the workspace instead: the
	 * contact's time zone (else the workspace's), the workspace's quiet hours and per-contact
	 * daily cap, the STOP recorded for the number, and the contact's own day counter. Its
	 * `userId` is the contact's id — the recipient whose day counter the slot calls use.
	 */
	async load(messageIds: string[], now: Date): Promise<Map<string, SendContext>> {
		const rows = await this.sql<ContextRow[]>`
			select m.id as message_id, coalesce(m.user_id, m.contact_id) as user_id, m.phone_enc,
			       m.message_content as body, m.status,
			       m.priority, m.twilio_sid, m.organization_id, m.provider, m.provider_reference, m.dispatched_at, m.notification_type,
			       t.bypasses_quiet_hours,
			       case when c.id is not null then true else coalesce(tp.enabled, t.default_enabled) end as type_enabled,
			       z.time_zone,
			       (case when c.id is not null then org.quiet_hours_start else p.quiet_hours_start end)::text as quiet_hours_start,
			       (case when c.id is not null then org.quiet_hours_end else p.quiet_hours_end end)::text as quiet_hours_end,
			       case when c.id is not null then org.contact_daily_limit else p.daily_limit end as daily_limit,
			       coalesce(p.opted_out, false) as user_opted_out, coalesce(o.opted_out, false) as number_opted_out,
			       case when c.id is not null then c.phone_hash = m.phone_hash
			            else coalesce(p.phone_verified, false) and p.phone_hash = m.phone_hash end as phone_verified,
			       coalesce(case when c.id is not null then cu.count else u.count end, 0)::int as used_today
			from unnest(${messageIds}::uuid[]) as ids(id)
			join public.sms_messages m on m.id = ids.id
			left join public.user_sms_preferences p on p.user_id = m.user_id
			left join public.contacts c on c.id = m.contact_id
			left join public.organizations org on org.id = m.organization_id
			cross join lateral (
			  select case when c.id is not null then coalesce(c.time_zone, org.default_time_zone, 'UTC')
			              else p.time_zone end as time_zone
			) z
			left join public.sms_notification_types t on t.key = m.notification_type
			left join public.user_sms_type_preferences tp
			  on tp.user_id = m.user_id and tp.type_key = m.notification_type
			left join public.sms_phone_opt_outs o on o.phone_hash = m.phone_hash
			left join public.sms_daily_usage u
			  on u.user_id = m.user_id
			 and u.local_date = (${now}::timestamptz at time zone coalesce(z.time_zone, 'UTC'))::date
			left join public.contact_daily_usage cu
			  on cu.contact_id = c.id
			 and cu.local_date = (${now}::timestamptz at time zone coalesce(z.time_zone, 'UTC'))::date`;
		const map = new Map<string, SendContext>();
		const cipher = rows.length > 0 ? phoneCipher() : null;
		for (const r of rows) {
			map.set(r.message_id, {
				messageId: r.message_id,
				userId: r.user_id,
				// Opened here, in the process that hands the text to the provider, and kept in memory
				// only. A forgotten recipient has none (its text was canceled before it was forgotten).
				phoneNumber: r.phone_enc === null ? '' : cipher!.decrypt(r.phone_enc),
				body: r.body,
				status: r.status,
				priority: r.priority,
				twilioSid: r.twilio_sid,
				organizationId: r.organization_id,
				provider: r.provider !== null && isProviderId(r.provider) ? r.provider : null,
				providerReference: r.provider_reference,
				dispatchedAt: r.dispatched_at,
				notificationType: r.notification_type,
				bypassesQuietHours: r.bypasses_quiet_hours ?? false,
				...deliveryPrefs({
					timeZone: this.usableTimeZone(r.time_zone, r.user_id, r.message_id),
					quietHoursStart: r.quiet_hours_start,
					quietHoursEnd: r.quiet_hours_end,
					dailyLimit: r.daily_limit ?? 0,
					userOptedOut: r.user_opted_out,
					numberOptedOut: r.number_opted_out,
					phoneVerified: r.phone_verified,
					typeEnabled: r.type_enabled ?? false
				}),
				usedToday: r.used_today
			});
		}
		return map;
	}
}
