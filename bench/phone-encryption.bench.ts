/**
 * What encrypting phone numbers costs where it is on a hot path, each figure beside the same
 * path without the encryption measured in the same run, on the same database, interleaved
 * (A B A B…) so the neighbours' load falls on both alike. Target: the encrypted path keeps at
 * least 90 % of the baseline (issue 11: "the benches' numbers must not fall by more than 10 %").
 *
 *   - status webhooks: the webhook's own StatusWriter (batched commits) storing payloads with
 *     To/From sealed (AES-256-GCM) vs storing them as received;
 *   - verification attempts: the per-number limit check + recording an attempt, keyed by the
 *     blind index and stored sealed, vs the same statements on a clear number column;
 *   - the send path, enqueue then drain: Node seals the number (AES-256-GCM + HMAC blind index +
 *     calling code), one transaction writes the text (phone_enc, phone_hash, phone_last4,
 *     calling_code) and its queue job; the drain claims texts in batches (FOR UPDATE SKIP LOCKED),
 *     opens each number right before the hand-over, and marks them sent. The peer is the same
 *     statements with the number in a plain text column and no crypto. Since the migration the
 *     clear schema exists no more, so both run on scratch twins of public.sms_messages
 *     (`create table … (like public.sms_messages including defaults including constraints)`:
 *     same columns, defaults and checks, no triggers), identical but for the number's columns,
 *     each with the same indexes (the claim index, and the number index: on phone_hash for the
 *     sealed twin as in the real table, on phone_number for the clear one). The real
 *     queue_sms_message and worker add the same work to both sides (checks, rollup triggers),
 *     so this ratio is the encryption's share of the path, not of the whole function.
 * BENCH_PHONE_MS sets each phase's duration (default 2 s); BENCH_PHONE_ROUNDS the A/B rounds (4, each
 * pair's order alternating);
 * BENCH_PHONE_BACKLOG the texts queued (untimed) before each drain with the provider (5 000; four
 * times that before the bare loop).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, newPhoneKey, PhoneCipher, phoneKeysToEnv, setPhoneCipher, type Db } from '@sms/db';
import { startEmbeddedPostgres } from '@sms/db/embedded';
import { callingCodeOf } from '@sms/twilio-service/validate';
import type { BenchResult } from '../scripts/bench.ts';
import { StatusWriter } from '../src/lib/server/webhooks/status-writer.ts';

const CONCURRENCY = 20;
const PHASE_MS = Number(process.env.BENCH_PHONE_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_PHONE_ROUNDS ?? 4);
const MESSAGES = 20_000;
/** Texts added (untimed) to each twin's queue before each drain, so a drain lasts long enough to measure. */
const DRAIN_BACKLOG = Number(process.env.BENCH_PHONE_BACKLOG ?? 5_000);

const keys = { keys: { b1: newPhoneKey() }, currentKeyId: 'b1', indexKey: newPhoneKey() };
const cipher = new PhoneCipher(keys);

function stage(message: string): void {
	process.stderr.write(`  phone-encryption: ${message}\n`);
}

/** Runs `op(i)` from CONCURRENCY loops for `ms`; returns completed operations per second. */
async function load(ms: number, op: (i: number) => Promise<void>): Promise<{ rate: number; errors: number }> {
	let next = 0;
	let stop = false;
	let count = 0;
	let errors = 0;
	const loop = async () => {
		while (!stop) {
			const i = next++;
			try {
				await op(i);
				count++;
			} catch {
				errors++;
			}
		}
	};
	const started = performance.now();
	const loops = Array.from({ length: CONCURRENCY }, loop);
	await new Promise((r) => setTimeout(r, ms));
	stop = true;
	await Promise.all(loops);
	return { rate: count / ((performance.now() - started) / 1000), errors };
}

const sidOf = (phase: number, n: number) => `SM${phase.toString(16).padStart(2, '0')}${n.toString(16).padStart(30, '0')}`;

