import { error, fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import { clientIp, setRequestIp } from '$lib/server/workspaces/audit';
import { asWorkspaceError } from '$lib/server/workspaces/db-errors';
import { acceptInvitation, invitationByToken, isInvitationToken } from '$lib/server/workspaces/invitations';
import { loginUrl } from '$lib/redirect';
import type { Actions, PageServerLoad } from './$types';

const GONE = 'This invitation link is not valid. Ask the person who invited you for a new one.';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	if (!locals.claims || !locals.user) redirect(303, loginUrl(url));
	if (!isInvitationToken(params.token)) error(404, GONE);
	const invitation = await db().asUser(locals.claims, (tx) => invitationByToken(tx, params.token));
	if (!invitation) error(404, GONE);
	const sameEmail = invitation.emailMatches;
	return {
		invitation: {
			// The workspace and role are shown only to the invited person: a forwarded link says nothing.
			organizationName: sameEmail ? invitation.organizationName : null,
			organizationSlug: sameEmail ? invitation.organizationSlug : null,
			role: sameEmail ? invitation.role : null,
			email: invitation.email,
			state: invitation.state,
			expiresAt: invitation.expiresAt
		},
		sameEmail,
		signedInAs: locals.user.email
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { locals, params } = event;
		if (!locals.claims || !locals.user) redirect(303, loginUrl(event.url));
		if (!isInvitationToken(params.token)) error(404, GONE);
		let slug: string;
		try {
			slug = (await db().asUser(locals.claims, async (tx) => {
				await setRequestIp(tx, clientIp(event.getClientAddress));
				return acceptInvitation(tx, params.token);
			})).organizationSlug;
		} catch (e) {
			const known = asWorkspaceError(e);
			if (known) return fail(known.status, { errors: { form: known.message } });
			throw e;
		}
		log.info({ userId: locals.user.id, slug }, 'invitation accepted');
		redirect(303, `/w/${slug}`);
	}
};
