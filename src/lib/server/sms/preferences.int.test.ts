import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import type { Claims } from '@sms/db';
import { adoptDeviceTimeZone, loadSettings, PreferencesError, savePreferences, setOptedOut, usedOn } from './preferences.ts';
import { queueTestText, TestTextError, TEST_TEXT_BODY } from './test-text.ts';
import { openPhone, phoneHash, sealedPhoneText } from '@sms/db/testing';

let database: TestDatabase;
let seq = 0;

const claims = (sub: string): Claims => ({ sub, role: 'authenticated', aud: 'authenticated' });

async function verifiedUser(): Promise<{ id: string; phone: string }> {
	const id = await createUser(database.sql);
	seq += 1;
	const phone = `+1202555${String(1000 + seq).padStart(4, '0')}`;
	await database.db.asService((tx) => tx`select public.set_verified_phone(${id}, ${sealedPhoneText(phone)}::public.sealed_phone)`);
	return { id, phone };
}

beforeAll(async () => {
	database = await createTestDatabase();
});

afterAll(async () => {
	await database?.close();
});

describe('loadSettings', () => {
	it('shows a user with no row the same default limit the table gives a new row (one source)', async () => {
		const fresh = await createUser(database.sql);
		const s = await database.db.asUser(claims(fresh), (tx) => loadSettings(tx, { userId: fresh }));
		const other = await createUser(database.sql);
		const [row] = await database.sql<{ daily_limit: number }[]>`
			insert into public.user_sms_preferences (user_id) values (${other}) returning daily_limit`;
		expect(s.dailyLimit).toBe(row.daily_limit);
		// Changing the one function changes both (the page reads it, the column default calls it).
		await database.sql`create or replace function public.sms_default_daily_limit() returns integer language sql immutable as $$ select 7 $$`;
		try {
			const changed = await database.db.asUser(claims(fresh), (tx) => loadSettings(tx, { userId: fresh }));
			const third = await createUser(database.sql);
			const [r3] = await database.sql<{ daily_limit: number }[]>`
				insert into public.user_sms_preferences (user_id) values (${third}) returning daily_limit`;
			expect([changed.dailyLimit, r3.daily_limit]).toEqual([7, 7]);
		} finally {
			await database.sql`create or replace function public.sms_default_daily_limit() returns integer language sql immutable as $$ select 10 $$`;
		}
	});

	it('gives a new user the defaults and every notification type', async () => {
		const user = await createUser(database.sql);
		const s = await database.db.asUser(claims(user), (tx) => loadSettings(tx, { userId: user }));
		expect(s).toMatchObject({
			saved: false,
			phoneNumber: null,
			phoneVerified: false,
			timeZone: 'UTC',
			quietHoursStart: null,
			quietHoursEnd: null,
			dailyLimit: 10,
			maxDailyLimit: 50,
			optedOut: false,
			numberOptOut: null
		});
		const byKey = Object.fromEntries(s.types.map((t) => [t.key, t]));
		expect(byKey.daily_brief.enabled).toBe(false);
		expect(byKey.task_reminder.enabled).toBe(true);
		expect(byKey.urgent_alert).toMatchObject({ enabled: true, bypassesQuietHours: true, label: 'Urgent alerts' });
		// Urgent kinds first, so the one that ignores quiet hours is easy to spot.
		expect(s.types[0].key).toBe('urgent_alert');
	});
});

