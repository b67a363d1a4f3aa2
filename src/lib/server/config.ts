import { env } from '$env/dynamic/private';
import { env as publicEnv } from '$env/dynamic/public';
import { z } from 'zod';

const bool = z
	.enum(['true', 'false', '1', '0', ''])
	.optional()
	.transform((v) => v === 'true' || v === '1');

const schema = z.object({
	NODE_ENV: z.string().default('development'),
	/** adapter-node's listen address (it binds every interface when unset). */
	HOST: z.string().optional(),
	DATABASE_URL: z.string().url({ message: 'DATABASE_URL must be a postgres:// URL' }),
	DATABASE_LISTEN_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
	PUBLIC_BASE_URL: z.string().url({ message: 'PUBLIC_BASE_URL must be the public https URL of this app' }),
	TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'TWILIO_ACCOUNT_SID must look like AC followed by 32 hex characters'),
	TWILIO_AUTH_TOKEN: z.string().min(8, 'TWILIO_AUTH_TOKEN is required'),
	TWILIO_VERIFY_SERVICE_SID: z.string().regex(/^VA[0-9a-fA-F]{32}$/, 'TWILIO_VERIFY_SERVICE_SID must look like VA followed by 32 hex characters'),
	TWILIO_API_BASE_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
	/** "twilio": Twilio's Advanced Opt-Out answers STOP/HELP itself, so we reply with empty TwiML. */
	SMS_KEYWORD_REPLIES: z.enum(['app', 'twilio']).default('app'),
	SMS_HELP_TEXT: z
		.string()
		.default('SMS notifications: reply STOP to opt out, START to opt back in. Manage your texts in the app settings.'),
	AUTH_MODE: z.enum(['local', 'supabase']).optional(),
	PUBLIC_SUPABASE_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
	PUBLIC_SUPABASE_ANON_KEY: z.string().optional(),
	/** Supabase mode: lets workspace invitations go out through Supabase Auth's inviteUserByEmail. */
	SUPABASE_SERVICE_ROLE_KEY: z.string().optional().or(z.literal('').transform(() => undefined)),
	ALLOW_LOCAL_AUTH_IN_PRODUCTION: bool,
	ADMIN_EMAILS: z
		.string()
		.default('')
		.transform((s) => s.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)),
	/** Unused since sessions are kept server-side; still validated when given, for old setups. */
	SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
	/** A local-mode session not used for this long ends. */
	SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(60 * 24 * 7).default(480),
	DEFAULT_COUNTRY: z.string().length(2).default('US'),
	/** Countries verification codes may be sent to (comma-separated ISO codes); default: DEFAULT_COUNTRY. */
	VERIFICATION_COUNTRIES: z
		.string()
		.optional()
		.transform((s) => (s ?? '').split(',').map((c) => c.trim().toUpperCase()).filter(Boolean))
		.pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'VERIFICATION_COUNTRIES must be ISO country codes like US,GB'))),
	/** Verification codes per country calling code per hour, and in all per hour (SMS pumping caps). */
	VERIFICATION_HOURLY_CAP_PER_COUNTRY: z.coerce.number().int().positive().default(200),
	VERIFICATION_HOURLY_CAP: z.coerce.number().int().positive().default(1000),
	/** Price per segment for estimates when Twilio's price list cannot be had (and none was ever fetched). */
	SMS_DEFAULT_PRICE: z.coerce.number().nonnegative('SMS_DEFAULT_PRICE must be a price per segment, e.g. 0.0079').optional(),
	/** Bearer token for GET /metrics; without it /metrics answers only loopback clients. */
	METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional().or(z.literal('').transform(() => undefined)),
	SMS_DEFAULT_PRICE_UNIT: z.string().regex(/^[A-Z]{3}$/, 'SMS_DEFAULT_PRICE_UNIT must be a currency code such as USD').default('USD')
});

export type Config = z.infer<typeof schema> & { authMode: 'local' | 'supabase' };

let cached: Config | undefined;

/** Reads and validates the configuration once; a bad value stops start-up naming the variable. */
export function config(): Config {
	if (cached) return cached;
	const parsed = schema.safeParse({ ...env, ...publicEnv });
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
		throw new Error(`Invalid configuration:\n${problems}\nSee .env.example for every variable.`);
	}
	const c = parsed.data;
	const authMode =
		c.AUTH_MODE ?? (c.PUBLIC_SUPABASE_URL && c.PUBLIC_SUPABASE_ANON_KEY ? 'supabase' : 'local');
	if (authMode === 'supabase' && !(c.PUBLIC_SUPABASE_URL && c.PUBLIC_SUPABASE_ANON_KEY)) {
		throw new Error('AUTH_MODE=supabase needs PUBLIC_SUPABASE_URL and PUBLIC_SUPABASE_ANON_KEY');
	}
	if (authMode === 'local' && c.NODE_ENV === 'production' && !c.ALLOW_LOCAL_AUTH_IN_PRODUCTION) {
		throw new Error(
			'Local sign-in (no password) is refused when NODE_ENV=production. Configure Supabase Auth ' +
				'(PUBLIC_SUPABASE_URL, PUBLIC_SUPABASE_ANON_KEY) or set ALLOW_LOCAL_AUTH_IN_PRODUCTION=true.'
		);
	}
	if (authMode === 'local' && !isLoopback(c.HOST) && !c.ALLOW_LOCAL_AUTH_IN_PRODUCTION) {
		throw new Error(
			`Local sign-in (no password) only listens on loopback, but HOST is ${c.HOST ?? 'unset (every interface)'}: ` +
				'set HOST=127.0.0.1, configure Supabase Auth, or set ALLOW_LOCAL_AUTH_IN_PRODUCTION=true.'
		);
	}
	cached = { ...c, authMode };
	return cached;
}

/** Anyone on the network could sign in as anyone in local mode: only loopback is safe. */
function isLoopback(host: string | undefined): boolean {
	if (!host) return false;
	return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
