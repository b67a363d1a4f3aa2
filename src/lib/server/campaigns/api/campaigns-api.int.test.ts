/**
 * The campaigns JSON API against a real database, called as SvelteKit calls the route
 * handlers (a Request, the session's locals, the slug): imports from a multipart CSV, creating,
 * starting (idempotent, spend cap), pause / resume / cancel, reading progress; every refusal a
 * 4xx naming the field, and nothing written by a refused request.
 */
import { createTestDatabase, createUser, openPhone, phoneColumns, phoneHash, type TestDatabase } from '@sms/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from './context.ts';
import { campaignRoute } from './route.ts';
import { createImport } from './imports.ts';
import { CAMPAIGN_ACTIONS, campaignAction, createCampaign, getCampaign, type CampaignAction } from './campaigns.ts';
import { CampaignApiError } from './errors.ts';
import { parse } from 'csv-parse/sync';
import { rejectedRowsFile } from '../pages/rejected.ts';

let t: TestDatabase;
const people: Record<'owner' | 'operator' | 'viewer' | 'stranger', string> = { owner: '', operator: '', viewer: '', stranger: '' };
let orgId: string;
type Who = keyof typeof people | null;

const log = pino({ level: 'silent' });
const deps = () => ({ db: t.db, log });
const routes = {
	imports: campaignRoute('operator', deps, (ws, e, db) =>
		createImport({ db, prices: async (cs) => new Map(cs.map((c) => [c, { unitPrice: c === 'US' ? 0.0079 : 0.05, currency: 'USD', note: null }])) }, ws, e.request), 201),
	create: campaignRoute('operator', deps, (ws, e, db) => createCampaign(db, ws, e.request), 201),
	get: campaignRoute('viewer', deps, (ws, e, db) => getCampaign(db, ws, e.params.id ?? '')),
	action: campaignRoute('operator', deps, (ws, e, db) => {
		const action = e.params.action ?? '';
		if (!(CAMPAIGN_ACTIONS as readonly string[]).includes(action)) throw new CampaignApiError({ status: 404, code: 'not_found', message: 'no such action' });
		return campaignAction(db, ws, e.params.id ?? '', action as CampaignAction, e.request);
	})
};

function event(who: Who, params: Record<string, string>, init: RequestInit & { path?: string } = {}): ApiEvent {
	const url = new URL(`http://127.0.0.1:5310/api/w/${params.slug}/campaigns${init.path ?? ''}`);
	const id = who ? people[who] : null;
	return {
		url,
		params,
		request: new Request(url, init),
		locals: id
			? ({ user: { id, email: `${who}@example.com`, isAdmin: false }, claims: { sub: id, role: 'authenticated', aud: 'authenticated' } } as never)
			: ({ user: null, claims: null } as never)
	};
}

async function call(route: (e: ApiEvent) => Promise<Response>, e: ApiEvent): Promise<{ status: number; json: Record<string, any> }> {
	const res = await route(e);
	return { status: res.status, json: await res.json() };
}

function upload(who: Who, csv: string | Uint8Array<ArrayBuffer> | null, fields: Record<string, string> = {}, slug = 'acme') {
	const form = new FormData();
	if (csv !== null) form.set('file', new File([csv], 'list.csv', { type: 'text/csv' }));
	for (const [k, v] of Object.entries(fields)) form.set(k, v);
	return call(routes.imports, event(who, { slug }, { method: 'POST', body: form, path: '/imports' }));
}
const post = (route: (e: ApiEvent) => Promise<Response>, who: Who, params: Record<string, string>, body?: unknown) =>
	call(route, event(who, { slug: 'acme', ...params }, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } }));

async function counts() {
	const [c] = await t.sql<{ imports: number; recipients: number; campaigns: number; texts: number }[]>`
		select (select count(*)::int from public.sms_campaign_imports) as imports,
		       (select count(*)::int from public.sms_campaign_recipients) as recipients,
		       (select count(*)::int from public.sms_campaigns) as campaigns,
		       (select count(*)::int from public.sms_messages) as texts`;
	return c!;
}

const CSV = [
	'phone,first_name,city',
	'(415) 555-0101,Ann,Paris',
	'+1 415 555 0102,Ben,Rome',
	'4155550101,Ann again,Paris',
	'not a number,Cal,Oslo',
	'+14155550103,Dee,Lima',
	'+14155550104,Eve,Nice'
].join('\n');

