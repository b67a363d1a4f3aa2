import type { z } from 'zod';

/**
 * Parses a JSON request body with `schema`. A missing or malformed body, or one that does not
 * fit, is a message for a 400 — never a 500.
 */
export async function parseJsonBody<T extends z.ZodType>(
	request: Request,
	schema: T,
	example: string
): Promise<{ ok: true; data: z.infer<T> } | { ok: false; message: string }> {
	let raw: unknown;
	try {
		raw = await request.json();
	} catch {
		return { ok: false, message: `Send a JSON body like ${example}.` };
	}
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { ok: false, message: `Send a JSON body like ${example}.` };
	}
	const parsed = schema.safeParse(raw);
	return parsed.success ? { ok: true, data: parsed.data } : { ok: false, message: parsed.error.issues[0].message };
}
