import type { TransactionSql } from '@sms/db';
import type { Organization } from './context.ts';
import type { WorkspaceSettings } from './settings-form.ts';

export function settingsOf(o: Organization): WorkspaceSettings {
	return {
		name: o.name,
		slug: o.slug,
		defaultCountry: o.defaultCountry,
		defaultTimeZone: o.defaultTimeZone,
		quietHoursStart: o.quietHoursStart,
		quietHoursEnd: o.quietHoursEnd,
		contactDailyLimit: o.contactDailyLimit,
		messagingServiceSid: o.messagingServiceSid,
		fromNumber: o.fromNumber,
		monthlySpendCap: o.monthlySpendCap
	};
}

/** Saves the settings (RLS: admins and owners only). */
export async function saveSettings(tx: TransactionSql, options: { organizationId: string; settings: WorkspaceSettings }): Promise<void> {
	const s = options.settings;
	await tx`
		update public.organizations set
			name = ${s.name}, slug = ${s.slug}, default_country = ${s.defaultCountry}, default_time_zone = ${s.defaultTimeZone},
			quiet_hours_start = ${s.quietHoursStart}::time, quiet_hours_end = ${s.quietHoursEnd}::time,
			contact_daily_limit = ${s.contactDailyLimit}, messaging_service_sid = ${s.messagingServiceSid},
			from_number = ${s.fromNumber}, monthly_spend_cap = ${s.monthlySpendCap}::numeric, updated_at = now()
		where id = ${options.organizationId}`;
}

/** Only the fields that changed, old and new, for the audit row. */
export function settingsDiff(before: WorkspaceSettings, after: WorkspaceSettings): { before: Record<string, unknown>; after: Record<string, unknown> } {
	const b: Record<string, unknown> = {};
	const a: Record<string, unknown> = {};
	for (const key of Object.keys(after) as (keyof WorkspaceSettings)[]) {
		if (String(before[key] ?? '') !== String(after[key] ?? '')) {
			b[key] = before[key];
			a[key] = after[key];
		}
	}
	return { before: b, after: a };
}
