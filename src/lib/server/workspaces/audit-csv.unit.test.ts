import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { auditCsv, neutralise } from './audit-csv.ts';

describe('neutralise', () => {
	it('prefixes every formula starter and leaves other text alone', () => {
		for (const bad of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) expect(neutralise(bad)).toBe(`'${bad}`);
		for (const ok of ['contact.create', ' =not first', '', "'already"]) expect(neutralise(ok)).toBe(ok);
	});
});

describe('auditCsv', () => {
	it('writes one quoted-as-needed row per entry that a CSV parser reads back as it was, minus formulas', () => {
		const csv = auditCsv([
			{
				id: '1',
				createdAt: '2026-12-01T10:00:00.000Z',
				actorId: 'u1',
				actorEmail: 'ada@example.com',
				action: 'contact.update',
				targetType: 'contact',
				targetId: 'c1',
				before: { name: '=HYPERLINK("http://evil")' },
				after: { name: 'Ada, "the first"\nLovelace' },
				ip: '127.0.0.1'
			}
		]);
		const rows = parse(csv, { columns: true }) as Record<string, string>[];
		expect(rows).toHaveLength(1);
		expect(rows[0].actor).toBe('ada@example.com');
		expect(JSON.parse(rows[0].after)).toEqual({ name: 'Ada, "the first"\nLovelace' });
		// The JSON text starts with "{", so it is not a formula; a bare formula value would be neutralised.
		expect(rows[0].before.startsWith('{')).toBe(true);
		expect(parse(auditCsv([{ id: '2', createdAt: 'x', actorId: null, actorEmail: null, action: '=cmd', targetType: null, targetId: '-1', before: null, after: null, ip: null }]), { columns: true })[0]).toMatchObject({ action: "'=cmd", target_id: "'-1" });
	});
});
