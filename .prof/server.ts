import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, chmod } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os'; import path from 'node:path';
import { createDb, migrate, repoRoot } from '@sms/db';
import { freePort, startEmbeddedPostgres } from '@sms/db/embedded';
const base = await mkdtemp(path.join(os.tmpdir(), 'prof-')); await chmod(base, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false, maxConnections: 100 });
const a = createDb({ url: pg.url('postgres'), max: 1 }); await a.sql.unsafe('create database bench'); await a.end();
const url = pg.url('bench');
const db = createDb({ url, max: 20 });
await migrate(db.sql);
const [{ id: owner }] = await db.sql`insert into auth.users (email, email_confirmed_at) values ('o@b.example', now()) returning id`;
const [{ id: org }] = await db.sql`insert into public.organizations (slug, name) values ('bench', 'Bench') returning id`;
await db.sql`insert into public.organization_members (organization_id, user_id, role) values (${org}, ${owner}, 'owner')`;
const visible = randomBytes(8).toString('hex').slice(0, 8);
const key = `sk_live_${visible}_${randomBytes(16).toString('hex')}`;
await db.asUser({ sub: owner }, (tx) => tx`select public.create_api_key(${org}::uuid, 'bench', '{messages:write}', ${`sk_live_${visible}`}, ${createHash('sha256').update(key).digest('hex')}, 1000)`);
await db.sql`insert into public.contacts (organization_id, name, phone_number) select ${org}, 'c' || g, '+1415' || lpad((2000000 + g)::text, 7, '0') from generate_series(0, 499) g`;
const port = await freePort();
const server = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', '.prof'] : []), 'build/index.js'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'], env: {
  PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: url,
  PUBLIC_BASE_URL: 'https://sms.bench.example', TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(31) + '1', TWILIO_AUTH_TOKEN: 'bench-token-0000',
  TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(31) + '1', SESSION_SECRET: 'bench-session-secret-0123456789abcdef', ALLOW_LOCAL_AUTH_IN_PRODUCTION: 'true', LOG_LEVEL: 'warn' } });
for (;;) { try { if ((await fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`)).status === 200) break; } catch {} await new Promise((r) => setTimeout(r, 200)); }
const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
const phone = (i: number) => `+1415${String(2000000 + (i % 500)).padStart(7, '0')}`;
function post(p: string, body: string) { return new Promise<number>((resolve) => { const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }); req.end(body); }); }
async function time(name: string, n: number, conc: number, op: (i: number) => Promise<unknown>) {
  let next = 0; const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, async () => { while (next < n) await op(next++); }));
  console.log(name, 'conc', conc, (n / ((performance.now() - t0) / 1000)).toFixed(1), '/s');
}
for (const conc of [1, 20]) {
  await time('openapi.json GET', 200, conc, () => fetch(`http://127.0.0.1:${port}/api/v1/openapi.json`).then((r) => r.text()));
  await time('POST /messages', 400, conc, (i) => post('/api/v1/messages', JSON.stringify({ to: { phone: phone(i) }, body: `API text ${i}`, metadata: { i } })));
  await time('direct', 400, conc, (i) => db.sql`select public.api_send_message(${createHash('sha256').update(key).digest('hex')}, ${'sk_live_' + visible}, null, ${db.sql.json({ to: { phone: phone(i) }, body: `API ${i}`, priority: 'normal', metadata: { i } })}, null, null)`);
}
server.kill('SIGTERM'); await new Promise((r) => server.on('exit', r));
await db.end(); await pg.stop();
