/**
 * Texts to contacts (people without an account, DESIGN §13) through the real worker, the real
 * twilio SDK and the sandbox: the workspace's rules apply — quiet hours in the contact's own
 * zone, the workspace's per-contact daily cap — and a STOP from the number suppresses them.
 */
import { nextLocalMidnight } from '@sms/twilio-service';
import type { Sql } from '@sms/db';
import { createUser } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageRow, nextPhone, phoneColumns, sealedPhoneText, sandboxTexts, setupWorkerEnv, waitFor, type WorkerTestEnv } from '../test/fixtures.ts';

let env: WorkerTestEnv;
let orgCounter = 0;

beforeAll(async () => {
	env = await setupWorkerEnv();
	await env.startWorker({ concurrency: 8 });
});
afterAll(() => env.close());

interface WorkspaceRules {
	timeZone?: string;
	quietHoursStart?: string | null;
	quietHoursEnd?: string | null;
	contactDailyLimit?: number;
}

async function createWorkspace(sql: Sql, rules: WorkspaceRules): Promise<string> {
	orgCounter += 1;
	const [row] = await sql<{ id: string }[]>`
		insert into public.organizations (slug, name, default_time_zone, quiet_hours_start, quiet_hours_end, contact_daily_limit)
		values (${`contacts-${orgCounter}`}, ${`Contacts ${orgCounter}`}, ${rules.timeZone ?? 'UTC'},
		        ${rules.quietHoursStart ?? null}::time, ${rules.quietHoursEnd ?? null}::time, ${rules.contactDailyLimit ?? 10})
		returning id`;
	return row.id;
}

async function createContact(sql: Sql, organizationId: string, phone: string, timeZone: string | null = null): Promise<string> {
	const [row] = await sql<{ id: string }[]>`
		insert into public.contacts ${sql({ organization_id: organizationId, name: 'A Contact', ...phoneColumns(phone), time_zone: timeZone })} returning id`;
	return row.id;
}

async function textContact(sql: Sql, contactId: string, body: string): Promise<string> {
	const [row] = await sql<{ id: string }[]>`
		select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => ${body},
		                                p_contact_id => ${contactId}::uuid) as id`;
	return row.id;
}

/** Wall-clock time in a zone as HH:MM:SS, shifted by `offsetMs`. */
function localTime(timeZone: string, offsetMs: number): string {
	return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(
		new Date(Date.now() + offsetMs)
	);
}

const sentRow = (id: string) =>
	waitFor(async () => {
		const row = await messageRow(env.sql, id);
		return row.twilio_sid ? row : null;
	});

