/**
 * The operator console at scale (issue 12, "Scale"): one workspace with 1,000,000 texts and
 * about 3,000,000 events over 90 days (BENCH_SCALE=10 for ten million, 0.1 for a quick run).
 * Each figure beside a peer from the same run:
 * - the message-list query (listMessages: page + total, as a member through RLS) per filter and
 *   for the phone search (whole number, last four) — beside a bare keyset page of the same
 *   workspace (the floor any list query stands on);
 * - the whole server-rendered messages page over HTTP (the built server) — beside GET
 *   /api/health on the same server (HTTP + one database round trip);
 * - the overview for 30 days (loadOverview, from the rollups) — beside a plain
 *   count(*) … group by day, status over the raw table for the same 30 days.
 * - CSV export of every text over HTTP, as a viewer (last four digits) and as an operator (every
 *   number opened in Node) — each beside COPY … TO STDOUT of the same rows (last four / sealed).
 * Needs `vite build` for the page and export figures (skipped with a note without build/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDb, migrate, repoRoot, type Db } from '@sms/db';
import { freePort, startEmbeddedPostgres } from '@sms/db/embedded';
import { parseMessageFilters } from '../src/lib/server/console/message-filters.ts';
import { listMessages } from '../src/lib/server/console/messages.ts';
import { loadOverview } from '../src/lib/server/console/overview.ts';
import { encodeHistoryCursor } from '../src/lib/server/sms/history-query.ts';
import { parseOverviewRange } from '../src/lib/server/console/overview-range.ts';
import type { BenchResult } from '../scripts/bench.ts';
import { CONTACTS, generateConsoleData, reuseConsoleData, TEXTS, type BenchWorkspace } from './console-data.ts';

const SAMPLES = Number(process.env.BENCH_CONSOLE_SAMPLES ?? 40);
const TZ = 'UTC';
const EMAIL = 'viewer@bench.example';
const OPERATOR_EMAIL = 'operator@bench.example';

const say = (m: string) => process.stderr.write(`  console: ${m}\n`);
const p95 = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? NaN;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

/** The list's filters as the URL has them; each call draws new random values. */
function filterCases(w: BenchWorkspace): Record<string, () => Record<string, string>> {
	const day = () => new Date(Date.now() - Math.random() * 88 * 86_400_000).toISOString().slice(0, 10);
	return {
		'no filter': () => ({}),
		'verdict=failed': () => ({ verdict: 'failed' }),
		'verdict=delivered': () => ({ verdict: 'delivered' }),
		'status=undelivered': () => ({ status: 'undelivered' }),
		type: () => ({ type: pick(['bench_reminder', 'bench_alert', 'bench_brief']) }),
		provider: () => ({ provider: 'sms-retail' }),
		'error code': () => ({ error: String(pick([30003, 30005, 30006, 30007, 21211, 30008])) }),
		country: () => ({ country: pick(['+44', '+353', '+61', '+971']) }),
		'date range (3 days)': () => {
			const from = day();
			return { from, to: new Date(Date.parse(from) + 2 * 86_400_000).toISOString().slice(0, 10) };
		},
		'phone, whole number': () => {
			const p = pick(w.samples).phone;
			// Typed in the formats people use: E.164, or national digits for US numbers.
			return { q: p.startsWith('+1') && Math.random() < 0.5 ? `(${p.slice(2, 5)}) ${p.slice(5, 8)} ${p.slice(8)}` : p };
		},
		'phone, last four': () => ({ q: pick(w.samples).phone.slice(-4) }),
		name: () => ({ q: pick(w.samples).name })
	};
}

