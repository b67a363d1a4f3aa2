import { createTestDatabase, createUser, sealedPhoneText, type TestDatabase } from '@sms/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from './keys.ts';
import { apiCaller, createKey, createWorkspace } from './test-support.ts';

let t: TestDatabase;
let call: ReturnType<typeof apiCaller>;
let ws: { organizationId: string; ownerId: string };
let other: { organizationId: string; ownerId: string };
let key: Awaited<ReturnType<typeof createKey>>;
let userId: string;

const PHONE = '+14155552671';
const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
const send = (body: unknown, o: { key?: string | null; headers?: Record<string, string> } = {}) =>
	call('sendMessage', { path: '/messages', body, key: o.key === undefined ? key.secret : o.key, headers: o.headers });

async function counts() {
	const [c] = await t.sql<{ messages: number; jobs: number; contacts: number; metadata: number }[]>`
		select (select count(*)::int from public.sms_messages) as messages,
		       (select count(*)::int from public.queue_jobs) as jobs,
		       (select count(*)::int from public.contacts) as contacts,
		       (select count(*)::int from public.api_message_metadata) as metadata`;
	return c;
}

beforeAll(async () => {
	t = await createTestDatabase({ max: 30 });
	call = apiCaller(t.db);
	ws = await createWorkspace(t.sql, 'acme');
	other = await createWorkspace(t.sql, 'other-co');
	key = await createKey(t.db, ws);
	userId = await createUser(t.sql);
	await t.sql`insert into public.organization_members (organization_id, user_id, role) values (${ws.organizationId}, ${userId}, 'viewer')`;
	await t.sql`select public.set_verified_phone(${userId}, ${sealedPhoneText('+14155550100')}::public.sealed_phone)`;
	// Templates belong to a workspace: this one is the key's.
	await t.sql`insert into public.sms_templates (organization_id, template_key, name, message_template, template_vars, notification_type)
		values (${ws.organizationId}, 'task_due', 'Task due', 'Reminder: {{task}} is due {{due}}', '["task","due"]', 'task_reminder')`;
});
afterAll(async () => t?.close());

