/**
 * What `npm audit --omit=dev --audit-level=high --json` printed means for CI: a report with a
 * high or critical finding fails; a report without fails nothing; no report at all (the audit
 * endpoint could not be reached: offline CI, a proxy, a registry mirror without the audit API)
 * is a warning, not a failure — CI must not go red because the network is away.
 */
export type AuditVerdict =
	| { kind: 'clean'; counts: Record<string, number> }
	| { kind: 'vulnerable'; counts: Record<string, number>; packages: string[] }
	| { kind: 'unavailable'; reason: string };

interface AuditReport {
	auditReportVersion?: number;
	vulnerabilities?: Record<string, { severity?: string }>;
	metadata?: { vulnerabilities?: Record<string, number> };
	message?: string;
	error?: { summary?: string; detail?: string };
}

const FAILING = new Set(['high', 'critical']);

export function auditVerdict(stdout: string): AuditVerdict {
	let report: AuditReport;
	try {
		report = JSON.parse(stdout) as AuditReport;
	} catch {
		return { kind: 'unavailable', reason: 'npm audit printed no JSON report' };
	}
	const counts = report.metadata?.vulnerabilities;
	if (!counts || typeof counts !== 'object') {
		return { kind: 'unavailable', reason: report.message ?? report.error?.summary ?? 'npm audit returned no report' };
	}
	const packages = Object.entries(report.vulnerabilities ?? {})
		.filter(([, v]) => FAILING.has(v.severity ?? ''))
		.map(([name]) => name)
		.sort();
	const failing = (counts.high ?? 0) + (counts.critical ?? 0);
	return failing > 0 || packages.length > 0 ? { kind: 'vulnerable', counts, packages } : { kind: 'clean', counts };
}
