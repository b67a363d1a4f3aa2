import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createUser, sealedPhoneText, type TestDatabase } from '@sms/db/testing';
import type { Claims } from '@sms/db';
import { loadSettings } from './sms/preferences.ts';
import { historyView } from './history/service.ts';
import { parseHistoryParams } from './history/params.ts';

/** A saved zone Node cannot use ('Factory', written through SQL) must not break the pages. */
let database: TestDatabase;
let userId: string;
const claims = (sub: string): Claims => ({ sub, role: 'authenticated', aud: 'authenticated' });

beforeAll(async () => {
	database = await createTestDatabase();
	userId = await createUser(database.sql);
	await database.db.asService((tx) => tx`select public.set_verified_phone(${userId}, ${sealedPhoneText('+12025550199')}::public.sealed_phone)`);
	await database.sql.begin(async (tx) => {
		await tx`set local session_replication_role = replica`;
		await tx`update public.user_sms_preferences set time_zone = 'Factory' where user_id = ${userId}`;
	});
	await database.db.asService((tx) => tx`select public.queue_sms_message(p_user_id => ${userId}::uuid, p_phone_sealed => null, p_message => 'hello'::text, p_priority => 'normal'::text, p_notification_type => 'custom'::text)`);
});

afterAll(async () => {
	await database?.close();
});

describe("an unusable saved time zone ('Factory')", () => {
	it('the settings read as UTC, with the saved zone named for a warning', async () => {
		const s = await database.db.asUser(claims(userId), (tx) => loadSettings(tx, { userId }));
		expect(s.timeZone).toBe('UTC');
		expect(s.unsupportedTimeZone).toBe('Factory');
	});

	it('the history page loads, in UTC', async () => {
		const view = await historyView({ db: database.db, claims: claims(userId) }, parseHistoryParams(new URLSearchParams()));
		expect(view.messages.length).toBe(1);
		expect(view.settings).toMatchObject({ timeZone: 'UTC', unsupportedTimeZone: 'Factory' });
	});

	it('a supported zone is kept, with no warning', async () => {
		const other = await createUser(database.sql);
		await database.db.asService((tx) => tx`select public.set_verified_phone(${other}, ${sealedPhoneText('+12025550198')}::public.sealed_phone)`);
		await database.sql`update public.user_sms_preferences set time_zone = 'Europe/Paris' where user_id = ${other}`;
		const s = await database.db.asUser(claims(other), (tx) => loadSettings(tx, { userId: other }));
		expect(s).toMatchObject({ timeZone: 'Europe/Paris', unsupportedTimeZone: null });
	});
});
