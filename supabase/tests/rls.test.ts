/**
 * Row-level security and privileges, always exercised as `authenticated` (with claims) or
 * `anon`, exactly as PostgREST would run a request — never as the service role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneCipher, type TransactionSql } from '@sms/db';
import { createTestDatabase, createUser, type TestDatabase } from '@sms/db/testing';
import {
	asPerson,
	createPerson,
	dispatchedMessage,
	makeAdmin,
	nextSid,
	phoneColumns,
	sealedPhoneText,
	sqlState,
	type Person
} from './fixtures.ts';
import { WORKSPACE_API } from './workspace-api.ts';

/** A number as phone_verifications and sms_phone_opt_outs store it (encrypted, blind index, last four). */
function sealedColumns(phone: string) {
	const s = phoneCipher().seal(phone);
	return { phone_enc: s.enc, phone_hash: s.hash, phone_last4: s.last4 };
}

const PERMISSION_DENIED = '42501';

let t: TestDatabase;
let alice: Person;
let bob: Person;
let admin: Person;

/** What a signed-in, non-admin user may read from a table. */
type ReadRule = 'own' | 'all' | 'active' | 'nothing' | 'denied';

interface TableCase {
	table: string;
	/** SQL expression identifying a row (text), used to compare what each role sees. */
	key: string;
	read: ReadRule;
	/** Keys of rows that belong to alice / to someone else (filled in beforeAll). */
	mine: () => string[];
	theirs: () => string[];
	/** A row alice tries to insert on someone else's behalf (or at all, for closed tables). */
	foreignInsert: () => Record<string, unknown>;
	/** A change alice tries to make to someone else's rows. */
	update: Record<string, unknown>;
}

const keys: Record<string, { mine: string[]; theirs: string[] }> = {};
const keysOf = (table: string) => keys[table] ?? { mine: [], theirs: [] };

const cases: TableCase[] = [
	{
		table: 'user_roles',
		key: "user_id::text || '/' || role",
		read: 'own',
		mine: () => keysOf('user_roles').mine,
		theirs: () => keysOf('user_roles').theirs,
		foreignInsert: () => ({ user_id: alice.id, role: 'admin' }),
		update: { role: 'admin' }
	},
	{
		table: 'user_sms_preferences',
		key: 'user_id::text',
		read: 'own',
		mine: () => [alice.id],
		theirs: () => [bob.id],
		foreignInsert: () => ({ user_id: bob.id, time_zone: 'UTC' }),
		update: { daily_limit: 3 }
	},
	{
		table: 'user_sms_type_preferences',
		key: "user_id::text || '/' || type_key",
		read: 'own',
		mine: () => [`${alice.id}/daily_brief`],
		theirs: () => [`${bob.id}/daily_brief`],
		foreignInsert: () => ({ user_id: bob.id, type_key: 'task_reminder', enabled: false }),
		update: { enabled: false }
	},
	{
		table: 'sms_notification_types',
		key: 'key',
		read: 'all',
		mine: () => ['task_reminder', 'daily_brief', 'urgent_alert', 'custom'],
		theirs: () => [],
		foreignInsert: () => ({ key: 'promo', label: 'Promotions', category: 'marketing' }),
		update: { label: 'Changed' }
	},
	{
		table: 'sms_templates',
		key: 'template_key',
		read: 'active',
		mine: () => ['rls_active'],
		theirs: () => ['rls_inactive'],
		foreignInsert: () => ({ template_key: 'rls_new', name: 'New', message_template: 'Hi' }),
		update: { message_template: 'Changed {{x}}' }
	},
	{
		table: 'sms_messages',
		key: 'id::text',
		read: 'own',
		mine: () => keysOf('sms_messages').mine,
		theirs: () => keysOf('sms_messages').theirs,
		foreignInsert: () => ({ user_id: bob.id, ...phoneColumns(bob.phone), message_content: 'forged' }),
		update: { status: 'delivered' }
	},
	{
		table: 'sms_delivery_events',
		key: 'id::text',
		read: 'own',
		mine: () => keysOf('sms_delivery_events').mine,
		theirs: () => keysOf('sms_delivery_events').theirs,
		foreignInsert: () => ({ twilio_sid: 'SMforged', raw_status: 'delivered', source: 'webhook' }),
		update: { raw_status: 'failed' }
	},
	{
		table: 'queue_jobs',
		key: 'id::text',
		read: 'denied',
		mine: () => [],
		theirs: () => keysOf('queue_jobs').theirs,
		foreignInsert: () => ({ job_type: 'send_sms', payload: {} }),
		update: { status: 'completed' }
	},
	{
		table: 'sms_daily_usage',
		key: "user_id::text || '/' || local_date::text",
		read: 'nothing',
		mine: () => [],
		theirs: () => keysOf('sms_daily_usage').theirs,
		foreignInsert: () => ({ user_id: alice.id, local_date: '2026-01-01', count: 0 }),
		update: { count: 0 }
	},
	{
		table: 'sms_phone_opt_outs',
		key: 'phone_hash',
		read: 'own',
		mine: () => [alice.phoneHash!],
		theirs: () => [bob.phoneHash!],
		foreignInsert: () => ({ ...sealedColumns(alice.phone), opted_out: false, source: 'api' }),
		update: { opted_out: false }
	},
	{
		table: 'phone_verifications',
		key: 'id::text',
		read: 'nothing',
		mine: () => [],
		theirs: () => keysOf('phone_verifications').theirs,
		foreignInsert: () => ({ user_id: alice.id, ...sealedColumns(alice.phone), action: 'start' }),
		update: { outcome: 'approved' }
	}
];

