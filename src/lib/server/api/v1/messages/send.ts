import type { TransactionSql } from '@sms/db';
import { renderTemplate, TemplateError } from '@sms/twilio-service';
import type { MessageAccepted, SendMessage } from '$lib/api/v1/schemas/messages';
import { validationProblem, type FieldIssue } from '$lib/api/v1/problems';
import type { ApiKeyPrincipal } from '../principal.ts';
import { ApiProblem } from '../respond.ts';
import { resolveRecipient } from './recipients.ts';
import { sqlErrorToIssue } from './sql-errors.ts';

interface TemplateRow {
	message_template: string;
	template_vars: string[];
	notification_type: string;
}

/** Renders the text: the body as given, or the template (templates are shared by all workspaces) with the variables. */
async function renderBody(tx: TransactionSql, msg: SendMessage, prefix: string): Promise<string> {
	if (msg.body !== undefined) return msg.body;
	const [t] = await tx<TemplateRow[]>`
		select message_template, template_vars, notification_type from public.sms_templates
		where template_key = ${msg.template!} and is_active`;
	if (!t) {
		throw new ApiProblem(validationProblem([{ field: `${prefix}template`, message: `no active template "${msg.template}" in this workspace`, code: 'unknown_template' }]));
	}
	try {
		return renderTemplate(t.message_template, msg.variables ?? {}, { requiredVars: t.template_vars, maxLength: 1600 }).text;
	} catch (e) {
		if (e instanceof TemplateError && e.code === 'missing_variables') {
			const issues: FieldIssue[] = (e.missing ?? []).map((name) => ({
				field: `${prefix}variables.${name}`,
				message: `template "${msg.template}" needs a value for ${name}`,
				code: 'missing_variable'
			}));
			throw new ApiProblem(validationProblem(issues));
		}
		if (e instanceof TemplateError) {
			throw new ApiProblem(validationProblem([{ field: `${prefix}variables`, message: e.message, code: e.code }]));
		}
		throw e;
	}
}

/**
 * Queues one validated text for the key's workspace through queue_sms_message, keeps its
 * metadata beside it, and answers what the caller needs to track it.
 * Throws ApiProblem (422, field named) for anything only the database can tell.
 */
export async function queueOne(tx: TransactionSql, key: ApiKeyPrincipal, msg: SendMessage, prefix = ''): Promise<MessageAccepted> {
	const to = await resolveRecipient(tx, key.organizationId, msg.to, `${prefix}to`);
	const text = await renderBody(tx, msg, prefix);
	let id: string;
	try {
		[{ id }] = await tx<{ id: string }[]>`
			select public.queue_sms_message(
				p_user_id => ${to.contactId ? null : to.userId}::uuid,
				p_phone_number => ${to.contactId ? null : to.phone},
				p_message => ${text},
				p_priority => ${msg.priority},
				p_scheduled_for => ${msg.sendAt ?? null}::timestamptz,
				p_notification_type => ${msg.type ?? null},
				p_template_key => ${msg.template ?? null},
				p_template_vars => ${msg.variables ? tx.json(msg.variables) : null}::jsonb,
				p_organization_id => ${key.organizationId}::uuid,
				p_contact_id => ${to.contactId}::uuid
			) as id`;
	} catch (e) {
		const issue = sqlErrorToIssue(e, prefix);
		if (issue) throw new ApiProblem(validationProblem([issue]));
		throw e;
	}
	await tx`
		insert into public.api_message_metadata (message_id, organization_id, api_key_id, metadata)
		values (${id}, ${key.organizationId}, ${key.keyId}, ${tx.json((msg.metadata ?? {}) as never)})`;
	const [m] = await tx<{ status: MessageAccepted['status']; status_reason: string | null; phone_number: string; scheduled_for: Date | null; created_at: Date }[]>`
		select status, status_reason, phone_number, scheduled_for, created_at from public.sms_messages where id = ${id}`;
	return {
		id,
		status: m.status,
		statusReason: m.status_reason,
		to: { userId: to.userId, contactId: to.contactId, externalId: to.externalId, phone: m.phone_number },
		sendAt: m.scheduled_for?.toISOString() ?? null,
		createdAt: m.created_at.toISOString()
	};
}
