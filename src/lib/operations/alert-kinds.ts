export const ALERT_KINDS = ['failure_rate', 'error_code_spike', 'callbacks_silent', 'queue_stalled', 'verification_caps', 'spend_cap'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
	failure_rate: 'Failure rate',
	error_code_spike: 'One error code rising',
	callbacks_silent: 'No status callbacks',
	queue_stalled: 'Queue falling behind',
	verification_caps: 'Verification caps hit',
	spend_cap: 'Monthly spend cap'
};

/** Kinds whose thresholds are shares (0.1 = 10 %): the form shows and takes percentages. */
export const PERCENT_KINDS: readonly AlertKind[] = ['failure_rate', 'spend_cap'];

/** Alerts the platform opens on an event rather than a tunable rule (no row in the rules form). */
export const EVENT_ALERT_LABELS: Record<string, string> = {
	webhook_endpoint_disabled: 'Webhook endpoint disabled'
};

export const alertKindLabel = (kind: string): string => ALERT_KIND_LABELS[kind as AlertKind] ?? EVENT_ALERT_LABELS[kind] ?? kind;