async function visibleKeys(tx: TransactionSql, c: TableCase): Promise<string[]> {
	const rows = await tx.unsafe<{ k: string }[]>(`select ${c.key} as k from public.${c.table}`);
	return rows.map((r) => r.k);
}

/** The rows as the superuser sees them, to prove a failed attempt changed nothing. */
async function snapshot(c: TableCase, rowKeys: string[]): Promise<unknown[]> {
	return t.sql.unsafe(
		`select to_jsonb(x) as row from public.${c.table} x where ${c.key} = any($1::text[]) order by 1::text`,
		[rowKeys]
	);
}

/** Runs a write as alice; it must either be refused (42501) or touch no row. */
async function expectNoEffect(run: (tx: TransactionSql) => Promise<{ count: number }>): Promise<void> {
	try {
		const result = await asPerson(t, alice, run);
		expect(result.count).toBe(0);
	} catch (error) {
		expect((error as { code?: string }).code).toBe(PERMISSION_DENIED);
	}
}

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
	bob = await createPerson(t.sql, 'bob');
	admin = await createPerson(t.sql, 'admin');
	await makeAdmin(t.sql, admin);
	keys.user_roles = { mine: [], theirs: [`${admin.id}/admin`] };

	for (const person of [alice, bob]) {
		await t.sql`insert into public.user_sms_type_preferences (user_id, type_key, enabled)
			values (${person.id}, 'daily_brief', true)`;
	}
	// Platform templates (no workspace): the rule for workspace templates is in templates-workspace.test.ts.
	await t.sql`insert into public.sms_templates (organization_id, template_key, name, message_template, template_vars, is_active)
		values (null, 'rls_active', 'Active', 'Hi {{name}}', '["name"]', true),
		       (null, 'rls_inactive', 'Inactive', 'Bye {{name}}', '["name"]', false)`;

	const aliceMessage = await dispatchedMessage(t.sql, alice, nextSid());
	const bobMessage = await dispatchedMessage(t.sql, bob, nextSid());
	keys.sms_messages = { mine: [aliceMessage], theirs: [bobMessage] };
	const events = await t.sql<{ id: string; message_id: string }[]>`
		select id::text, message_id::text from public.sms_delivery_events`;
	keys.sms_delivery_events = {
		mine: events.filter((e) => e.message_id === aliceMessage).map((e) => e.id),
		theirs: events.filter((e) => e.message_id === bobMessage).map((e) => e.id)
	};
	const jobs = await t.sql<{ id: string }[]>`select id::text from public.queue_jobs`;
	keys.queue_jobs = { mine: [], theirs: jobs.map((j) => j.id) };

	for (const person of [alice, bob]) {
		await t.sql`select public.reserve_sms_daily_slot(${person.id}, '2026-01-01', 10)`;
		const phone = phoneCipher().seal(person.phone);
		await t.sql`insert into public.phone_verifications (user_id, phone_enc, phone_hash, phone_last4, action, outcome)
			values (${person.id}, ${phone.enc}, ${phone.hash}, ${phone.last4}, 'start', 'sent')`;
		await t.sql`select public.record_phone_opt_out(${sealedPhoneText(person.phone)}::public.sealed_phone, false, 'keyword', 'START')`;
	}
	keys.sms_daily_usage = { mine: [], theirs: [`${alice.id}/2026-01-01`, `${bob.id}/2026-01-01`] };
	const verifications = await t.sql<{ id: string }[]>`select id::text from public.phone_verifications`;
	keys.phone_verifications = { mine: [], theirs: verifications.map((v) => v.id) };
});