describe('savePreferences (as the user, under RLS)', () => {
	it('stores time zone, quiet hours, limit and per-type switches', async () => {
		const user = await createUser(database.sql);
		await database.db.asUser(claims(user), (tx) =>
			savePreferences(tx, {
				userId: user,
				update: {
					timeZone: 'America/New_York',
					quietHoursStart: '22:00',
					quietHoursEnd: '07:30',
					dailyLimit: 3,
					types: { daily_brief: true, task_reminder: false }
				}
			})
		);
		const s = await database.db.asUser(claims(user), (tx) => loadSettings(tx, { userId: user }));
		expect(s).toMatchObject({ saved: true, timeZone: 'America/New_York', quietHoursStart: '22:00', quietHoursEnd: '07:30', dailyLimit: 3 });

		const byKey = Object.fromEntries(s.types.map((t) => [t.key, t.enabled]));
		expect(byKey).toMatchObject({ daily_brief: true, task_reminder: false, urgent_alert: true });

		// Saving again updates in place; no quiet hours is two nulls.
		await database.db.asUser(claims(user), (tx) =>
			savePreferences(tx, {
				userId: user,
				update: { timeZone: 'Europe/London', quietHoursStart: null, quietHoursEnd: null, dailyLimit: 0, types: { task_reminder: true } }
			})
		);
		const again = await database.db.asUser(claims(user), (tx) => loadSettings(tx, { userId: user }));
		expect(again).toMatchObject({ timeZone: 'Europe/London', quietHoursStart: null, dailyLimit: 0 });
		expect(again.types.find((t) => t.key === 'task_reminder')?.enabled).toBe(true);
	});

	it('is not "saved" just because sending a code created the row', async () => {
		const user = await createUser(database.sql);
		await database.db.asService((tx) => tx`select public.set_unverified_phone(${user}, ${sealedPhoneText('+12025550188')}::public.sealed_phone)`);
		const s = await database.db.asUser(claims(user), (tx) => loadSettings(tx, { userId: user }));
		expect(s).toMatchObject({ saved: false, phoneNumber: '+12025550188', timeZone: 'UTC' });
	});

	it('leaves the phone and its verification alone', async () => {
		const { id, phone } = await verifiedUser();
		await database.db.asUser(claims(id), (tx) =>
			savePreferences(tx, {
				userId: id,
				update: { timeZone: 'Asia/Tokyo', quietHoursStart: null, quietHoursEnd: null, dailyLimit: 5, types: {} }
			})
		);
		const s = await database.db.asUser(claims(id), (tx) => loadSettings(tx, { userId: id }));
		expect(s).toMatchObject({ phoneNumber: phone, phoneVerified: true, timeZone: 'Asia/Tokyo' });
	});

	it.each([
		[{ timeZone: 'Mars/Olympus' }, 'invalid_time_zone', 'timeZone'],
		[{ dailyLimit: 51 }, 'invalid_daily_limit', 'dailyLimit'],
		[{ quietHoursStart: '22:00', quietHoursEnd: null }, 'invalid_quiet_hours', 'quietHours'],
		[{ types: { no_such_type: true } }, 'unknown_type', 'types']
	] as const)('the database refuses %j with %s', async (patch, code, field) => {
		const user = await createUser(database.sql);
		const error = await database.db
			.asUser(claims(user), (tx) =>
				savePreferences(tx, {
					userId: user,
					update: { timeZone: 'UTC', quietHoursStart: null, quietHoursEnd: null, dailyLimit: 5, types: {}, ...patch }
				})
			)
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PreferencesError);
		expect(error).toMatchObject({ code, field });
	});

	it("cannot write another user's preferences", async () => {
		const me = await createUser(database.sql);
		const victim = await createUser(database.sql);
		const error = await database.db
			.asUser(claims(me), (tx) =>
				savePreferences(tx, {
					userId: victim,
					update: { timeZone: 'UTC', quietHoursStart: null, quietHoursEnd: null, dailyLimit: 1, types: {} }
				})
			)
			.catch((e: unknown) => e);
		expect(error).toMatchObject({ code: '42501' });
		const rows = await database.sql`select 1 from public.user_sms_preferences where user_id = ${victim}`;
		expect(rows).toHaveLength(0);
	});
});

describe('opt-out', () => {
	it('opts out and back in with one call each', async () => {
		const { id } = await verifiedUser();
		await setOptedOut(database.db, { claims: claims(id), userId: id, optedOut: true });
		let s = await database.db.asUser(claims(id), (tx) => loadSettings(tx, { userId: id }));
		expect(s.optedOut).toBe(true);
		expect(s.optedOutAt).toBeInstanceOf(Date);
		await setOptedOut(database.db, { claims: claims(id), userId: id, optedOut: false });
		s = await database.db.asUser(claims(id), (tx) => loadSettings(tx, { userId: id }));
		expect(s.optedOut).toBe(false);
	});

	it('shows a STOP against the number, and opting back in lifts it for that number', async () => {
		const { id, phone } = await verifiedUser();
		await database.db.asService(
			(tx) => tx`select public.record_phone_opt_out(p_phone => ${sealedPhoneText(phone)}::public.sealed_phone, p_opted_out => true, p_source => 'keyword', p_keyword => 'STOP')`
		);
		let s = await database.db.asUser(claims(id), (tx) => loadSettings(tx, { userId: id }));
		expect(s.optedOut).toBe(true);
		expect(s.numberOptOut).toMatchObject({ optedOut: true, source: 'keyword', keyword: 'STOP' });

		await setOptedOut(database.db, { claims: claims(id), userId: id, optedOut: false });
		s = await database.db.asUser(claims(id), (tx) => loadSettings(tx, { userId: id }));
		expect(s.optedOut).toBe(false);
		expect(s.numberOptOut).toMatchObject({ optedOut: false, source: 'api' });
	});

	it("does not show or lift the opt-out of a number the user has not verified", async () => {
		const owner = await verifiedUser();
		await database.db.asService(
			(tx) => tx`select public.record_phone_opt_out(p_phone => ${sealedPhoneText(owner.phone)}::public.sealed_phone, p_opted_out => true, p_source => 'keyword', p_keyword => 'STOP')`
		);
		const other = await createUser(database.sql);
		await database.db.asService((tx) => tx`select public.set_unverified_phone(${other}, ${sealedPhoneText(owner.phone)}::public.sealed_phone)`);
		await setOptedOut(database.db, { claims: claims(other), userId: other, optedOut: false });
		const s = await database.db.asUser(claims(other), (tx) => loadSettings(tx, { userId: other }));
		expect(s.numberOptOut).toBeNull();
		const [row] = await database.sql<{ opted_out: boolean }[]>`
			select opted_out from public.sms_phone_opt_outs where phone_hash = ${phoneHash(owner.phone)}`;
		expect(row.opted_out).toBe(true);
	});
});

