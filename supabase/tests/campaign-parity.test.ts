/**
 * Two rules the campaign SQL writes a second time, checked against their first home:
 * - start_campaign renders string-only rows with internal.render_template_strings (one pass,
 *   no per-row checks): the same text as internal.render_template (itself checked against
 *   renderTemplate in template-render-parity.test.ts) for every case with string values;
 * - retry_campaign_failures asks internal.sms_error_retryable: the same answer as
 *   @sms/twilio-service's isRetryableError for every catalogued code, a missing one and an unknown one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, isRetryableError } from '@sms/twilio-service';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';

let t: TestDatabase;

beforeAll(async () => {
	t = await createTestDatabase();
});
afterAll(async () => {
	await t?.close();
});

const cases: [string, Record<string, string>][] = [
	['Hi {{name}}', { name: 'Ada' }],
	['Hi {{ name }}, {{name}} again', { name: 'Ada' }],
	['{{a}}{{b}}{{a}}', { a: 'x', b: 'y' }],
	['No variables', {}],
	['No variables', { extra: 'ignored' }],
	['{{start}} at the start and the end {{end}}', { start: 'S', end: 'E' }],
	['Value looks like a placeholder: {{v}}', { v: '{{w}}', w: 'NO' }],
	['Spaces kept: {{s}}', { s: '  padded  ' }],
	['Dotted {{user.first_name}}', { 'user.first_name': 'Grace' }],
	['Unicode {{e}} ✓', { e: '🎉 “curly” ünï' }],
	['Multi\nline {{x}}\n', { x: 'a\nb' }],
	['{{{triple}}}', { triple: 'T' }],
	['Odd spaces {{\u00a0name\u2003}} {{\tname}}', { name: 'N' }],
	['Dollar {{d}} and backslash {{b}}', { d: '$1 $&', b: '\\1 \\' }],
	['Not a placeholder {{ 1x }} {x} {{}}', {}],
	['', {}]
];

describe('internal.render_template_strings', () => {
	it('renders every string-valued case exactly as internal.render_template', async () => {
		for (const [body, vars] of cases) {
			const [row] = await t.sql<{ full: string | null; fast: string | null }[]>`
				select internal.render_template(${body}, ${t.sql.json(vars)}) as full,
				       internal.render_template_strings(
				         regexp_split_to_array(${body}, internal.template_placeholder_pattern()),
				         array(select m.match[1] from regexp_matches(${body}, internal.template_placeholder_pattern(), 'g')
				               with ordinality as m (match, ord) order by m.ord),
				         ${t.sql.json(vars)}) as fast`;
			expect({ body, fast: row!.fast }).toEqual({ body, fast: row!.full });
		}
	});
});

describe('internal.sms_error_retryable', () => {
	it("answers as isRetryableError for every catalogued code, no code and an unknown code", async () => {
		const codes: (number | null)[] = [...Object.keys(ERROR_CATALOGUE).map(Number), null, 99999, 30004];
		const rows = await t.sql<{ code: number | null; retryable: boolean }[]>`
			select c as code, internal.sms_error_retryable(c) as retryable
			from unnest(${codes.map((c) => (c === null ? null : String(c)))}::int[]) as c`;
		expect(rows.map((r) => [r.code, r.retryable])).toEqual(codes.map((c) => [c, isRetryableError(c)]));
		expect(rows.some((r) => r.retryable)).toBe(true);
		expect(rows.some((r) => !r.retryable)).toBe(true);
	});
});
