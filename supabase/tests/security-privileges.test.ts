/**
 * Security review, SQL level: what `anon` and `authenticated` can reach beyond the row-level
 * policies rls.test.ts covers — functions (every SECURITY DEFINER one), sequences, the auth
 * schema, schema privileges. On Supabase every new function / sequence in public is granted to
 * anon and authenticated by default (the compat SQL mirrors that), so a migration that forgets
 * a revoke shows up here. Assertions run as the roles under test, never as the service role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneCipher, type TransactionSql } from '@sms/db';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson, createPerson, makeAdmin, sqlState, type Person } from './fixtures.ts';
import { WORKSPACE_API } from './workspace-api.ts';
import { openPhone, phoneHash, sealedPhone, sealedPhoneText } from '@sms/db/testing';

const PERMISSION_DENIED = '42501';

/** Pure helpers that check constraints and the UI need; nothing else in public is callable by users. */
const CALLABLE_BY_ANON = [
	// The exports' formula neutraliser, for text and for numeric.
	'console_csv_text',
	'console_csv_text',
	'e164_calling_code',
	'is_e164',
	'is_valid_time_zone',
	'normalize_twilio_status',
	'sms_default_daily_limit',
	'sms_max_daily_limit',
	'sms_status_awaits_price',
	'sms_status_can_advance',
	'sms_status_is_final',
	'sms_status_phase',
	'sms_status_rank',
	'sms_verdict_kind'
];
/** Knowing an invitation's token is the permission: the invite page shows it before sign-in. */
const INVITATION_PREVIEW = 'invitation_preview';
/**
 * is_admin() answers only about the caller (auth.uid()): it takes no parameter to trust.
 * search_contacts is SECURITY INVOKER: RLS decides what it returns.
 */
/** is_valid_time_zone() is SECURITY DEFINER: it looks a name up in public.time_zones, unreadable to users. */
const TIME_ZONE_CHECK = 'is_valid_time_zone';
const CALLABLE_BY_AUTHENTICATED = [...CALLABLE_BY_ANON, 'is_admin', 'search_contacts', INVITATION_PREVIEW, ...WORKSPACE_API].sort();

interface FunctionRow {
	oid: number;
	name: string;
	types: string;
	definer: boolean;
	config: string[] | null;
	anon: boolean;
	authenticated: boolean;
	public_acl: boolean;
}

let t: TestDatabase;
let alice: Person;
let bob: Person;
let functions: FunctionRow[];

beforeAll(async () => {
	t = await createTestDatabase();
	alice = await createPerson(t.sql, 'alice');
	bob = await createPerson(t.sql, 'bob');
	const admin = await createPerson(t.sql, 'admin');
	await makeAdmin(t.sql, admin);
	functions = await t.sql<FunctionRow[]>`
		select p.oid::int as oid, p.proname as name, pg_catalog.oidvectortypes(p.proargtypes) as types,
		       p.prosecdef as definer, p.proconfig as config,
		       has_function_privilege('anon', p.oid, 'execute') as anon,
		       has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
		       coalesce(p.proacl::text ~ '(^|[{,])=X', true) as public_acl
		  from pg_catalog.pg_proc p
		 where p.pronamespace = 'public'::regnamespace
		 order by p.proname`;
});

afterAll(async () => {
	await t?.close();
});

/** `select public.f(null::t1, null::t2, ...)` for a function's exact signature. */
function nullCall(f: FunctionRow): string {
	const args = f.types === '' ? [] : f.types.split(', ').map((type) => `null::${type}`);
	return `select public.${f.name}(${args.join(', ')})`;
}

