/**
 * One list of time zones, in the database: only zones both Node (Intl) and Postgres know.
 * `Factory` is the case that broke things: Postgres knows it, Node refuses it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { isValidTimeZone } from '@sms/twilio-service';
import { timeZoneOptions } from '../../src/lib/time-zones.ts';
import { asPerson, createPerson, sqlError, type Person } from './fixtures.ts';

let t: TestDatabase;
let alice: Person;
let listed: string[];

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
	listed = (await t.sql<{ name: string }[]>`select name from public.time_zones order by name`).map((r) => r.name);
});

afterAll(async () => {
	await t?.close();
});

describe('time zones', () => {
	it('every listed zone works in Node and in Postgres', async () => {
		expect(listed.length).toBeGreaterThan(400);
		expect(listed.filter((z) => !isValidTimeZone(z))).toEqual([]);
		const [{ n }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.time_zones z
			 where not exists (select 1 from pg_catalog.pg_timezone_names p where p.name = z.name)`;
		expect(n).toBe(0);
	});

	it('no zone both sides know is missing from the list (an upgrade of either shows up here)', async () => {
		const pg = (await t.sql<{ name: string }[]>`select name from pg_catalog.pg_timezone_names`).map((r) => r.name);
		const both = pg.filter((z) => isValidTimeZone(z));
		expect(both.filter((z) => !listed.includes(z))).toEqual([]);
	});

	it('every zone the settings page offers can be saved', () => {
		expect(timeZoneOptions().filter((z) => !listed.includes(z))).toEqual([]);
	});

	it.each([['Factory'], ['Mars/Olympus'], [''], ['utc ']])('refuses %j, for users and through SQL alike', async (zone) => {
		const [{ ok }] = await t.sql<{ ok: boolean }[]>`select public.is_valid_time_zone(${zone}) as ok`;
		expect(ok).toBe(false);
		const viaUser = await sqlError(() =>
			asPerson(t, alice, (tx) => tx`update public.user_sms_preferences set time_zone = ${zone} where user_id = ${alice.id}`)
		);
		expect(viaUser.code).toBe('23514');
		const viaSql = await sqlError(() => t.sql`update public.user_sms_preferences set time_zone = ${zone} where user_id = ${alice.id}`);
		expect(viaSql.code).toBe('23514');
	});

	it('accepts a listed zone', async () => {
		await asPerson(t, alice, (tx) => tx`update public.user_sms_preferences set time_zone = 'Europe/Paris' where user_id = ${alice.id}`);
		const [{ time_zone }] = await t.sql`select time_zone from public.user_sms_preferences where user_id = ${alice.id}`;
		expect(time_zone).toBe('Europe/Paris');
	});
});
