/**
 * The campaign counters and tail check take their locks in one order, so two writers at a
 * campaign's tail never deadlock. The case a worker taking over after a SIGKILL hit: two new
 * connections each write their first counter row of the campaign (its foreign key takes KEY
 * SHARE on the campaign row), then each hands a text over at the tail (which locks the
 * campaign row). Before, that lock was FOR UPDATE, each waited for the other's KEY SHARE, and
 * Postgres rolled one back as a deadlock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { createWorkspaces, type Workspaces } from './workspace-fixtures.ts';
import { beginDispatch, campaignRow, campaignTexts, createCampaign, createImport, startCampaign } from './campaign-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'lock');
	await t.sql`insert into public.sms_pricing (iso_country, country_name, price_unit, outbound_price, expires_at)
		values ('US', 'United States', 'USD', 0.0079, now() + interval '1 day')
		on conflict (iso_country) do update set outbound_price = excluded.outbound_price, known = true`;
});
afterAll(async () => {
	await t?.close();
});

describe('campaign locks', () => {
	it('two transactions that each wrote a first counter row then hand a text over at the tail do not deadlock', async () => {
		const list = Array.from({ length: 6 }, (_, i) => ({ phone: `+1415888${String(i).padStart(4, '0')}`, variables: { first_name: 'Ada' } }));
		const id = await createCampaign(t, w.people.operator, w.a, { importId: await createImport(t.sql, w.a, list), body: 'Hi {{first_name}}' });
		await startCampaign(t, w.people.operator, id);
		const texts = (await campaignTexts(t.sql, id)).map((x) => x.id);
		await beginDispatch(t.sql, texts.slice(0, 4));

		// Step by step, so each transaction holds its KEY SHARE before either locks the row.
		let step!: () => void;
		const bothHoldKeyShare = new Promise<void>((resolve) => {
			let n = 0;
			step = () => (++n === 2 ? resolve() : undefined);
		});
		const writer = (recover: string, attach: string, sid: string) =>
			t.sql.begin(async (tx) => {
				// dispatching → scheduled (the estimate goes back): a new counter row, no campaign lock.
				await tx`select public.sms_recover_unsent(${recover})`;
				step();
				await bothHoldKeyShare;
				// dispatching → queued at the tail: the campaign row is locked.
				await tx`select public.attach_sms_sid(${attach}, ${sid}, 'queued', 1, 'GSM-7')`;
			});
		const results = await Promise.allSettled([
			writer(texts[0]!, texts[1]!, `SM${'a'.repeat(32)}`),
			writer(texts[2]!, texts[3]!, `SM${'b'.repeat(32)}`)
		]);
		expect(results.map((r) => (r.status === 'rejected' ? String((r.reason as { code?: string }).code) : 'ok'))).toEqual(['ok', 'ok']);
		const row = await campaignRow(t.sql, id);
		// Six texts, two handed over: the rest still to send.
		expect(row).toMatchObject({ status: 'sending', remaining_count: 4 });
	});

	it('compaction folds the counter rows of connections that are gone into one, keeping the totals', async () => {
		const list = [{ phone: '+14158889001', variables: { first_name: 'Ada' } }];
		const id = await createCampaign(t, w.people.operator, w.a, { importId: await createImport(t.sql, w.a, list), body: 'Hi {{first_name}}' });
		// Two rows of backends that no longer exist (no live pid is this high), one of a live one.
		const [{ live }] = await t.sql<{ live: number }[]>`select pg_backend_pid() as live`;
		await t.sql`insert into internal.sms_campaign_counters (campaign_id, shard, handed, final, failed, dispatched_cost)
			values (${id}, 2000000001, 3, 2, 1, 0.5), (${id}, 2000000002, 4, 1, 0, 0.25), (${id}, ${live}, 1, 1, 1, 0.125)`;
		const before = await t.sql`select * from internal.campaign_totals(${id})`;
		const [{ removed }] = await t.sql<{ removed: string }[]>`select public.compact_sms_campaign_counters() as removed`;
		expect(Number(removed)).toBeGreaterThanOrEqual(2);
		expect(await t.sql`select * from internal.campaign_totals(${id})`).toEqual(before);
		const shards = await t.sql<{ shard: number }[]>`select shard from internal.sms_campaign_counters where campaign_id = ${id} order by shard`;
		expect(shards.map((r) => r.shard)).toEqual([0, live]);
	});
});