describe('functions in schema public', () => {
	it('anon can execute only the pure helpers', () => {
		expect(functions.filter((f) => f.anon).map((f) => f.name).sort()).toEqual([...CALLABLE_BY_ANON, INVITATION_PREVIEW].sort());
	});

	it('authenticated can execute only the pure helpers, is_admin() and the workspace API', () => {
		expect(functions.filter((f) => f.authenticated).map((f) => f.name).sort()).toEqual(CALLABLE_BY_AUTHENTICATED);
	});

	it('none is executable by PUBLIC (every grant is explicit)', () => {
		expect(functions.filter((f) => f.public_acl).map((f) => f.name)).toEqual([]);
	});

	it('every SECURITY DEFINER function pins search_path to empty', () => {
		const definers = functions.filter((f) => f.definer);
		expect(definers.length).toBeGreaterThan(20);
		const unpinned = definers.filter((f) => !(f.config ?? []).some((c) => c === 'search_path=""' || c === 'search_path='));
		expect(unpinned.map((f) => f.name)).toEqual([]);
	});

	it('every SECURITY DEFINER function except is_admin() and the workspace API is refused to a signed-in user when called', async () => {
		const closed = [...WORKSPACE_API, 'is_admin', INVITATION_PREVIEW, TIME_ZONE_CHECK];
		const definers = functions.filter((f) => f.definer && !closed.includes(f.name));
		expect(definers.length).toBeGreaterThan(20);
		for (const f of definers) {
			const code = await sqlState(() => asPerson(t, alice, (tx) => tx.unsafe(nullCall(f))));
			expect({ fn: f.name, code }).toEqual({ fn: f.name, code: PERMISSION_DENIED });
		}
	});

	it('the workspace API refuses a signed-in user who is in no workspace (named WS errors) or answers "no"', async () => {
		const answers: Record<string, string> = {};
		for (const f of functions.filter((fn) => WORKSPACE_API.includes(fn.name))) {
			try {
				const rows = await asPerson(t, alice, (tx) => tx.unsafe(nullCall(f)));
				answers[f.name] = `ok:${JSON.stringify(Object.values(rows[0] ?? {}))}`;
			} catch (error) {
				answers[f.name] = (error as { code?: string }).code ?? 'thrown';
			}
		}
		expect(answers).toEqual({
			accept_organization_invitation: 'WS011',
			campaign_default_throttle: 'WS001',
			campaign_progress: 'CM001',
			cancel_campaign: 'CM001',
			// Null arguments are refused; a non-member's real call sees only their own texts (as RLS).
			console_count_messages: '22023',
			console_export_where: '22023',
			console_message_ids: '22023',
			console_search_contacts: 'ok:[]',
			create_api_key: 'WS001',
			create_campaign: 'WS001',
			create_organization: 'WS004',
			create_organization_invitation: 'WS001',
			create_sms_template: 'WS001',
			create_webhook_endpoint: 'WS001',
			current_org_role: 'ok:[null]',
			delete_contact: 'WS018',
			delete_organization: 'WS001',
			delete_sms_template: 'TP001',
			delete_webhook_endpoint: 'WH003',
			delete_workspace_provider: 'WS001',
			forget_contact: 'WS018',
			has_org_role: 'ok:[false]',
			list_organization_members: 'WS001',
			org_ids_with_role: 'ok:[[]]',
			pause_campaign: 'CM001',
			remove_member: 'WS001',
			resend_webhook_delivery: 'WH003',
			resume_campaign: 'CM001',
			retry_campaign_failures: 'CM001',
			retry_sms_messages: 'WS001',
			revoke_api_key: 'AK004',
			revoke_organization_invitation: 'WS011',
			set_alert_rule: 'WS001',
			set_member_on_call: 'WS001',
			set_member_role: 'WS001',
			set_retention: 'WS001',
			set_sms_template_active: 'TP001',
			set_workspace_provider: 'WS001',
			set_workspace_provider_secrets: 'WS001',
			sms_retry_check: 'WS001',
			start_campaign: 'CM001',
			transfer_ownership: 'WS001',
			update_contact: 'WS018',
			update_organization_settings: 'WS001',
			update_sms_template: 'TP001',
			upsert_contact: 'WS001',
			workspace_alert_rules: 'WS001',
			workspace_health: 'WS001',
			workspace_overview: 'WS001',
			workspace_recipient_users: 'WS001'
		});
	});

	it('… and every SECURITY DEFINER function but invitation_preview and is_valid_time_zone is refused to anon', async () => {
		for (const f of functions.filter((fn) => fn.definer && fn.name !== INVITATION_PREVIEW && fn.name !== TIME_ZONE_CHECK)) {
			const code = await sqlState(() => t.db.asAnon((tx) => tx.unsafe(nullCall(f))));
			expect({ fn: f.name, code }).toEqual({ fn: f.name, code: PERMISSION_DENIED });
		}
		const preview = await t.db.asAnon((tx) => tx`select * from public.invitation_preview('not-a-token')`);
		expect(preview).toEqual([]);
	});

	it('a signed-in user cannot queue a text to an arbitrary number, for themselves or anyone else', async () => {
		for (const target of [alice.id, bob.id]) {
			const code = await sqlState(() =>
				asPerson(t, alice, (tx) => tx`select public.queue_sms_message(${target}, ${sealedPhoneText('+14155550123')}::public.sealed_phone, 'hi')`)
			);
			expect(code).toBe(PERMISSION_DENIED);
		}
		const bulk = await sqlState(() =>
			asPerson(t, alice, (tx) =>
				tx`select public.queue_sms_messages_bulk(${tx.json([{ user_id: alice.id, phone_sealed: { ...sealedPhone('+14155550123') }, message: 'hi' }])})`
			)
		);
		expect(bulk).toBe(PERMISSION_DENIED);
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where phone_hash = ${phoneHash('+14155550123')}`;
		expect(n).toBe(0);
	});

	it("a signed-in user cannot verify a phone, take someone's number, or opt a number in or out through the SQL API", async () => {
		const attempts = [
			(tx: TransactionSql) => tx`select public.set_verified_phone(${alice.id}, ${sealedPhoneText('+14155550999')}::public.sealed_phone)`,
			(tx: TransactionSql) => tx`select public.set_verified_phone(${alice.id}, ${sealedPhoneText(bob.phone)}::public.sealed_phone)`,
			(tx: TransactionSql) => tx`select public.clear_phone(${bob.id})`,
			(tx: TransactionSql) => tx`select public.record_phone_opt_out(${sealedPhoneText(bob.phone)}::public.sealed_phone, true, 'api')`,
			(tx: TransactionSql) => tx`select public.reserve_sms_daily_slot(${alice.id}, current_date, 1000)`,
			(tx: TransactionSql) => tx`select public.release_sms_daily_slot(${alice.id}, current_date)`
		];
		for (const attempt of attempts) expect(await sqlState(() => asPerson(t, alice, attempt))).toBe(PERMISSION_DENIED);
		const rows = (
			await t.sql<{ user_id: string; phone_enc: string; phone_verified: boolean; opted_out: boolean }[]>`
				select user_id, phone_enc, phone_verified, opted_out from public.user_sms_preferences
				 where user_id in (${alice.id}, ${bob.id})`
		)
			.map(({ phone_enc, ...r }) => ({ ...r, phone_number: openPhone(phone_enc) }))
			.sort((a, b) => a.phone_number.localeCompare(b.phone_number));
		expect(rows).toEqual(
			[
				{ user_id: alice.id, phone_number: alice.phone, phone_verified: true, opted_out: false },
				{ user_id: bob.id, phone_number: bob.phone, phone_verified: true, opted_out: false }
			].sort((a, b) => a.phone_number.localeCompare(b.phone_number))
		);
	});

	it('is_admin() answers for the caller only', async () => {
		const [row] = await asPerson(t, alice, (tx) => tx<{ admin: boolean }[]>`select public.is_admin() as admin`);
		expect(row.admin).toBe(false);
	});
});

describe('sequences, schemas and the auth schema', () => {
	it('users cannot move the identity sequences (setval would break every later insert)', async () => {
		const sequences = await t.sql<{ name: string }[]>`
			select c.relname as name from pg_catalog.pg_class c
			 where c.relnamespace = 'public'::regnamespace and c.relkind = 'S' order by 1`;
		expect(sequences.length).toBeGreaterThan(0);
		for (const { name } of sequences) {
			for (const run of [
				(tx: TransactionSql) => tx.unsafe(`select pg_catalog.setval('public.${name}', 9223372036854775807)`),
				(tx: TransactionSql) => tx.unsafe(`select pg_catalog.nextval('public.${name}')`)
			]) {
				expect({ name, code: await sqlState(() => asPerson(t, alice, run)) }).toEqual({ name, code: PERMISSION_DENIED });
				expect({ name, code: await sqlState(() => t.db.asAnon(run)) }).toEqual({ name, code: PERMISSION_DENIED });
			}
		}
	});

	it('the service still writes rows with identity ids after the sequences are closed to users', async () => {
		const [row] = await t.db.asService(
			(tx) => tx<{ result: { event_id: number } }[]>`select public.apply_sms_status('SMsecurity0001', 'sent') as result`
		);
		expect(row.result.event_id).toBeGreaterThan(0);
		const phone = phoneCipher().seal(alice.phone);
		const [v] = await t.sql<{ id: string }[]>`
			insert into public.phone_verifications (user_id, phone_enc, phone_hash, phone_last4, action, outcome)
			values (${alice.id}, ${phone.enc}, ${phone.hash}, ${phone.last4}, 'start', 'sent') returning id`;
		expect(Number(v.id)).toBeGreaterThan(0);
	});

	it('users cannot create objects in schema public (no function or table shadowing)', async () => {
		for (const ddl of [
			'create table public.evil (x int)',
			'create function public.evil() returns int language sql as $$ select 1 $$'
		]) {
			expect(await sqlState(() => asPerson(t, alice, (tx) => tx.unsafe(ddl)))).toBe(PERMISSION_DENIED);
			expect(await sqlState(() => t.db.asAnon((tx) => tx.unsafe(ddl)))).toBe(PERMISSION_DENIED);
		}
	});

	it('users cannot use schema internal, where the helpers behind the SQL API live', async () => {
		const [helpers] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from pg_catalog.pg_proc where pronamespace = 'internal'::regnamespace`;
		expect(helpers.n).toBeGreaterThan(0);
		const [usage] = await t.sql<{ anon: boolean; authenticated: boolean }[]>`
			select has_schema_privilege('anon', 'internal', 'usage') as anon,
			       has_schema_privilege('authenticated', 'internal', 'usage') as authenticated`;
		expect(usage).toEqual({ anon: false, authenticated: false });
		const call = "select internal.sms_advance_status(gen_random_uuid(), 'delivered', null, null, null, null, null)";
		expect(await sqlState(() => asPerson(t, alice, (tx) => tx.unsafe(call)))).toBe(PERMISSION_DENIED);
		expect(await sqlState(() => t.db.asAnon((tx) => tx.unsafe(call)))).toBe(PERMISSION_DENIED);
	});

	it('users cannot read auth.users (other people’s e-mail addresses)', async () => {
		expect(await sqlState(() => asPerson(t, alice, (tx) => tx`select email from auth.users`))).toBe(PERMISSION_DENIED);
		expect(await sqlState(() => t.db.asAnon((tx) => tx`select email from auth.users`))).toBe(PERMISSION_DENIED);
	});
});

