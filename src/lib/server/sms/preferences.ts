import type { Db, TransactionSql } from '@sms/db';
import { isValidTimeZone } from '@sms/twilio-service';
import { usableTimeZone } from '../time-zone-fallback.ts';
import { shownPhone } from '../phones/view.ts';

export interface NotificationTypeSetting {
	key: string;
	label: string;
	description: string;
	bypassesQuietHours: boolean;
	category: 'transactional' | 'marketing';
	/** The user's choice, or the type's default when they never chose. */
	enabled: boolean;
}

export interface NumberOptOut {
	optedOut: boolean;
	source: string;
	keyword: string | null;
	at: Date | null;
}

export interface SmsSettings {
	/**
	 * False until the user first saves their preferences (sending a code creates the row with
	 * default values, so the row's existence is not enough): the page then suggests the
	 * browser's time zone.
	 */
	saved: boolean;
	phoneNumber: string | null;
	phoneVerified: boolean;
	phoneVerifiedAt: Date | null;
	/** The zone to show and decide in: the saved one, or UTC when the saved one is unusable. */
	timeZone: string;
	/** A saved zone this server cannot use (e.g. 'Factory' written through SQL): shown as a warning. */
	unsupportedTimeZone: string | null;
	/** "HH:MM" or null for no quiet hours. */
	quietHoursStart: string | null;
	quietHoursEnd: string | null;
	dailyLimit: number;
	maxDailyLimit: number;
	optedOut: boolean;
	optedOutAt: Date | null;
	/** A STOP (or carrier opt-out) recorded against the verified number, if any. */
	numberOptOut: NumberOptOut | null;
	types: NotificationTypeSetting[];
}

const hhmm = (t: string | null): string | null => (t ? t.slice(0, 5) : null);

/** Reads everything the settings page shows. `tx` must be an asUser transaction: RLS applies. */
export async function loadSettings(tx: TransactionSql, options: { userId: string }): Promise<SmsSettings> {
	const [[prefs], types, [{ max, default_limit }]] = await Promise.all([
		tx<
			{
				phone_enc: string | null;
				phone_hash: string | null;
				phone_last4: string | null;
				phone_verified: boolean;
				phone_verified_at: Date | null;
				time_zone: string;
				quiet_hours_start: string | null;
				quiet_hours_end: string | null;
				daily_limit: number;
				opted_out: boolean;
				opted_out_at: Date | null;
			}[]
		>`select phone_enc, phone_hash, phone_last4, phone_verified, phone_verified_at, time_zone, quiet_hours_start::text,
		         quiet_hours_end::text, daily_limit, opted_out, opted_out_at
		    from public.user_sms_preferences where user_id = ${options.userId}`,
		tx<
			{
				key: string;
				label: string;
				description: string;
				bypasses_quiet_hours: boolean;
				category: 'transactional' | 'marketing';
				enabled: boolean;
				chosen: boolean;
			}[]
		>`select t.key, t.label, t.description, t.bypasses_quiet_hours, t.category,
		         coalesce(u.enabled, t.default_enabled) as enabled, u.user_id is not null as chosen
		    from public.sms_notification_types t
		    left join public.user_sms_type_preferences u on u.type_key = t.key and u.user_id = ${options.userId}
		   order by t.bypasses_quiet_hours desc, t.label`,
		// The table's default for a user with no row yet, and the ceiling: both from the database.
		tx<{ max: number; default_limit: number }[]>`select public.sms_max_daily_limit() as max, public.sms_default_daily_limit() as default_limit`
	]);
	let numberOptOut: NumberOptOut | null = null;
	if (prefs?.phone_verified && prefs.phone_hash) {
		// RLS lets a user read the opt-out record of their own verified number only.
		const [row] = await tx<
			{ opted_out: boolean; source: string; last_keyword: string | null; opted_out_at: Date | null }[]
		>`select opted_out, source, last_keyword, opted_out_at from public.sms_phone_opt_outs
		   where phone_hash = ${prefs.phone_hash}`;
		if (row) numberOptOut = { optedOut: row.opted_out, source: row.source, keyword: row.last_keyword, at: row.opted_out_at };
	}
	return {
		// savePreferences writes every type's switch; nothing else does.
		saved: Boolean(prefs) && types.some((t) => t.chosen),
		// The user's own number: opened for them (null when none is stored).
		phoneNumber: prefs?.phone_enc ? shownPhone(prefs.phone_enc, prefs.phone_last4, true) : null,
		phoneVerified: prefs?.phone_verified ?? false,
		phoneVerifiedAt: prefs?.phone_verified_at ?? null,
		...usableTimeZone(prefs?.time_zone ?? 'UTC'),
		quietHoursStart: hhmm(prefs?.quiet_hours_start ?? null),
		quietHoursEnd: hhmm(prefs?.quiet_hours_end ?? null),
		dailyLimit: prefs?.daily_limit ?? default_limit,
		maxDailyLimit: max,
		optedOut: prefs?.opted_out ?? false,
		optedOutAt: prefs?.opted_out_at ?? null,
		numberOptOut,
		types: types.map((t) => ({
			key: t.key,
			label: t.label,
			description: t.description,
			bypassesQuietHours: t.bypasses_quiet_hours,
			category: t.category,
			enabled: t.enabled
		}))
	};
}