afterAll(async () => {
	await t?.close();
});

describe.each(cases)('$table', (c) => {
	it('select: alice sees what the rule allows and nothing of anyone else', async () => {
		if (c.read === 'denied') {
			expect(await sqlState(() => asPerson(t, alice, (tx) => visibleKeys(tx, c)))).toBe(PERMISSION_DENIED);
			return;
		}
		const seen = await asPerson(t, alice, (tx) => visibleKeys(tx, c));
		for (const k of c.theirs()) expect(seen).not.toContain(k);
		if (c.read === 'nothing') expect(seen).toEqual([]);
		else for (const k of c.mine()) expect(seen).toContain(k);
		if (c.read === 'own') expect(seen.sort()).toEqual([...c.mine()].sort());
	});

	it('select: anon is refused', async () => {
		expect(await sqlState(() => t.db.asAnon((tx) => visibleKeys(tx, c)))).toBe(PERMISSION_DENIED);
	});

	it('insert: alice cannot write a row that is not hers to write', async () => {
		const before = await t.sql.unsafe(`select count(*)::int as n from public.${c.table}`);
		const code = await sqlState(() =>
			asPerson(t, alice, (tx) => tx`insert into ${tx('public.' + c.table)} ${tx(c.foreignInsert())}`)
		);
		expect(code).toBe(PERMISSION_DENIED);
		const after = await t.sql.unsafe(`select count(*)::int as n from public.${c.table}`);
		expect(after[0].n).toBe(before[0].n);
	});

	it('insert: anon is refused', async () => {
		const code = await sqlState(() =>
			t.db.asAnon((tx) => tx`insert into ${tx('public.' + c.table)} ${tx(c.foreignInsert())}`)
		);
		expect(code).toBe(PERMISSION_DENIED);
	});

	it("update: alice cannot change anyone else's rows", async () => {
		const targets = c.read === 'all' || c.read === 'active' ? [...c.mine(), ...c.theirs()] : c.theirs();
		expect(targets.length).toBeGreaterThan(0);
		const before = await snapshot(c, targets);
		await expectNoEffect((tx) =>
			tx.unsafe(
				`update public.${c.table} set ${Object.keys(c.update)
					.map((col, i) => `${col} = $${i + 2}`)
					.join(', ')} where ${c.key} = any($1::text[])`,
				[targets, ...Object.values(c.update)] as never[]
			)
		);
		expect(await snapshot(c, targets)).toEqual(before);
	});

	it("delete: alice cannot delete anyone else's rows", async () => {
		const targets = c.read === 'all' || c.read === 'active' ? [...c.mine(), ...c.theirs()] : c.theirs();
		const before = await snapshot(c, targets);
		await expectNoEffect((tx) =>
			tx.unsafe(`delete from public.${c.table} where ${c.key} = any($1::text[])`, [targets])
		);
		expect(await snapshot(c, targets)).toEqual(before);
	});

	it('update and delete: anon is refused', async () => {
		const setList = Object.keys(c.update)
			.map((col, i) => `${col} = $${i + 1}`)
			.join(', ');
		expect(
			await sqlState(() =>
				t.db.asAnon((tx) => tx.unsafe(`update public.${c.table} set ${setList}`, Object.values(c.update) as never[]))
			)
		).toBe(PERMISSION_DENIED);
		expect(await sqlState(() => t.db.asAnon((tx) => tx.unsafe(`delete from public.${c.table}`)))).toBe(
			PERMISSION_DENIED
		);
	});
});

