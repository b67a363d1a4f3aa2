import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDb, migrate, type Db } from '@sms/db';
import { createUser, phoneColumns } from '@sms/db/testing';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@sms/db/embedded';
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { formParams, signTwilioRequest } from '@sms/twilio-service';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookContext } from '../../../src/lib/server/webhooks/context.ts';
import { handleStatusCallback } from '../../../src/lib/server/webhooks/status-callback.ts';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, createSmsUser, nextPhone, sandboxTexts, spawnWorker, waitFor, type WorkerChild } from '../test/fixtures.ts';

// Its own Postgres, durable as in production (an immediate shutdown keeps every commit): restarting
// the suite's shared one would break every other test file.
let base: string;
let pg: EmbeddedPostgresHandle;
let db: Db;
let sandbox: Sandbox;
const children: WorkerChild[] = [];
const WEBHOOK_TOKEN = 'restart-test-token-0123456789';
const PUBLIC = 'https://sms.example.com';

beforeAll(async () => {
	base = await mkdtemp(path.join(os.tmpdir(), 'sms-pg-restart-'));
	await chmod(base, 0o755);
	pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'data'), persistent: true, maxConnections: 100 });
	db = createDb({ url: pg.url(), max: 4, applicationName: 'restart-test' });
	await migrate(db.sql);
	sandbox = await startSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, defaultFrom: FROM, callbackRetry: { attempts: 1 } });
}, 120_000);
// A failed case must not leave its worker sending into the next one.
afterEach(() => {
	for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});
afterAll(async () => {
	for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
	await db?.end().catch(() => undefined);
	await sandbox?.close();
	await pg?.stop().catch(() => undefined);
	await rm(base, { recursive: true, force: true });
});

