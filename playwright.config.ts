import os from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

// The whole stack (embedded Postgres, Twilio sandbox, production build, worker) on ports of
// its own, with a fresh data dir, so a developer's `npm start` can keep running alongside.
const WEB_PORT = Number(process.env.E2E_WEB_PORT ?? 4173);
const SANDBOX_PORT = WEB_PORT + 1;
const WORKER_PORT = WEB_PORT + 2;
const PG_PORT = WEB_PORT + 3;
const baseURL = `http://127.0.0.1:${WEB_PORT}`;
const DATA_DIR = path.join(os.tmpdir(), `sms-e2e-${WEB_PORT}`);

// Specs read these to reach the sandbox and to sign Twilio requests.
process.env.E2E_BASE_URL = baseURL;
process.env.E2E_SANDBOX_URL = `http://127.0.0.1:${SANDBOX_PORT}`;
process.env.E2E_DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${PG_PORT}/sms`;
process.env.E2E_DATA_DIR = DATA_DIR;
process.env.E2E_WORKER_URL = `http://127.0.0.1:${WORKER_PORT}`;
process.env.PUBLIC_BASE_URL = baseURL;
process.env.TWILIO_AUTH_TOKEN = 'sandbox-auth-token-not-a-secret';
process.env.TWILIO_ACCOUNT_SID = 'AC' + '0'.repeat(31) + '1';

export default defineConfig({
	testDir: 'tests/e2e',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
	use: {
		baseURL,
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		}
	},
	projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
	webServer: {
		command: 'node --import tsx scripts/start.ts --fresh',
		url: `${baseURL}/api/health`,
		reuseExistingServer: false,
		timeout: 180_000,
		stdout: 'pipe',
		stderr: 'pipe',
		gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
		env: {
			DATA_DIR,
			PORT: String(WEB_PORT),
			SANDBOX_PORT: String(SANDBOX_PORT),
			WORKER_PORT: String(WORKER_PORT),
			PG_PORT: String(PG_PORT),
			PUBLIC_BASE_URL: baseURL,
			ADMIN_EMAILS: 'admin@example.com',
			// Twilio credentials stay unset: the stack uses the sandbox.
			TWILIO_ACCOUNT_SID: '',
			TWILIO_AUTH_TOKEN: ''
		}
	}
});
