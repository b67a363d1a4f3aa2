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
		contactDailyLimit: o.contactDailyLimit ?? 0,
		messagingServiceSid: o.messagingServiceSid,
		fromNumber: o.fromNumber,
		monthlySpendCap: o.monthlySpendCap
	};
}

const COLUMN: Record<keyof WorkspaceSettings, string> = {
	name: 'name',
	slug: 'slug',
	defaultCountry: 'default_country',
	defaultTimeZone: 'default_time_zone',
	quietHoursStart: 'quiet_hours_start',
	quietHoursEnd: 'quiet_hours_end',
	contactDailyLimit: 'contact_daily_limit',
	messagingServiceSid: 'messaging_service_sid',
	fromNumber: 'from_number',
	monthlySpendCap: 'monthly_spend_cap'
};

/** The settings that differ, as update_organization_settings' keys ({} when nothing changed). */
export function changedSettings(before: WorkspaceSettings, after: WorkspaceSettings): Record<string, string | number | null> {
	const out: Record<string, string | number | null> = {};
	for (const key of Object.keys(COLUMN) as (keyof WorkspaceSettings)[]) {
		const same = key === 'monthlySpendCap' ? sameAmount(before[key], after[key]) : String(before[key] ?? '') === String(after[key] ?? '');
		if (!same) out[COLUMN[key]] = after[key];
	}
	return out;
}

function sameAmount(a: string | null, b: string | null): boolean {
	return a === null || b === null ? a === b : Number(a) === Number(b);
}

/**
 * Saves only what changed (so an admin saving the form does not touch the owner-only spend
 * cap); the function checks the role and writes the audit row through its trigger.
 */
export async function saveSettings(tx: TransactionSql, options: { organizationId: string; changes: Record<string, string | number | null> }): Promise<void> {
	await tx`select public.update_organization_settings(${options.organizationId}::uuid, ${tx.json(options.changes)}::jsonb)`;
}
