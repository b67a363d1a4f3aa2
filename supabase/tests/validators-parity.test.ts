/**
 * The app's input checks (@sms/twilio-service/validate) against the database's (is_e164,
 * is_valid_time_zone, e164_calling_code): a value the app accepts must not be refused by a constraint or trigger
 * later, and the other way round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callingCodeOf, isE164, isValidTimeZone } from '@sms/twilio-service/validate';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';

let t: TestDatabase;
beforeAll(async () => {
	t = await createTestDatabase();
});
afterAll(async () => {
	await t?.close();
});

describe('E.164', () => {
	it('is the same check in SQL and TypeScript, for every length and the usual mistakes', async () => {
		const inputs = [
			...Array.from({ length: 18 }, (_, n) => `+1${'2'.repeat(n)}`), // 1 to 18 digits
			...Array.from({ length: 18 }, (_, n) => `+9${'0'.repeat(n)}`),
			'+0123456789', '14155552671', '+1 415 555 2671', '+1-415-555-2671', '++14155552671',
			'+14155552671\n', '\n+14155552671', ' +14155552671', '+1415555267a', '+١٤١٥٥٥٥٢٦٧١', ''
		];
		const rows = await t.sql<{ input: string; ok: boolean }[]>`
			select i as input, public.is_e164(i) as ok from unnest(${inputs}::text[]) as i`;
		const sql = Object.fromEntries(rows.map((r) => [r.input, r.ok]));
		expect(sql).toEqual(Object.fromEntries(inputs.map((i) => [i, isE164(i)])));
		// Not vacuous: both accept some and refuse some.
		expect(new Set(Object.values(sql))).toEqual(new Set([true, false]));
	});
});

describe('calling codes', () => {
	it('the server derives the same calling code as SQL e164_calling_code (stored beside a sealed number)', async () => {
		// Every 1- to 3-digit prefix, each with a plausible subscriber part, and the edge cases.
		const inputs = [
			...Array.from({ length: 999 }, (_, n) => `+${n + 1}5550100`),
			'+1', '+4', '+44', '+999', '14155552671', '', '+', '+0447911123456'
		];
		const rows = await t.sql<{ input: string; code: string | null }[]>`
			select i as input, public.e164_calling_code(i) as code from unnest(${inputs}::text[]) as i`;
		const sql = Object.fromEntries(rows.map((r) => [r.input, r.code]));
		expect(sql).toEqual(Object.fromEntries(inputs.map((i) => [i, callingCodeOf(i)])));
		expect(new Set(Object.values(sql)).size).toBeGreaterThan(200);
	});
});

describe('time zones', () => {
	/**
	 * Where Node and Postgres disagree today. Node resolves names case-insensitively; Postgres
	 * knows 'Factory'. Restricting the check to names both know changes isValidTimeZone only.
	 */
	const KNOWN_DISAGREEMENTS = ['Factory', 'america/new_york', 'europe/london', 'utc'];

	it('agree on every zone either side knows, apart from the known differences', async () => {
		const pg = await t.sql<{ name: string }[]>`select name from pg_catalog.pg_timezone_names`;
		const known = new Set(pg.map((r) => r.name));
		const names = [
			...new Set([
				...Intl.supportedValuesOf('timeZone'),
				...known,
				'UTC', 'Mars/Olympus', '', ' UTC', '+25:00', 'America/New_York ',
				...KNOWN_DISAGREEMENTS
			])
		];
		// is_valid_time_zone reads the zone list on every call (tens of ms), so the full list is
		// compared through one read of it, and the function itself is checked on a sample below.
		const differ = names.filter((n) => known.has(n) !== isValidTimeZone(n)).sort();
		expect(differ).toEqual([...KNOWN_DISAGREEMENTS].sort());
		expect(known.size).toBeGreaterThan(400);
	});

	it('is_valid_time_zone is exactly membership of that list, less the zones Node does not know (Factory)', async () => {
		const sample = ['UTC', 'Europe/London', 'America/Argentina/Buenos_Aires', 'US/Eastern', 'Etc/GMT+5',
			'Mars/Olympus', '', ' UTC', 'utc', 'Factory'];
		const rows = await t.sql<{ name: string; ok: boolean; listed: boolean }[]>`
			select n as name, coalesce(public.is_valid_time_zone(n), false) as ok,
			       exists (select 1 from pg_catalog.pg_timezone_names z where z.name = n) as listed
			from unnest(${sample}::text[]) as n`;
		// One list both sides know (issue 11): a zone only Postgres knows is refused by SQL too.
		for (const r of rows) expect(r.ok, r.name).toBe(r.listed && isValidTimeZone(r.name));
		expect(rows.find((r) => r.name === 'Factory')).toMatchObject({ listed: true, ok: false });
		const [nul] = await t.sql<{ ok: boolean }[]>`select public.is_valid_time_zone(null) as ok`;
		expect(nul.ok).toBe(false);
	});
});
