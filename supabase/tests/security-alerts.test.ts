/**
 * security_alerts: the operations feed of abuse signals (verification caps hit, ...). Readable
 * by admins only, written only through raise_security_alert by the service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, makeAdmin, sqlState, type Person } from './fixtures.ts';

let t: TestDatabase;
let user: Person;
let admin: Person;

beforeAll(async () => {
	t = await createTestDatabase();
	user = await createPerson(t.sql, 'user');
	admin = await createPerson(t.sql, 'admin');
	await makeAdmin(t.sql, admin);
	await t.db.asService((tx) => tx`select public.raise_security_alert('verification_country_cap', '+44', '{"limit": 5}', 3600)`);
});

afterAll(async () => {
	await t?.close();
});

describe('security_alerts', () => {
	it('an admin reads the alerts; another user sees none', async () => {
		expect(await asPerson(t, admin, (tx) => tx`select kind, subject from public.security_alerts`)).toEqual([
			{ kind: 'verification_country_cap', subject: '+44' }
		]);
		expect(await asPerson(t, user, (tx) => tx`select 1 from public.security_alerts`)).toEqual([]);
	});

	it('nobody but the service writes, changes or deletes them', async () => {
		for (const person of [user, admin]) {
			expect(await sqlState(() => asPerson(t, person, (tx) => tx`insert into public.security_alerts (kind) values ('fake')`))).toBe('42501');
			expect(await sqlState(() => asPerson(t, person, (tx) => tx`update public.security_alerts set subject = 'x'`))).toBe('42501');
			expect(await sqlState(() => asPerson(t, person, (tx) => tx`delete from public.security_alerts`))).toBe('42501');
			expect(await sqlState(() => asPerson(t, person, (tx) => tx`select public.raise_security_alert('fake', 'x')`))).toBe('42501');
		}
		expect(
			await sqlState(() => t.db.asAnon((tx) => tx`select 1 from public.security_alerts`))
		).toBe('42501');
	});

	it('raises one alert per kind and subject within the quiet period', async () => {
		const raise = (subject: string) =>
			t.db.asService(async (tx) => {
				const [{ raised }] = await tx<{ raised: boolean }[]>`select public.raise_security_alert('verification_global_cap', ${subject}, '{}', 3600) as raised`;
				return raised;
			});
		expect(await raise('')).toBe(true);
		expect(await raise('')).toBe(false);
		expect(await raise('other')).toBe(true);
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.security_alerts where kind = 'verification_global_cap'`;
		expect(n).toBe(2);
	});
});
