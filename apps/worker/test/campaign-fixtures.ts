/**
 * Campaigns for the worker's integration tests: a workspace with an operator, an import of
 * recipients, a campaign created and started through the SQL API as the operator, and a tiny
 * status-callback receiver that applies the sandbox's reports (as the web's webhook would), so
 * texts reach their final state.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sql } from '@sms/db';
import { createUser, phoneColumns } from '@sms/db/testing';
import type { WorkerTestEnv } from './fixtures.ts';

export interface CampaignWorkspace {
	organizationId: string;
	operatorId: string;
	ownerId: string;
}

export async function createCampaignWorkspace(sql: Sql, slug: string): Promise<CampaignWorkspace> {
	const ownerId = await createUser(sql);
	const operatorId = await createUser(sql);
	const [org] = await sql<{ id: string }[]>`
		insert into public.organizations (slug, name, contact_daily_limit) values (${slug}, ${slug}, 50) returning id`;
	await sql`select public.add_organization_member(${org!.id}, ${ownerId}, 'owner')`;
	await sql`select public.add_organization_member(${org!.id}, ${operatorId}, 'operator')`;
	return { organizationId: org!.id, operatorId, ownerId };
}

/** Starts a campaign of one text per number (body `<label> <n>`), as the workspace's operator. */
export async function startCampaignTo(
	env: WorkerTestEnv,
	ws: CampaignWorkspace,
	phones: string[],
	options: { label: string; throttle: number; start?: boolean }
): Promise<string> {
	const [imp] = await env.sql<{ id: string }[]>`
		insert into public.sms_campaign_imports (organization_id, file_name) values (${ws.organizationId}, 'list.csv') returning id`;
	const rows = phones.map((phone, i) => ({ row_number: i + 2, ...phoneColumns(phone), variables: { n: String(i + 1) } }));
	await env.sql`
		insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code, variables, country)
		select ${imp!.id}, r.row_number, r.phone_enc, r.phone_hash, r.phone_last4, r.calling_code, r.variables, 'US'
		from jsonb_to_recordset(${env.sql.json(rows)}) as r(
			row_number integer, phone_enc text, phone_hash text, phone_last4 text, calling_code text, variables jsonb)`;
	const id = await asOperator(env, ws, async (tx) => {
		const [row] = await tx<{ id: string }[]>`
			select public.create_campaign(${ws.organizationId}, ${imp!.id}, null, ${`${options.label} {{n}}`}, ${options.label}, null, ${options.throttle}, null) as id`;
		return row!.id;
	});
	if (options.start !== false) await asOperator(env, ws, (tx) => tx`select public.start_campaign(${id})`);
	return id;
}

export function asOperator<T>(env: WorkerTestEnv, ws: CampaignWorkspace, fn: (tx: import('@sms/db').TransactionSql) => Promise<T>): Promise<T> {
	return env.db.db.asUser({ sub: ws.operatorId, role: 'authenticated' }, fn);
}

export async function campaignState(sql: Sql, id: string): Promise<{ status: string; pause_reason: string | null }> {
	const [row] = await sql<{ status: string; pause_reason: string | null }[]>`
		select status, pause_reason from public.sms_campaigns where id = ${id}`;
	return row!;
}

/** Receives the sandbox's status callbacks and applies them through apply_sms_status (service role). */
export async function startStatusReceiver(pool: Sql): Promise<{ url: string; close(): Promise<void> }> {
	const server: Server = createServer((req, res) => {
		let body = '';
		req.on('data', (c: Buffer) => (body += c.toString()));
		req.on('end', () => {
			const form = new URLSearchParams(body);
			const sid = form.get('MessageSid') ?? '';
			const status = form.get('MessageStatus') ?? '';
			const code = form.get('ErrorCode');
			pool`select public.apply_sms_status(${sid}, ${status}, ${code ? Number(code) : null}, ${form.get('ErrorMessage')})`
				.then(() => res.writeHead(204).end())
				.catch(() => res.writeHead(500).end());
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { url: `http://127.0.0.1:${port}/status`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