async function listQueries(db: Db, w: BenchWorkspace, viewer: string): Promise<BenchResult[]> {
	const claims = { sub: viewer, role: 'authenticated' as const };
	const timed = async (params: Record<string, string>) => {
		let ms = 0;
		let next: string | null = null;
		await db.asUser(claims, async (tx) => {
			const f = parseMessageFilters(new URLSearchParams(params), { timeZone: TZ, defaultCountry: 'US' });
			const t0 = performance.now();
			const page = await listMessages(tx, w.org, f);
			ms = performance.now() - t0;
			next = page.next ? encodeHistoryCursor(page.next) : null;
		});
		return { ms, next };
	};
	const floor: number[] = [];
	for (let i = 0; i < SAMPLES; i++) {
		await db.asUser(claims, async (tx) => {
			const t0 = performance.now();
			await tx`select id from public.sms_messages where organization_id = ${w.org} order by created_at desc, id desc limit 51`;
			floor.push(performance.now() - t0);
		});
	}
	const floorP95 = p95(floor);
	const out: BenchResult[] = [];
	for (const [name, params] of Object.entries(filterCases(w))) {
		await timed(params()); // warm the plan and the cache, as a second visitor would find them
		const times: number[] = [];
		for (let i = 0; i < SAMPLES; i++) {
			const p = params();
			const first = await timed(p);
			times.push(first.ms);
			// Half the samples also take the next page (keyset cursor).
			if (first.next && i % 2 === 0) {
				times.push((await timed({ ...p, cursor: first.next })).ms);
			}
		}
		say(`list, ${name}: p95 ${p95(times).toFixed(2)} ms`);
		out.push({
			name: `message list query p95, ${name}`,
			value: p95(times),
			unit: 'ms',
			target: '< 10',
			peer: { name: 'bare keyset page of the workspace', value: floorP95 },
			notes: `${times.length} pages incl. the exact/estimated total`
		});
	}
	return out;
}

async function overview(db: Db, w: BenchWorkspace, viewer: string): Promise<BenchResult[]> {
	const claims = { sub: viewer, role: 'authenticated' as const };
	const range = parseOverviewRange(new URLSearchParams({ range: '30d' }), TZ);
	const ours: number[] = [];
	await db.asUser(claims, (tx) => loadOverview(tx, w.org, range));
	for (let i = 0; i < SAMPLES; i++) {
		await db.asUser(claims, async (tx) => {
			const t0 = performance.now();
			await loadOverview(tx, w.org, range);
			ours.push(performance.now() - t0);
		});
	}
	const raw: number[] = [];
	for (let i = 0; i < Math.min(SAMPLES, 10); i++) {
		const t0 = performance.now();
		await db.sql`select date_trunc('day', created_at), status, count(*) from public.sms_messages
			where organization_id = ${w.org} and created_at >= ${range.from} and created_at < ${range.to} group by 1, 2`;
		raw.push(performance.now() - t0);
	}
	say(`overview p95 ${p95(ours).toFixed(2)} ms, raw count(*) group by p95 ${p95(raw).toFixed(2)} ms`);
	return [
		{
			name: 'overview, 30 days (cards, chart, reasons, rates, latency) p95',
			value: p95(ours),
			unit: 'ms',
			target: '< 50',
			peer: { name: 'count(*) group by day, status over the raw table', value: p95(raw) },
			ratioTarget: '<= 0.1',
			notes: `${ours.length} samples as a member through RLS; raw: ${raw.length} samples as the owner`
		}
	];
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + 90_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`the web server exited (${child.exitCode})`);
		try {
			if ((await fetch(url)).status === 200) return;
		} catch {
			// not up yet
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`${url} did not answer 200`);
}

