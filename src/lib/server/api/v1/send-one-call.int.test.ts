import { createTestDatabase, createUser, openPhone, phoneColumns, phoneHash, sealedPhoneText, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createKey, createWorkspace } from './test-support.ts';

// POST /messages and /messages/batch run as one SQL call each (api_send_message, api_send_batch):
// what that path must still answer exactly as before, beside api.int.test.ts.

let t: TestDatabase;
let call: ReturnType<typeof apiCaller>;
let ws: { organizationId: string; ownerId: string };
let other: { organizationId: string; ownerId: string };
let key: Awaited<ReturnType<typeof createKey>>;
let userId: string;
let theirContact: string;

const batch = (messages: unknown[], o: { key?: string; headers?: Record<string, string> } = {}) =>
	call('sendBatch', { path: '/messages/batch', key: o.key ?? key.secret, body: { messages }, headers: o.headers });

async function contactsWith(phone: string): Promise<number> {
	const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.contacts where phone_hash = ${phoneHash(phone)}`;
	return n;
}

beforeAll(async () => {
	t = await createTestDatabase({ max: 20 });
	call = apiCaller(t.db);
	ws = await createWorkspace(t.sql, 'one-call');
	other = await createWorkspace(t.sql, 'one-call-other');
	key = await createKey(t.db, ws);
	userId = await createUser(t.sql);
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${ws.organizationId}, ${userId}, 'operator')`;
	await t.sql`select public.set_verified_phone(${userId}, ${sealedPhoneText('+14155550111')}::public.sealed_phone)`;
	await t.sql`insert into public.sms_templates (organization_id, template_key, name, message_template, template_vars, notification_type)
		values (${ws.organizationId}, 'brief', 'Brief', 'Your brief: {{count}} tasks', '["count"]', 'daily_brief')`;
	// Another workspace's template with the same key must never be the one rendered.
	await t.sql`insert into public.sms_templates (organization_id, template_key, name, message_template, template_vars, notification_type)
		values (${other.organizationId}, 'brief', 'Theirs', 'THEIR TEXT {{count}}', '["count"]', 'daily_brief')`;
	[{ id: theirContact }] = await t.sql`insert into public.contacts ${t.sql({ organization_id: other.organizationId, name: 'T', ...phoneColumns('+14155550999') })} returning id`;
});
afterAll(async () => t?.close());