export interface PreferencesUpdate {
	timeZone: string;
	quietHoursStart: string | null;
	quietHoursEnd: string | null;
	dailyLimit: number;
	/** Type key → on/off; keys not listed keep their current setting. */
	types: Record<string, boolean>;
}

export type PreferencesErrorCode = 'invalid_time_zone' | 'invalid_daily_limit' | 'invalid_quiet_hours' | 'unknown_type';

/** The database refused a preference; `field` names the form field to show it next to. */
export class PreferencesError extends Error {
	readonly code: PreferencesErrorCode;
	readonly field: 'timeZone' | 'dailyLimit' | 'quietHours' | 'types';

	constructor(options: { code: PreferencesErrorCode; message: string; field: PreferencesError['field']; cause?: unknown }) {
		super(options.message, { cause: options.cause });
		this.name = 'PreferencesError';
		this.code = options.code;
		this.field = options.field;
	}
}

function mapConstraint(error: unknown): PreferencesError | null {
	if (typeof error !== 'object' || error === null) return null;
	const e = error as { code?: string; constraint_name?: string; constraint?: string };
	const constraint = e.constraint_name ?? e.constraint ?? '';
	if (constraint === 'user_sms_preferences_time_zone_check') {
		return new PreferencesError({ code: 'invalid_time_zone', field: 'timeZone', message: 'Choose a time zone from the list.', cause: error });
	}
	if (constraint === 'user_sms_preferences_daily_limit_check') {
		return new PreferencesError({ code: 'invalid_daily_limit', field: 'dailyLimit', message: 'The daily limit is outside the allowed range.', cause: error });
	}
	if (constraint === 'user_sms_preferences_quiet_hours_check') {
		return new PreferencesError({ code: 'invalid_quiet_hours', field: 'quietHours', message: 'Set both a start and an end, or neither.', cause: error });
	}
	if (e.code === '23503' && constraint.startsWith('user_sms_type_preferences')) {
		return new PreferencesError({ code: 'unknown_type', field: 'types', message: 'One of those kinds of text no longer exists. Reload the page.', cause: error });
	}
	return null;
}

/**
 * Saves the user's own choices. `tx` must be an asUser transaction, so RLS and the column
 * privileges decide what may change (never the phone or its verification).
 */
