import { nextLocalMidnight } from '@sms/twilio-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	createSmsUser,
	messageRow,
	nextPhone,
	queueText,
	sealedPhoneText,
	sandboxTexts,
	setupWorkerEnv,
	waitFor,
	type WorkerTestEnv
} from '../test/fixtures.ts';

let env: WorkerTestEnv;

beforeAll(async () => {
	env = await setupWorkerEnv();
	await env.startWorker({ concurrency: 16 });
});
afterAll(() => env.close());

/** Wall-clock time in a zone as HH:MM:SS, shifted by `offsetMs`. */
function localTime(timeZone: string, offsetMs: number): string {
	return new Intl.DateTimeFormat('en-GB', {
		timeZone,
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).format(new Date(Date.now() + offsetMs));
}

describe('quiet hours', () => {
	const tz = 'Asia/Tokyo';

	it('holds a normal text until the quiet hours end in the user’s zone, then sends it', async () => {
		const phone = nextPhone();
		const endsInMs = 3000;
		// The window ends at this wall-clock second (HH:MM:SS), whatever the set-up below costs.
		const endsAt = Math.floor((Date.now() + endsInMs) / 1000) * 1000;
		const userId = await createSmsUser(env.sql, {
			phone,
			timeZone: tz,
			quietHoursStart: localTime(tz, -3_600_000),
			quietHoursEnd: localTime(tz, endsInMs)
		});
		const id = await queueText(env.sql, { userId, body: 'normal during quiet hours' });

		const held = await waitFor(async () => {
			const row = await messageRow(env.sql, id);
			return row.status === 'scheduled' ? row : null;
		});
		expect(held.status_reason).toBe('quiet_hours');
		// The end of the window, to the second (the zone's wall clock, not the server's).
		expect(Math.abs(held.scheduled_for!.getTime() - endsAt)).toBeLessThanOrEqual(1000);
		expect(held.job_status).toBe('pending');
		expect(held.job_run_at.getTime()).toBe(held.scheduled_for!.getTime());
		expect(held.job_attempts).toBe(0); // a deferral is not a failed attempt
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(0);

		const sent = await waitFor(async () => {
			const row = await messageRow(env.sql, id);
			return row.twilio_sid ? row : null;
		});
		expect(Date.now()).toBeGreaterThanOrEqual(held.scheduled_for!.getTime());
		const texts = sandboxTexts(env.sandbox, phone);
		expect(texts.map((t) => t.body)).toEqual(['normal during quiet hours']);
		expect(texts[0]!.sid).toBe(sent.twilio_sid);
		expect(texts[0]!.dateCreated).toBeGreaterThanOrEqual(held.scheduled_for!.getTime() - 1000);
	});

	it('sends an urgent text at once, inside quiet hours', async () => {
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, {
			phone,
			timeZone: tz,
			quietHoursStart: localTime(tz, -3_600_000),
			quietHoursEnd: localTime(tz, 3_600_000)
		});
		const byType = await queueText(env.sql, { userId, body: 'urgent by type', type: 'urgent_alert' });
		const byPriority = await queueText(env.sql, { userId, body: 'urgent by priority', priority: 'urgent' });
		const normal = await queueText(env.sql, { userId, body: 'normal one' });

		await waitFor(async () => (await messageRow(env.sql, byType)).twilio_sid && (await messageRow(env.sql, byPriority)).twilio_sid);
		await waitFor(async () => (await messageRow(env.sql, normal)).status === 'scheduled');
		expect(sandboxTexts(env.sandbox, phone).map((t) => t.body).sort()).toEqual(['urgent by priority', 'urgent by type']);
	});

	it('treats start = end as no quiet hours', async () => {
		const phone = nextPhone();
		const now = localTime(tz, 0);
		const userId = await createSmsUser(env.sql, { phone, timeZone: tz, quietHoursStart: now, quietHoursEnd: now });
		const id = await queueText(env.sql, { userId, body: 'no quiet hours at all' });
		await waitFor(async () => (await messageRow(env.sql, id)).twilio_sid);
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(1);
	});
});