/** Stops Postgres ('fast': SIGINT, or 'immediate': SIGQUIT, crash recovery on start) and starts it again. */
async function restartPostgres(mode: 'fast' | 'immediate', downMs: number): Promise<{ downAt: number; upAt: number }> {
	const downAt = Date.now();
	if (mode === 'fast') await pg.stop();
	else {
		const pid = Number((await readFile(path.join(pg.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
		process.kill(pid, 'SIGQUIT');
		await waitFor(() => {
			try {
				process.kill(pid, 0);
				return false;
			} catch {
				return true;
			}
		});
	}
	await new Promise((r) => setTimeout(r, downMs));
	pg = await startEmbeddedPostgres({ dataDir: pg.dataDir, port: pg.port, persistent: true, maxConnections: 100 });
	return { downAt, upAt: Date.now() };
}

/** Signed status callbacks for a stored SID, every 50 ms, until stopped: (time, HTTP status). */
function pokeWebhook(twilioSid: string) {
	const ctx = { db, authToken: WEBHOOK_TOKEN, publicBaseUrl: PUBLIC, log: pino({ level: 'silent' }) } as WebhookContext;
	const answers: { at: number; status: number }[] = [];
	let on = true;
	const loop = (async () => {
		while (on) {
			const body = new URLSearchParams({ MessageSid: twilioSid, MessageStatus: 'sent' }).toString();
			const url = new URL('http://127.0.0.1:3000/api/webhooks/twilio/status');
			const signature = signTwilioRequest({ authToken: WEBHOOK_TOKEN, url: `${PUBLIC}${url.pathname}`, params: formParams(body) });
			const request = new Request(url, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
				body
			});
			const sentAt = Date.now();
			const res = await handleStatusCallback(ctx, { request, url, clientAddress: '203.0.113.5' });
			answers.push({ at: sentAt, status: res.status });
			await new Promise((r) => setTimeout(r, 50));
		}
	})();
	return {
		answers,
		stop: async () => {
			on = false;
			await loop;
		}
	};
}

describe('Postgres restarts mid-drain', () => {
	it.each(['fast', 'immediate'] as const)('%s restart: the worker stays up, resumes within 5 s, nothing lost or doubled; webhook 503 only while down', async (mode) => {
		sandbox.state.reset();
		sandbox.state.faults = { ...sandbox.state.faults, latencyMs: 40 };
		const users = await Promise.all(
			Array.from({ length: 6 }, async () => {
				const phone = nextPhone();
				return { phone, userId: await createSmsUser(db.sql, { phone, dailyLimit: 50 }) };
			})
		);
		// A stored SID for the webhook to report on.
		const [{ id: probeId }] = await db.sql<{ id: string }[]>`
			insert into public.sms_messages ${db.sql({ user_id: await createUser(db.sql), ...phoneColumns('+15551230001'), message_content: 'probe', status: 'queued', twilio_sid: `SM${mode === 'fast' ? 'a' : 'b'}${'0'.repeat(31)}` })} returning id`;
		expect(probeId).toBeTruthy();
		const rows = users.flatMap((u, i) => Array.from({ length: 40 }, (_, j) => ({ user_id: u.userId, message: `${mode} ${i}-${j}` })));
		await db.sql`select public.queue_sms_messages_bulk(${db.sql.json(rows)})`;

		const worker = await spawnWorker(
			{ db: { url: pg.url() }, sandbox },
			{ WORKER_CONCURRENCY: '8', WORKER_LEASE_SECONDS: '4', WORKER_SETTLE_MS: '300', WORKER_RETRY_BASE_MS: '200', WORKER_RETRY_MAX_MS: '1000' }
		);
		children.push(worker);
		await worker.healthUrl;
		const webhook = pokeWebhook(`SM${mode === 'fast' ? 'a' : 'b'}${'0'.repeat(31)}`);
		await waitFor(() => sandboxTexts(sandbox).length >= 60, { timeoutMs: 20_000, message: 'drain under way' });

		// Down for 5 s (issue 16's fault test), then both sides must be back within 5 s.
		const { downAt, upAt } = await restartPostgres(mode, 5_000);
		const sentWhenUp = sandboxTexts(sandbox).length;
		expect(sentWhenUp).toBeLessThan(240); // the restart really was mid-drain
		// Resumes: new texts reach Twilio within 5 s of the database answering again.
		await waitFor(() => sandboxTexts(sandbox).length > sentWhenUp, { timeoutMs: 5_000, message: 'sends resumed' }).catch((e) => {
			console.log(JSON.stringify({ downAt, upAt, now: Date.now() }), worker.output().slice(-4000)); // why, when it fails
			throw e;
		});
		const workerBackMs = Date.now() - upAt;
		// The web side too: a signed callback is applied (200) again within 5 s.
		await waitFor(() => webhook.answers.some((a) => a.at > upAt && a.status === 200), { timeoutMs: 5_000, message: 'webhook answers 200 again' });
		const webBackMs = Math.min(...webhook.answers.filter((a) => a.at > upAt && a.status === 200).map((a) => a.at)) - upAt;
		console.info(`postgres ${mode} restart: down ${upAt - downAt} ms; worker sending again after ${workerBackMs} ms, webhook 200 after ${webBackMs} ms`);

		await waitFor(
			async () => {
				const [{ n }] = await db.sql<{ n: number }[]>`
					select count(*)::int as n from public.sms_messages where twilio_sid is not null and message_content like ${`${mode} %`}`;
				return n === 240;
			},
			{ timeoutMs: 40_000, message: 'all 240 stored with their SIDs' }
		);
		await webhook.stop();

		// The worker never died, and nothing was lost or sent twice.
		expect(worker.child.exitCode).toBeNull();
		expect(worker.child.signalCode).toBeNull();
		const texts = sandboxTexts(sandbox).filter((t) => t.body.startsWith(`${mode} `));
		expect(texts).toHaveLength(240);
		expect(new Set(texts.map((t) => t.body)).size).toBe(240);
		const stored = await db.sql<{ body: string; sid: string }[]>`
			select message_content as body, twilio_sid as sid from public.sms_messages where message_content like ${`${mode} %`}`;
		const sidByBody = new Map(texts.map((t) => [t.body, t.sid]));
		for (const s of stored) expect(s.sid).toBe(sidByBody.get(s.body));

		// The webhook: never a 500; 503 only while the database was down (a request already
		// waiting when it came back may still get one, so allow 2 s), 200 otherwise.
		const answers = webhook.answers;
		expect(answers.some((a) => a.status === 503)).toBe(true);
		expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
		expect(answers.filter((a) => a.status === 503 && (a.at < downAt - 100 || a.at > upAt + 2_000))).toEqual([]);
		expect(answers.filter((a) => a.at > upAt + 2_000).every((a) => a.status === 200)).toBe(true);

		worker.child.kill('SIGTERM');
		expect((await worker.exited).code).toBe(0);
	}, 120_000);
});
