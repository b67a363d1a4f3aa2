/**
 * Campaigns × roles, as PostgREST would run them (`authenticated` with claims, or `anon`):
 * the three tables are readable by workspace A's members only and writable by nobody directly;
 * the SQL API lets operators and up act, viewers read progress, and refuses everyone else with
 * a named error (or permission denied for anon). Writes are rolled back after each try.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from '@sms/db';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { ROLE_NAMES, createWorkspaces, tryAsRole, type RoleName, type Workspaces } from './workspace-fixtures.ts';
import { createCampaign, createImport } from './campaign-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;
let importId: string;
let draftId: string;
let sendingId: string;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'camprls');
	importId = await createImport(t.sql, w.a, [
		{ phone: '+14155558001', variables: { first_name: 'Ann' } },
		{ phone: '+14155558002', variables: { first_name: 'Ben' } }
	]);
	draftId = await createCampaign(t, w.people.operator, w.a, { importId, name: 'Draft' });
	sendingId = await createCampaign(t, w.people.operator, w.a, { importId, name: 'Sending' });
	await t.db.asUser({ sub: w.people.operator.id, role: 'authenticated', email: w.people.operator.email }, (tx) =>
		tx`select public.start_campaign(${sendingId})`);
});
afterAll(async () => {
	await t?.close();
});

type Outcome = string;

async function outcome(role: RoleName, run: (tx: TransactionSql) => Promise<readonly unknown[]>): Promise<Outcome> {
	try {
		const rows = await tryAsRole(t, w, role, run);
		return rows.length > 0 ? 'rows' : 'none';
	} catch (error) {
		if (error instanceof postgres.PostgresError) return error.code === '42501' ? 'denied' : error.code;
		throw error;
	}
}

const EVERY = (value: Outcome) => Object.fromEntries(ROLE_NAMES.map((r) => [r, value]));
const MEMBERS_READ = { owner: 'rows', admin: 'rows', operator: 'rows', viewer: 'rows', other_member: 'none', non_member: 'none', anon: 'denied' };

describe('campaign tables', () => {
	const tables: Record<string, { select: string; insert: string; update: string; delete: string }> = {
		sms_campaign_imports: {
			select: 'select id from public.sms_campaign_imports where organization_id = $1',
			insert: "insert into public.sms_campaign_imports (organization_id, file_name) values ($1, 'x.csv') returning id",
			update: "update public.sms_campaign_imports set expires_at = 'infinity' where organization_id = $1 returning id",
			delete: 'delete from public.sms_campaign_imports where organization_id = $1 returning id'
		},
		sms_campaign_recipients: {
			select: 'select r.row_number from public.sms_campaign_recipients r join public.sms_campaign_imports i on i.id = r.import_id where i.organization_id = $1',
			insert: "insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4) select id, 99, 'p1.k.aaaa.bbbb', 'h1.cccc', '8099' from public.sms_campaign_imports where organization_id = $1 returning row_number",
			update: "update public.sms_campaign_recipients set phone_last4 = '8098' returning row_number",
			delete: 'delete from public.sms_campaign_recipients returning row_number'
		},
		sms_campaigns: {
			select: 'select id from public.sms_campaigns where organization_id = $1',
			insert: "insert into public.sms_campaigns (organization_id, name, throttle_per_second) values ($1, 'Sneaky', 500) returning id",
			update: "update public.sms_campaigns set throttle_per_second = 500, status = 'sending' where organization_id = $1 returning id",
			delete: 'delete from public.sms_campaigns where organization_id = $1 returning id'
		}
	};
	for (const [table, ops] of Object.entries(tables)) {
		it(`${table}: members of the workspace read it; nobody writes it directly`, async () => {
			const got: Record<string, Record<string, Outcome>> = {};
			for (const op of ['select', 'insert', 'update', 'delete'] as const) {
				got[op] = {};
				for (const role of ROLE_NAMES) got[op]![role] = await outcome(role, (tx) => tx.unsafe(ops[op], ops[op].includes('$1') ? [w.a] : []));
			}
			expect(got).toEqual({ select: MEMBERS_READ, insert: EVERY('denied'), update: EVERY('denied'), delete: EVERY('denied') });
		});
	}
});

describe('campaign SQL API', () => {
	const OPERATORS = { owner: 'rows', admin: 'rows', operator: 'rows', viewer: 'WS001', other_member: 'CM001', non_member: 'CM001', anon: 'denied' };
	const calls: Record<string, { run: (tx: TransactionSql) => Promise<readonly unknown[]>; expected: Record<string, Outcome> }> = {
		create_campaign: {
			run: (tx) => tx`select public.create_campaign(${w.a}, ${importId}, null, 'Hi {{first_name}}', 'New') as id`,
			expected: { ...OPERATORS, other_member: 'WS001', non_member: 'WS001' }
		},
		start_campaign: { run: (tx) => tx`select public.start_campaign(${draftId}) as r`, expected: OPERATORS },
		pause_campaign: { run: (tx) => tx`select public.pause_campaign(${sendingId}, 'check') as r`, expected: OPERATORS },
		cancel_campaign: { run: (tx) => tx`select public.cancel_campaign(${sendingId}) as r`, expected: OPERATORS },
		retry_campaign_failures: { run: (tx) => tx`select public.retry_campaign_failures(${sendingId}) as r`, expected: OPERATORS },
		resume_campaign: {
			// Not paused: an operator is told so (CM013 only for finished ones; sending is a no-op).
			run: (tx) => tx`select public.resume_campaign(${sendingId}) as r`,
			expected: OPERATORS
		},
		campaign_progress: {
			run: (tx) => tx`select public.campaign_progress(${sendingId}) as r`,
			expected: { ...OPERATORS, viewer: 'rows' }
		}
	};
	for (const [name, call] of Object.entries(calls)) {
		it(`${name}: by role`, async () => {
			const got: Record<string, Outcome> = {};
			for (const role of ROLE_NAMES) got[role] = await outcome(role, call.run);
			expect(got).toEqual(call.expected);
		});
	}

	it('another workspace cannot start a campaign on workspace A\'s list', async () => {
		const got = await outcome('other_member', (tx) => tx`select public.create_campaign(${w.b}, ${importId}, null, 'Hi', 'Steal') as id`);
		expect(got).toBe('CM002');
	});

	it('rolled-back tries changed nothing', async () => {
		const rows = await t.sql<{ name: string; status: string }[]>`select name, status from public.sms_campaigns order by name`;
		expect(rows).toEqual([
			{ name: 'Draft', status: 'draft' },
			{ name: 'Sending', status: 'sending' }
		]);
	});
});
