import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	ssr: {
		// Workspace packages ship TypeScript source: bundle them into the server build.
		noExternal: ['@sms/db', '@sms/twilio-service', '@sms/providers', '@sms/webhooks']
	},
	test: {
		testTimeout: 30_000,
		// Phone-number keys for tests only (README "Security"): fixed, so child processes the tests
		// start (worker, web server) read what the tests wrote.
		env: {
			PHONE_ENCRYPTION_KEYS: 'test1:dGVzdC1vbmx5LXBob25lLWtleS0xLTMyLWJ5dGVzISE=',
			PHONE_ENCRYPTION_KEY_ID: 'test1',
			PHONE_INDEX_KEY: 'dGVzdC1vbmx5LXBob25lLWluZGV4LWtleS0zMmIhISE='
		},
		hookTimeout: 60_000,
		// The suffix says what a test needs (README, "Tests"): *.unit.test.ts runs with no database,
		// server or network; *.int.test.ts gets embedded Postgres and may start servers; the SQL
		// API's tests are the db project.
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['packages/*/src/**/*.unit.test.ts', 'apps/*/src/**/*.unit.test.ts', 'src/**/*.unit.test.ts', 'scripts/**/*.unit.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'db',
					globalSetup: ['packages/db/src/testing/global-setup.ts'],
					include: ['packages/db/src/**/*.test.ts', 'supabase/tests/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					globalSetup: ['packages/db/src/testing/global-setup.ts'],
					include: [
						'apps/*/src/**/*.int.test.ts',
						'src/**/*.int.test.ts',
						'tests/integration/**/*.int.test.ts'
					],
					exclude: ['**/node_modules/**', '**/*.unit.test.ts'],
					environment: 'node'
				}
			}
		]
	}
});