describe('POST /messages in one call', () => {
	it('answers the key refusal before a body problem, as every operation does', async () => {
		const unknown = `sk_live_${'Z'.repeat(8)}_${'Y'.repeat(32)}`;
		const bad = await call('sendMessage', { path: '/messages', key: unknown, body: { to: { phone: 'nope' }, body: 'x' } });
		expect(bad.status).toBe(401);
		const readOnly = await createKey(t.db, ws, { scopes: ['messages:read'] });
		const broken = await call('sendMessage', { path: '/messages', key: readOnly.secret, rawBody: '{"to":' });
		expect(broken.status).toBe(403);
		const scoped = await call('sendMessage', { path: '/messages', key: readOnly.secret, body: { to: { phone: '+14155550123' }, body: 'x' } });
		expect(scoped.status).toBe(403);
		expect(scoped.json.detail).toMatch(/messages:write/);
	});

	it("renders the key's workspace's template and answers dates as toISOString writes them", async () => {
		const res = await call('sendMessage', { path: '/messages', key: key.secret, body: { to: { userId }, template: 'brief', variables: { count: 3 } } });
		expect(res.status).toBe(202);
		expect(res.json).toMatchObject({ status: 'pending', statusReason: null, sendAt: null, to: { userId, contactId: null, externalId: null, phone: '+14155550111' } });
		expect(res.json.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
		const [m] = await t.sql`select message_content, created_at from public.sms_messages where id = ${res.json.id as string}`;
		expect(m.message_content).toBe('Your brief: 3 tasks');
		expect(res.json.createdAt).toBe((m.created_at as Date).toISOString());
	});

	it('a text to a new number that the database refuses leaves no contact behind', async () => {
		const res = await call('sendMessage', { path: '/messages', key: key.secret, body: { to: { phone: '+14155550777' }, body: 'x', type: 'no_such_type' } });
		expect(res.status).toBe(422);
		expect(res.json.field).toBe('type');
		expect(await contactsWith('+14155550777')).toBe(0);
	});

	it('a key over its rate is refused before the database once its rate is known', async () => {
		const slow = await createKey(t.db, ws, { ratePerSecond: 1 });
		const first = await call('sendMessage', { path: '/messages', key: slow.secret, body: { to: { phone: '+14155550124' }, body: 'a' } });
		expect(first.status).toBe(202);
		const [{ n: before }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages`;
		const second = await call('sendMessage', { path: '/messages', key: slow.secret, body: { to: { phone: '+14155550124' }, body: 'b' } });
		expect(second.status).toBe(429);
		expect(second.headers.get('retry-after')).toBe('1');
		const [{ n: after }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages`;
		expect(after).toBe(before);
	});
});

describe('POST /messages arriving together', () => {
	const together = async (bodies: Record<string, unknown>[]) => Promise.all(bodies.map((body) => call('sendMessage', { path: '/messages', key: key.secret, body })));
	const textsTo = (contactId: string) =>
		t.sql<{ id: string; message_content: string; xid: string }[]>`
			select id, message_content, xmin::text as xid from public.sms_messages where contact_id = ${contactId}`;

	it('are written together, fewer commits than texts, each answered with its own text', async () => {
		const [c] = await t.sql<{ id: string }[]>`
			insert into public.contacts ${t.sql({ organization_id: ws.organizationId, name: 'Together', ...phoneColumns('+14155550601') })} returning id`;
		const bodies = Array.from({ length: 30 }, (_, i) => ({ to: { contactId: c.id }, body: `together ${i}` }));
		const answers = await together(bodies);
		expect(answers.every((a) => a.status === 202)).toBe(true);
		const texts = await textsTo(c.id);
		const byId = new Map(texts.map((m) => [m.id, m.message_content]));
		expect(answers.map((a) => byId.get(a.json.id as string))).toEqual(bodies.map((b) => b.body));
		// xmin is the inserting transaction: texts sharing one were committed together.
		expect(new Set(texts.map((m) => m.xid)).size).toBeLessThan(texts.length);
	});

	it('a request the database refuses fails alone; the others are queued once', async () => {
		const [c] = await t.sql<{ id: string }[]>`
			insert into public.contacts ${t.sql({ organization_id: ws.organizationId, name: 'Mixed', ...phoneColumns('+14155550602') })} returning id`;
		const bad = new Map<number, Record<string, unknown>>([
			[7, { to: { contactId: theirContact }, body: 'together 7' }],
			[13, { to: { contactId: c.id }, body: 'together 13', type: 'no_such_type' }]
		]);
		const bodies = Array.from({ length: 30 }, (_, i) => bad.get(i) ?? { to: { contactId: c.id }, body: `together ${i}` });
		const answers = await together(bodies);
		expect(answers.map((a) => a.status)).toEqual(bodies.map((_, i) => (bad.has(i) ? 422 : 202)));
		expect(answers[7].json.field).toBe('to.contactId');
		expect(answers[13].json.field).toBe('type');
		const texts = await textsTo(c.id);
		expect(texts.map((m) => m.message_content).sort()).toEqual(bodies.filter((_, i) => !bad.has(i)).map((b) => b.body as string).sort());
		expect(new Set(texts.map((m) => m.id))).toEqual(new Set(answers.filter((a) => a.status === 202).map((a) => a.json.id)));
	});
});

describe('POST /messages/batch in one call', () => {
	it('answers every kind of text on its own, in order, and queues only the good ones', async () => {
		const [{ n: before }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where organization_id = ${ws.organizationId}`;
		const res = await batch([
			{ to: { phone: '+14155550301' }, body: 'plain', metadata: { run: 'b1' } },
			{ to: { externalId: 'crm-b', name: 'Bea', phone: '+14155550302' }, body: 'upserted' },
			{ to: { externalId: 'crm-b' }, body: 'by external id' },
			{ to: { userId }, template: 'brief', variables: { count: 7 } },
			{ to: { userId }, template: 'brief', variables: {} },
			{ to: { phone: '+14155550303' }, body: 'x', type: 'no_such_type' },
			{ to: { contactId: theirContact }, body: 'not yours' },
			{ to: { externalId: 'ghost' }, body: 'nobody' },
			{ to: { phone: 'bad' }, body: 'x' },
			{ to: { phone: '+14155550301' }, template: 'nope' }
		]);
		expect(res.status).toBe(200);
		expect(res.json).toMatchObject({ accepted: 4, rejected: 6 });
		const results = res.json.results as { index: number; ok: boolean; message?: Record<string, unknown>; problem?: { field: string; status: number } }[];
		expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(results.map((r) => r.ok)).toEqual([true, true, true, true, false, false, false, false, false, false]);
		expect(results.slice(4).map((r) => r.problem?.field)).toEqual([
			'messages.4.variables.count',
			'messages.5.type',
			'messages.6.to.contactId',
			'messages.7.to.externalId',
			'messages.8.to.phone',
			'messages.9.template'
		]);
		expect(results.slice(4).every((r) => r.problem?.status === 422)).toBe(true);
		expect(results[1].message?.to).toMatchObject({ externalId: 'crm-b', phone: '+14155550302' });
		expect((results[2].message?.to as { contactId: string }).contactId).toBe((results[1].message?.to as { contactId: string }).contactId);
		const [brief] = await t.sql`select message_content from public.sms_messages where id = ${results[3].message?.id as string}`;
		expect(brief.message_content).toBe('Your brief: 7 tasks');
		const [{ n: after }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where organization_id = ${ws.organizationId}`;
		expect(after - before).toBe(4);
		// The refused text to a new number created no contact; the accepted one did.
		expect(await contactsWith('+14155550303')).toBe(0);
		expect(await contactsWith('+14155550301')).toBe(1);
		const got = await call('getMessage', { method: 'GET', path: `/messages/${results[0].message?.id}`, params: { id: results[0].message?.id as string }, key: key.secret });
		expect(got.json.metadata).toEqual({ run: 'b1' });
	});

	it('when queue_sms_messages_bulk still refuses a text, answers it as refused and queues the rest without it', async () => {
		// The contact vanishes after the batch's own checks passed and before the bulk call (as a
		// concurrent DELETE /contacts would make it): a trigger on the batch's creation of a contact
		// for a new number, which comes between the two, deletes it.
		const [x] = await t.sql<{ id: string }[]>`
			insert into public.contacts ${t.sql({ organization_id: ws.organizationId, name: 'Vanishing', ...phoneColumns('+14155550700') })} returning id`;
		await t.sql.unsafe(`
			create function public.test_vanish_contact() returns trigger language plpgsql as $$
			begin delete from public.contacts where id = '${x.id}'; return null; end $$;
			create trigger test_vanish_contact after insert on public.contacts for each statement execute function public.test_vanish_contact();`);
		try {
			const res = await batch([
				{ to: { contactId: x.id }, body: 'to the vanished' },
				{ to: { phone: '+14155550701' }, body: 'first new number' },
				{ to: { phone: '+14155550702' }, body: 'second new number' }
			]);
			expect(res.status).toBe(200);
			expect(res.json).toMatchObject({ accepted: 2, rejected: 1 });
			const results = res.json.results as { index: number; ok: boolean; message?: { id: string }; problem?: { status: number; errors: { field: string; code: string; message: string }[] } }[];
			expect(results.map((r) => r.ok)).toEqual([false, true, true]);
			expect(results[0].problem?.status).toBe(422);
			expect(results[0].problem?.errors).toEqual([{ field: 'messages.0.to.contactId', code: 'not_found', message: `no contact ${x.id} in this workspace` }]);
			// The others were queued, each under the id it was answered with.
			const texts = await t.sql<{ id: string; message_content: string }[]>`
				select id, message_content from public.sms_messages where id in ${t.sql([results[1].message!.id, results[2].message!.id])}`;
			expect(Object.fromEntries(texts.map((m) => [m.id, m.message_content]))).toEqual({
				[results[1].message!.id]: 'first new number',
				[results[2].message!.id]: 'second new number'
			});
			const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where message_content = 'to the vanished'`;
			expect(n).toBe(0);
		} finally {
			await t.sql.unsafe('drop trigger test_vanish_contact on public.contacts; drop function public.test_vanish_contact()');
		}
	});


	it('answers each queued text as it was stored (status, send time, creation, number), on the fast and the general path', async () => {
		// The answer is made from what the write wrote, not read back: it must agree with the row.
		const [{ id: known }] = await t.sql<{ id: string }[]>`
			insert into public.contacts ${t.sql({ organization_id: ws.organizationId, name: 'Known', external_id: 'crm-stored', ...phoneColumns('+14155550851') })} returning id`;
		const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
		const fast = [
			{ to: { contactId: known }, body: 'now' },
			{ to: { externalId: 'crm-stored' }, body: 'later', sendAt: later, priority: 'high', type: 'urgent_alert' },
			{ to: { phone: '+14155550852' }, body: 'to a new number' }
		];
		for (const messages of [fast, [...fast, { to: { userId }, template: 'brief', variables: { count: 2 } }]]) {
			const res = await batch(messages);
			expect(res.status).toBe(200);
			const results = res.json.results as { ok: boolean; message: { id: string; status: string; statusReason: string | null; sendAt: string | null; createdAt: string; to: { phone: string } } }[];
			expect(results.every((r) => r.ok)).toBe(true);
			const rows = await t.sql<{ id: string; status: string; status_reason: string | null; scheduled_for: Date | null; created_at: Date; phone_enc: string; priority: string; notification_type: string }[]>`
				select id, status, status_reason, scheduled_for, created_at, phone_enc, priority, notification_type
				from public.sms_messages where id in ${t.sql(results.map((r) => r.message.id))}`;
			const byId = new Map(rows.map((m) => [m.id, m]));
			for (const { message } of results) {
				const row = byId.get(message.id)!;
				expect(message).toMatchObject({
					status: row.status,
					statusReason: row.status_reason,
					sendAt: row.scheduled_for?.toISOString() ?? null,
					createdAt: row.created_at.toISOString(),
					to: { phone: openPhone(row.phone_enc) }
				});
			}
			expect(results.map((r) => r.message.status)).toEqual(messages.map((_, i) => (i === 1 ? 'scheduled' : 'pending')));
			expect(results[1].message.statusReason).toBe('requested');
			expect(byId.get(results[1].message.id)).toMatchObject({ priority: 'high', notification_type: 'urgent_alert' });
			expect(results[2].message.to.phone).toBe('+14155550852');
		}
	});
	it('replays a batch word for word under its Idempotency-Key, and refuses another body with it', async () => {
		const messages = [{ to: { phone: '+14155550401' }, body: 'once' }, { to: { externalId: 'ghost-2' }, body: 'refused' }];
		const first = await batch(messages, { headers: { 'idempotency-key': 'batch-1' } });
		const again = await batch(messages, { headers: { 'idempotency-key': 'batch-1' } });
		expect(again.headers.get('idempotent-replayed')).toBe('true');
		expect(again.json).toEqual(first.json);
		expect((again.json.results as { problem?: { field: string } }[])[1].problem?.field).toBe('messages.1.to.externalId');
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where message_content = 'once'`;
		expect(n).toBe(1);
		const other = await batch([{ to: { phone: '+14155550401' }, body: 'twice' }], { headers: { 'idempotency-key': 'batch-1' } });
		expect(other.status).toBe(409);
	});

	it('20 concurrent identical batches queue their texts once', async () => {
		const messages = [{ to: { phone: '+14155550501' }, body: 'concurrent batch' }];
		const all = await Promise.all(Array.from({ length: 20 }, () => batch(messages, { headers: { 'idempotency-key': 'batch-20' } })));
		for (const r of all) expect(r.json).toEqual(all[0].json);
		expect(all.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
		const [{ n }] = await t.sql<{ n: number }[]>`select count(*)::int as n from public.sms_messages where message_content = 'concurrent batch'`;
		expect(n).toBe(1);
	});
});

describe('numbers sealed at rest (issue 11)', () => {
	it('a text to a new number creates its contact by blind index, with no name and the number sealed; the answer opens it', async () => {
		const res = await call('sendMessage', { path: '/messages', key: key.secret, body: { to: { phone: '+14155550811' }, body: 'sealed one' }, headers: { 'idempotency-key': 'sealed-1' } });
		expect(res.status).toBe(202);
		expect((res.json.to as { phone: string }).phone).toBe('+14155550811');
		expect(res.json.to).not.toHaveProperty('phoneLast4');
		const contacts = await t.sql<{ id: string; name: string | null; phone_enc: string; phone_last4: string; calling_code: string }[]>`
			select id, name, phone_enc, phone_last4, calling_code from public.contacts where phone_hash = ${phoneHash('+14155550811')}`;
		expect(contacts).toHaveLength(1);
		expect(contacts[0]).toMatchObject({ id: (res.json.to as { contactId: string }).contactId, name: null, phone_last4: '0811', calling_code: '1' });
		expect(openPhone(contacts[0].phone_enc)).toBe('+14155550811');
		const [m] = await t.sql<{ phone_enc: string; phone_hash: string }[]>`select phone_enc, phone_hash from public.sms_messages where id = ${res.json.id as string}`;
		expect(m.phone_hash).toBe(phoneHash('+14155550811'));
		expect(m.phone_enc).toBe(contacts[0].phone_enc);
		// The kept answer holds the number sealed; its replay opens it again.
		const [kept] = await t.sql<{ body: string }[]>`
			select response_body::text as body from public.api_idempotency_keys where organization_id = ${ws.organizationId} and idempotency_key = 'sealed-1'`;
		expect(kept.body).not.toContain('4155550811');
		const again = await call('sendMessage', { path: '/messages', key: key.secret, body: { to: { phone: '+14155550811' }, body: 'sealed one' }, headers: { 'idempotency-key': 'sealed-1' } });
		expect(again.json).toEqual(res.json);
		// A second text to the number finds the same contact.
		const second = await call('sendMessage', { path: '/messages', key: key.secret, body: { to: { phone: '+14155550811' }, body: 'sealed two' } });
		expect((second.json.to as { contactId: string }).contactId).toBe(contacts[0].id);
		expect(await contactsWith('+14155550811')).toBe(1);
	});

	it('a batch to new numbers (twice the same) creates one contact each, nameless, and keeps its answer sealed', async () => {
		const messages = [
			{ to: { phone: '+14155550821' }, body: 'b1' },
			{ to: { phone: '+14155550822' }, body: 'b2' },
			{ to: { phone: '+14155550821' }, body: 'b3' }
		];
		const res = await batch(messages, { headers: { 'idempotency-key': 'sealed-batch' } });
		expect(res.status).toBe(200);
		const results = res.json.results as { ok: boolean; message: { to: { phone: string; contactId: string } } }[];
		expect(results.map((r) => r.message.to.phone)).toEqual(['+14155550821', '+14155550822', '+14155550821']);
		expect(results[0].message.to.contactId).toBe(results[2].message.to.contactId);
		const rows = await t.sql<{ name: string | null; phone_hash: string }[]>`
			select name, phone_hash from public.contacts where organization_id = ${ws.organizationId}
			  and phone_hash in ${t.sql([phoneHash('+14155550821'), phoneHash('+14155550822')])}`;
		expect(rows).toHaveLength(2);
		expect(rows.every((r) => r.name === null)).toBe(true);
		const [kept] = await t.sql<{ body: string }[]>`
			select response_body::text as body from public.api_idempotency_keys where organization_id = ${ws.organizationId} and idempotency_key = 'sealed-batch'`;
		expect(kept.body).not.toMatch(/415555082[12]/);
		const again = await batch(messages, { headers: { 'idempotency-key': 'sealed-batch' } });
		expect(again.json).toEqual(res.json);
	});

	it('a batch with a template to a new number (the general path) seals it too', async () => {
		const res = await batch([{ to: { phone: '+14155550831' }, template: 'brief', variables: { count: 2 } }, { to: { userId }, body: 'to the user' }]);
		const results = res.json.results as { ok: boolean; message: { to: { phone: string } } }[];
		expect(results.map((r) => r.ok)).toEqual([true, true]);
		expect(results.map((r) => r.message.to.phone)).toEqual(['+14155550831', '+14155550111']);
		const [c] = await t.sql<{ name: string | null }[]>`select name from public.contacts where organization_id = ${ws.organizationId} and phone_hash = ${phoneHash('+14155550831')}`;
		expect(c.name).toBeNull();
	});

	it('PUT /contacts seals the number and GET /messages?phone= finds texts by it', async () => {
		const put = await call('putContact', { method: 'PUT', path: '/contacts/sealed-c', params: { externalId: 'sealed-c' }, key: key.secret, body: { name: 'Sealy', phone: '+447700900841' } });
		expect(put.status).toBe(201);
		expect(put.json.phone).toBe('+447700900841');
		const [c] = await t.sql<{ phone_enc: string; calling_code: string }[]>`select phone_enc, calling_code from public.contacts where organization_id = ${ws.organizationId} and external_id = 'sealed-c'`;
		expect(openPhone(c.phone_enc)).toBe('+447700900841');
		expect(c.calling_code).toBe('44');
		const sent = await call('sendMessage', { path: '/messages', key: key.secret, body: { to: { externalId: 'sealed-c' }, body: 'find me' } });
		expect(sent.status).toBe(202);
		const list = await call('listMessages', { method: 'GET', path: '/messages?phone=%2B447700900841', key: key.secret });
		expect(list.status).toBe(200);
		const data = list.json.data as { id: string; to: { phone: string } }[];
		expect(data.map((m) => m.id)).toEqual([sent.json.id]);
		expect(data[0].to.phone).toBe('+447700900841');
		const got = await call('getMessage', { method: 'GET', path: `/messages/${sent.json.id}`, params: { id: sent.json.id as string }, key: key.secret });
		expect((got.json.to as { phone: string }).phone).toBe('+447700900841');
	});
});