describe('API keys', () => {
	let before: Awaited<ReturnType<typeof counts>>;
	beforeEach(async () => {
		before = await counts();
	});
	const ok = { to: { phone: PHONE }, body: 'hello' };

	it('refuses a missing, malformed or unknown key with 401 problem+json, writing nothing', async () => {
		for (const k of [null, 'sk_live_nope', `sk_live_${'A'.repeat(8)}_${'B'.repeat(32)}`]) {
			const res = await send(ok, { key: k });
			expect(res.status).toBe(401);
			expect(res.headers.get('content-type')).toBe('application/problem+json');
			expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
			expect(res.json).toMatchObject({ status: 401, type: '/docs/api#problem-unauthorized' });
		}
		expect(await counts()).toEqual(before);
	});

	it('refuses a revoked key at once', async () => {
		const k = await createKey(t.db, ws);
		expect((await send(ok, { key: k.secret })).status).toBe(202);
		await t.db.asUser({ sub: ws.ownerId }, (tx) => tx`select public.revoke_api_key(${k.id})`);
		before = await counts();
		expect((await send(ok, { key: k.secret })).status).toBe(401);
		expect(await counts()).toEqual(before);
		const [audit] = await t.sql`select action, actor_id from public.audit_log where target_id = ${k.id} and action = 'api_key.revoked'`;
		expect(audit).toMatchObject({ actor_id: ws.ownerId });
	});

	it('refuses a key without the scope with 403 and names the scope', async () => {
		const readOnly = await createKey(t.db, ws, { scopes: ['messages:read'] });
		const res = await send(ok, { key: readOnly.secret });
		expect(res.status).toBe(403);
		expect(res.json.detail).toMatch(/messages:write/);
		expect(await counts()).toEqual(before);
		const contactsOnly = await createKey(t.db, ws, { scopes: ['contacts:write'] });
		expect((await call('listMessages', { method: 'GET', path: '/messages', key: contactsOnly.secret })).status).toBe(403);
	});

	it("never reaches another workspace's texts or contacts", async () => {
		const theirs = await createKey(t.db, other);
		const mine = await send({ to: { externalId: 'crm-9', name: 'Ada', phone: '+447700900123' }, body: 'hi' });
		expect(mine.status).toBe(202);
		const id = mine.json.id as string;
		const contactId = (mine.json.to as { contactId: string }).contactId;
		expect((await call('getMessage', { method: 'GET', path: `/messages/${id}`, params: { id }, key: theirs.secret })).status).toBe(404);
		expect((await call('cancelMessage', { path: `/messages/${id}/cancel`, params: { id }, key: theirs.secret })).status).toBe(404);
		const list = await call('listMessages', { method: 'GET', path: '/messages', key: theirs.secret });
		expect(list.json.data).toEqual([]);
		before = await counts();
		const res = await send({ to: { contactId }, body: 'x' }, { key: theirs.secret });
		expect(res.status).toBe(422);
		expect(res.json.field).toBe('to.contactId');
		const user = await send({ to: { userId }, body: 'x' }, { key: theirs.secret });
		expect(user.json.field).toBe('to.userId');
		expect((await call('deleteContact', { method: 'DELETE', path: '/contacts/crm-9', params: { externalId: 'crm-9' }, key: theirs.secret })).status).toBe(404);
		expect(await counts()).toEqual(before);
	});

	it('stores the hash and the visible prefix, never the secret', async () => {
		const rows = await t.sql<{ row: string; secret_hash: string; prefix: string }[]>`
			select row_to_json(k)::text as row, secret_hash, prefix from public.api_keys k where id = ${key.id}`;
		expect(rows[0].secret_hash).toBe(hashApiKey(key.secret));
		expect(key.secret.startsWith(rows[0].prefix)).toBe(true);
		const secretPart = key.secret.slice(rows[0].prefix.length + 1);
		const [{ found }] = await t.sql<{ found: boolean }[]>`
			select exists (select 1 from public.api_keys k where row_to_json(k)::text like ${'%' + secretPart + '%'})
			    or exists (select 1 from public.audit_log a where row_to_json(a)::text like ${'%' + secretPart + '%'}) as found`;
		expect(found).toBe(false);
	});

	it('answers 429 with Retry-After beyond the per-key rate', async () => {
		const slow = await createKey(t.db, ws, { ratePerSecond: 2 });
		const statuses = [];
		for (let i = 0; i < 4; i++) statuses.push(await send(ok, { key: slow.secret }));
		expect(statuses.map((r) => r.status)).toEqual([202, 202, 429, 429]);
		expect(Number(statuses[2].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
	});
});

describe('Idempotency-Key', () => {
	it('20 concurrent identical requests queue one text and all get the same answer', async () => {
		const before = await counts();
		const body = { to: { phone: '+14155552672' }, body: 'Only once', metadata: { run: 'idem' } };
		const results = await Promise.all(Array.from({ length: 20 }, () => send(body, { headers: { 'idempotency-key': 'order-42' } })));
		expect(new Set(results.map((r) => r.status))).toEqual(new Set([202]));
		expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
		expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
		const after = await counts();
		expect(after.messages - before.messages).toBe(1);
		expect(after.jobs - before.jobs).toBe(1);
	});

	it('the same key with a different body is 409 and writes nothing', async () => {
		expect((await send({ to: { phone: PHONE }, body: 'A' }, { headers: { 'idempotency-key': 'k-2' } })).status).toBe(202);
		const before = await counts();
		const res = await send({ to: { phone: PHONE }, body: 'B' }, { headers: { 'idempotency-key': 'k-2' } });
		expect(res.status).toBe(409);
		expect(res.json.type).toBe('/docs/api#problem-idempotency-key-reused');
		expect(await counts()).toEqual(before);
	});

	it('keys are per workspace, and a refused request keeps no answer', async () => {
		const theirs = await createKey(t.db, other);
		const a = await send({ to: { phone: PHONE }, body: 'A' }, { headers: { 'idempotency-key': 'shared' } });
		const b = await send({ to: { phone: PHONE }, body: 'A' }, { key: theirs.secret, headers: { 'idempotency-key': 'shared' } });
		expect(a.json.id).not.toBe(b.json.id);
		const bad = await send({ to: { phone: PHONE }, template: 'nope' }, { headers: { 'idempotency-key': 'fix-me' } });
		expect(bad.status).toBe(422);
		const fixed = await send({ to: { phone: PHONE }, body: 'fixed' }, { headers: { 'idempotency-key': 'fix-me' } });
		expect(fixed.status).toBe(202);
	});
});

describe('validation: problem+json naming the field, nothing written', () => {
	it.each([
		['a phone that is not one', { to: { phone: '12345' }, body: 'x' }, 'to.phone'],
		['an unknown template', { to: { phone: PHONE }, template: 'no_such_template', variables: {} }, 'template'],
		['a missing variable', { to: { phone: PHONE }, template: 'task_due', variables: { task: 'Report' } }, 'variables.due'],
		['sendAt in the past', { to: { phone: PHONE }, body: 'x', sendAt: days(-1) }, 'sendAt'],
		['sendAt beyond 35 days', { to: { phone: PHONE }, body: 'x', sendAt: days(36) }, 'sendAt'],
		['an unknown notification type', { to: { phone: PHONE }, body: 'x', type: 'nonexistent' }, 'type'],
		['an unknown external id', { to: { externalId: 'ghost' }, body: 'x' }, 'to.externalId'],
		['a user outside the workspace', { to: { userId: '00000000-0000-4000-8000-000000000000' }, body: 'x' }, 'to.userId']
	])('%s', async (_what, body, field) => {
		const before = await counts();
		const res = await send(body);
		expect(res.status).toBe(422);
		expect(res.headers.get('content-type')).toBe('application/problem+json');
		expect(res.json.field).toBe(field);
		expect(res.json.detail).toContain(field);
		expect(await counts()).toEqual(before);
	});

	it('a 2 MB body is 413 and a broken one 400', async () => {
		const before = await counts();
		const big = await send({ to: { phone: PHONE }, body: 'x', metadata: { pad: 'x'.repeat(2 * 1024 * 1024) } });
		expect(big.status).toBe(413);
		expect(big.json.type).toBe('/docs/api#problem-payload-too-large');
		const broken = await call('sendMessage', { path: '/messages', key: key.secret, rawBody: '{"to":' });
		expect(broken.status).toBe(400);
		const wrongType = await call('sendMessage', { path: '/messages', key: key.secret, rawBody: 'to=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		expect(wrongType.status).toBe(415);
		expect(await counts()).toEqual(before);
	});

	it('a batch of 1,001 is refused naming messages', async () => {
		const before = await counts();
		const res = await call('sendBatch', { path: '/messages/batch', key: key.secret, body: { messages: Array(1001).fill({ to: { phone: PHONE }, body: 'x' }) } });
		expect(res.status).toBe(422);
		expect(res.json.field).toBe('messages');
		expect(await counts()).toEqual(before);
	});
});

describe('messages', () => {
	it('queues to a user, a contact by external id (upserted) and a bare phone, with the template rendered', async () => {
		const toUser = await send({ to: { userId }, template: 'task_due', variables: { task: 'Report', due: 'at 3 pm' }, priority: 'high' });
		expect(toUser.status).toBe(202);
		expect(toUser.json).toMatchObject({ status: 'pending', to: { userId, phone: '+14155550100' } });
		const [m] = await t.sql`select message_content, notification_type, organization_id, priority from public.sms_messages where id = ${toUser.json.id as string}`;
		expect(m).toEqual({ message_content: 'Reminder: Report is due at 3 pm', notification_type: 'task_reminder', organization_id: ws.organizationId, priority: 'high' });

		const later = await send({ to: { externalId: 'crm-1', name: 'Bo', phone: '+447700900124', attributes: { plan: 'pro' } }, body: 'Brief ready', sendAt: days(1), metadata: { eventId: 'evt_1' } });
		expect(later.json).toMatchObject({ status: 'scheduled', to: { externalId: 'crm-1', phone: '+447700900124' } });
		const again = await send({ to: { externalId: 'crm-1' }, body: 'Second' });
		expect((again.json.to as { contactId: string }).contactId).toBe((later.json.to as { contactId: string }).contactId);

		const got = await call('getMessage', { method: 'GET', path: `/messages/${later.json.id}`, params: { id: later.json.id as string }, key: key.secret });
		expect(got.json).toMatchObject({ id: later.json.id, verdict: 'pending', metadata: { eventId: 'evt_1' }, body: 'Brief ready', events: [] });
	});

	it('lists newest first with a cursor and filters by metadata, status and recipient', async () => {
		for (let i = 0; i < 5; i++) await send({ to: { externalId: 'list-me', phone: '+14155552690' }, body: `n${i}`, metadata: { batch: 'L', i } });
		const page1 = await call('listMessages', { method: 'GET', path: '/messages?externalId=list-me&limit=3', key: key.secret });
		expect(page1.status).toBe(200);
		const data1 = page1.json.data as { body: string }[];
		expect(data1.map((m) => m.body)).toEqual(['n4', 'n3', 'n2']);
		const page2 = await call('listMessages', { method: 'GET', path: `/messages?externalId=list-me&limit=3&cursor=${page1.json.nextCursor}`, key: key.secret });
		expect((page2.json.data as { body: string }[]).map((m) => m.body)).toEqual(['n1', 'n0']);
		expect(page2.json.nextCursor).toBeNull();
		const byMeta = await call('listMessages', { method: 'GET', path: '/messages?metadata%5Bbatch%5D=L&metadata%5Bi%5D=2', key: key.secret });
		expect((byMeta.json.data as { body: string }[]).map((m) => m.body)).toEqual(['n2']);
		const bad = await call('listMessages', { method: 'GET', path: '/messages?status=lost', key: key.secret });
		expect(bad.json.field).toBe('status');
	});

	it('cancels a pending text, and says 409 once it is no longer cancelable', async () => {
		const s = await send({ to: { phone: PHONE }, body: 'cancel me', sendAt: days(2) });
		const id = s.json.id as string;
		const c = await call('cancelMessage', { path: `/messages/${id}/cancel`, params: { id }, key: key.secret });
		expect(c.json).toMatchObject({ status: 'canceled', verdict: 'not_sent' });
		const s2 = await send({ to: { phone: PHONE }, body: 'already sent' });
		await t.sql`update public.sms_messages set status = 'sent' where id = ${s2.json.id as string}`;
		const c2 = await call('cancelMessage', { path: `/messages/${s2.json.id}/cancel`, params: { id: s2.json.id as string }, key: key.secret });
		expect(c2.status).toBe(409);
	});

	it('a batch answers per item: good ones queued, bad ones named by index', async () => {
		const before = await counts();
		const res = await call('sendBatch', {
			path: '/messages/batch',
			key: key.secret,
			body: { messages: [{ to: { phone: PHONE }, body: 'one' }, { to: { phone: 'nope' }, body: 'two' }, { to: { phone: PHONE }, template: 'missing' }, { to: { phone: PHONE }, body: 'four' }] }
		});
		expect(res.status).toBe(200);
		expect(res.json).toMatchObject({ accepted: 2, rejected: 2 });
		const results = res.json.results as { ok: boolean; problem?: { field: string } }[];
		expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
		expect(results[1].problem?.field).toBe('messages.1.to.phone');
		expect(results[2].problem?.field).toBe('messages.2.template');
		expect((await counts()).messages - before.messages).toBe(2);
	});
});

describe('contacts', () => {
	it('PUT creates (201) then updates (200); DELETE forgets the contact and keeps its texts redacted', async () => {
		const put = (body: unknown) => call('putContact', { method: 'PUT', path: '/contacts/ext-7', params: { externalId: 'ext-7' }, key: key.secret, body });
		const created = await put({ name: 'Cy', phone: '+447700900555', timeZone: 'Europe/London', attributes: { vip: true } });
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({ externalId: 'ext-7', name: 'Cy', timeZone: 'Europe/London', attributes: { vip: true } });
		const updated = await put({ name: 'Cyd', phone: '+447700900555' });
		expect(updated.status).toBe(200);
		expect(updated.json).toMatchObject({ name: 'Cyd', attributes: { vip: true } });
		const bad = await put({ phone: 'x' });
		expect(bad.json.field).toBe('phone');
		const texted = await send({ to: { externalId: 'ext-7' }, body: 'hi' });
		const del = await call('deleteContact', { method: 'DELETE', path: '/contacts/ext-7', params: { externalId: 'ext-7' }, key: key.secret });
		expect(del.status).toBe(204);
		// The person is gone; the text stays, canceled (it was not yet sent), without body or number.
		expect(await t.sql`select 1 from public.contacts where external_id = 'ext-7'`).toHaveLength(0);
		const [m] = await t.sql`select status, phone_enc, calling_code, message_content, contact_id from public.sms_messages where id = ${texted.json.id as string}`;
		expect(m).toEqual({ status: 'canceled', phone_enc: null, calling_code: '44', message_content: '[Text removed: the contact was forgotten]', contact_id: null });
		const [audit] = await t.sql`select after from public.audit_log where action = 'contact.forgotten' order by id desc limit 1`;
		expect(audit.after).toMatchObject({ texts_redacted: 1, texts_canceled: 1, by: 'api' });
		expect((await call('deleteContact', { method: 'DELETE', path: '/contacts/ext-7', params: { externalId: 'ext-7' }, key: key.secret })).status).toBe(404);
	});
});