async function pages(db: Db, w: BenchWorkspace, url: string, only: { pages: boolean; events: boolean }): Promise<BenchResult[]> {
	if (!existsSync(path.join(repoRoot, 'build/index.js'))) {
		say('build/ missing: page figures skipped (run vite build)');
		return [];
	}
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const server = spawn(process.execPath, ['build/index.js'], {
		cwd: repoRoot,
		stdio: ['ignore', 'ignore', 'inherit'],
		env: {
			PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: url,
			PUBLIC_BASE_URL: base, ORIGIN: base, TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(31) + '1', TWILIO_AUTH_TOKEN: 'bench-token-0000',
			TWILIO_VERIFY_SERVICE_SID: 'VA' + '0'.repeat(31) + '1', ALLOW_LOCAL_AUTH_IN_PRODUCTION: 'true', LOG_LEVEL: 'warn',
			// The numbers are sealed: the server opens them with the keys the data was sealed with.
			...Object.fromEntries(
				['PHONE_ENCRYPTION_KEYS', 'PHONE_ENCRYPTION_KEY_ID', 'PHONE_INDEX_KEY'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))
			)
		}
	});
	try {
		await waitFor(`${base}/api/health`, server);
		const signIn = async (email: string) => {
			const login = await fetch(`${base}/login?/local`, {
				method: 'POST',
				headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
				body: new URLSearchParams({ email, redirectTo: '/w' }),
				redirect: 'manual'
			});
			const c = login.headers.getSetCookie().find((x) => x.startsWith('sms_session='))?.split(';')[0];
			if (!c) throw new Error(`sign-in gave no session cookie (${login.status})`);
			return c;
		};
		const cookie = await signIn(EMAIL);
		const get = async (p: string) => {
			const t0 = performance.now();
			const res = await fetch(`${base}${p}`, { headers: { cookie } });
			await res.text();
			if (res.status !== 200) throw new Error(`GET ${p} answered ${res.status}`);
			return performance.now() - t0;
		};
		const out: BenchResult[] = [];
		if (only.pages) {
			const health: number[] = [];
			for (let i = 0; i < SAMPLES; i++) health.push(await get('/api/health'));
			const cases = filterCases(w);
			const list: number[] = [];
			await get('/w/bench/messages');
			for (let i = 0; i < SAMPLES * 2; i++) list.push(await get(`/w/bench/messages?${new URLSearchParams(pick(Object.values(cases))())}`));
			out.push({
				name: 'messages page, whole server-rendered response p95 (random filters)',
				value: p95(list),
				unit: 'ms',
				target: '< 50',
				peer: { name: 'GET /api/health on the same server', value: p95(health) },
				notes: `${list.length} pages, signed in as a viewer (session, RLS, layout's alert banner included)`
			});
			const home: number[] = [];
			await get('/w/bench?range=30d');
			for (let i = 0; i < SAMPLES; i++) home.push(await get('/w/bench?range=30d'));
			out.push({
				name: 'overview page (30 days), whole server-rendered response p95',
				value: p95(home),
				unit: 'ms',
				target: '< 50',
				peer: { name: 'GET /api/health on the same server', value: p95(health) }
			});
			say(`pages: list p95 ${p95(list).toFixed(1)} ms, overview p95 ${p95(home).toFixed(1)} ms, health p95 ${p95(health).toFixed(1)} ms`);
		}
		try {
			out.push(...(await exportThroughput(db, w, server, (p) => fetch(`${base}${p}`, { headers: { cookie } }), 'viewer')));
			// An operator's export opens every number (AES-GCM, per row in Node): the decryption's cost.
			const operator = await signIn(OPERATOR_EMAIL);
			out.push(...(await exportThroughput(db, w, server, (p) => fetch(`${base}${p}`, { headers: { cookie: operator } }), 'operator')));
			if (only.events) {
				out.push(...(await exportThroughput(db, w, server, (p) => fetch(`${base}${p}`, { headers: { cookie } }), 'viewer', 'events')));
				out.push(...(await exportThroughput(db, w, server, (p) => fetch(`${base}${p}`, { headers: { cookie: operator } }), 'operator', 'events')));
			}
		} catch (error) {
			// The figures above are kept when the export (another branch's feature) fails.
			say(`export failed: ${error instanceof Error ? error.message : String(error)}`);
		}
		return out;
	} finally {
		server.kill('SIGTERM');
	}
}