describe('usedOn', () => {
	it("reads the user's count for a local day", async () => {
		const user = await createUser(database.sql);
		expect(await usedOn(database.db, { userId: user, localDate: '2026-06-10' })).toBe(0);
		await database.sql`insert into public.sms_daily_usage (user_id, local_date, count) values (${user}, '2026-06-10', 4)`;
		expect(await usedOn(database.db, { userId: user, localDate: '2026-06-10' })).toBe(4);
	});
});

describe('queueTestText', () => {
	it("queues a normal text to the user's verified phone, with its job", async () => {
		const { id, phone } = await verifiedUser();
		const { messageId } = await queueTestText(database.db, { userId: id });
		const [m] = await database.sql<{ phone_enc: string; message_content: string; status: string; queue_job_id: string }[]>`
			select phone_enc, message_content, status, queue_job_id from public.sms_messages where id = ${messageId}`;
		expect(m).toMatchObject({ message_content: TEST_TEXT_BODY, status: 'pending' });
		expect(openPhone(m.phone_enc)).toBe(phone);
		const jobs = await database.sql`select 1 from public.queue_jobs where id = ${m.queue_job_id} and job_type = 'send_sms'`;
		expect(jobs).toHaveLength(1);
	});

	it('refuses without a verified phone', async () => {
		const user = await createUser(database.sql);
		await database.db.asService((tx) => tx`select public.set_unverified_phone(${user}, ${sealedPhoneText('+12025559999')}::public.sealed_phone)`);
		const error = await queueTestText(database.db, { userId: user }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TestTextError);
		expect(error).toMatchObject({ code: 'no_verified_phone' });
		const rows = await database.sql`select 1 from public.sms_messages where user_id = ${user}`;
		expect(rows).toHaveLength(0);
	});

	it('allows 3 per 10 minutes, even when clicked concurrently', async () => {
		const { id } = await verifiedUser();
		const results = await Promise.allSettled(Array.from({ length: 6 }, () => queueTestText(database.db, { userId: id })));
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
		const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
		expect(refused.reason).toMatchObject({ code: 'rate_limited' });
		expect((refused.reason as TestTextError).retryAfterSeconds).toBeGreaterThan(590);
		// Ten minutes later there is room again.
		await expect(queueTestText(database.db, { userId: id, now: new Date(Date.now() + 10 * 60_000 + 1000) })).resolves.toBeDefined();
	});
});

describe('adoptDeviceTimeZone', () => {
	it("takes the device's zone until the person saves preferences, never after", async () => {
		const user = await verifiedUser();
		const zoneOf = async () =>
			(await database.db.asUser(claims(user.id), (tx) => loadSettings(tx, { userId: user.id }))).timeZone;
		expect(await adoptDeviceTimeZone(database.db, { claims: claims(user.id), userId: user.id, timeZone: 'Not/AZone' })).toBe(false);
		expect(await adoptDeviceTimeZone(database.db, { claims: claims(user.id), userId: user.id, timeZone: 'Europe/Paris' })).toBe(true);
		expect(await zoneOf()).toBe('Europe/Paris');

		await database.db.asUser(claims(user.id), (tx) =>
			savePreferences(tx, {
				userId: user.id,
				update: { timeZone: 'Asia/Tokyo', quietHoursStart: null, quietHoursEnd: null, dailyLimit: 5, types: { task_reminder: true } }
			})
		);
		expect(await adoptDeviceTimeZone(database.db, { claims: claims(user.id), userId: user.id, timeZone: 'Europe/Paris' })).toBe(false);
		expect(await zoneOf()).toBe('Asia/Tokyo');
	});
});
