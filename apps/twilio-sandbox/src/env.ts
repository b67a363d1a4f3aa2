import { z } from 'zod';

const sid = (prefix: string) =>
	z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `must be ${prefix} followed by 32 hex digits`);

const envSchema = z.object({
	SANDBOX_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
	TWILIO_ACCOUNT_SID: sid('AC'),
	TWILIO_AUTH_TOKEN: z.string().min(1),
	TWILIO_VERIFY_SERVICE_SID: sid('VA').optional(),
	TWILIO_MESSAGING_SERVICE_SID: sid('MG').optional(),
	SANDBOX_INCOMING_WEBHOOK_URL: z.url().optional(),
	SANDBOX_PUBLIC_URL: z.url().optional(),
	SANDBOX_SENT_DELAY_MS: z.coerce.number().int().min(0).default(50),
	SANDBOX_DELIVERED_DELAY_MS: z.coerce.number().int().min(0).default(150),
	SANDBOX_SMS_RETAIL_API_KEY: z.string().min(1).optional(),
	SANDBOX_SMS_RETAIL_WEBHOOK_SECRET: z.string().min(1).optional(),
	SANDBOX_23TELECOM_API_KEY: z.string().min(1).optional(),
	SANDBOX_23TELECOM_WEBHOOK_SECRET: z.string().min(1).optional()
});

export type SandboxEnv = z.infer<typeof envSchema>;

export class SandboxEnvError extends Error {
	readonly code = 'invalid_env';
}

/** Read and validate the environment once; the error names every bad variable. */
export function readEnv(env: NodeJS.ProcessEnv): SandboxEnv {
	// Empty strings (e.g. `FOO=` in a .env file) mean "not set".
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
	const parsed = envSchema.safeParse(cleaned);
	if (!parsed.success) {
		const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
		throw new SandboxEnvError(`Invalid twilio-sandbox configuration:\n${lines.join('\n')}`, {
			cause: parsed.error
		});
	}
	return parsed.data;
}
