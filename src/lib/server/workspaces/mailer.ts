import { createClient } from '@supabase/supabase-js';
import { config } from '../config.ts';
import { log } from '../log.ts';

export interface InvitationMail {
	email: string;
	workspaceName: string;
	role: string;
	/** The accept link (/invite/<token>), absolute. */
	url: string;
}

/**
 * How an invitation reaches the invited person. Local mode has no mail server: the link is
 * written to the start-up log ("dev mailbox") and shown on screen to the person who invited.
 */
export interface InvitationMailer {
	readonly kind: 'dev-mailbox' | 'supabase';
	send(mail: InvitationMail): Promise<{ delivered: boolean; detail?: string }>;
}

export const devMailbox: InvitationMailer = {
	kind: 'dev-mailbox',
	async send(mail) {
		log.info({ to: mail.email, workspace: mail.workspaceName, role: mail.role }, `dev mailbox: invite for ${mail.email}: ${mail.url}`);
		return { delivered: true };
	}
};

/**
 * Supabase Auth's inviteUserByEmail: it e-mails the person (creating their auth user) with a
 * link that signs them in and lands on our accept page. Needs the service-role key, which stays
 * on the server and is used for this call only (data access never uses it).
 */
export function supabaseMailer(options: { url: string; serviceRoleKey: string }): InvitationMailer {
	const admin = createClient(options.url, options.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } });
	return {
		kind: 'supabase',
		async send(mail) {
			const { error } = await admin.auth.admin.inviteUserByEmail(mail.email, {
				redirectTo: mail.url,
				data: { invited_to: mail.workspaceName }
			});
			if (!error) return { delivered: true };
			// An existing Supabase user cannot be "invited" again: they sign in and open the link.
			log.warn({ err: error, to: mail.email }, 'inviteUserByEmail failed');
			return { delivered: false, detail: error.message };
		}
	};
}

let chosen: InvitationMailer | undefined;

export function invitationMailer(): InvitationMailer {
	if (chosen) return chosen;
	const c = config();
	chosen =
		c.authMode === 'supabase' && c.PUBLIC_SUPABASE_URL && c.SUPABASE_SERVICE_ROLE_KEY
			? supabaseMailer({ url: c.PUBLIC_SUPABASE_URL, serviceRoleKey: c.SUPABASE_SERVICE_ROLE_KEY })
			: devMailbox;
	return chosen;
}
