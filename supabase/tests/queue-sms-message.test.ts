/** queue_sms_message and its set-based variant, called as the service role (the worker / server). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import { countRows, createPerson, openPhone, phoneHash, sealedPhone, sealedPhoneText, sqlError, type Person } from './fixtures.ts';

let t: TestDatabase;
let alice: Person;
let unverifiedId: string;

beforeAll(async () => {
	t = await createTestDatabase({ max: 12 });
	alice = await createPerson(t.sql, 'alice');
	unverifiedId = await createUser(t.sql, { email: 'unverified@example.com' });
	await t.sql`select public.set_unverified_phone(${unverifiedId}, ${sealedPhoneText('+14155557777')}::public.sealed_phone)`;
	await t.sql`insert into public.sms_templates (template_key, name, message_template, template_vars, notification_type)
		values ('task_due', 'Task due', 'Reminder: {{task}}', '["task"]', 'task_reminder')`;
});

afterAll(async () => {
	await t?.close();
});

interface QueueArgs {
	userId: string | null;
	/** E.164: sealed here, as the server seals it before the call. */
	phone?: string | null;
	/** A public.sealed_phone literal as given (for values that are not sealed numbers). */
	rawSealed?: string;
	message: string | null;
	priority?: string;
	scheduledFor?: Date | null;
	type?: string | null;
	templateKey?: string | null;
	dedupKey?: string | null;
}

/** Calls queue_sms_message as the service role, as application code does. */
async function queue(args: QueueArgs): Promise<string> {
	return t.db.asService(async (tx) => {
		const [row] = await tx<{ id: string }[]>`
			select public.queue_sms_message(
				p_user_id => ${args.userId}, p_phone_sealed => ${args.rawSealed ?? (args.phone ? sealedPhoneText(args.phone) : null)}::public.sealed_phone, p_message => ${args.message},
				p_priority => ${args.priority ?? 'normal'}, p_scheduled_for => ${args.scheduledFor ?? null},
				p_notification_type => ${args.type === undefined ? 'custom' : args.type},
				p_template_key => ${args.templateKey ?? null}, p_dedup_key => ${args.dedupKey ?? null}) as id`;
		return row.id;
	});
}

async function counts(): Promise<{ messages: number; jobs: number }> {
	return { messages: await countRows(t.sql, 'sms_messages'), jobs: await countRows(t.sql, 'queue_jobs') };
}

/** Every named exception queue_sms_message raises, with an input that triggers it. */
const bad: [string, string, QueueArgs][] = [
	['SM001', 'empty_body', { userId: '', message: '' }],
	['SM001', 'empty_body', { userId: '', message: '   \n' }],
	['SM002', 'body_too_long', { userId: '', message: 'x'.repeat(1601) }],
	['SM003', 'unknown_notification_type', { userId: '', message: 'hi', type: 'no_such_type' }],
	// Whether a number is valid is decided in Node before sealing; SQL refuses what is not sealed.
	['SM004', 'invalid_phone', { userId: '', rawSealed: '(+14155550100,,0100,1)', message: 'hi' }],
	['SM004', 'invalid_phone', { userId: '', rawSealed: '(p1.k1.aaaa.bbbb,+14155550100,0100,1)', message: 'hi' }],
	['SM004', 'invalid_phone', { userId: '', rawSealed: '(p1.k1.aaaa.bbbb,h1.cccc,100,1)', message: 'hi' }],
	['SM004', 'invalid_phone', { userId: '', rawSealed: '(,,,)', message: 'hi' }],
	['SM005', 'no_verified_phone', { userId: 'unverified', message: 'hi' }],
	['SM006', 'unknown_user', { userId: '00000000-0000-4000-8000-000000000000', message: 'hi' }],
	['SM006', 'unknown_user', { userId: null, message: 'hi' }],
	['SM007', 'invalid_priority', { userId: '', message: 'hi', priority: 'asap' }],
	['SM008', 'unknown_template', { userId: '', message: 'hi', templateKey: 'nope' }]
];

