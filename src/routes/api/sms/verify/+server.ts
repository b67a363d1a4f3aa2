import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { config } from '$lib/server/config';
import { verificationDeps } from '$lib/server/sms/app-deps';
import { startPhoneVerification, VerificationError } from '$lib/server/sms/verification';
import { verificationErrorResponse } from '$lib/server/sms/verification-errors';
import { parseJsonBody } from './read-json';
import type { RequestHandler } from './$types';

const body = z.object({
	phoneNumber: z.string({ message: 'phoneNumber is required.' }).max(40, 'phoneNumber is too long.'),
	/** ISO country for numbers typed without +; defaults to DEFAULT_COUNTRY. */
	country: z.string().length(2).optional()
});

/** Seed 003: start verification → { success, verificationSent, verificationSid }. */
export const POST: RequestHandler = async ({ request, locals, getClientAddress }) => {
	if (!locals.user) return json({ success: false, error: 'Sign in first.', code: 'unauthenticated' }, { status: 401 });
	const parsed = await parseJsonBody(request, body, '{"phoneNumber":"+15551234567"}');
	if (!parsed.ok) return json({ success: false, error: parsed.message, code: 'invalid_request' }, { status: parsed.status });
	try {
		const result = await startPhoneVerification(verificationDeps(), {
			userId: locals.user.id,
			phone: parsed.data.phoneNumber,
			country: parsed.data.country ?? config().DEFAULT_COUNTRY,
			ip: getClientAddress()
		});
		return json({
			success: true,
			verificationSent: true,
			verificationSid: result.verificationSid,
			phoneNumber: result.phoneNumber,
			resendAt: result.resendAt.toISOString()
		});
	} catch (error) {
		if (!(error instanceof VerificationError)) throw error;
		const r = verificationErrorResponse(error);
		return json({ ...r.body, verificationSent: false }, { status: r.status, headers: r.headers });
	}
};
