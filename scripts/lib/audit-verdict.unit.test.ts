import { describe, expect, it } from 'vitest';
import { auditVerdict } from './audit-verdict.ts';

const report = (counts: Record<string, number>, vulns: Record<string, { severity: string }> = {}) =>
	JSON.stringify({ auditReportVersion: 2, vulnerabilities: vulns, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts } } });

describe('auditVerdict', () => {
	it('fails on a high or a critical finding, naming the packages', () => {
		expect(auditVerdict(report({ high: 1, total: 1 }, { 'bad-pkg': { severity: 'high' } }))).toMatchObject({
			kind: 'vulnerable',
			packages: ['bad-pkg']
		});
		expect(auditVerdict(report({ critical: 2, total: 2 }, { a: { severity: 'critical' }, b: { severity: 'critical' } })).kind).toBe('vulnerable');
	});

	it('passes with only low or moderate findings, or none', () => {
		expect(auditVerdict(report({ moderate: 3, low: 1, total: 4 }, { m: { severity: 'moderate' } })).kind).toBe('clean');
		expect(auditVerdict(report({})).kind).toBe('clean');
	});

	it('only warns when the audit endpoint cannot be reached (offline, proxy, mirror)', () => {
		const offline = JSON.stringify({ message: 'request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo ENOTFOUND', error: { summary: '' } });
		expect(auditVerdict(offline)).toEqual({ kind: 'unavailable', reason: expect.stringMatching(/ENOTFOUND/) });
		expect(auditVerdict(JSON.stringify({ message: '405 Method Not Allowed - POST …/advisories/bulk', statusCode: 405 })).kind).toBe('unavailable');
		expect(auditVerdict('').kind).toBe('unavailable');
	});
});