describe('texts to contacts', () => {
	it('are queued and sent to the contact’s number, once', async () => {
		const phone = nextPhone();
		const org = await createWorkspace(env.sql, {});
		const contact = await createContact(env.sql, org, phone);
		const id = await textContact(env.sql, contact, 'hello contact');
		const sent = await sentRow(id);
		const texts = sandboxTexts(env.sandbox, phone);
		expect(texts.map((t) => [t.body, t.sid])).toEqual([['hello contact', sent.twilio_sid]]);
	});

	it('are held by the workspace’s quiet hours in the contact’s own zone, then sent', async () => {
		// The window is "now" in Tokyo; in the workspace's own zone (UTC) it is hours away, so
		// the hold proves the contact's zone was used.
		const tz = 'Asia/Tokyo';
		const endsInMs = 3000;
		const org = await createWorkspace(env.sql, {
			timeZone: 'UTC',
			quietHoursStart: localTime(tz, -3_600_000),
			quietHoursEnd: localTime(tz, endsInMs)
		});
		const phone = nextPhone();
		const contact = await createContact(env.sql, org, phone, tz);
		const queuedAt = Date.now();
		const id = await textContact(env.sql, contact, 'after the quiet hours');
		const held = await waitFor(async () => {
			const row = await messageRow(env.sql, id);
			return row.status === 'scheduled' ? row : null;
		});
		expect(held.status_reason).toBe('quiet_hours');
		expect(Math.abs(held.scheduled_for!.getTime() - (queuedAt + endsInMs))).toBeLessThan(1500);
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(0);

		await sentRow(id);
		expect(Date.now()).toBeGreaterThanOrEqual(held.scheduled_for!.getTime());
		expect(sandboxTexts(env.sandbox, phone).map((t) => t.body)).toEqual(['after the quiet hours']);
	});

	it('without a zone of their own, follow the workspace’s zone', async () => {
		const tz = 'America/Los_Angeles';
		const org = await createWorkspace(env.sql, {
			timeZone: tz,
			quietHoursStart: localTime(tz, -3_600_000),
			quietHoursEnd: localTime(tz, 3_600_000)
		});
		const phone = nextPhone();
		const id = await textContact(env.sql, await createContact(env.sql, org, phone), 'held in LA');
		const held = await waitFor(async () => {
			const row = await messageRow(env.sql, id);
			return row.status === 'scheduled' ? row : null;
		});
		expect(held.status_reason).toBe('quiet_hours');
	});

	it('are capped per contact per day by the workspace’s limit; the next day’s text waits for midnight', async () => {
		const tz = 'Europe/Berlin';
		const org = await createWorkspace(env.sql, { timeZone: tz, contactDailyLimit: 2 });
		const phone = nextPhone();
		const contact = await createContact(env.sql, org, phone);
		const ids: string[] = [];
		for (const n of [1, 2, 3]) ids.push(await textContact(env.sql, contact, `capped ${n}`));
		await waitFor(async () => {
			const rows = await Promise.all(ids.map((id) => messageRow(env.sql, id)));
			return rows.filter((r) => r.twilio_sid).length === 2 && rows.some((r) => r.status === 'scheduled');
		});
		const rows = await Promise.all(ids.map((id) => messageRow(env.sql, id)));
		const held = rows.find((r) => r.status === 'scheduled')!;
		expect(held.status_reason).toBe('daily_limit');
		expect(held.scheduled_for!.getTime()).toBe(nextLocalMidnight(new Date(), tz).getTime());
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(2);
		const [usage] = await env.sql`select count from public.contact_daily_usage where contact_id = ${contact}`;
		expect(usage.count).toBe(2);
		// Another contact of the same workspace has a counter of its own.
		const other = await textContact(env.sql, await createContact(env.sql, org, nextPhone()), 'not capped');
		await sentRow(other);
	});

	it('are suppressed after the number replied STOP — in every workspace, whoever holds the number', async () => {
		const phone = nextPhone();
		const first = await createContact(env.sql, await createWorkspace(env.sql, {}), phone);
		const second = await createContact(env.sql, await createWorkspace(env.sql, {}), phone);
		await env.sql`select public.record_phone_opt_out(${phone}, true, 'keyword', 'STOP')`;
		const ids = [await textContact(env.sql, first, 'after stop 1'), await textContact(env.sql, second, 'after stop 2')];
		for (const id of ids) {
			const row = await waitFor(async () => {
				const r = await messageRow(env.sql, id);
				return r.status === 'suppressed' ? r : null;
			});
			expect(row.status_reason).toBe('opted_out');
		}
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(0);
	});

	it('leave end users’ own preferences as they were: a user’s text follows the user’s rules, not the workspace’s', async () => {
		const tz = 'Asia/Tokyo';
		const org = await createWorkspace(env.sql, {
			timeZone: tz,
			quietHoursStart: localTime(tz, -3_600_000),
			quietHoursEnd: localTime(tz, 3_600_000),
			contactDailyLimit: 0
		});
		const phone = nextPhone();
		const userId = await createUser(env.sql);
		await env.sql`select public.set_verified_phone(${userId}, ${sealedPhoneText(phone)}::public.sealed_phone)`;
		const [{ id }] = await env.sql`select public.queue_sms_message(p_user_id => ${userId}::uuid, p_phone_sealed => null,
			p_message => 'user rules', p_organization_id => ${org}::uuid) as id`;
		await sentRow(id);
	});
});
