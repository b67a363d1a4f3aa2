import type { TransactionSql } from '@sms/db';
import { z } from 'zod';
import { WorkspaceError } from '$lib/server/workspaces/errors';
import { ALERT_KINDS, PERCENT_KINDS, type AlertKind } from '$lib/operations/alert-kinds';

export interface AlertRule {
	kind: AlertKind;
	enabled: boolean;
	warningThreshold: number | null;
	criticalThreshold: number | null;
	minVolume: number | null;
	windowMinutes: number | null;
	excludedCodes: number[];
	notifyOnCall: boolean;
	customised: boolean;
}


const num = (v: string | null) => (v === null ? null : Number(v));

export async function loadAlertRules(tx: TransactionSql, organizationId: string): Promise<AlertRule[]> {
	const rows = await tx<
		{
			kind: AlertKind;
			enabled: boolean;
			warning_threshold: string | null;
			critical_threshold: string | null;
			min_volume: number | null;
			window_minutes: number | null;
			excluded_codes: number[];
			notify_on_call: boolean;
			customised: boolean;
		}[]
	>`select kind, enabled, warning_threshold::text, critical_threshold::text, min_volume, window_minutes, excluded_codes,
		notify_on_call, customised from public.workspace_alert_rules(${organizationId})`;
	return rows.map((r) => ({
		kind: r.kind,
		enabled: r.enabled,
		warningThreshold: num(r.warning_threshold),
		criticalThreshold: num(r.critical_threshold),
		minVolume: r.min_volume,
		windowMinutes: r.window_minutes,
		excludedCodes: r.excluded_codes,
		notifyOnCall: r.notify_on_call,
		customised: r.customised
	}));
}

const optionalNumber = (label: string, max: number) =>
	z
		.string()
		.optional()
		.transform((raw, ctx) => {
			const v = (raw ?? '').trim();
			if (v === '') return null;
			const n = Number(v);
			if (!Number.isFinite(n) || n < 0 || n > max) {
				ctx.addIssue({ code: 'custom', message: `${label} must be a number from 0 to ${max}` });
				return z.NEVER;
			}
			return n;
		});

const ruleForm = z.object({
	kind: z.enum(ALERT_KINDS, { error: 'Unknown rule' }),
	enabled: z.string().optional().transform((v) => v === 'on'),
	notify_on_call: z.string().optional().transform((v) => v === 'on'),
	warning: optionalNumber('The warning threshold', 1_000_000),
	critical: optionalNumber('The critical threshold', 1_000_000),
	min_volume: optionalNumber('The minimum number of texts', 1_000_000),
	window_minutes: optionalNumber('The window', 1440),
	excluded_codes: z
		.string()
		.optional()
		.transform((v, ctx) => {
			const parts = (v ?? '').split(/[\s,;]+/).filter(Boolean);
			if (parts.some((p) => !/^\d{1,6}$/.test(p))) {
				ctx.addIssue({ code: 'custom', message: 'Excluded codes are error numbers such as 30007, separated by commas' });
				return z.NEVER;
			}
			if (parts.length > 50) {
				ctx.addIssue({ code: 'custom', message: 'At most 50 excluded codes' });
				return z.NEVER;
			}
			return [...new Set(parts.map(Number))];
		})
});

export type RuleInput = Omit<AlertRule, 'customised'>;

/** The rule form → a rule, or the first problem in words. Percent kinds are entered in %. */
export function parseRuleForm(form: FormData): { ok: true; rule: RuleInput } | { ok: false; error: string } {
	const raw = Object.fromEntries([...form.entries()].filter((e): e is [string, string] => typeof e[1] === 'string'));
	const parsed = ruleForm.safeParse(raw);
	if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'The rule is not valid' };
	const d = parsed.data;
	const scale = (v: number | null) => (v !== null && PERCENT_KINDS.includes(d.kind) ? v / 100 : v);
	if (d.min_volume !== null && !Number.isInteger(d.min_volume)) return { ok: false, error: 'The minimum number of texts must be a whole number' };
	if (d.window_minutes !== null && (!Number.isInteger(d.window_minutes) || d.window_minutes < 1))
		return { ok: false, error: 'The window must be a whole number of minutes from 1 to 1440' };
	if (d.warning !== null && d.critical !== null && d.critical < d.warning)
		return { ok: false, error: 'The critical threshold must not be below the warning threshold' };
	return {
		ok: true,
		rule: {
			kind: d.kind,
			enabled: d.enabled,
			warningThreshold: scale(d.warning),
			criticalThreshold: scale(d.critical),
			minVolume: d.min_volume,
			windowMinutes: d.window_minutes,
			excludedCodes: d.excluded_codes,
			notifyOnCall: d.notify_on_call
		}
	};
}

export async function saveAlertRule(tx: TransactionSql, organizationId: string, rule: RuleInput): Promise<void> {
	try {
		await tx`select public.set_alert_rule(${organizationId}, ${rule.kind}, ${rule.enabled}, ${rule.warningThreshold}::numeric,
		${rule.criticalThreshold}::numeric, ${rule.minVolume}::integer, ${rule.windowMinutes}::integer,
		${rule.excludedCodes}::integer[], ${rule.notifyOnCall})`;
	} catch (error) {
		const e = error as { code?: string; message?: string };
		if (e.code === 'AL001') {
			throw new WorkspaceError({ code: 'invalid', message: (e.message ?? '').replace(/^invalid_alert_rule: /, ''), cause: error });
		}
		throw error;
	}
}
