import type { TransactionSql } from '@sms/db';

export interface WizardTemplate {
	id: string;
	key: string;
	name: string;
	body: string;
	vars: string[];
}

/** What the new-campaign page needs besides the upload: templates, the default throttle, the caller's phone. */
export async function wizardContext(
	tx: TransactionSql,
	options: { organizationId: string; userId: string }
): Promise<{ templates: WizardTemplate[]; defaultThrottle: number; phoneVerified: boolean }> {
	const templates = await tx<{ id: string; template_key: string; name: string; message_template: string; vars: string[] }[]>`
		select id, template_key, name, message_template, array(select jsonb_array_elements_text(template_vars)) as vars
		from public.sms_templates
		where is_active and organization_id = ${options.organizationId}
		order by lower(name)
		limit 200`;
	const [throttle] = await tx<{ t: string }[]>`select public.campaign_default_throttle(${options.organizationId})::text as t`;
	const [prefs] = await tx<{ phone_verified: boolean }[]>`
		select phone_verified from public.user_sms_preferences where user_id = ${options.userId}`;
	return {
		templates: templates.map((t) => ({ id: t.id, key: t.template_key, name: t.name, body: t.message_template, vars: t.vars })),
		defaultThrottle: Number(throttle?.t ?? 1),
		phoneVerified: prefs?.phone_verified === true
	};
}

/** The body a campaign will send: the chosen template's (active, this workspace's) or the one-off body. */
export async function campaignBody(
	tx: TransactionSql,
	options: { organizationId: string; templateId: string | null; body: string | null }
): Promise<{ body: string; requiredVars?: string[] } | null> {
	if (options.templateId) {
		const [t] = await tx<{ body: string; vars: string[] }[]>`
			select message_template as body, array(select jsonb_array_elements_text(template_vars)) as vars
			from public.sms_templates
			where id = ${options.templateId} and is_active and organization_id = ${options.organizationId}`;
		return t ? { body: t.body, requiredVars: t.vars } : null;
	}
	const body = options.body?.trim() ? options.body : null;
	return body ? { body } : null;
}