beforeAll(async () => {
	t = await createTestDatabase({ max: 20 });
	for (const k of Object.keys(people) as (keyof typeof people)[]) people[k] = await createUser(t.sql, { email: `${k}@example.com` });
	const [o] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('acme', 'Acme') returning id`;
	orgId = o!.id;
	for (const role of ['owner', 'operator', 'viewer'] as const) await t.sql`select public.add_organization_member(${orgId}, ${people[role]}, ${role})`;
	const [other] = await t.sql<{ id: string }[]>`insert into public.organizations (slug, name) values ('other', 'Other') returning id`;
	await t.sql`select public.add_organization_member(${other!.id}, ${people.stranger}, 'owner')`;
	const { calling_code: _cc, ...optOut } = phoneColumns('+14155550104');
	await t.sql`insert into public.sms_phone_opt_outs ${t.sql({ ...optOut, opted_out: true, opted_out_at: new Date(), source: 'keyword' })}`;
	await t.sql`insert into public.sms_pricing (iso_country, price_unit, outbound_price, expires_at) values ('US', 'USD', 0.0079, now() + interval '1 day')`;
});
afterAll(async () => t?.close());

describe('POST /api/w/[slug]/campaigns/imports', () => {
	it('answers the validation report and keeps the valid, deduplicated rows as recipients', async () => {
		const res = await upload('operator', CSV, { body: 'Hi {{first_name}} from {{city}}' });
		expect(res.status).toBe(201);
		expect(res.json).toMatchObject({
			rows: 6,
			valid: 3,
			duplicates: 1,
			phoneColumn: 'phone',
			invalid: [
				{ row: 5, column: 'phone', value: 'not a number', code: 'not_a_phone_number' },
				{ row: 7, column: 'phone', value: '+14155550104', code: 'opted_out' }
			],
			estimate: { texts: 3, segments: 3, byCountry: [{ country: 'US', texts: 3, segments: 3, unitPrice: 0.0079, currency: 'USD' }] }
		});
		expect(res.json.invalid[0].reason).toMatch(/phone number/);
		expect(res.json.columns.map((c: { variable: string }) => c.variable)).toEqual(['phone', 'first_name', 'city']);
		const stored = await t.sql<{ row_number: number; phone_enc: string; phone_hash: string; phone_last4: string; calling_code: string; variables: Record<string, string>; country: string }[]>`
			select row_number, phone_enc, phone_hash, phone_last4, calling_code, variables, country
			from public.sms_campaign_recipients where import_id = ${res.json.importId} order by row_number`;
		// Sealed, opened to the normalised number; the phone column's cell (the number in clear) is no variable.
		const rows = stored.map(({ phone_enc, phone_hash, ...r }) => ({ ...r, phone_number: openPhone(phone_enc), hashed: phone_hash === phoneHash(openPhone(phone_enc)) }));
		expect(rows).toEqual([
			{ row_number: 2, phone_number: '+14155550101', phone_last4: '0101', calling_code: '1', hashed: true, variables: { first_name: 'Ann', city: 'Paris' }, country: 'US' },
			{ row_number: 3, phone_number: '+14155550102', phone_last4: '0102', calling_code: '1', hashed: true, variables: { first_name: 'Ben', city: 'Rome' }, country: 'US' },
			{ row_number: 6, phone_number: '+14155550103', phone_last4: '0103', calling_code: '1', hashed: true, variables: { first_name: 'Dee', city: 'Lima' }, country: 'US' }
		]);
	});

	it('keeps a repeated number whose row differs when asked (dedupe=when_rows_differ), and honours the phone column and country', async () => {
		const csv = 'ref;mobile;name\n1;07400 123456;Ann\n2;07400123456;Ann\n3;+44 7400 123457;Ben\n';
		const res = await upload('operator', csv, { dedupe: 'when_rows_differ', phoneColumn: 'mobile', defaultCountry: 'gb' });
		expect(res.status).toBe(201);
		expect(res.json).toMatchObject({ rows: 3, valid: 3, duplicates: 0, phoneColumn: 'mobile' });
		expect(res.json.estimate.byCountry).toEqual([expect.objectContaining({ country: 'GB', texts: 3 })]);
	});

	it('keeps the rejected cells sealed: the uploader\'s answer shows what was typed, the stored report no number; its CSV opens them for operators and masks them for viewers', async () => {
		// A landline (a real number, refused), a duplicate written another way, a cell that is no number.
		const csv = 'name,phone\nAnn,+1 415 555 0161\nLee,+44 20 7183 8750\nAnn again,(415) 555-0161\nCal,call me\n';
		const res = await upload('operator', csv, { dedupe: 'drop' });
		expect(res.status).toBe(201);
		expect(res.json).toMatchObject({ rows: 4, valid: 1, duplicates: 1 });
		expect(res.json.invalid).toEqual([
			{ row: 3, column: 'phone', value: '+44 20 7183 8750', reason: expect.any(String), code: 'landline' },
			{ row: 5, column: 'phone', value: 'call me', reason: 'not a phone number', code: 'not_a_phone_number' }
		]);
		const [{ text }] = await t.sql<{ text: string }[]>`select report::text as text from public.sms_campaign_imports where id = ${res.json.importId}`;
		expect(text).not.toMatch(/\+[1-9]\d{6,14}/);
		for (const typed of ['+44 20 7183 8750', '7183 8750', '(415) 555-0161', '415 555 0161', 'call me']) expect(text).not.toContain(typed);
		const [{ stillClear }] = await t.sql<{ stillClear: boolean }[]>`
			select internal.import_report_in_clear(report) as "stillClear" from public.sms_campaign_imports where id = ${res.json.importId}`;
		expect(stillClear).toBe(false);

		const csvAs = async (who: 'operator' | 'viewer') => {
			const claims = { sub: people[who], role: 'authenticated', aud: 'authenticated' } as const;
			const file = await t.db.asUser(claims, (tx) => rejectedRowsFile(tx, { organizationId: orgId, importId: res.json.importId, showNumbers: who === 'operator' }));
			return parse(file!.csv.replace(/^\ufeff/, ''), { columns: true }) as Record<string, string>[];
		};
		expect((await csvAs('operator')).map((r) => [r.row, r.name, r.phone])).toEqual([
			['3', 'Lee', "'+44 20 7183 8750"], // a leading + is neutralised for spreadsheets (csv/formula.ts)
			['4', 'Ann again', '(415) 555-0161'],
			['5', 'Cal', 'call me']
		]);
		expect((await csvAs('viewer')).map((r) => [r.row, r.name, r.phone])).toEqual([
			['3', 'Lee', '•••• 8750'],
			['4', 'Ann again', '•••• 0161'],
			['5', 'Cal', '••••']
		]);
	});

	it('refuses bad uploads with a 4xx naming the field, and writes nothing', async () => {
		const before = await counts();
		const cases: [Promise<{ status: number; json: Record<string, any> }>, number, string, string][] = [
			[upload('operator', null), 422, 'invalid', 'file'],
			[upload('operator', CSV, { defaultCountry: 'XX' }), 422, 'invalid', 'defaultCountry'],
			[upload('operator', CSV, { dedupe: 'maybe' }), 422, 'invalid', 'dedupe'],
			[upload('operator', CSV, { phoneColumn: 'fax' }), 422, 'unknown_column', 'phoneColumn'],
			[upload('operator', CSV, { templateId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301' }), 422, 'unknown_template', 'templateId'],
			[upload('operator', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0xff, 0xfe, 0, 1, 2, 3])), 422, 'not_text', 'file'],
			[upload('operator', ''), 422, 'empty', 'file'],
			[call(routes.imports, event('operator', { slug: 'acme' }, { method: 'POST', body: CSV, headers: { 'content-type': 'text/csv' }, path: '/imports' })), 415, 'unsupported_media_type', 'file']
		];
		for (const [pending, status, code, field] of cases) {
			const res = await pending;
			expect({ status: res.status, code: res.json.error?.code, field: res.json.error?.field }).toEqual({ status, code, field });
			expect(res.json.error.message.length).toBeGreaterThan(10);
		}
		expect(await counts()).toEqual(before);
	});

	it('answers 401 signed out, 403 for a viewer, 404 outside the workspace', async () => {
		const before = await counts();
		expect((await upload(null, CSV)).status).toBe(401);
		expect((await upload('viewer', CSV)).json.error).toMatchObject({ code: 'forbidden' });
		expect((await upload('stranger', CSV)).status).toBe(404);
		expect((await upload('operator', CSV, {}, 'nope')).status).toBe(404);
		expect(await counts()).toEqual(before);
	});
});

describe('campaigns', () => {
	let importId: string;
	beforeAll(async () => {
		importId = (await upload('operator', CSV, { body: 'Hi {{first_name}}' })).json.importId;
	});

	it('creates, starts once, pauses, resumes, cancels, and shows progress', async () => {
		const created = await post(routes.create, 'operator', {}, { importId, body: 'Hi {{first_name}}', name: 'Launch', throttlePerSecond: 2 });
		expect(created.status).toBe(201);
		const id = created.json.id as string;
		const first = await post(routes.action, 'operator', { id, action: 'start' });
		expect(first).toMatchObject({ status: 200, json: { status: 'sending', queued: 3, skipped: 0, already_started: false } });
		const again = await post(routes.action, 'operator', { id, action: 'start' }, {});
		expect(again.json).toMatchObject({ already_started: true, queued: 3 });

		const paused = await post(routes.action, 'operator', { id, action: 'pause' }, { reason: 'typo' });
		expect(paused.json).toMatchObject({ status: 'paused', pauseReason: 'typo', progress: { pending: 3, total: 3 } });
		expect((await post(routes.action, 'operator', { id, action: 'resume' })).json.status).toBe('sending');

		const got = await call(routes.get, event('viewer', { slug: 'acme', id }));
		expect(got).toMatchObject({ status: 200, json: { id, name: 'Launch', status: 'sending', throttlePerSecond: 2, progress: { total: 3, pending: 3 } } });
		expect(got.json.progress.eta_seconds).toBeGreaterThan(0);
		expect((await call(routes.get, event('stranger', { slug: 'other', id }))).status).toBe(404);
		expect((await post(routes.action, 'viewer', { id, action: 'pause' })).status).toBe(403);

		const canceled = await post(routes.action, 'operator', { id, action: 'cancel' });
		expect(canceled.json).toMatchObject({ status: 'canceled', progress: { canceled: 3 } });
		expect(await post(routes.action, 'operator', { id, action: 'resume' })).toMatchObject({ status: 409, json: { error: { code: 'not_resumable' } } });
		expect((await post(routes.action, 'operator', { id, action: 'explode' })).status).toBe(404);
	});

	it('refuses bad campaign input with the field named, writing nothing', async () => {
		const before = await counts();
		const cases: [unknown, number, string, string | undefined][] = [
			[{ importId, body: 'Hi' }, 422, 'invalid', 'name'],
			[{ importId: 'nope', body: 'Hi', name: 'X' }, 422, 'invalid', 'importId'],
			[{ importId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', body: 'Hi', name: 'X' }, 404, 'unknown_import', 'importId'],
			[{ importId, name: 'X' }, 422, 'content_required', 'body'],
			[{ importId, body: 'Hi', name: 'X', throttlePerSecond: 0 }, 422, 'invalid', 'throttlePerSecond'],
			[{ importId, body: 'Hi', name: 'X', scheduledAt: 'tomorrow' }, 422, 'invalid', 'scheduledAt'],
			[{ importId, body: 'Hi', name: 'X', scheduledAt: '2020-01-01T00:00:00Z' }, 422, 'invalid_schedule', 'scheduledAt'],
			[{ importId, body: 'Hi', name: 'X', notificationType: 'nope' }, 422, 'unknown_notification_type', 'notificationType'],
			[{ importId, body: 'Hi', name: 'X', colour: 'red' }, 422, 'invalid', 'colour']
		];
		for (const [body, status, code, field] of cases) {
			const res = await post(routes.create, 'operator', {}, body);
			expect({ body, status: res.status, code: res.json.error?.code, field: res.json.error?.field }).toEqual({ body, status, code, field });
		}
		const bad = await call(routes.create, event('operator', { slug: 'acme' }, { method: 'POST', body: '{oops', headers: { 'content-type': 'application/json' } }));
		expect(bad).toMatchObject({ status: 400, json: { error: { code: 'malformed_json' } } });
		expect(await counts()).toEqual(before);
	});

	it('refuses to start over the spend cap without an owner, then starts with the owner\'s confirmation', async () => {
		await t.sql`update public.organizations set monthly_spend_cap = 0.01 where id = ${orgId}`;
		try {
			const id = (await post(routes.create, 'operator', {}, { importId, body: 'Hi {{first_name}}', name: 'Big' })).json.id as string;
			const refused = await post(routes.action, 'operator', { id, action: 'start' });
			expect(refused).toMatchObject({ status: 409, json: { error: { code: 'over_cap', field: 'confirmOverCap' } } });
			expect(refused.json.error.message).toMatch(/^The estimate \(0\.02 USD\) is more than what is left/);
			expect((await post(routes.action, 'operator', { id, action: 'start' }, { confirmOverCap: true })).json.error).toMatchObject({ code: 'owner_required' });
			expect((await post(routes.action, 'operator', { id, action: 'start' }, { confirmOverCap: 'yes' })).json.error).toMatchObject({ code: 'invalid', field: 'confirmOverCap' });
			expect((await post(routes.action, 'owner', { id, action: 'start' }, { confirmOverCap: true })).json).toMatchObject({ over_cap_confirmed: true, queued: 3 });
		} finally {
			await t.sql`update public.organizations set monthly_spend_cap = null where id = ${orgId}`;
		}
	});
});