async function seedMessages(db: Db, phase: number): Promise<void> {
	const prefix = phase.toString(16).padStart(2, '0');
	// One number for every text: sealed once, the same sealed value stored in each row.
	const s = cipher.seal('+15551230000');
	await db.sql`
		insert into public.sms_messages (user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, twilio_sid)
		select u.id, ${s.enc}, ${s.hash}, ${s.last4}, '1', 'Bench text ' || g, 'queued', 'SM' || ${prefix} || lpad(to_hex(g), 30, '0')
		from generate_series(0, ${MESSAGES - 1}) g
		cross join lateral (select id from auth.users order by id limit 1) u`;
}

function report(phase: number, i: number) {
	const status = i % 2 === 0 ? 'sent' : 'delivered';
	const payload = {
		AccountSid: 'AC' + '0'.repeat(31) + '1',
		MessageSid: sidOf(phase, Math.floor(i / 2) % MESSAGES),
		MessageStatus: status,
		To: `+1555${String(i % 10_000_000).padStart(7, '0')}`,
		From: '+15005550006',
		ApiVersion: '2010-04-01'
	};
	return { sid: payload.MessageSid, status, errorCode: null, errorMessage: null, price: null, priceUnit: null, payload };
}

export async function run(): Promise<BenchResult[]> {
	const base = await mkdtemp(path.join(os.tmpdir(), 'sms-bench-phone-'));
	await chmod(base, 0o755);
	const pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false, maxConnections: 100, fast: process.env.BENCH_PG_FAST === '1' });
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	await admin.sql.unsafe('create database bench');
	await admin.end();
	const db = createDb({ url: pg.url('bench'), max: CONCURRENCY, applicationName: 'bench' });
	// The provider of the drain's hand-over: answers each send at once, as Twilio's API would (201).
	const stub = http.createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			res.writeHead(201, { 'content-type': 'application/json' });
			res.end('{"sid":"SM00000000000000000000000000000000","status":"queued"}');
		});
	});
	await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
	const providerUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/Messages.json`;
	if (!process.env.PHONE_ENCRYPTION_KEYS) Object.assign(process.env, phoneKeysToEnv(keys));
	setPhoneCipher(cipher);
	try {
		stage('migrating and seeding');
		await migrate(db.sql, { phoneCipher: cipher });
		await db.sql`insert into auth.users (email, email_confirmed_at) values ('bench@example.com', now())`;
		// A clear twin of phone_verifications for the baseline: the same statements on a text column.
		await db.sql`create table public.bench_clear_verifications (like public.phone_verifications including defaults including identity)`;
		await db.sql`alter table public.bench_clear_verifications add column phone_number text,
			alter column phone_enc drop not null, alter column phone_hash drop not null`;
		await db.sql`create index on public.bench_clear_verifications (phone_number, created_at)`;
		for (let phase = 1; phase <= 2 * ROUNDS; phase++) await seedMessages(db, phase);
		const [{ user }] = await db.sql<{ user: string }[]>`select id as user from auth.users limit 1`;
		const [{ id: org }] = await db.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('bench-send', 'Bench send') returning id`;
		// The send path's twins (see the header): same columns, defaults and checks, no triggers.
		for (const twin of ['bench_sealed_messages', 'bench_clear_messages']) {
			await db.sql.unsafe(`create table public.${twin} (like public.sms_messages including defaults including constraints)`);
			await db.sql.unsafe(`alter table public.${twin} add primary key (id)`);
			await db.sql.unsafe(`create index on public.${twin} (status, created_at) where status = 'pending'`);
		}
		await db.sql`alter table public.bench_clear_messages drop column phone_enc cascade, drop column phone_hash cascade,
			drop column phone_last4 cascade, drop column calling_code cascade,
			add column phone_number text not null constraint bench_clear_e164 check (public.is_e164(phone_number))`;
		await db.sql`create index on public.bench_clear_messages (organization_id, phone_number, created_at desc, id desc)`;
		await db.sql`create index on public.bench_sealed_messages (organization_id, phone_hash, created_at desc, id desc)`;
		await db.sql`analyze`;

		const sealed = new StatusWriter({ sql: db.sql });
		const clear = new StatusWriter({ sql: db.sql, seal: (p) => p });
		const sealedVerification = async (i: number) => {
			const phone = `+1415${String(i % 1_000_000).padStart(7, '0')}`;
			const s = cipher.seal(phone);
			await db.sql.begin(async (tx) => {
				await tx`select count(*) from public.phone_verifications where phone_hash = ${s.hash} and created_at > now() - interval '1 hour'`;
				await tx`insert into public.phone_verifications (user_id, phone_enc, phone_hash, phone_last4, action, outcome)
					values (${user}, ${s.enc}, ${s.hash}, ${s.last4}, 'start', 'sent')`;
			});
		};
		const clearVerification = async (i: number) => {
			const phone = `+1415${String(i % 1_000_000).padStart(7, '0')}`;
			await db.sql.begin(async (tx) => {
				await tx`select count(*) from public.bench_clear_verifications where phone_number = ${phone} and created_at > now() - interval '1 hour'`;
				await tx`insert into public.bench_clear_verifications (user_id, phone_number, action, outcome)
					values (${user}, ${phone}, 'start', 'sent')`;
			});
		};

		// The send path: enqueue (a text and its job in one transaction), then drain.
		const sendNumber = (i: number) => `+1628${String(i % 10_000_000).padStart(7, '0')}`;
		const enqueue = (twin: 'sealed' | 'clear') => async (i: number) => {
			const phone = sendNumber(i);
			const jobId = crypto.randomUUID();
			await db.sql.begin(async (tx) => {
				let id: string;
				if (twin === 'sealed') {
					const s = cipher.seal(phone);
					[{ id }] = await tx<{ id: string }[]>`
						insert into public.bench_sealed_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status, queue_job_id)
						values (${org}, ${user}, ${s.enc}, ${s.hash}, ${s.last4}, ${callingCodeOf(phone)}, ${'Send path ' + i}, 'pending', ${jobId}) returning id`;
				} else {
					[{ id }] = await tx<{ id: string }[]>`
						insert into public.bench_clear_messages (organization_id, user_id, phone_number, message_content, status, queue_job_id)
						values (${org}, ${user}, ${phone}, ${'Send path ' + i}, 'pending', ${jobId}) returning id`;
				}
				await tx`insert into public.queue_jobs (id, job_type, payload, priority, run_at, dedup_key)
					values (${jobId}, 'bench_send', ${tx.json({ message_id: id })}, 2, now() + interval '1 day', ${'bench_send:' + id})`;
			});
		};
		/** Untimed: n more pending texts on a twin (sealed in Node for the sealed one, as enqueue does). */
		let backlogNext = 50_000_000;
		const backlog = async (twin: 'sealed' | 'clear', n: number) => {
			const numbers = Array.from({ length: n }, () => sendNumber(backlogNext++));
			if (twin === 'sealed') {
				const sealed = numbers.map((x) => cipher.seal(x));
				await db.sql`insert into public.bench_sealed_messages (organization_id, user_id, phone_enc, phone_hash, phone_last4, calling_code, message_content, status)
					select ${org}, ${user}, e, h, l, '1', 'Backlog text', 'pending'
					  from unnest(${sealed.map((x) => x.enc)}::text[], ${sealed.map((x) => x.hash)}::text[], ${sealed.map((x) => x.last4)}::text[]) as u(e, h, l)`;
			} else {
				await db.sql`insert into public.bench_clear_messages (organization_id, user_id, phone_number, message_content, status)
					select ${org}, ${user}, p, 'Backlog text', 'pending' from unnest(${numbers}::text[]) as u(p)`;
			}
			await db.sql.unsafe(`analyze public.bench_${twin}_messages`);
		};
		/**
		 * Drains every pending text of a twin (claim a batch, open each number, hand over, mark
		 * sent); texts/s. The hand-over is what the worker does per text: one HTTP request to the
		 * provider (here a local stub answering at once, Twilio's form body) — or, with
		 * `provider: false`, nothing (the bare loop: the crypto's largest possible share).
		 */
		const drain = async (twin: 'sealed' | 'clear', provider: boolean): Promise<{ rate: number; handed: number }> => {
			const table = twin === 'sealed' ? 'public.bench_sealed_messages' : 'public.bench_clear_messages';
			const column = twin === 'sealed' ? 'phone_enc' : 'phone_number';
			let handed = 0;
			let bytes = 0;
			const started = performance.now();
			await Promise.all(
				Array.from({ length: CONCURRENCY }, async () => {
					for (;;) {
						const claimed = await db.sql.unsafe<{ id: string; to: string; body: string }[]>(
							`with c as (select id from ${table} where status = 'pending' order by created_at limit 50 for update skip locked)
							 update ${table} m set status = 'dispatching', updated_at = now() from c where m.id = c.id
							 returning m.id, m.${column} as to, m.message_content as body`
						);
						if (claimed.length === 0) return;
						// The hand-over: the provider gets the number (opened right here) and the body.
						for (const m of claimed) {
							const to = twin === 'sealed' ? cipher.decrypt(m.to) : m.to;
							bytes += to.length + m.body.length;
							if (provider) {
								const res = await fetch(providerUrl, { method: 'POST', body: new URLSearchParams({ To: to, From: '+15005550006', Body: m.body }) });
								if (res.status !== 201) throw new Error(`provider stub answered ${res.status}`);
								await res.arrayBuffer();
							}
						}
						await db.sql.unsafe(`update ${table} set status = 'sent', sent_at = now(), updated_at = now() where id = any($1::uuid[])`, [claimed.map((m) => m.id)]);
						handed += claimed.length;
					}
				})
			);
			if (bytes === 0 && handed > 0) throw new Error('nothing handed over');
			return { rate: handed / ((performance.now() - started) / 1000), handed };
		};

		const totals = { sealed: 0, clear: 0, sealedV: 0, clearV: 0, sealedQ: 0, clearQ: 0, sealedD: 0, clearD: 0, sealedB: 0, clearB: 0, drained: 0, errors: 0 };
		let phase = 0;
		for (let round = 0; round < ROUNDS; round++) {
			// Each pair's order alternates per round, so a load change between phases falls on both.
			const flip = round % 2 === 1;
			stage(`round ${round + 1}/${ROUNDS}: status webhooks, ${flip ? 'clear then sealed' : 'sealed then clear'}`);
			const p1 = ++phase;
			const p2 = ++phase;
			const sealedWebhooks = () => load(PHASE_MS, (i) => sealed.apply(report(p1, i), '127.0.0.1').then(() => undefined));
			const clearWebhooks = () => load(PHASE_MS, (i) => clear.apply(report(p2, i), '127.0.0.1').then(() => undefined));
			const [a, b] = flip ? await clearWebhooks().then(async (y) => [await sealedWebhooks(), y] as const) : await sealedWebhooks().then(async (x) => [x, await clearWebhooks()] as const);
			stage(`round ${round + 1}/${ROUNDS}: verification attempts, ${flip ? 'sealed then clear' : 'clear then sealed'}`);
			const [c, d] = flip
				? await load(PHASE_MS, sealedVerification).then(async (x) => [x, await load(PHASE_MS, clearVerification)] as const)
				: await load(PHASE_MS, clearVerification).then(async (y) => [await load(PHASE_MS, sealedVerification), y] as const);
			totals.sealed += a.rate;
			totals.clear += b.rate;
			totals.sealedV += c.rate;
			totals.clearV += d.rate;
			totals.errors += a.errors + b.errors + c.errors + d.errors;
			// The send path, the order alternating per round: enqueue then drain, one twin after the other.
			for (const twin of round % 2 === 0 ? (['sealed', 'clear'] as const) : (['clear', 'sealed'] as const)) {
				stage(`round ${round + 1}/${ROUNDS}: send path (${twin}): enqueue, then drain`);
				const q = await load(PHASE_MS, enqueue(twin));
				await backlog(twin, DRAIN_BACKLOG);
				const r = await drain(twin, true);
				await backlog(twin, DRAIN_BACKLOG * 4);
				const b = await drain(twin, false);
				totals[twin === 'sealed' ? 'sealedQ' : 'clearQ'] += q.rate;
				totals[twin === 'sealed' ? 'sealedD' : 'clearD'] += r.rate;
				totals[twin === 'sealed' ? 'sealedB' : 'clearB'] += b.rate;
				totals.drained += r.handed + b.handed;
				totals.errors += q.errors;
			}
		}
		const [{ left }] = await db.sql<{ left: number }[]>`
			select (select count(*) from public.bench_sealed_messages where status <> 'sent') + (select count(*) from public.bench_clear_messages where status <> 'sent') as left`;
		if (Number(left) !== 0 || totals.drained === 0) throw new Error(`send path run is not valid: ${left} texts not drained, ${totals.drained} drained`);
		const [probe] = await db.sql<{ phone_enc: string; phone_last4: string }[]>`select phone_enc, phone_last4 from public.bench_sealed_messages limit 1`;
		if (!probe || !cipher.decrypt(probe.phone_enc).endsWith(probe.phone_last4)) throw new Error('sealed send-path row does not open');
		const [{ stored }] = await db.sql<{ stored: number }[]>`
			select count(*)::int as stored from public.sms_delivery_events where payload ->> 'To' like 'p1.%'`;
		if (stored === 0 || totals.errors > 0) throw new Error(`bench run is not valid: ${stored} sealed payloads stored, ${totals.errors} errors`);
		// A sanity check that the measured path really sealed what it stored.
		const [sample] = await db.sql<{ payload: Record<string, string> }[]>`
			select payload from public.sms_delivery_events where payload ->> 'To' like 'p1.%' limit 1`;
		if (!/^\+1555/.test(cipher.decrypt(sample!.payload.To!))) throw new Error('sealed payload does not open');
		return [
			{
				name: 'status webhooks (StatusWriter), To/From encrypted',
				value: totals.sealed / ROUNDS,
				unit: 'reports/s',
				peer: { name: 'the same writer storing payloads in clear', value: totals.clear / ROUNDS },
				ratioTarget: '>= 0.9',
				notes: `${ROUNDS} rounds (order alternating) of ${PHASE_MS / 1000} s at concurrency ${CONCURRENCY}; ${stored} sealed payloads stored`
			},
			{
				name: 'verification attempt (limit check + record), blind index + sealed',
				value: totals.sealedV / ROUNDS,
				unit: 'attempts/s',
				peer: { name: 'the same statements on a clear number column', value: totals.clearV / ROUNDS },
				ratioTarget: '>= 0.9',
				notes: `${ROUNDS} rounds (order alternating) of ${PHASE_MS / 1000} s at concurrency ${CONCURRENCY}`
			},
			{
				name: 'send path, enqueue (Node seal + text row + job, one transaction)',
				value: totals.sealedQ / ROUNDS,
				unit: 'texts/s',
				peer: { name: 'the same statements on a twin with a clear number column, no crypto', value: totals.clearQ / ROUNDS },
				ratioTarget: '>= 0.9',
				notes: `${ROUNDS} rounds (order alternating) of ${PHASE_MS / 1000} s at concurrency ${CONCURRENCY}; scratch twins of sms_messages (bench header)`
			},
			{
				name: 'send path, drain (claim 50, open each number, hand it to the provider, mark sent)',
				value: totals.sealedD / ROUNDS,
				unit: 'texts/s',
				peer: { name: 'the same drain of the clear twin, nothing to open', value: totals.clearD / ROUNDS },
				ratioTarget: '>= 0.9',
				notes: `provider: a local HTTP stub (one request per text, as the worker sends); ${CONCURRENCY} claimers`
			},
			{
				name: 'send path, bare drain loop (claim 50, open each number, mark sent; no provider)',
				value: totals.sealedB / ROUNDS,
				unit: 'texts/s',
				peer: { name: 'the same loop on the clear twin', value: totals.clearB / ROUNDS },
				// No target: with nothing but the database around it, this shows the most the ~20-35 µs
				// AES-GCM open per text can weigh; the worker's real loop has a provider request per text.
				notes: `informational (no target): the crypto's upper bound; ${totals.drained} texts drained in all; ${DRAIN_BACKLOG * 4} queued untimed before each bare drain`
			}
		];
	} finally {
		setPhoneCipher(undefined);
		stub.close();
		await db.end();
		await pg.stop();
		await rm(base, { recursive: true, force: true });
	}
}