describe('what a user may change about themselves', () => {
	it.each([
		['phone_enc', "'p1.k.aaaa.bbbb'"],
		['phone_hash', "'h1.cccc'"],
		['phone_last4', "'9999'"],
		['phone_verified', 'true'],
		['phone_verified_at', 'now()'],
		['opted_out_at', 'null'],
		['user_id', 'gen_random_uuid()']
	])('cannot set their own %s', async (column, value) => {
		const code = await sqlState(() =>
			asPerson(t, alice, (tx) =>
				tx.unsafe(`update public.user_sms_preferences set ${column} = ${value} where user_id = $1`, [alice.id])
			)
		);
		expect(code).toBe(PERMISSION_DENIED);
	});

	it('cannot set a daily limit above the system maximum (or below zero)', async () => {
		for (const limit of [51, 1000, -1]) {
			const code = await sqlState(() =>
				asPerson(t, alice, (tx) => tx`update public.user_sms_preferences set daily_limit = ${limit} where user_id = ${alice.id}`)
			);
			expect(code).toBe('23514');
		}
	});

	it('can choose time zone, quiet hours, limit and opt-out; the opt-out time is stamped for them', async () => {
		const [row] = await asPerson(
			t,
			alice,
			(tx) => tx`update public.user_sms_preferences
				set time_zone = 'Europe/Paris', quiet_hours_start = '22:00', quiet_hours_end = '07:00',
				    daily_limit = 50, opted_out = true
				where user_id = ${alice.id}
				returning time_zone, daily_limit, opted_out, opted_out_at, phone_verified`
		);
		expect(row).toMatchObject({ time_zone: 'Europe/Paris', daily_limit: 50, opted_out: true, phone_verified: true });
		expect(row.opted_out_at).toBeInstanceOf(Date);
		await asPerson(t, alice, (tx) => tx`update public.user_sms_preferences set opted_out = false where user_id = ${alice.id}`);
	});

	it('cannot pick a time zone that does not exist, nor half of the quiet hours', async () => {
		expect(
			await sqlState(() =>
				asPerson(t, alice, (tx) => tx`update public.user_sms_preferences set time_zone = 'Mars/Olympus_Mons' where user_id = ${alice.id}`)
			)
		).toBe('23514');
		expect(
			await sqlState(() =>
				asPerson(t, alice, (tx) =>
					tx`update public.user_sms_preferences set quiet_hours_start = '22:00', quiet_hours_end = null where user_id = ${alice.id}`
				)
			)
		).toBe('23514');
	});

	it('can create their own preferences row, but without a phone', async () => {
		const id = await createUser(t.sql, { email: 'carol@example.com' });
		const carol = { id, email: 'carol@example.com', phone: '', phoneHash: '' };
		expect(
			await sqlState(() =>
				asPerson(t, carol, (tx) => tx`insert into public.user_sms_preferences ${tx({ user_id: id, ...phoneColumns('+14155550000') })}`)
			)
		).toBe(PERMISSION_DENIED);
		const [row] = await asPerson(
			t,
			carol,
			(tx) => tx`insert into public.user_sms_preferences (user_id, time_zone, daily_limit)
				values (${id}, 'America/New_York', 5) returning user_id, phone_verified`
		);
		expect(row).toEqual({ user_id: id, phone_verified: false });
	});

	it('can switch their own notification types, but cannot move the row to someone else', async () => {
		const rows = await asPerson(
			t,
			alice,
			(tx) => tx`update public.user_sms_type_preferences set enabled = false
				where user_id = ${alice.id} and type_key = 'daily_brief' returning enabled`
		);
		expect(rows).toEqual([{ enabled: false }]);
		expect(
			await sqlState(() =>
				asPerson(t, alice, (tx) => tx`update public.user_sms_type_preferences set user_id = ${bob.id} where user_id = ${alice.id}`)
			)
		).toBe(PERMISSION_DENIED);
		const [added] = await asPerson(
			t,
			alice,
			(tx) => tx`insert into public.user_sms_type_preferences (user_id, type_key, enabled)
				values (${alice.id}, 'urgent_alert', true) returning type_key`
		);
		expect(added.type_key).toBe('urgent_alert');
		const removed = await asPerson(
			t,
			alice,
			(tx) => tx`delete from public.user_sms_type_preferences where user_id = ${alice.id} and type_key = 'urgent_alert'`
		);
		expect(removed.count).toBe(1);
	});
});

