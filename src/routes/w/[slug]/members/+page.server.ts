import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { config } from '$lib/server/config';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import { createInvitation, listPendingInvitations, revokeInvitation } from '$lib/server/workspaces/invitations';
import { invitationMailer } from '$lib/server/workspaces/mailer';
import { listMembers, removeMember, setMemberRole, transferOwnership } from '$lib/server/workspaces/members';
import { ORG_ROLES, ROLE_LABELS } from '$lib/workspaces/roles';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const { members, invitations } = await db().asUser(ctx.claims, async (tx) => ({
		members: await listMembers(tx, ctx.organization.id),
		invitations: ctx.can.administer ? await listPendingInvitations(tx, ctx.organization.id) : []
	}));
	return { members, invitations, me: ctx.userId, mailer: invitationMailer().kind };
};

const uuid = z.uuid({ message: 'Choose a member from the list.' });
const role = z.enum(ORG_ROLES, { message: 'Choose a role from the list.' });
const inviteSchema = z.object({
	email: z
		.string()
		.trim()
		.toLowerCase()
		.pipe(z.email({ message: 'Enter a valid e-mail address, like name@example.com.' })),
	role
});

function invalid(action: string, error: z.ZodError, values?: Record<string, string>) {
	const errors: Record<string, string> = {};
	for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
	return fail(400, { action, errors, values });
}

export const actions: Actions = {
	invite: async (event) => {
		const form = await event.request.formData();
		const values = { email: String(form.get('email') ?? ''), role: String(form.get('role') ?? '') };
		const result = await workspaceAction(event, { action: 'invite', minRole: 'admin', field: 'email', values }, async ({ ctx, tx }) => {
			const parsed = inviteSchema.safeParse(values);
			if (!parsed.success) return invalid('invite', parsed.error, values);
			const invitation = await createInvitation(tx, { organizationId: ctx.organization.id, email: parsed.data.email, role: parsed.data.role });
			return { email: parsed.data.email, role: parsed.data.role, expiresAt: invitation.expiresAt, token: invitation.token, workspaceName: ctx.organization.name };
		});
		if (!('email' in result)) return result;
		// After the commit: a mail must never announce an invitation that was rolled back.
		const url = `${config().PUBLIC_BASE_URL}/invite/${result.token}`;
		const sent = await invitationMailer().send({ email: result.email, workspaceName: result.workspaceName, role: ROLE_LABELS[result.role], url });
		if (!sent.delivered) log.warn({ detail: sent.detail }, 'invitation e-mail not sent; the link is shown to the inviter');
		return { action: 'invite', email: result.email, role: result.role, expiresAt: result.expiresAt, inviteUrl: url, mailed: sent.delivered, mailer: invitationMailer().kind };
	},

	revoke: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'revoke', minRole: 'admin' }, async ({ ctx, tx }) => {
			const id = uuid.safeParse(String(form.get('invitation') ?? ''));
			if (!id.success) return fail(400, { action: 'revoke', errors: { form: 'That invitation no longer exists.' } });
			const revoked = await revokeInvitation(tx, { organizationId: ctx.organization.id, invitationId: id.data });
			if (!revoked) return fail(404, { action: 'revoke', errors: { form: 'That invitation no longer exists.' } });
			return { message: `The invitation for ${revoked.email} is revoked; its link no longer works.` };
		});
	},

	setRole: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'setRole', minRole: 'admin' }, async ({ ctx, tx }) => {
			const parsed = z.object({ user: uuid, role }).safeParse({ user: String(form.get('user') ?? ''), role: String(form.get('role') ?? '') });
			if (!parsed.success) return invalid('setRole', parsed.error);
			const before = (await listMembers(tx, ctx.organization.id)).find((m) => m.userId === parsed.data.user);
			if (!before) return fail(404, { action: 'setRole', errors: { form: 'That person is no longer a member.' } });
			if (before.role === parsed.data.role) return { message: `${before.email} is already ${ROLE_LABELS[before.role].toLowerCase()}.` };
			await setMemberRole(tx, { organizationId: ctx.organization.id, userId: parsed.data.user, role: parsed.data.role });
			return { message: `${before.email} is now ${ROLE_LABELS[parsed.data.role].toLowerCase()}.` };
		});
	},

	remove: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'remove', minRole: 'admin' }, async ({ ctx, tx }) => {
			const user = uuid.safeParse(String(form.get('user') ?? ''));
			if (!user.success) return invalid('remove', user.error);
			const before = (await listMembers(tx, ctx.organization.id)).find((m) => m.userId === user.data);
			if (!before) return fail(404, { action: 'remove', errors: { form: 'That person is no longer a member.' } });
			await removeMember(tx, { organizationId: ctx.organization.id, userId: user.data });
			return { message: `${before.email} is no longer a member.` };
		});
	},

	transfer: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'transfer', minRole: 'owner' }, async ({ ctx, tx }) => {
			const user = uuid.safeParse(String(form.get('user') ?? ''));
			if (!user.success) return invalid('transfer', user.error);
			const target = (await listMembers(tx, ctx.organization.id)).find((m) => m.userId === user.data);
			if (!target || target.userId === ctx.userId) return fail(400, { action: 'transfer', errors: { user: 'Choose another member to hand the workspace to.' } });
			await transferOwnership(tx, { organizationId: ctx.organization.id, userId: user.data });
			return { message: `${target.email} is now an owner; you are an admin.` };
		});
	},

	leave: async (event) => {
		const result = await workspaceAction(event, { action: 'leave', minRole: 'viewer' }, async ({ ctx, tx }) => {
			await removeMember(tx, { organizationId: ctx.organization.id, userId: ctx.userId });
			return { left: true };
		});
		if ('left' in result) redirect(303, '/w');
		return result;
	}
};
