import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, chmod } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import { createDb, migrate } from '@sms/db';
import { startEmbeddedPostgres } from '@sms/db/embedded';
const base = await mkdtemp(path.join(os.tmpdir(), 'prof-')); await chmod(base, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false, maxConnections: 100 });
const a = createDb({ url: pg.url('postgres'), max: 1 }); await a.sql.unsafe('create database bench'); await a.end();
const db = createDb({ url: pg.url('bench'), max: 20 });
const one = (await import('postgres')).default(pg.url('bench'), { max: 1, onnotice: (n: any) => console.log(String(n.message).slice(0, 12000)) });
await migrate(db.sql);
const [{ id: owner }] = await db.sql`insert into auth.users (email, email_confirmed_at) values ('o@b.example', now()) returning id`;
const [{ id: org }] = await db.sql`insert into public.organizations (slug, name) values ('bench', 'Bench') returning id`;
await db.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${owner}, 'owner')`;
const visible = randomBytes(8).toString('hex').slice(0, 8);
const key = `sk_live_${visible}_${randomBytes(16).toString('hex')}`;
const hash = createHash('sha256').update(key).digest('hex');
await db.asUser({ sub: owner }, (tx) => tx`select public.create_api_key(${org}::uuid, 'bench', '{messages:write}', ${`sk_live_${visible}`}, ${hash}, 1000)`);
const contacts = await db.sql<{ id: string }[]>`insert into public.contacts (organization_id, name, phone_number) select ${org}, 'c' || g, '+1415' || lpad((2000000 + g)::text, 7, '0') from generate_series(0, 499) g returning id`;
const phone = (i: number) => `+1415${String(2000000 + (i % 500)).padStart(7, '0')}`;
async function time(name: string, n: number, conc: number, op: (i: number) => Promise<unknown>) {
  let next = 0; const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => { while (next < n) await op(next++); }));
  const s = (performance.now() - t0) / 1000; console.log(name, 'conc', conc, (n / s).toFixed(1), '/s');
}
for (const conc of process.env.SKIP ? [] : [1, 20]) {
  await time('direct', 400, conc, (i) => db.sql`select public.queue_sms_message(null, null, ${`SQL text ${i}`}, p_contact_id => ${contacts[i % 500].id}::uuid)`);
  await time('api_send_message', 400, conc, (i) => db.sql`select public.api_send_message(${hash}, ${'sk_live_' + visible}, null, ${db.sql.json({ to: { phone: phone(i) }, body: `API ${i}`, priority: 'normal', metadata: { i } })}, null, null)`);
  await time('api_send_message+idem', 400, conc, (i) => db.sql`select public.api_send_message(${hash}, ${'sk_live_' + visible}, null, ${db.sql.json({ to: { phone: phone(i) }, body: `API ${i}`, priority: 'normal', metadata: { i } })}, ${'k' + conc + '-' + i}, 'fp')`);
}
const rows = contacts.concat(contacts).slice(0, 1000).map((c, i) => ({ contact_id: c.id, organization_id: org, message: `bulk ${i}` }));
const items = Array.from({ length: 1000 }, (_, i) => ({ index: i, message: { to: { phone: phone(i) }, body: `b ${i}`, priority: 'normal' } }));
for (let r = 0; r < 3; r++) {
  let t = performance.now(); await db.sql`select count(*) from public.queue_sms_messages_bulk(${db.sql.json(rows)})`; console.log('bulk', (performance.now() - t).toFixed(0), 'ms');
  t = performance.now(); if (r === 2) { await one`load 'auto_explain'`; await one`set auto_explain.log_min_duration = 100`; await one`set auto_explain.log_nested_statements = on`; await one`set auto_explain.log_analyze = on`; await one`set client_min_messages = log`; } await one`select public.api_send_batch(${hash}, ${'sk_live_' + visible}, null, ${db.sql.json(items)}, null, null)`; console.log('api_send_batch', (performance.now() - t).toFixed(0), 'ms');
}
await one.end(); await db.end(); await pg.stop();
