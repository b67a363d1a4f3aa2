import type { Db } from '@sms/db';
import { z } from 'zod';
import type { WorkspaceContext } from '$lib/server/workspaces/context';
import { CampaignApiError } from './errors.ts';

const createSchema = z
	.object({
		importId: z.uuid('importId: give the id the import answered with.'),
		templateId: z.uuid('templateId: give a template id (a UUID).').nullish(),
		body: z.string().max(1600, 'body: the body is over 1,600 characters.').nullish(),
		name: z.string().trim().min(1, 'name: name the campaign.').max(200, 'name: use at most 200 characters.'),
		notificationType: z.string().trim().min(1).max(100).nullish(),
		throttlePerSecond: z
			.number({ message: 'throttlePerSecond: give a number of texts per second.' })
			.positive('throttlePerSecond: must be more than 0.')
			.max(500, 'throttlePerSecond: at most 500 texts per second.')
			.nullish(),
		scheduledAt: z.iso.datetime({ offset: true, message: 'scheduledAt: give an ISO 8601 time such as 2026-12-24T09:00:00Z.' }).nullish()
	})
	.strict();

const startSchema = z.object({ confirmOverCap: z.boolean({ message: 'confirmOverCap: true or false.' }).optional() }).strict();
const pauseSchema = z.object({ reason: z.string().max(500, 'reason: use at most 500 characters.').optional() }).strict();

export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel' | 'retry';
export const CAMPAIGN_ACTIONS: readonly CampaignAction[] = ['start', 'pause', 'resume', 'cancel', 'retry'];

/** The JSON body (empty allowed where every field is optional), refused with the field named. */
async function readJson<T extends z.ZodType>(request: Request, schema: T, allowEmpty: boolean): Promise<z.infer<T>> {
	const text = await request.text();
	if (text.trim() === '' && allowEmpty) return schema.parse({});
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new CampaignApiError({ status: 400, code: 'malformed_json', message: 'The body is not JSON. Send a JSON object.' });
	}
	const parsed = schema.safeParse(value);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		const field = issue.code === 'unrecognized_keys' ? issue.keys[0] : String(issue.path[0] ?? '');
		const message = issue.code === 'unrecognized_keys' ? `${field}: not a field of this request.` : issue.message.includes(':') ? issue.message : `${field}: ${issue.message}`;
		throw new CampaignApiError({ status: 422, code: 'invalid', field: field || undefined, message });
	}
	return parsed.data;
}

export async function createCampaign(db: Db, ws: WorkspaceContext, request: Request): Promise<{ id: string }> {
	const input = await readJson(request, createSchema, false);
	const [row] = await db.asUser(ws.claims, (tx) => tx<{ id: string }[]>`
		select public.create_campaign(${ws.organization.id}, ${input.importId}, ${input.templateId ?? null}, ${input.body ?? null},
			${input.name}, ${input.notificationType ?? null}, ${input.throttlePerSecond ?? null}, ${input.scheduledAt ?? null}) as id`);
	return { id: row!.id };
}

/** start | pause | resume | cancel | retry, each one SQL API call as the member. */
export async function campaignAction(db: Db, ws: WorkspaceContext, id: string, action: CampaignAction, request: Request): Promise<unknown> {
	checkId(id);
	switch (action) {
		case 'start': {
			const input = await readJson(request, startSchema, true);
			const [row] = await db.asUser(ws.claims, (tx) => tx<{ r: unknown }[]>`select public.start_campaign(${id}, ${input.confirmOverCap ?? false}) as r`);
			return row!.r;
		}
		case 'pause': {
			const input = await readJson(request, pauseSchema, true);
			await db.asUser(ws.claims, (tx) => tx`select public.pause_campaign(${id}, ${input.reason ?? null})`);
			return getCampaign(db, ws, id);
		}
		case 'resume':
			await db.asUser(ws.claims, (tx) => tx`select public.resume_campaign(${id})`);
			return getCampaign(db, ws, id);
		case 'cancel':
			await db.asUser(ws.claims, (tx) => tx`select public.cancel_campaign(${id})`);
			return getCampaign(db, ws, id);
		case 'retry': {
			const [row] = await db.asUser(ws.claims, (tx) => tx<{ r: unknown }[]>`select public.retry_campaign_failures(${id}) as r`);
			return row!.r;
		}
	}
}

function checkId(id: string): void {
	if (!z.uuid().safeParse(id).success) throw new CampaignApiError({ status: 404, code: 'not_found', message: 'No such campaign.' });
}

export interface CampaignView {
	id: string;
	name: string;
	status: string;
	templateId: string | null;
	body: string | null;
	notificationType: string;
	importId: string | null;
	throttlePerSecond: number;
	scheduledAt: string | null;
	estimate: unknown;
	estimatedCost: number | null;
	currency: string | null;
	pauseReason: string | null;
	createdBy: string | null;
	createdAt: string;
	startedAt: string | null;
	completedAt: string | null;
	canceledAt: string | null;
	progress: Record<string, unknown>;
}

/** The campaign and its progress, read through RLS (a non-member gets 404). */
export async function getCampaign(db: Db, ws: WorkspaceContext, id: string): Promise<CampaignView> {
	checkId(id);
	return db.asUser(ws.claims, async (tx) => {
		const [c] = await tx<
			{
				id: string; name: string; status: string; template_id: string | null; body: string | null; notification_type: string;
				import_id: string | null; throttle_per_second: string; scheduled_at: Date | null; estimate: unknown; estimated_cost: string | null;
				currency: string | null; pause_reason: string | null; created_by: string | null; created_at: Date; started_at: Date | null;
				completed_at: Date | null; canceled_at: Date | null;
			}[]
		>`
			select id, name, status, template_id, body, notification_type, import_id, throttle_per_second::text, scheduled_at, estimate,
			       estimated_cost::text, currency, pause_reason, created_by, created_at, started_at, completed_at, canceled_at
			from public.sms_campaigns where id = ${id} and organization_id = ${ws.organization.id}`;
		if (!c) throw new CampaignApiError({ status: 404, code: 'not_found', message: 'No such campaign in this workspace.' });
		const [p] = await tx<{ p: Record<string, unknown> }[]>`select public.campaign_progress(${id}) as p`;
		const iso = (d: Date | null) => (d ? d.toISOString() : null);
		return {
			id: c.id,
			name: c.name,
			status: c.status,
			templateId: c.template_id,
			body: c.body,
			notificationType: c.notification_type,
			importId: c.import_id,
			throttlePerSecond: Number(c.throttle_per_second),
			scheduledAt: iso(c.scheduled_at),
			estimate: c.estimate,
			estimatedCost: c.estimated_cost === null ? null : Number(c.estimated_cost),
			currency: c.currency,
			pauseReason: c.pause_reason,
			createdBy: c.created_by,
			createdAt: c.created_at.toISOString(),
			startedAt: iso(c.started_at),
			completedAt: iso(c.completed_at),
			canceledAt: iso(c.canceled_at),
			progress: p!.p
		};
	});
}