describe('queue_sms_message', () => {
	it('creates the message and its send_sms job together, linked both ways', async () => {
		const id = await queue({ userId: alice.id, message: 'Your task is due', priority: 'high' });
		const [m] = await t.sql`select * from public.sms_messages where id = ${id}`;
		expect(m).toMatchObject({
			user_id: alice.id,
			phone_hash: alice.phoneHash,
			phone_last4: alice.phone.slice(-4),
			calling_code: '1',
			direction: 'outbound',
			status: 'pending',
			priority: 'high',
			notification_type: 'custom'
		});
		const [job] = await t.sql`select * from public.queue_jobs where id = ${m.queue_job_id}`;
		expect(job).toMatchObject({ job_type: 'send_sms', status: 'pending', priority: 1, payload: { message_id: id } });
	});

	it("wakes the worker with NOTIFY sms_jobs carrying the job id", async () => {
		const received: string[] = [];
		const listener = postgres(t.url, { max: 1, onnotice: () => {} });
		try {
			await listener.listen('sms_jobs', (payload) => received.push(payload));
			const id = await queue({ userId: alice.id, message: 'Notify me' });
			const [m] = await t.sql`select queue_job_id from public.sms_messages where id = ${id}`;
			await expect.poll(() => received, { timeout: 2000 }).toContain(m.queue_job_id);
		} finally {
			await listener.end();
		}
	});

	it('schedules future messages: status scheduled, job runs at that time', async () => {
		const at = new Date(Date.now() + 3600_000);
		const id = await queue({ userId: alice.id, message: 'Later', scheduledFor: at, priority: 'low' });
		const [m] = await t.sql`select m.status, j.run_at, j.priority from public.sms_messages m
			join public.queue_jobs j on j.id = m.queue_job_id where m.id = ${id}`;
		expect(m.status).toBe('scheduled');
		expect(m.run_at.getTime()).toBe(at.getTime());
		expect(m.priority).toBe(3);
	});

	it('uses an explicit phone number when one is given', async () => {
		const id = await queue({ userId: alice.id, phone: '+442071838750', message: 'To London' });
		const [m] = await t.sql`select phone_enc, phone_hash, phone_last4, calling_code from public.sms_messages where id = ${id}`;
		expect(openPhone(m.phone_enc)).toBe('+442071838750');
		expect(m).toMatchObject({ phone_hash: phoneHash('+442071838750'), phone_last4: '8750', calling_code: '44' });
	});

	it('records the template, takes its notification type when none is given, and counts its use', async () => {
		const id = await queue({ userId: alice.id, message: 'Reminder: taxes', templateKey: 'task_due', type: null });
		const [m] = await t.sql`select template_id, template_key, notification_type from public.sms_messages where id = ${id}`;
		expect(m.template_key).toBe('task_due');
		expect(m.notification_type).toBe('task_reminder');
		const [tpl] = await t.sql`select id, usage_count from public.sms_templates where template_key = 'task_due'`;
		expect(m.template_id).toBe(tpl.id);
		expect(tpl.usage_count).toBe(1);
	});

	it('returns the same id for the same dedup key, without a second job', async () => {
		const first = await queue({ userId: alice.id, message: 'Once', dedupKey: 'dedup-1' });
		const before = await counts();
		const second = await queue({ userId: alice.id, message: 'Once', dedupKey: 'dedup-1' });
		expect(second).toBe(first);
		expect(await counts()).toEqual(before);
	});

	it('deduplicates two concurrent calls with the same key', async () => {
		const before = await counts();
		const ids = await Promise.all(
			Array.from({ length: 8 }, () => queue({ userId: alice.id, message: 'Race', dedupKey: 'dedup-race' }))
		);
		expect(new Set(ids).size).toBe(1);
		expect(await counts()).toEqual({ messages: before.messages + 1, jobs: before.jobs + 1 });
	});


	it.each(bad)('%s %s: raises the named exception and writes nothing', async (code, name, args) => {
		const userId = args.userId === '' ? alice.id : args.userId === 'unverified' ? unverifiedId : args.userId;
		const before = await counts();
		const error = await sqlError(() => queue({ ...args, userId }));
		expect(error.code).toBe(code);
		expect(error.message.startsWith(`${name}:`)).toBe(true);
		expect(await counts()).toEqual(before);
	});

	it('accepts a body of exactly 1,600 characters', async () => {
		const id = await queue({ userId: alice.id, message: 'y'.repeat(1600) });
		expect(id).toMatch(/^[0-9a-f-]{36}$/);
	});
});