/** The server's resident memory (Linux /proc), in bytes. */
async function rss(pid: number): Promise<number> {
	const status = await readFile(`/proc/${pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** Line feeds in a chunk (indexOf: a byte loop in the bench's process took a core from the server on 2 cores). */
function newlines(chunk: Uint8Array): number {
	const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
	let n = 0;
	for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
	return n;
}

/**
 * CSV export of every text (issue 12: ≥ 100,000 rows/s, server RSS growth < 100 MB), streamed
 * over HTTP from the built server (/w/[slug]/messages/export), beside
 * `COPY (select the same columns) TO STDOUT (format csv)` read from postgres.js in the same run.
 * `events`: the delivery log's export of every event (/w/[slug]/delivery-log/export), beside a
 * COPY of its events.
 */
async function exportThroughput(
	db: Db, w: BenchWorkspace, server: ChildProcess, get: (p: string) => Promise<Response>, who: 'viewer' | 'operator', what: 'messages' | 'events' = 'messages'
): Promise<BenchResult[]> {
	const before = await rss(server.pid!);
	let peak = before;
	const sampler = setInterval(() => void rss(server.pid!).then((r) => (peak = Math.max(peak, r)), () => {}), 100);
	const t0 = performance.now();
	const res = await get(what === 'messages' ? '/w/bench/messages/export' : '/w/bench/delivery-log/export');
	if (res.status !== 200) throw new Error(`the ${what} export answered ${res.status}`);
	let lines = 0;
	for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) lines += newlines(chunk);
	const seconds = (performance.now() - t0) / 1000;
	clearInterval(sampler);
	const rows = lines - 1;
	const c0 = performance.now();
	// COPY takes no bind parameters; the id is a uuid this run generated.
	if (!/^[0-9a-f-]{36}$/.test(w.org)) throw new Error('unexpected workspace id');
	const copy = await db.sql.unsafe(what === 'messages'
		? `copy (
		select m.id, m.created_at, ct.name, ${who === 'operator' ? 'm.phone_enc' : 'm.phone_last4'}, m.notification_type, m.provider, m.status, m.error_code,
			m.segments, m.price, m.sent_at, m.delivered_at, m.message_content
		from public.sms_messages m left join public.contacts ct on ct.id = m.contact_id
		where m.organization_id = '${w.org}' order by m.created_at desc, m.id desc) to stdout (format csv, header)`
		: `copy (
		select e.id, e.received_at, e.message_id, ${who === 'operator' ? 'm.phone_enc' : 'm.phone_last4'}, e.provider, e.status, e.raw_status, e.source, e.payload
		from public.sms_delivery_events e join public.sms_messages m on m.id = e.message_id
		where e.organization_id = '${w.org}' order by e.received_at desc, e.id desc) to stdout (format csv, header)`).readable();
	let copied = 0;
	for await (const chunk of copy as AsyncIterable<Buffer>) copied += newlines(chunk);
	const copySeconds = (performance.now() - c0) / 1000;
	const label = what === 'messages' ? 'every text' : 'every delivery-log event';
	return [
		{
			name: `CSV export of ${label} over HTTP${who === 'operator' ? ', as an operator (every number opened)' : ' (built server)'}`,
			value: rows / seconds,
			unit: 'rows/s',
			target: '>= 100000',
			peer: { name: 'COPY … TO STDOUT (format csv) of the same rows', value: (copied - 1) / copySeconds },
			notes: `${rows.toLocaleString('en')} rows in ${seconds.toFixed(1)} s`
		},
		{
			name: `CSV export${what === 'events' ? ' (events)' : ''}: server RSS growth during the export (${who})`,
			value: (peak - before) / 2 ** 20,
			unit: 'MiB',
			target: '< 100',
			notes: `RSS before ${(before / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB (sampled every 100 ms)`
		}
	];
}

/**
 * BENCH_CONSOLE_DATA=<dir> keeps the cluster there and reuses the generated workspace on the
 * next run (generating a million texts takes minutes): migrations newer than the data are
 * applied, then the rollups are compacted and analyzed again.
 */
export async function run(): Promise<BenchResult[]> {
	const keep = process.env.BENCH_CONSOLE_DATA ? path.resolve(process.env.BENCH_CONSOLE_DATA) : null;
	const dir = keep ?? (await mkdtemp(path.join(os.tmpdir(), 'sms-bench-console-')));
	await mkdir(dir, { recursive: true });
	await chmod(dir, 0o755);
	const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: keep !== null, fast: true, maxConnections: 50 });
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	const [{ exists: reuse }] = await admin.sql<{ exists: boolean }[]>`select exists (select 1 from pg_database where datname = 'bench_ready') as exists`;
	if (!reuse) {
		await admin.sql`drop database if exists bench`;
		await admin.sql`create database bench`;
	}
	await admin.end();
	const url = pg.url('bench');
	const db = createDb({ url, max: 4, applicationName: 'bench-console' });
	try {
		await migrate(db.sql);
		let seconds: number | null = null;
		let w: BenchWorkspace;
		if (reuse) {
			w = await reuseConsoleData(db);
			say(`reusing the workspace in ${dir}`);
		} else {
			const started = performance.now();
			w = await generateConsoleData(db, say);
			seconds = (performance.now() - started) / 1000;
			if (keep) {
				// An empty marker database: the data in `bench` is complete.
				const marker = createDb({ url: pg.url('postgres'), max: 1 });
				await marker.sql`create database bench_ready`;
				await marker.end();
			}
		}
		const [{ events }] = await db.sql<{ events: number }[]>`select count(*)::int as events from public.sms_delivery_events`;
		if (seconds !== null) say(`generated ${TEXTS.toLocaleString('en')} texts and ${events.toLocaleString('en')} events in ${seconds.toFixed(1)} s`);
		const [{ id: viewer }] = await db.sql<{ id: string }[]>`
			insert into auth.users (email, email_confirmed_at) values (${EMAIL}, now())
			on conflict do nothing returning id`.then(async (r) => (r.length > 0 ? r : await db.sql<{ id: string }[]>`select id from auth.users where email = ${EMAIL}`));
		await db.sql`insert into public.organization_members (organization_id, user_id, role) values (${w.org}, ${viewer}, 'viewer') on conflict do nothing`;
		const [operator] = await db.sql<{ id: string }[]>`
			insert into auth.users (email, email_confirmed_at) values (${OPERATOR_EMAIL}, now())
			on conflict do nothing returning id`.then(async (r) => (r.length > 0 ? r : await db.sql<{ id: string }[]>`select id from auth.users where email = ${OPERATOR_EMAIL}`));
		await db.sql`insert into public.organization_members (organization_id, user_id, role) values (${w.org}, ${operator!.id}, 'operator') on conflict do nothing`;
		const scale = `${(TEXTS / 1e6).toLocaleString('en')}M texts`;
		// BENCH_CONSOLE_PARTS=list,overview,pages runs only those (default: those three; `pages`
		// includes the messages export, `export` runs that alone, `events-export` adds the delivery log's).
		const parts = (process.env.BENCH_CONSOLE_PARTS ?? 'list,overview,pages').split(',');
		const results = [
			...(parts.includes('list') ? await listQueries(db, w, viewer) : []),
			...(parts.includes('overview') ? await overview(db, w, viewer) : []),
			...(parts.some((p) => ['pages', 'export', 'events-export'].includes(p))
				? await pages(db, w, url, { pages: parts.includes('pages'), events: parts.includes('events-export') })
				: [])
		].map((r) => ({ ...r, name: `${r.name} (${scale})` }));
		if (seconds === null) return results;
		return [
			...results,
			{
				name: `console data generation (${scale}, ${events.toLocaleString('en')} events, ${CONTACTS.toLocaleString('en')} contacts)`,
				value: seconds,
				unit: 's',
				notes: `${Math.round(TEXTS / seconds).toLocaleString('en')} texts/s; bulk load (bench/console-data.ts): set-based on two connections, secondary indexes rebuilt after, rollups written once set-based; vacuum analyze included`
			}
		];
	} finally {
		await db.end();
		await pg.stop();
		if (!keep) await rm(dir, { recursive: true, force: true });
	}
}
