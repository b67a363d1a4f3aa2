import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { config } from '$lib/server/config';
import { verificationDeps } from '$lib/server/sms/app-deps';
import { confirmPhoneVerification, VerificationError } from '$lib/server/sms/verification';
import { verificationErrorResponse } from '$lib/server/sms/verification-errors';
import { parseJsonBody } from '../read-json';
import type { RequestHandler } from './$types';

const body = z.object({
	phoneNumber: z.string({ message: 'phoneNumber is required.' }).max(40, 'phoneNumber is too long.'),
	code: z.string({ message: 'code is required.' }).max(10, 'code is too long.'),
	country: z.string().length(2).optional()
});

/** Seed 003: confirm verification → { success, verified, message }. */
export const POST: RequestHandler = async ({ request, locals, getClientAddress }) => {
	if (!locals.user) {
		return json({ success: false, verified: false, message: 'Sign in first.', code: 'unauthenticated' }, { status: 401 });
	}
	const parsed = await parseJsonBody(request, body, '{"phoneNumber":"+15551234567","code":"123456"}');
	if (!parsed.ok) {
		return json({ success: false, verified: false, message: parsed.message, code: 'invalid_request' }, { status: parsed.status });
	}
	try {
		await confirmPhoneVerification(verificationDeps(), {
			userId: locals.user.id,
			phone: parsed.data.phoneNumber,
			code: parsed.data.code,
			country: parsed.data.country ?? config().DEFAULT_COUNTRY,
			ip: getClientAddress()
		});
		return json({ success: true, verified: true, message: 'Phone number verified successfully' });
	} catch (error) {
		if (!(error instanceof VerificationError)) throw error;
		const r = verificationErrorResponse(error);
		return json({ ...r.body, verified: false, message: r.body.error }, { status: r.status, headers: r.headers });
	}
};
