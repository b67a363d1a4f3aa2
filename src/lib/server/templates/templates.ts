import type { TransactionSql } from '@sms/db';

export interface TemplateRow {
	id: string;
	key: string;
	name: string;
	description: string;
	body: string;
	variables: string[];
	notificationType: string;
	active: boolean;
	usageCount: number;
	lastUsedAt: string | null;
	updatedAt: string;
	/** Texts scheduled with it that have not gone yet (it cannot be deleted while there are any). */
	scheduled: number;
}

export const TEMPLATES_PAGE_SIZE = 25;

/** One page of the workspace's templates (RLS: members only), searched by key, name or body. */
export async function listTemplates(
	tx: TransactionSql,
	organizationId: string,
	options: { q?: string; page?: number } = {}
): Promise<{ rows: TemplateRow[]; total: number; page: number; pages: number }> {
	const q = (options.q ?? '').trim();
	const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
	const [{ total }] = await tx<{ total: number }[]>`
		select count(*)::int as total from public.sms_templates
		where organization_id = ${organizationId}
			and (${q} = '' or template_key ilike ${like} or name ilike ${like} or message_template ilike ${like})`;
	const pages = Math.max(1, Math.ceil(total / TEMPLATES_PAGE_SIZE));
	const page = Math.min(Math.max(1, Math.trunc(options.page ?? 1)), pages);
	const rows = await tx<
		{
			id: string;
			template_key: string;
			name: string;
			description: string;
			message_template: string;
			template_vars: string[];
			notification_type: string;
			is_active: boolean;
			usage_count: number;
			last_used_at: Date | null;
			updated_at: Date;
			scheduled: number;
		}[]
	>`
		select t.id, t.template_key, t.name, t.description, t.message_template, t.template_vars, t.notification_type,
			t.is_active, t.usage_count, t.last_used_at, t.updated_at,
			(select count(*)::int from public.sms_messages m where m.template_id = t.id and m.status = 'scheduled') as scheduled
		from public.sms_templates t
		where t.organization_id = ${organizationId}
			and (${q} = '' or t.template_key ilike ${like} or t.name ilike ${like} or t.message_template ilike ${like})
		order by lower(t.name), t.template_key
		limit ${TEMPLATES_PAGE_SIZE} offset ${(page - 1) * TEMPLATES_PAGE_SIZE}`;
	return {
		rows: rows.map((r) => ({
			id: r.id,
			key: r.template_key,
			name: r.name,
			description: r.description,
			body: r.message_template,
			variables: r.template_vars,
			notificationType: r.notification_type,
			active: r.is_active,
			usageCount: r.usage_count,
			lastUsedAt: r.last_used_at?.toISOString() ?? null,
			updatedAt: r.updated_at.toISOString(),
			scheduled: r.scheduled
		})),
		total,
		page,
		pages
	};
}

export async function notificationTypes(tx: TransactionSql): Promise<{ key: string; label: string }[]> {
	return tx<{ key: string; label: string }[]>`select key, label from public.sms_notification_types order by label`;
}

export interface TemplateInput {
	key: string;
	name: string;
	body: string;
	notificationType: string;
	description: string;
}

export async function createTemplate(tx: TransactionSql, organizationId: string, t: TemplateInput): Promise<string> {
	const [row] = await tx<{ id: string }[]>`
		select public.create_sms_template(${organizationId}, ${t.key}, ${t.name}, ${t.body}, ${t.notificationType}, ${t.description}) as id`;
	return row.id;
}

export async function updateTemplate(tx: TransactionSql, id: string, t: Omit<TemplateInput, 'key'>): Promise<void> {
	await tx`select public.update_sms_template(${id}, ${t.name}, ${t.body}, ${t.notificationType}, ${t.description})`;
}

export async function setTemplateActive(tx: TransactionSql, id: string, active: boolean): Promise<void> {
	await tx`select public.set_sms_template_active(${id}, ${active})`;
}

export async function deleteTemplate(tx: TransactionSql, id: string): Promise<void> {
	await tx`select public.delete_sms_template(${id})`;
}

/** The workspace's segment limit for templates (default 3). */
export async function maxTemplateSegments(tx: TransactionSql, organizationId: string): Promise<number> {
	const [row] = await tx<{ n: number }[]>`select max_template_segments as n from public.organizations where id = ${organizationId}`;
	return row?.n ?? 3;
}