describe('daily limit', () => {
	it('sends three of five and schedules two for the user’s next local day', async () => {
		const phone = nextPhone();
		const tz = 'America/Los_Angeles';
		const userId = await createSmsUser(env.sql, { phone, timeZone: tz, dailyLimit: 3 });
		const ids: string[] = [];
		for (let i = 1; i <= 5; i++) ids.push(await queueText(env.sql, { userId, body: `limited ${i}` }));

		const rows = await waitFor(async () => {
			const all = await Promise.all(ids.map((id) => messageRow(env.sql, id)));
			return all.every((r) => r.twilio_sid || r.status === 'scheduled') ? all : null;
		});
		const sent = rows.filter((r) => r.twilio_sid);
		const held = rows.filter((r) => r.status === 'scheduled');
		expect(sent).toHaveLength(3);
		expect(held).toHaveLength(2);
		const midnight = nextLocalMidnight(new Date(), tz).getTime();
		for (const r of held) {
			expect(r.status_reason).toBe('daily_limit');
			expect(r.scheduled_for!.getTime()).toBe(midnight);
			expect(r.job_run_at.getTime()).toBe(midnight);
		}
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(3);
		const [usage] = await env.sql<{ count: number }[]>`select count from public.sms_daily_usage where user_id = ${userId}`;
		expect(usage.count).toBe(3);
	});

	it('urgent texts pass the user’s limit but stop at the hard cap, which is the database’s sms_max_daily_limit() when none is configured', async () => {
		const tz = 'Europe/Paris';
		const [{ max }] = await env.sql<{ max: number }[]>`select public.sms_max_daily_limit() as max`;
		const atCap = { phone: nextPhone(), used: max };
		const belowCap = { phone: nextPhone(), used: max - 1 };
		const ids: string[] = [];
		for (const who of [atCap, belowCap]) {
			const userId = await createSmsUser(env.sql, { phone: who.phone, timeZone: tz, dailyLimit: 3 });
			await env.sql`
				insert into public.sms_daily_usage (user_id, local_date, count)
				values (${userId}, (now() at time zone ${tz})::date, ${who.used})`;
			ids.push(await queueText(env.sql, { userId, body: `urgent at ${who.used}`, type: 'urgent_alert' }));
		}
		const [held, sent] = await waitFor(async () => {
			const rows = await Promise.all(ids.map((id) => messageRow(env.sql, id)));
			return rows.every((r) => r.twilio_sid || r.status === 'scheduled') ? rows : null;
		});
		expect(held!.status).toBe('scheduled');
		expect(held!.status_reason).toBe('daily_limit');
		expect(sent!.twilio_sid).toBeTruthy();
		expect(sandboxTexts(env.sandbox, atCap.phone)).toHaveLength(0);
		expect(sandboxTexts(env.sandbox, belowCap.phone)).toHaveLength(1);
	});

	it('two workers racing never exceed the limit', async () => {
		// Small batches so that both workers get some of the jobs.
		await env.workers[0]!.stop();
		const racers = [
			await env.startWorker({ concurrency: 4, batchSize: 2, workerId: 'racer-a' }),
			await env.startWorker({ concurrency: 4, batchSize: 2, workerId: 'racer-b' })
		];
		const phone = nextPhone();
		const userId = await createSmsUser(env.sql, { phone, dailyLimit: 3 });
		const rows = Array.from({ length: 12 }, (_, i) => ({ user_id: userId, message: `race ${i}` }));
		const ids = (await env.sql<{ id: string }[]>`select id from public.queue_sms_messages_bulk(${env.sql.json(rows)}) as id`).map((r) => r.id);

		await waitFor(async () => {
			const all = await Promise.all(ids.map((id) => messageRow(env.sql, id)));
			return all.every((r) => r.twilio_sid || r.status === 'scheduled');
		});
		const all = await Promise.all(ids.map((id) => messageRow(env.sql, id)));
		expect(all.filter((r) => r.twilio_sid)).toHaveLength(3);
		expect(all.filter((r) => r.status === 'scheduled' && r.status_reason === 'daily_limit')).toHaveLength(9);
		expect(sandboxTexts(env.sandbox, phone)).toHaveLength(3);
		// Both workers really took part.
		for (const racer of racers) {
			const claimed = (await racer.metrics.claimed.get()).values[0]?.value ?? 0;
			expect(claimed).toBeGreaterThan(0);
		}
	});
});

describe('suppression', () => {
	it('opted out, unverified, or type switched off → suppressed with the reason; nothing sent', async () => {
		const optedPhone = nextPhone();
		const opted = await createSmsUser(env.sql, { phone: optedPhone, optedOut: true });
		const stopPhone = nextPhone();
		const stopped = await createSmsUser(env.sql, { phone: stopPhone });
		await env.sql`select public.record_phone_opt_out(${sealedPhoneText(stopPhone)}::public.sealed_phone, true, 'keyword', 'STOP')`;
		const unverifiedPhone = nextPhone();
		const unverified = await createSmsUser(env.sql, { phone: unverifiedPhone, verified: false });
		const typeOffPhone = nextPhone();
		const typeOff = await createSmsUser(env.sql, { phone: typeOffPhone });
		await env.sql`insert into public.user_sms_type_preferences (user_id, type_key, enabled) values (${typeOff}, 'task_reminder', false)`;

		const cases = [
			{ id: await queueText(env.sql, { userId: opted, body: 'to opted out' }), reason: 'opted_out' },
			{ id: await queueText(env.sql, { userId: stopped, body: 'to a STOPped number' }), reason: 'opted_out' },
			{ id: await queueText(env.sql, { userId: unverified, phone: unverifiedPhone, body: 'to unverified' }), reason: 'unverified' },
			{ id: await queueText(env.sql, { userId: typeOff, body: 'reminder, switched off', type: 'task_reminder' }), reason: 'type_disabled' }
		];
		// The same user still gets the kinds of texts that are on.
		const allowed = await queueText(env.sql, { userId: typeOff, body: 'custom, still on' });

		for (const c of cases) {
			const row = await waitFor(async () => {
				const r = await messageRow(env.sql, c.id);
				return r.status === 'suppressed' ? r : null;
			});
			expect(row.status_reason).toBe(c.reason);
			expect(row.job_status).toBe('completed');
			expect(row.twilio_sid).toBeNull();
		}
		await waitFor(async () => (await messageRow(env.sql, allowed)).twilio_sid);
		expect(sandboxTexts(env.sandbox, optedPhone)).toHaveLength(0);
		expect(sandboxTexts(env.sandbox, stopPhone)).toHaveLength(0);
		expect(sandboxTexts(env.sandbox, unverifiedPhone)).toHaveLength(0);
		expect(sandboxTexts(env.sandbox, typeOffPhone).map((t) => t.body)).toEqual(['custom, still on']);
	});
});
