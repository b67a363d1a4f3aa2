import type { Claims } from '@sms/db';
import type { SupabaseClient } from '@supabase/supabase-js';

// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
			/** Set for unexpected errors: quoted to support, found in the logs. */
			reference?: string;
		}
		interface Locals {
			authMode: 'local' | 'supabase';
			/** Verified claims of the signed-in user; feed them to db().asUser. */
			claims: Claims | null;
			user: { id: string; email: string; isAdmin: boolean } | null;
			/** Supabase mode only: the per-request Auth client. */
			supabase?: SupabaseClient;
		}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};
