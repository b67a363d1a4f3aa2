/** What playwright.config.ts exports to specs, plus the database the stack runs on. */
function required(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`${name} is not set: run the specs through playwright.config.ts`);
	return value;
}

export const e2e = {
	get baseUrl() {
		return required('E2E_BASE_URL');
	},
	get sandboxUrl() {
		return required('E2E_SANDBOX_URL');
	},
	get authToken() {
		return required('TWILIO_AUTH_TOKEN');
	},
	get publicBaseUrl() {
		return required('PUBLIC_BASE_URL');
	},
	/** scripts/start.ts keeps its embedded Postgres on PORT + 3, database "sms". */
	get databaseUrl() {
		if (process.env.E2E_DATABASE_URL) return process.env.E2E_DATABASE_URL;
		const port = Number(new URL(required('E2E_BASE_URL')).port) + 3;
		return `postgres://postgres:postgres@127.0.0.1:${port}/sms`;
	}
};

/** A phone number nobody else in this run uses (the sandbox delivers to any +1555… number). */
export function uniquePhone(): string {
	return `+1555${String(Date.now() % 1e7).padStart(7, '0')}`;
}

export function uniqueEmail(prefix: string): string {
	return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}