describe('admins', () => {
	it('read every message, event and preference row', async () => {
		const counts = await t.db.asUser({ sub: admin.id, role: 'authenticated', email: admin.email }, async (tx) => {
			const [m] = await tx`select count(*)::int as n from public.sms_messages`;
			const [e] = await tx`select count(*)::int as n from public.sms_delivery_events`;
			const [p] = await tx`select count(*)::int as n from public.user_sms_preferences`;
			const [u] = await tx`select count(*)::int as n from public.sms_daily_usage`;
			return { m: m.n, e: e.n, p: p.n, u: u.n };
		});
		const [all] = await t.sql`select
			(select count(*)::int from public.sms_messages) as m,
			(select count(*)::int from public.sms_delivery_events) as e,
			(select count(*)::int from public.user_sms_preferences) as p,
			(select count(*)::int from public.sms_daily_usage) as u`;
		expect(counts).toEqual(all);
		expect(counts.m).toBeGreaterThanOrEqual(2);
	});

	it('write templates; ordinary users cannot', async () => {
		const asAdmin = <T>(fn: (tx: TransactionSql) => Promise<T>) =>
			t.db.asUser({ sub: admin.id, role: 'authenticated', email: admin.email }, fn);
		const [row] = await asAdmin(
			(tx) => tx`insert into public.sms_templates (template_key, name, message_template, template_vars, created_by)
				values ('admin_made', 'By admin', 'Hello {{name}}', '["name"]', ${admin.id}) returning id`
		);
		const updated = await asAdmin((tx) => tx`update public.sms_templates set is_active = false where id = ${row.id}`);
		expect(updated.count).toBe(1);
		const hidden = await asPerson(t, alice, (tx) => tx`select 1 from public.sms_templates where id = ${row.id}`);
		expect(hidden.length).toBe(0);
		const deleted = await asAdmin((tx) => tx`delete from public.sms_templates where id = ${row.id}`);
		expect(deleted.count).toBe(1);
	});
});

