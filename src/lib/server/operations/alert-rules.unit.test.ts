import { describe, expect, it } from 'vitest';
import { parseRuleForm } from './alert-rules.ts';

const form = (fields: Record<string, string>) => {
	const f = new FormData();
	for (const [k, v] of Object.entries(fields)) f.set(k, v);
	return f;
};

describe('parseRuleForm', () => {
	it('reads percentages for share rules, and codes separated any way', () => {
		expect(parseRuleForm(form({ kind: 'failure_rate', enabled: 'on', warning: '15', critical: '30', min_volume: '50', excluded_codes: '30007, 30008 30007' }))).toEqual({
			ok: true,
			rule: { kind: 'failure_rate', enabled: true, warningThreshold: 0.15, criticalThreshold: 0.3, minVolume: 50, windowMinutes: null, excludedCodes: [30007, 30008], notifyOnCall: false }
		});
	});

	it('keeps factors as given for the error-code rule, and blank fields mean the default', () => {
		expect(parseRuleForm(form({ kind: 'error_code_spike', warning: '4', notify_on_call: 'on' }))).toMatchObject({
			ok: true,
			rule: { enabled: false, warningThreshold: 4, criticalThreshold: null, minVolume: null, notifyOnCall: true }
		});
	});

	it.each([
		[{ kind: 'nope' }, 'Unknown rule'],
		[{ kind: 'failure_rate', warning: 'ten' }, 'The warning threshold must be a number from 0 to 1000000'],
		[{ kind: 'failure_rate', warning: '30', critical: '20' }, 'The critical threshold must not be below the warning threshold'],
		[{ kind: 'failure_rate', excluded_codes: '30007; DROP TABLE' }, 'Excluded codes are error numbers such as 30007, separated by commas'],
		[{ kind: 'queue_stalled', window_minutes: '0' }, 'The window must be a whole number of minutes from 1 to 1440'],
		[{ kind: 'failure_rate', min_volume: '2.5' }, 'The minimum number of texts must be a whole number']
	])('refuses %o with a message', (fields, error) => {
		expect(parseRuleForm(form(fields as Record<string, string>))).toEqual({ ok: false, error });
	});
});
