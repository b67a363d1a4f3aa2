import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { db } from '$lib/server/db';
import { loadAlertRules, parseRuleForm, saveAlertRule } from '$lib/server/operations/alert-rules';
import { listAlerts, parseAlertFilter } from '$lib/server/operations/alerts';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { listMembers } from '$lib/server/workspaces/members';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const filter = parseAlertFilter(event.url.searchParams);
	return db().asUser(ctx.claims, async (tx) => {
		const members = await listMembers(tx, ctx.organization.id);
		const onCall = await tx<{ user_id: string }[]>`
			select user_id from public.organization_members where organization_id = ${ctx.organization.id} and on_call`;
		const onCallIds = new Set(onCall.map((r) => r.user_id));
		return {
			filter,
			...(await listAlerts(tx, ctx.organization.id, filter)),
			rules: await loadAlertRules(tx, ctx.organization.id),
			members: members.map((m) => ({ userId: m.userId, email: m.email, role: m.role, onCall: onCallIds.has(m.userId) }))
		};
	});
};

const onCallSchema = z.object({ user_id: z.uuid({ message: 'Choose a member from the list.' }), on_call: z.enum(['true', 'false']) });

export const actions: Actions = {
	rule: async (event) => {
		const form = await event.request.formData();
		const parsed = parseRuleForm(form);
		if (!parsed.ok) return fail(400, { action: 'rule', kind: String(form.get('kind') ?? ''), errors: { form: parsed.error } });
		return workspaceAction(event, { action: 'rule', minRole: 'admin' }, async ({ ctx, tx }) => {
			await saveAlertRule(tx, ctx.organization.id, parsed.rule);
			return { kind: parsed.rule.kind, saved: true };
		});
	},
	onCall: async (event) => {
		const form = await event.request.formData();
		const parsed = onCallSchema.safeParse(Object.fromEntries(form));
		if (!parsed.success) return fail(400, { action: 'onCall', errors: { form: parsed.error.issues[0]!.message } });
		return workspaceAction(event, { action: 'onCall', minRole: 'admin' }, async ({ ctx, tx }) => {
			await tx`select public.set_member_on_call(${ctx.organization.id}, ${parsed.data.user_id}, ${parsed.data.on_call === 'true'})`;
			return { saved: true };
		});
	}
};