describe('the SQL API is closed to users', () => {
	const calls: [string, string][] = [
		['queue_sms_message', "select public.queue_sms_message($1, '(p1.k.aaaa.bbbb,h1.cccc,0199,1)'::public.sealed_phone, 'hi')"],
		['queue_sms_messages_bulk', `select public.queue_sms_messages_bulk('[{"user_id":"00000000-0000-0000-0000-000000000000","message":"hi"}]'::jsonb) where $1::uuid is not null`],
		['reserve_sms_daily_slot', "select public.reserve_sms_daily_slot($1, current_date, 10)"],
		['release_sms_daily_slot', 'select public.release_sms_daily_slot($1, current_date)'],
		['apply_sms_status', "select public.apply_sms_status('SMx', 'delivered') where $1::uuid is not null"],
		['attach_sms_sid', "select public.attach_sms_sid($1, 'SMx', 'queued', 1, 'GSM-7')"],
		['enqueue_job', "select public.enqueue_job('send_sms') where $1::uuid is not null"],
		['claim_jobs', "select * from public.claim_jobs('w', array['send_sms'], 10, 30) where $1::uuid is not null"],
		['complete_job', "select public.complete_job($1, 'w')"],
		['fail_job', "select public.fail_job($1, 'w', 'e')"],
		['retry_job', "select public.retry_job($1, 'w', 'e', now())"],
		['release_jobs', "select public.release_jobs('w', array[$1::uuid])"],
		['reschedule_job', "select public.reschedule_job($1, 'w', now())"],
		['extend_job_lease', "select public.extend_job_lease($1, 'w', 30)"],
		['renew_job_leases', "select public.renew_job_leases('w', array[$1::uuid], 30)"],
		['cancel_job', 'select public.cancel_job($1)'],
		['mark_sms_dispatching', 'select public.mark_sms_dispatching($1)'],
		['mark_sms_suppressed', "select public.mark_sms_suppressed($1, 'x')"],
		['mark_sms_scheduled', "select public.mark_sms_scheduled($1, now(), 'x')"],
		['mark_sms_failed', "select public.mark_sms_failed($1, 1, 'x')"],
		['cancel_sms_message', 'select public.cancel_sms_message($1)'],
		['record_inbound_sms', "select public.record_inbound_sms('SMin', '(p1.k.aaaa.bbbb,h1.cccc,0199,1)'::public.sealed_phone, 'hi') where $1::uuid is not null"],
		['set_verified_phone', "select public.set_verified_phone($1, '(p1.k.aaaa.bbbb,h1.cccc,0199,1)'::public.sealed_phone)"],
		['set_unverified_phone', "select public.set_unverified_phone($1, '(p1.k.aaaa.bbbb,h1.cccc,0199,1)'::public.sealed_phone)"],
		['clear_phone', 'select public.clear_phone($1)'],
		['record_phone_opt_out', "select public.record_phone_opt_out('(p1.k.aaaa.bbbb,h1.cccc,0199,1)'::public.sealed_phone, true, 'api') where $1::uuid is not null"]
	];

	it.each(calls)('%s: permission denied for authenticated and anon', async (_name, query) => {
		expect(await sqlState(() => asPerson(t, alice, (tx) => tx.unsafe(query, [alice.id])))).toBe(PERMISSION_DENIED);
		expect(await sqlState(() => t.db.asAnon((tx) => tx.unsafe(query, [alice.id])))).toBe(PERMISSION_DENIED);
	});

	// is_valid_time_zone() only looks a name up in the reference list public.time_zones.
	it('no SECURITY DEFINER function but is_admin, is_valid_time_zone and the workspace API is executable by authenticated or anon', async () => {
		const rows = await t.sql<{ fn: string; role: string }[]>`
			select p.oid::regprocedure::text as fn, r.role
			from pg_proc p
			join pg_namespace n on n.oid = p.pronamespace
			cross join (values ('authenticated'), ('anon')) as r(role)
			where n.nspname = 'public' and p.prosecdef
			  and has_function_privilege(r.role, p.oid, 'execute')
			  and not (r.role = 'authenticated' and p.proname = any (${WORKSPACE_API}))
			order by 1, 2`;
		expect(rows).toEqual([
			{ fn: 'invitation_preview(text)', role: 'anon' },
			{ fn: 'invitation_preview(text)', role: 'authenticated' },
			{ fn: 'is_admin()', role: 'authenticated' },
			{ fn: 'is_valid_time_zone(text)', role: 'anon' },
			{ fn: 'is_valid_time_zone(text)', role: 'authenticated' }
		]);
	});

	it('every table in public has row-level security enabled', async () => {
		const rows = await t.sql<{ table: string }[]>`
			select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity`;
		expect(rows).toEqual([]);
	});

	it('nothing in public is writable by anon', async () => {
		const rows = await t.sql<{ table: string }[]>`
			select c.relname as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = 'public' and c.relkind in ('r', 'v')
			  and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('anon', c.oid, 'insert')
			       or has_table_privilege('anon', c.oid, 'update') or has_table_privilege('anon', c.oid, 'delete')
			       or has_any_column_privilege('anon', c.oid, 'select, insert, update'))`;
		expect(rows).toEqual([]);
	});
});
