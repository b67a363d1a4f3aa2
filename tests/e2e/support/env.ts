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
	/** The stack's data directory (its generated phone keys: support/db.ts cipher()). */
	get dataDir() {
		return required('E2E_DATA_DIR');
	},
	/** The stack's own database, for arranging fixtures and reading what landed. */
	get databaseUrl() {
		return required('E2E_DATABASE_URL');
	}
};

/**
 * A valid US mobile-format number nobody else in this run uses (San Francisco 415, exchange
 * 200–999); the sandbox delivers to any number that is not one of its magic ones.
 */
export function uniquePhone(): string {
	const exchange = 200 + Math.floor(Math.random() * 800);
	const line = String(Math.floor(Math.random() * 10_000)).padStart(4, '0');
	return `+1415${exchange}${line}`;
}

export function uniqueEmail(prefix: string): string {
	return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}