describe('rows that belong to nobody or to a number, not to the user', () => {
	it('a report whose SID is not stored yet (message null) is visible to no user', async () => {
		await t.db.asService((tx) => tx`select public.apply_sms_status('SMorphan-security', 'delivered')`);
		const seen = await asPerson(t, alice, (tx) => tx`select id from public.sms_delivery_events where twilio_sid = 'SMorphan-security'`);
		expect(seen.length).toBe(0);
	});

	it("an inbound text from bob's verified number is bob's alone", async () => {
		await t.db.asService((tx) => tx`select public.record_inbound_sms('SMinbound-security', ${sealedPhoneText(bob.phone)}::public.sealed_phone, 'private reply')`);
		const aliceSees = await asPerson(t, alice, (tx) => tx`select id from public.sms_messages where twilio_sid = 'SMinbound-security'`);
		const bobSees = await asPerson(t, bob, (tx) => tx`select id from public.sms_messages where twilio_sid = 'SMinbound-security'`);
		expect(aliceSees.length).toBe(0);
		expect(bobSees.length).toBe(1);
	});

	it("holding someone's number unverified does not reveal that number's opt-out record", async () => {
		const mallory = await createPerson(t.sql, 'mallory');
		// Mallory typed bob's number (a code went to bob's phone; she never saw it).
		await t.sql`select public.set_unverified_phone(${mallory.id}, ${sealedPhoneText(bob.phone)}::public.sealed_phone)`;
		await t.db.asService((tx) => tx`select public.record_phone_opt_out(${sealedPhoneText(bob.phone)}::public.sealed_phone, true, 'keyword', 'STOP')`);
		const seen = await asPerson(t, mallory, (tx) => tx`select phone_hash from public.sms_phone_opt_outs`);
		expect(seen.map((r) => r.phone_hash)).not.toContain(phoneHash(bob.phone));
		// Her own row says opted out (STOP applies to the number), but she cannot lift it herself:
		// her opt-in changes her row only, and the worker also reads the number-level record.
		await asPerson(t, mallory, (tx) => tx`update public.user_sms_preferences set opted_out = false where user_id = ${mallory.id}`);
		const [record] = await t.sql<{ opted_out: boolean }[]>`
			select opted_out from public.sms_phone_opt_outs where phone_hash = ${phoneHash(bob.phone)}`;
		expect(record.opted_out).toBe(true);
		const [bobRow] = await t.sql<{ opted_out: boolean }[]>`select opted_out from public.user_sms_preferences where user_id = ${bob.id}`;
		expect(bobRow.opted_out).toBe(true);
		await t.db.asService((tx) => tx`select public.record_phone_opt_out(${sealedPhoneText(bob.phone)}::public.sealed_phone, false, 'keyword', 'START')`);
	});

	it('a user cannot give themselves a daily limit above the maximum through an insert either', async () => {
		const carol = await createPerson(t.sql, 'carol');
		await t.sql`delete from public.user_sms_preferences where user_id = ${carol.id}`;
		const code = await sqlState(() =>
			asPerson(t, carol, (tx) => tx`insert into public.user_sms_preferences (user_id, daily_limit) values (${carol.id}, 51)`)
		);
		expect(code).toBe('23514');
		await asPerson(t, carol, (tx) => tx`insert into public.user_sms_preferences (user_id, daily_limit) values (${carol.id}, 5)`);
		const upsert = await sqlState(() =>
			asPerson(
				t,
				carol,
				(tx) => tx`insert into public.user_sms_preferences (user_id, daily_limit) values (${carol.id}, 5)
					on conflict (user_id) do update set daily_limit = 5000`
			)
		);
		expect(upsert).toBe('23514');
	});
});
