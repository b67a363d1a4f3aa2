/**
 * Send attempts (issue 14): what the worker writes before and after each provider call, so a
 * recovery knows every provider that may have a text and no text goes to two providers; who
 * reads them (RLS, every role); and the daily slot of a text an HTTP provider accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { sqlState, phoneValues } from './fixtures.ts';
import { ROLE_NAMES, asRole, createWorkspaces, tryAsRole, type RoleName, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'attempts');
});
afterAll(async () => {
	await t?.close();
});

let counter = 0;
/** A text to a new contact of workspace A, begun through `provider` as the worker begins it. */
async function begun(provider: string): Promise<string> {
	counter++;
	const [contact] = await t.sql<{ id: string }[]>`
		insert into public.contacts (organization_id, name, phone_enc, phone_hash, phone_last4, calling_code)
		values (${w.a}, 'C', ${phoneValues(t.sql, `+1415556${String(1000 + counter).padStart(4, '0')}`)}) returning id`;
	const [row] = await t.sql<{ id: string }[]>`
		select public.queue_sms_message(p_user_id => null, p_phone_sealed => null, p_message => 'hi', p_contact_id => ${contact!.id}::uuid) as id`;
	const [b] = await t.sql<{ outcome: string }[]>`
		select outcome from public.sms_begin_provider_dispatch(array[${row!.id}]::uuid[], array[current_date], array[10], array[${provider}])`;
	expect(b!.outcome).toBe('dispatching');
	return row!.id;
}

const attempts = (id: string) =>
	t.sql<{ provider: string; outcome: string; reference: string | null }[]>`
		select provider, outcome, reference from public.sms_send_attempts where message_id = ${id} order by id`;
const slotCount = async (id: string) => {
	const [row] = await t.sql<{ n: number }[]>`
		select coalesce(sum(u.count), 0)::int as n from public.contact_daily_usage u
		join public.sms_messages m on m.contact_id = u.contact_id where m.id = ${id}`;
	return row!.n;
};

describe('sms_begin_provider_dispatch', () => {
	it('opens one attempt at the chosen provider for each text it began, none for the others', async () => {
		const id = await begun('sms-retail');
		expect(await attempts(id)).toEqual([{ provider: 'sms-retail', outcome: 'sending', reference: null }]);
		// Not sendable any more (dispatching): nothing begun, no second attempt.
		const [again] = await t.sql<{ outcome: string; previous: string }[]>`
			select outcome, previous from public.sms_begin_provider_dispatch(array[${id}]::uuid[], array[current_date], array[10], array['23telecom'])`;
		expect(again).toEqual({ outcome: 'not_sendable', previous: 'dispatching' });
		expect(await attempts(id)).toHaveLength(1);
	});
});

describe('failover bookkeeping', () => {
	it('a next attempt only once the open one is closed as refused; never while it may have been accepted', async () => {
		const id = await begun('sms-retail');
		const start = async (p: string) => (await t.sql<{ id: string | null }[]>`select public.sms_start_attempt(${id}, ${p}) as id`)[0]!.id;
		expect(await start('23telecom')).toBeNull();
		await t.sql`select public.sms_finish_attempt(${id}, 'sms-retail', 'unknown', null, 'provider_unavailable', 'timeout', 'no answer')`;
		expect(await start('23telecom')).toBeNull();
		await t.sql`select public.sms_finish_attempt(${id}, 'sms-retail', 'refused', null, 'provider_unavailable', '503', 'down')`;
		expect(await start('23telecom')).not.toBeNull();
		expect((await attempts(id)).map((a) => [a.provider, a.outcome])).toEqual([
			['sms-retail', 'refused'],
			['23telecom', 'sending']
		]);
	});

	it('storing the accepted reference closes the attempt and keeps the daily slot (an HTTP reference counts as sent)', async () => {
		const id = await begun('23telecom');
		expect(await slotCount(id)).toBe(1);
		await t.sql`select public.sms_attach_dispatched(${id}, '23telecom', 'ref-1', 'PENDING', 'queued', 1, 'GSM-7')`;
		const [m] = await t.sql`select status, provider, provider_reference, daily_slot_date is not null as holds from public.sms_messages where id = ${id}`;
		expect(m).toEqual({ status: 'queued', provider: '23telecom', provider_reference: 'ref-1', holds: true });
		expect(await slotCount(id)).toBe(1);
		expect(await attempts(id)).toEqual([{ provider: '23telecom', outcome: 'accepted', reference: 'ref-1' }]);
		expect(await t.sql`select public.sms_start_attempt(${id}, 'sms-retail') as id`).toEqual([{ id: null }]);
	});

	it('recovery found nothing: attempts closed as not_found, slot given back once, sendable again; repeating changes nothing', async () => {
		const id = await begun('sms-retail');
		expect(await slotCount(id)).toBe(1);
		expect(await t.sql`select public.sms_recover_unsent_attempts(${id}) as changed`).toEqual([{ changed: true }]);
		expect(await t.sql`select public.sms_recover_unsent_attempts(${id}) as changed`).toEqual([{ changed: false }]);
		expect(await slotCount(id)).toBe(0);
		expect(await attempts(id)).toEqual([{ provider: 'sms-retail', outcome: 'not_found', reference: null }]);
		const [m] = await t.sql`select status from public.sms_messages where id = ${id}`;
		expect(m).toEqual({ status: 'scheduled' });
	});

	it('a recovery that found the text stores it as found', async () => {
		const id = await begun('sms-retail');
		await t.sql`select public.sms_attach_dispatched(${id}, 'sms-retail', '100777', 'queued', 'queued', 1, 'GSM-7', null, null, 'found')`;
		expect(await attempts(id)).toEqual([{ provider: 'sms-retail', outcome: 'found', reference: '100777' }]);
	});

	it('refuses an outcome that is not one', async () => {
		const id = await begun('sms-retail');
		expect(await sqlState(() => t.sql`select public.sms_finish_attempt(${id}, 'sms-retail', 'maybe')`)).toBe('SM013');
		expect(await sqlState(() => t.sql`select public.sms_attach_dispatched(${id}, 'sms-retail', '1', 'queued', 'queued', 1, null, null, null, 'refused')`)).toBe('SM013');
	});
});

describe('who reads attempts', () => {
	const expected: Record<RoleName, number | '42501'> = {
		owner: 1,
		admin: 1,
		operator: 1,
		viewer: 1,
		other_member: 0,
		non_member: 0,
		anon: '42501'
	};

	it.each(ROLE_NAMES)('%s', async (role) => {
		const id = await begun('sms-retail');
		let seen: number | string;
		try {
			seen = await tryAsRole(t, w, role, async (tx) => (await tx`select id from public.sms_send_attempts where message_id = ${id}`).length);
		} catch (error) {
			seen = (error as { code?: string }).code ?? 'error';
		}
		expect(seen).toBe(expected[role]);
		// Nobody signed in writes them, whatever the role.
		if (role !== 'anon') {
			expect(await sqlState(() => asRole(t, w, role, (tx) => tx`update public.sms_send_attempts set outcome = 'accepted' where message_id = ${id}`))).toBe('42501');
			expect(await sqlState(() => asRole(t, w, role, (tx) => tx`select public.sms_start_attempt(${id}, '23telecom')`))).toBe('42501');
		}
	});
});
