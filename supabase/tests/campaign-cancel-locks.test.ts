/**
 * cancel_campaign against the dispatch path's spend-cap check, on real Postgres. Under a cap,
 * sms_begin_dispatch locks a text's row and then the campaign's row (FOR NO KEY UPDATE, so
 * dispatches take turns). cancel_campaign locked the campaign row first and then the waiting
 * texts: a cancel that got the campaign row between a dispatch's two locks waited for the text
 * the dispatch held while the dispatch waited for the campaign row, and Postgres rolled one back
 * as a deadlock. Both now take text rows before the campaign row (the one order of
 * 20261203120000); these tests fail with 40P01 when either does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from '@sms/db';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { asPerson } from './fixtures.ts';
import { createWorkspaces, type Workspaces } from './workspace-fixtures.ts';
import { campaignRow, createCampaign, createImport, startCampaign } from './campaign-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;
let run = 0;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'cxl');
	await t.sql`insert into public.sms_pricing (iso_country, country_name, price_unit, outbound_price, expires_at)
		values ('US', 'United States', 'USD', 0.0079, now() + interval '1 day')
		on conflict (iso_country) do update set outbound_price = excluded.outbound_price, known = true`;
	// A cap far above what the tests spend: the dispatch check locks the campaign row.
	await t.sql`update public.organizations set monthly_spend_cap = 100000 where id = ${w.a}`;
});
afterAll(async () => {
	await t?.close();
});

/** A started campaign of `count` texts; ids in the order sms_begin_dispatch locks them. */
async function startedCampaign(count: number): Promise<{ id: string; texts: string[] }> {
	run += 1;
	const list = Array.from({ length: count }, (_, i) => ({
		phone: `+1415${String(run).padStart(3, '0')}${String(i).padStart(4, '0')}`,
		variables: { first_name: 'Ada' }
	}));
	const id = await createCampaign(t, w.people.operator, w.a, { importId: await createImport(t.sql, w.a, list), body: 'Hi {{first_name}}', throttle: 50 });
	await startCampaign(t, w.people.operator, id);
	const rows = await t.sql<{ id: string }[]>`
		select m.id from public.sms_messages m where m.campaign_id = ${id}
		order by m.contact_id nulls first, m.user_id, m.id`;
	await t.sql`
		update public.queue_jobs j set status = 'processing', locked_by = 'test-worker', locked_until = now() + interval '1 minute'
		from public.sms_messages m where m.campaign_id = ${id} and j.id = m.queue_job_id and j.status = 'pending'`;
	return { id, texts: rows.map((r) => r.id) };
}

const dispatch = (sql: TransactionSql, ids: string[]) => sql`
	select * from public.sms_begin_dispatch(${ids}::uuid[], array_fill(current_date, array[${ids.length}::int]), array_fill(1000, array[${ids.length}::int]))`;

const cancel = (id: string) => asPerson(t, w.people.operator, (tx) => tx`select public.cancel_campaign(${id})`);

const code = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? String((r.reason as { code?: string }).code ?? r.reason) : 'ok');

async function waitUntilBlocked(applicationName: string): Promise<void> {
	for (let i = 0; i < 200; i++) {
		const [row] = await t.sql<{ n: number }[]>`
			select count(*)::int as n from pg_stat_activity where application_name = ${applicationName} and wait_event_type = 'Lock'`;
		if (row!.n > 0) return;
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`${applicationName} never waited for a lock`);
}

describe('cancel_campaign vs the spend-cap check at dispatch', () => {
	it('a cancel arriving between a dispatch locking its first text and the campaign row: no deadlock, the rest canceled', async () => {
		const { id, texts } = await startedCampaign(6);
		const batch = texts.slice(0, 3);
		const cancelName = `cancel-${id.slice(0, 8)}`;
		const cancelDb = (await import('@sms/db')).createDb({ url: t.url, max: 1, applicationName: cancelName });
		let canceling: Promise<unknown> | undefined;
		try {
			const dispatched = t.sql.begin(async (tx) => {
				// sms_begin_dispatch's first step for its first text: the text's row lock.
				await tx`select 1 from public.sms_messages where id = ${batch[0]!} for update`;
				canceling = cancelDb.asUser({ sub: w.people.operator.id, role: 'authenticated' }, (c) => c`select public.cancel_campaign(${id})`);
				canceling.catch(() => {});
				await waitUntilBlocked(cancelName);
				// Then the rest of the call: the campaign check (its row lock under the cap), the others.
				return dispatch(tx, batch);
			});
			const results = await Promise.allSettled([dispatched, (async () => { while (!canceling) await new Promise((r) => setTimeout(r, 5)); return canceling; })()]);
			expect(results.map(code)).toEqual(['ok', 'ok']);
		} finally {
			await cancelDb.end();
		}
		const after = await t.sql<{ status: string }[]>`select status from public.sms_messages where campaign_id = ${id}`;
		expect((await campaignRow(t.sql, id)).status).toBe('canceled');
		// The three the dispatch began before the cancel committed stay begun; nothing else is left waiting.
		expect(after.filter((m) => m.status === 'dispatching')).toHaveLength(3);
		expect(after.filter((m) => m.status === 'canceled')).toHaveLength(3);
	});

	it('many cancels racing dispatch batches: never a deadlock, and nothing waiting is left behind a cancel', async () => {
		const iterations = Number(process.env.CANCEL_RACE_ITERATIONS ?? 100);
		const failures: string[] = [];
		for (let i = 0; i < iterations; i++) {
			const { id, texts } = await startedCampaign(12);
			// Two workers' batches (in the order each locks) and the cancel, started together.
			const results = await Promise.allSettled([
				t.sql.begin((tx) => dispatch(tx, texts.filter((_, k) => k % 2 === 0))),
				t.sql.begin((tx) => dispatch(tx, texts.filter((_, k) => k % 2 === 1))),
				cancel(id)
			]);
			const codes = results.map(code);
			if (codes.some((c) => c !== 'ok')) failures.push(`${i}: ${codes.join(',')}`);
			const [left] = await t.sql<{ n: number }[]>`
				select count(*)::int as n from public.sms_messages where campaign_id = ${id} and status in ('pending', 'scheduled')`;
			expect(left!.n).toBe(0);
		}
		expect(failures).toEqual([]);
	});
});
