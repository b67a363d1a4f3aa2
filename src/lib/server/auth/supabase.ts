import type { Cookies } from '@sveltejs/kit';
import { createServerClient } from '@supabase/ssr';
import type { SupabaseClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { config } from '../config.ts';
import { db } from '../db.ts';

/** Per-request Supabase client (Auth only: data goes through postgres.js + RLS). */
export function supabaseFor(cookies: Cookies): SupabaseClient {
	const c = config();
	return createServerClient(c.PUBLIC_SUPABASE_URL!, c.PUBLIC_SUPABASE_ANON_KEY!, {
		cookies: {
			getAll: () => cookies.getAll(),
			setAll: (list) => {
				// No browser-side Supabase client reads them, so keep the session out of JavaScript's reach.
				for (const { name, value, options } of list) cookies.set(name, value, { ...options, path: '/', httpOnly: true });
			}
		},
		// Node 20 has no global WebSocket.
		realtime: { transport: WebSocket as unknown as typeof globalThis.WebSocket }
	});
}

/**
 * Verified claims (signature checked by getClaims), or null when signed out. The signature
 * alone would let a copied token work until it expires after sign-out, so the session it
 * names must also still exist (auth.sessions; Supabase deletes it on sign-out).
 */
export async function supabaseClaims(
	client: SupabaseClient
): Promise<{ sub: string; email: string } | null> {
	const { data, error } = await client.auth.getClaims();
	if (error || !data?.claims?.sub) return null;
	const sessionId = typeof data.claims.session_id === 'string' ? data.claims.session_id : null;
	if (!sessionId || !UUID.test(sessionId) || !(await sessionIsActive(sessionId))) return null;
	return { sub: data.claims.sub, email: String(data.claims.email ?? '') };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function sessionIsActive(sessionId: string): Promise<boolean> {
	const [row] = await db().asService(
		(tx) => tx<{ active: boolean }[]>`select public.auth_session_is_active(${sessionId}::uuid) as active`
	);
	return row?.active ?? false;
}