export async function savePreferences(tx: TransactionSql, options: { userId: string; update: PreferencesUpdate }): Promise<void> {
	const { userId, update } = options;
	try {
		await tx`
			insert into public.user_sms_preferences (user_id, time_zone, quiet_hours_start, quiet_hours_end, daily_limit)
			values (${userId}, ${update.timeZone}, ${update.quietHoursStart}, ${update.quietHoursEnd}, ${update.dailyLimit})
			on conflict (user_id) do update set
				time_zone = excluded.time_zone,
				quiet_hours_start = excluded.quiet_hours_start,
				quiet_hours_end = excluded.quiet_hours_end,
				daily_limit = excluded.daily_limit`;
		const entries = Object.entries(update.types);
		if (entries.length > 0) {
			const rows = entries.map(([typeKey, enabled]) => ({ user_id: userId, type_key: typeKey, enabled }));
			await tx`
				insert into public.user_sms_type_preferences ${tx(rows, 'user_id', 'type_key', 'enabled')}
				on conflict (user_id, type_key) do update set enabled = excluded.enabled`;
		}
	} catch (error) {
		throw mapConstraint(error) ?? error;
	}
}

/**
 * One-click opt-out / opt back in for the user's own account (asUser). Opting back in also
 * lifts a STOP recorded against the user's own verified number — texting START does the same.
 */
export async function setOptedOut(
	db: Db,
	options: { claims: Parameters<Db['asUser']>[0]; userId: string; optedOut: boolean }
): Promise<void> {
	const phone = await db.asUser(options.claims, async (tx) => {
		await tx`
			insert into public.user_sms_preferences (user_id, opted_out) values (${options.userId}, ${options.optedOut})
			on conflict (user_id) do update set opted_out = excluded.opted_out`;
		const [row] = await tx<
			{ phone_enc: string | null; phone_hash: string | null; phone_last4: string | null; calling_code: string | null; phone_verified: boolean }[]
		>`select phone_enc, phone_hash, phone_last4, calling_code, phone_verified
		    from public.user_sms_preferences where user_id = ${options.userId}`;
		return row?.phone_verified && row.phone_hash ? row : null;
	});
	if (!options.optedOut && phone) {
		// The number-level record is not the user's to write directly; the server lifts it for
		// the user's own verified number only.
		await db.asService(async (tx) => {
			const [row] = await tx<{ opted_out: boolean }[]>`
				select opted_out from public.sms_phone_opt_outs where phone_hash = ${phone.phone_hash}`;
			if (row?.opted_out) {
				// The sealed values are copied as they are.
				await tx`select public.record_phone_opt_out(
					p_phone => row(${phone.phone_enc}, ${phone.phone_hash}, ${phone.phone_last4}, ${phone.calling_code})::public.sealed_phone,
					p_opted_out => false, p_source => 'api', p_keyword => null)`;
			}
		});
	}
}

/** Texts already counted against the user's daily limit on `localDate` (server-side read). */
export async function usedOn(db: Db, options: { userId: string; localDate: string }): Promise<number> {
	const [row] = await db.service<{ count: number }[]>`
		select count from public.sms_daily_usage where user_id = ${options.userId} and local_date = ${options.localDate}`;
	return row?.count ?? 0;
}

/**
 * Until a person saves their preferences, quiet hours and history times would use UTC. When they
 * first ask for a code we adopt the zone their device reports (as the picker already shows it),
 * but never over preferences they saved themselves.
 */
export async function adoptDeviceTimeZone(
	db: Db,
	options: { claims: Parameters<Db['asUser']>[0]; userId: string; timeZone: string }
): Promise<boolean> {
	if (!isValidTimeZone(options.timeZone)) return false;
	const rows = await db.asUser(options.claims, (tx) => tx`
		update public.user_sms_preferences set time_zone = ${options.timeZone}
		where user_id = ${options.userId}
		  and time_zone is distinct from ${options.timeZone}
		  and not exists (select 1 from public.user_sms_type_preferences where user_id = ${options.userId})
		returning 1`);
	return rows.length > 0;
}