describe('queue_sms_messages_bulk', () => {
	async function bulk(rows: Record<string, unknown>[]): Promise<string[]> {
		return t.db.asService(async (tx) => {
			const result = await tx<{ id: string }[]>`select public.queue_sms_messages_bulk(${tx.json(rows as never)}) as id`;
			return result.map((r) => r.id);
		});
	}

	it('queues every row with its job and returns ids in input order, deduplicating by key', async () => {
		const existing = await queue({ userId: alice.id, message: 'Already there', dedupKey: 'bulk-existing' });
		// Texts name a real campaign (the column is a foreign key).
		const [campaign] = await t.sql<{ id: string }[]>`
			with o as (insert into public.organizations (slug, name) values ('bulk-queue', 'Bulk') returning id)
			insert into public.sms_campaigns (organization_id, name, body, throttle_per_second)
			select id, 'Bulk test', 'one', 1 from o returning id`;
		const before = await counts();
		const rows = [
			{ user_id: alice.id, message: 'one', campaign_id: campaign!.id },
			{ user_id: alice.id, message: 'two', dedup_key: 'bulk-existing' },
			{ user_id: alice.id, phone_sealed: sealedPhone('+14155550123'), message: 'three', priority: 'urgent', dedup_key: 'bulk-new' },
			{ user_id: alice.id, message: 'three again', dedup_key: 'bulk-new' }
		];
		const ids = await bulk(rows);
		expect(ids).toHaveLength(4);
		expect(ids[1]).toBe(existing);
		expect(ids[3]).toBe(ids[2]);
		expect(await counts()).toEqual({ messages: before.messages + 2, jobs: before.jobs + 2 });
		const got = await t.sql`select m.id, m.message_content, m.phone_hash, m.phone_last4, m.calling_code, m.campaign_id, j.priority, j.payload
			from public.sms_messages m join public.queue_jobs j on j.id = m.queue_job_id
			where m.id in ${t.sql([ids[0], ids[2]])} order by m.message_content`;
		expect(got).toMatchObject([
			{ id: ids[0], message_content: 'one', phone_hash: alice.phoneHash, phone_last4: alice.phone.slice(-4), calling_code: '1', campaign_id: rows[0].campaign_id, priority: 2 },
			{ id: ids[2], message_content: 'three', phone_hash: phoneHash('+14155550123'), phone_last4: '0123', calling_code: '1', priority: 0 }
		]);
	});

	// One set of checks (internal.sms_queue_problem) serves both functions: the same input gets
	// the same code and the same words, with the row number added in bulk.
	it.each(bad)('%s %s: refused with the same exception and words as queue_sms_message', async (code, _name, args) => {
		const userId = args.userId === '' ? alice.id : args.userId === 'unverified' ? unverifiedId : args.userId;
		const single = await sqlError(() => queue({ ...args, userId }));
		const row: Record<string, unknown> = { user_id: userId, message: args.message, priority: args.priority ?? 'normal' };
		if (args.phone) row.phone_sealed = sealedPhone(args.phone);
		if (args.rawSealed !== undefined) {
			const [enc, hash, last4, callingCode] = args.rawSealed.slice(1, -1).split(',').map((v) => v || null);
			row.phone_sealed = { enc, hash, last4, calling_code: callingCode };
		}
		if (args.type !== undefined) row.notification_type = args.type;
		if (args.templateKey !== undefined) row.template_key = args.templateKey;
		const before = await counts();
		const many = await sqlError(() => bulk([{ user_id: alice.id, message: 'fine' }, row]));
		expect(many.code).toBe(code);
		expect(many).toEqual({ code: single.code, message: `${single.message} (row 2)` });
		expect(await counts()).toEqual(before);
	});

	it('rejects the whole batch when one row is bad, naming the row', async () => {
		const before = await counts();
		const error = await sqlError(() =>
			bulk([
				{ user_id: alice.id, message: 'fine' },
				{ user_id: alice.id, message: 'bad phone', phone_sealed: { enc: '+14155550188', hash: 'h1.x', last4: '0188', calling_code: '1' } }
			])
		);
		expect(error.code).toBe('SM004');
		expect(error.message).toMatch(/^invalid_phone: not a sealed value: .*\(row 2\)$/);
		// A clear number sent by mistake is never echoed back (nor logged with the error).
		expect(error.message).not.toContain('4155550188');
		expect(await counts()).toEqual(before);
	});

	it('queues 20,000 rows in one call: one text and one job each', async () => {
		const rows = Array.from({ length: 20_000 }, (_, i) => ({ user_id: alice.id, message: `Campaign text ${i}` }));
		const ids = await bulk(rows);
		expect(new Set(ids).size).toBe(20_000);
		// Speed is the bench's business (enqueue-rate.bench.ts, beside graphile-worker's addJobs).
		const [{ n }] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from public.queue_jobs where job_type = 'send_sms' and payload->>'message_id' = any(${ids}::text[])`;
		expect(n).toBe(20_000);
	});
});
